// The engine's public vocabulary. Pure data: no `vscode`, no Node I/O. The VS Code layer and the
// worker protocol speak only these types; ids are strings so they survive JSON and the API.

/** Where a checkpoint came from; decides its icon and how it is described. */
export type CheckpointSource =
  | 'start' // the root checkpoint of a session: the workspace when the session began
  | 'editor' // editor saves sealed after a quiet time
  | 'agent' // an agent turn, through the API
  | 'terminal' // one terminal command
  | 'manual' // "Create Checkpoint"
  | 'safety' // sealed before a rewind/checkout/rollback/restore so it can be undone
  | 'external'; // found at open: changed while nothing was watching

export const CHECKPOINT_SOURCES: readonly CheckpointSource[] = [
  'start', 'editor', 'agent', 'terminal', 'manual', 'safety', 'external',
];

/**
 * One workspace folder. Once the store is open, `name` is the folder's key in the store (stable
 * and unique: see src/core/store/folders.ts) and `label` its current display name. Given to the
 * engine, `name` is the display name asked for (`label` wins when given), and `sameAs` the key of
 * a stored folder the user confirmed this one is.
 */
export interface RootFolder {
  name: string;
  /** The folder's current display name (`name` is its store key). */
  label?: string;
  /** Absolute file-system path. */
  path: string;
  sameAs?: string;
}

/** How an open folder was matched to its stored history (see src/core/store/folders.ts). */
export type FolderMatch = 'confirmed' | 'path' | 'identity' | 'legacy' | 'new';

/** An open workspace folder as the store knows it. */
export interface FolderInfo {
  /** Its key in the store: the first segment of its files' `key`. */
  key: string;
  /** Its current display name. */
  label: string;
  path: string;
  matchedBy: FolderMatch;
}

/** An open folder given a new key while stored folders have gone from where they were. */
export interface UnrecognisedFolder {
  key: string;
  label: string;
  path: string;
  /** The stored folders it may be: not open, and no longer at their path. */
  candidates: { key: string; label: string; path: string }[];
}

/** A file version as the store knows it: content hash (sha256, hex) and permission bits. */
export interface FileVersion {
  hash: string;
  mode: number;
}

export type ChangeKind = 'added' | 'modified' | 'deleted';

export interface FileChange {
  /** Absolute path on disk. */
  path: string;
  /** `<folder key>/<relative path with forward slashes>`: the store's key for the file. */
  key: string;
  change: ChangeKind;
  /** Lines added / removed (0 / 0 for binary files). */
  added: number;
  removed: number;
  binary: boolean;
  before?: FileVersion;
  after?: FileVersion;
  /** Bytes of the version before / after (absent: the file did not exist then, or its size is not known). */
  beforeSize?: number;
  afterSize?: number;
}

export interface CheckpointMeta {
  label?: string;
  source?: CheckpointSource;
  tools?: string[];
  prompt?: string;
  command?: string;
  cwd?: string;
  exitCode?: number;
  durationMs?: number;
  /** Arbitrary JSON supplied by an agent. */
  metadata?: Record<string, unknown>;
}

/** What a tree row or quick pick needs; cheap to list by the thousand. */
export interface CheckpointSummary {
  id: string;
  sessionId: string;
  parentId?: string;
  createdAt: number;
  label: string;
  source: CheckpointSource;
  exitCode?: number;
  fileCount: number;
  added: number;
  removed: number;
  /** Checkpoints whose parent is this one (forks show as more than one). */
  childIds: string[];
}

export interface CheckpointInfo extends CheckpointSummary {
  tools?: string[];
  prompt?: string;
  command?: string;
  cwd?: string;
  durationMs?: number;
  metadata?: Record<string, unknown>;
  files: FileChange[];
}

export interface BranchInfo {
  name: string;
  headId: string;
  active: boolean;
  createdAt: number;
}

export interface SessionInfo {
  id: string;
  title: string;
  createdAt: number;
  tags: string[];
  parentSessionId?: string;
  parentCheckpointId?: string;
  rootId: string;
  activeBranch: string;
  headId: string;
  branches: BranchInfo[];
  checkpointCount: number;
  active: boolean;
  /** A terminal session (bound to an integrated terminal); absent for an editor session. */
  terminal?: TerminalSessionState;
}

/** A terminal session's state: bound to a running terminal, or ended (its history kept). */
export interface TerminalSessionState {
  state: 'running' | 'ended';
  /** False when its terminal reported no shell integration: commands are not recorded one by one. */
  shellIntegration: boolean;
}

/** One command run in a terminal session (a light entry when it changed nothing). */
export interface CommandRecord {
  id: string;
  sessionId: string;
  startedAt: number;
  command: string;
  /** The folder it started in. */
  cwd?: string;
  /** The folder the shell was in when it ended (after `cd X && …`, X). */
  cwdAfter?: string;
  exitCode?: number;
  durationMs: number;
  /** The checkpoint of the terminal session it made (absent: it changed nothing). */
  checkpointId?: string;
  /** The same changes as recorded in the session that was active (absent when that was this one). */
  sharedCheckpointId?: string;
  /** Size of its whole output; only the tail is kept (see `outputTruncated`). */
  outputBytes: number;
  outputTruncated: boolean;
}

