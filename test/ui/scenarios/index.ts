// The UI scenarios, in the order they run (numbered as in the issue that asked for them).
import type { Scenario } from '../scenario';
import { openWorkspace } from './01-open-workspace';
import { createCheckpoint } from './02-create-checkpoint';
import { rewindAndUndo } from './03-rewind-and-undo';
import { branchesAndRollback } from './04-branches-and-rollback';
import { outsideAndTerminal } from './05-outside-and-terminal';
import { unsavedBuffer } from './06-unsaved-buffer';
import { secondWindow } from './07-second-window';
import { folderAloneAndCopied, foldersReorderedAndRenamed } from './08-folder-identity';
import { confirmAndPreview } from './10-confirm-and-preview';
import { walkthrough } from './13-walkthrough';
import { historyGraph } from './12-history-graph';
import { revertOneCheckpoint } from './11-revert';
import { importSession } from './10-import-session';
import { storage } from './09-storage';
import { reopenWithHistory } from './16-reopen';
import { terminalSession } from './14-terminal-session';
import { treeFilterRevealSummary } from './14-tree-filter-reveal-summary';
import { pauseResume } from './14-pause-resume';

export const scenarios: Scenario[] = [
  openWorkspace,
  createCheckpoint,
  rewindAndUndo,
  branchesAndRollback,
  outsideAndTerminal,
  unsavedBuffer,
  secondWindow,
  foldersReorderedAndRenamed,
  folderAloneAndCopied,
  confirmAndPreview,
  walkthrough,
  historyGraph,
  revertOneCheckpoint,
  importSession,
  storage,
  reopenWithHistory,
  terminalSession,
  treeFilterRevealSummary,
  pauseResume,
];
