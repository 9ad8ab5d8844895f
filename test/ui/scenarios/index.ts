// The UI scenarios, in the order they run (numbered as in the issue that asked for them).
import type { Scenario } from '../scenario';
import { openWorkspace } from './01-open-workspace';

export const scenarios: Scenario[] = [openWorkspace];