/** What a restore moves to. Every kind seals working changes into a safety checkpoint first. */
export type RestoreTarget =
  | { kind: 'rewind'; checkpointId: string; before?: boolean }
  | { kind: 'rollback'; count: number }
  | { kind: 'checkout'; branch: string }
  | { kind: 'restoreFiles'; checkpointId: string; paths: string[] }
  | { kind: 'undo' }
  /** Walks forward over the last restore undone in this session. */
  | { kind: 'redo' }
  /**
   * Undoes only what one checkpoint changed, keeping everything after it: text files changed since
   * are merged (three-way) where clean, else skipped with the reason; binary files only when
   * untouched since. Head does not move; a new checkpoint records the revert.
   */
  | { kind: 'revert'; checkpointId: string };

export type PlanAction = 'write' | 'remove' | 'skip';

export interface PlanEntry {
  path: string;
  key: string;
  action: PlanAction;
  /** What is on disk now (undefined: absent). */
  current?: FileVersion;
  /** What the target holds (undefined: the file does not exist there). */
  target?: FileVersion;
  reason?: string;
}

export interface RestorePlan {
  target: RestoreTarget;
  /** The checkpoint whose state is the target (for restoreFiles: the checkpoint the files come from). */
  targetId: string;
  targetLabel: string;
  /** Only files that differ (or are skipped with a reason); files that already match are not listed. */
  entries: PlanEntry[];
}

export type FileStatus = 'restored' | 'removed' | 'skipped' | 'failed';

export interface RestoreFileResult {
  path: string;
  key: string;
  status: FileStatus;
  reason?: string;
  /** Content before the operation (undefined: absent). Open a diff with `before` ↔ `after`. */
  before?: FileVersion;
  /** Content after the operation (undefined: absent). */
  after?: FileVersion;
  /** Bytes before / after (absent: the file was absent, or its size is not known). */
  beforeSize?: number;
  afterSize?: number;
}

export interface RestoreResult {
  id: string;
  target: RestoreTarget;
  targetId: string;
  targetLabel: string;
  safetyCheckpointId?: string;
  /** The checkpoint the workspace was in before (undo goes back here when no safety checkpoint was needed). */
  previousHeadId: string;
  files: RestoreFileResult[];
  at: number;
  /** Set when `files` was left out of an old record of the history (the newest keep theirs): how many there were. */
  fileCount?: number;
  /** A revert: the checkpoint that records it (absent when it changed nothing). */
  checkpointId?: string;
}

/** A session's restore history, newest first: what Undo and Redo walk over. */
export interface RestoreHistory {
  entries: { id: string; target: RestoreTarget; targetLabel: string; at: number; undone: boolean; fileCount: number }[];
  /** What Undo Last Restore would undo next (absent: nothing). */
  undo?: { id: string; target: RestoreTarget; targetLabel: string };
  /** What Redo Last Restore would redo next (absent: nothing). */
  redo?: { id: string; target: RestoreTarget; targetLabel: string };
}

export interface RestoreOptions {
  /** Absolute paths that have unsaved editor changes among those given; they are skipped, never written. */
  isDirty?: (paths: string[]) => string[] | Promise<string[]>;
}

export interface OpenReport {
  /** Problems found opening the store, in plain words (empty when all is well). */
  diagnostics: string[];
  /** True when the database could not be read and the last good copy was used. */
  usedBackup: boolean;
  /** An interrupted restore found at open and what was done about it. */
  recoveredRestore?: string;
  /** Checkpoint recording changes made while nothing was watching, if any. */
  externalCheckpointId?: string;
  /** Files scanned at open. */
  scanned: number;
  tracked: number;
  /** Set when the store opened read-only: why, in plain words. */
  readOnlyReason?: string;
  /** The store is read-only because another engine holds its lock (it can be taken over once that one closes). */
  lockedOut?: boolean;
  /** The open workspace folders and their keys (from `open`). */
  folders?: FolderInfo[];
  /** Folders that may be stored ones renamed or moved: ask the user, then reopen with `sameAs`. */
  unrecognisedFolders?: UnrecognisedFolder[];
  /** A store from before folder identities, migrated at this open. */
  folderMigration?: FolderMigration;
}

export interface FolderMigration {
  /** The dry run: which stored folder each open one is, in plain words. */
  mapping: string[];
  verified: boolean;
  /** The database as it was before, kept while the migration is not verified. */
  keptCopy?: string;
}

export interface ScanProgress {
  phase: 'scan' | 'hash';
  done: number;
  total?: number;
}

/** What Verify Store found, in plain words. */
export interface StoreCheck {
  /** No problems (notes are not problems). */
  ok: boolean;
  /** Damage: each line names what is affected and what it means. */
  problems: string[];
  /** Not damage: space compacting would free, content an earlier Repair reported lost. */
  notes: string[];
  /** Snapshots and checkpoints checked. */
  checked: number;
  /** One line for a notification. */
  summary: string;
}

/** What Repair Store did. */
export interface RepairReport {
  /** What it fixed or recovered. */
  fixed: string[];
  /** What it could not keep. */
  lost: string[];
  /** Verify Store after the repair. */
  check: StoreCheck;
  summary: string;
}

/** Raised for bad input and refused operations; `code` is stable for callers to branch on. */
export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export type EngineErrorCode =
  | 'not-found'
  | 'invalid-argument'
  | 'conflict'
  | 'outside-workspace'
  | 'busy'
  | 'read-only-store'
  | 'corrupt'
  | 'io';
