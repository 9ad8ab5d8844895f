// What a UI scenario is: a named story acted out in a real workbench on a workspace of its own,
// in steps; every step ends with a screenshot so a failing run can be looked at.
import type { Workbench } from './workbench';

export interface Scenario {
  /** One line a person would say: "rewind to an older checkpoint and undo it". */
  name: string;
  /** Files of the workspace before the workbench opens (relative path → content). */
  files: Record<string, string>;
  /** Extra workspace settings (.vscode/settings.json). */
  settings?: Record<string, unknown>;
  run(wb: Workbench): Promise<void>;
}
