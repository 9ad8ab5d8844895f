// The UI scenarios, in the order they run (numbered as in the issue that asked for them).
import type { Scenario } from '../scenario';
import { openWorkspace } from './01-open-workspace';
import { createCheckpoint } from './02-create-checkpoint';
import { rewindAndUndo } from './03-rewind-and-undo';
import { branchesAndRollback } from './04-branches-and-rollback';
import { outsideAndTerminal } from './05-outside-and-terminal';
import { unsavedBuffer } from './06-unsaved-buffer';
import { secondWindow } from './07-second-window';
import { storage } from './09-storage';

export const scenarios: Scenario[] = [
  openWorkspace,
  createCheckpoint,
  rewindAndUndo,
  branchesAndRollback,
  outsideAndTerminal,
  unsavedBuffer,
  secondWindow,
  storage,
];
