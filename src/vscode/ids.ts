// Every id the extension shares with package.json, declared once. `scripts`/tests compare these
// with the manifest, so a command renamed here and not there is caught.

export const PREFIX = 'sessionTree';

/** `publisher.name` of package.json. */
export const EXTENSION_ID = 'sessiontree.session-tree';

export const Commands = {
  createCheckpoint: 'sessionTree.createCheckpoint',
  rewind: 'sessionTree.rewind',
  rewindHere: 'sessionTree.rewindHere',
  rewindBefore: 'sessionTree.rewindBefore',
  rollback: 'sessionTree.rollback',
  checkout: 'sessionTree.checkout',
  createBranch: 'sessionTree.createBranch',
  branchFromHere: 'sessionTree.branchFromHere',
  renameBranch: 'sessionTree.renameBranch',
  deleteBranch: 'sessionTree.deleteBranch',
  newSession: 'sessionTree.newSession',
  switchSession: 'sessionTree.switchSession',
  renameSession: 'sessionTree.renameSession',
  forkSession: 'sessionTree.forkSession',
  deleteSession: 'sessionTree.deleteSession',
  labelCheckpoint: 'sessionTree.labelCheckpoint',
  compareWithCurrent: 'sessionTree.compareWithCurrent',
  restoreFile: 'sessionTree.restoreFile',
  openChanges: 'sessionTree.openChanges',
  undoLastRestore: 'sessionTree.undoLastRestore',
  refresh: 'sessionTree.refresh',
  showLog: 'sessionTree.showLog',
  verifyStore: 'sessionTree.verifyStore',
  repairStore: 'sessionTree.repairStore',
  exportSession: 'sessionTree.exportSession',
  importSession: 'sessionTree.importSession',
  openAllResults: 'sessionTree.openAllResults',
  retryResultFile: 'sessionTree.retryResultFile',
  applyPreview: 'sessionTree.applyPreview',
  cancelPreview: 'sessionTree.cancelPreview',
  showMenu: 'sessionTree.showMenu',
  getStarted: 'sessionTree.getStarted',
  openFile: 'sessionTree.openFile',
  revealFile: 'sessionTree.revealFile',
  copyFilePath: 'sessionTree.copyFilePath',
  showHistoryGraph: 'sessionTree.showHistoryGraph',
  showFileHistory: 'sessionTree.showFileHistory',
  findCheckpoint: 'sessionTree.findCheckpoint',
  // Issue 16: revert one checkpoint, redo, edit tags.
  revertCheckpoint: 'sessionTree.revertCheckpoint',
  redoLastRestore: 'sessionTree.redoLastRestore',
  editSessionTags: 'sessionTree.editSessionTags',
  compactStore: 'sessionTree.compactStore',
  deleteSessions: 'sessionTree.deleteSessions',
  showStorage: 'sessionTree.showStorage',
  // Issue 15: terminal sessions (src/vscode/terminal/).
  newTerminalSession: 'sessionTree.newTerminalSession',
  attachTerminal: 'sessionTree.attachTerminal',
  detachTerminal: 'sessionTree.detachTerminal',
  reopenTerminalSession: 'sessionTree.reopenTerminalSession',
  showCommandRecord: 'sessionTree.showCommandRecord',
  showCommandOutput: 'sessionTree.showCommandOutput',
  // Issues 16/17: the tree filtered, a checkpoint revealed in it, a session's summary.
  filterSessions: 'sessionTree.filterSessions',
  clearFilter: 'sessionTree.clearFilter',
  revealInTree: 'sessionTree.revealInTree',
  showSessionSummary: 'sessionTree.showSessionSummary',
  // Issue 17: pause and resume recording.
  pauseRecording: 'sessionTree.pauseRecording',
  resumeRecording: 'sessionTree.resumeRecording',
  // Internal: bound to tree-item clicks, hidden from the palette.
  openDiff: 'sessionTree.openDiff',
  loadMore: 'sessionTree.loadMore',
} as const;
export type CommandId = (typeof Commands)[keyof typeof Commands];

/** The Getting Started walkthrough (package.json `walkthroughs`), as `<extension id>#<walkthrough id>`. */
export const WALKTHROUGH = 'sessiontree.session-tree#sessionTree.start';

export const Views = {
  container: 'sessionTree',
  sessions: 'sessionTree.sessions',
  results: 'sessionTree.results',
} as const;

/** Context keys read by `when` clauses in package.json. */
export const ContextKeys = {
  /** 'noFolder' | 'loading' | 'ready' | 'noSession' | 'error' */
  state: 'sessionTree.state',
  hasRestore: 'sessionTree.hasRestore',
  canUndo: 'sessionTree.canUndo',
  /** true while the active session has an undone restore to redo */
  canRedo: 'sessionTree.canRedo',
  /** true while this window's store is read-only (another window has it, or it cannot be written) */
  readOnly: 'sessionTree.readOnly',
  /** true while a restore's preview waits for Apply / Cancel */
  previewOpen: 'sessionTree.previewOpen',
  /** true while the Sessions view is filtered (Filter Sessions…) */
  filtered: 'sessionTree.filtered',
  /** true while recording is paused in this workspace */
  paused: 'sessionTree.paused',
} as const;
export type ContextKey = (typeof ContextKeys)[keyof typeof ContextKeys];
export type ExtensionState = 'noFolder' | 'loading' | 'ready' | 'noSession' | 'error';

export const Settings = {
  section: 'sessionTree',
  exclude: 'exclude',
  maxFileSize: 'maxFileSize',
  editorQuietTime: 'editorQuietTime',
  recordTerminalCommands: 'recordTerminalCommands',
  databaseSavePolicy: 'databaseSavePolicy',
  confirmBeforeRestore: 'confirmBeforeRestore',
  storageMaxSize: 'storage.maxSize',
  storageKeepDays: 'storage.keepDays',
  storageLocation: 'storage.location',
  externalQuietTime: 'capture.externalQuietTime',
} as const;
export type SettingKey = Exclude<(typeof Settings)[keyof typeof Settings], 'sessionTree'>;

/** URI scheme of the read-only documents that serve snapshot bytes. */
export const SNAPSHOT_SCHEME = 'session-tree';

/** Node kinds of the trees; the first part of every contextValue (`sessionTree:<kind>+flag…`). */
export type NodeKind =
  | 'session'
  | 'branch'
  | 'checkpoint'
  | 'file'
  | 'working'
  | 'workingFile'
  | 'line'
  | 'more'
  | 'storage'
  | 'result'
  | 'resultFile';

/**
 * contextValue with flags, e.g. `sessionTree:checkpoint+head+fork`. Menus match with regexes
 * such as `viewItem =~ /^sessionTree:checkpoint\b/` and `viewItem =~ /\+head\b/`.
 */
export function contextValue(kind: NodeKind, flags: Record<string, boolean | undefined> = {}): string {
  const on = Object.keys(flags).filter((f) => flags[f]);
  return `${PREFIX}:${kind}${on.map((f) => `+${f}`).join('')}`;
}
