// The engine as its callers see it. The real engine runs in a worker thread (src/host), so every
// call is asynchronous here; tests may also drive `Engine` (src/core/engine.ts) directly.
import type {
  BranchInfo, CheckpointInfo, CheckpointMeta, CheckpointSummary, FileChange, FileVersion, OpenReport,
  RepairReport, RestoreHistory, RestoreOptions, RestorePlan, RestoreResult, RestoreTarget, ScanProgress, SessionInfo, StoreCheck,
} from './types';
import type { CheckpointSearch, FileHistoryEntry, SearchResult, SessionGraph } from './queries';
import type { SessionSummary } from './sessionSummary';
import type { ImportOptions, ImportPreview, ImportedSession } from './exchange';
import type { CommandRecord } from './types';
import type { CommandRun, RecordedCommand } from './terminalSessions';
import type { CompactPlan, LeftOutFiles, MaintenanceReport, StorageBudget, StorageReport } from './storageTypes';

export type SavePolicy = 'always' | 'debounced';

/** Settings the caller may change while the engine runs. */
export interface TrackingOptions {
  /** Patterns in .gitignore syntax, applied on top of the workspace's .gitignore files. */
  exclude?: string[];
  /** Files larger than this many bytes are not tracked. */
  maxFileSize?: number;
  savePolicy?: SavePolicy;
}

export type EngineEvent =
  | { type: 'changed' } // anything in sessions, branches, checkpoints or working changes
  | { type: 'checkpoint'; id: string }
  | { type: 'progress'; progress: ScanProgress }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /** The store's files were written (a save or a fold): what `changed` announced is on disk now. */
  | { type: 'saved' }
  /**
   * The store's state changed while open: it became read-only (`reason`: why; `lockedOut`: because
   * another engine holds the lock, so it may be taken over when that one closes), or its folder was
   * removed or replaced and recording went on in a new one (`notice`: what happened, for the user).
   */
  | { type: 'store'; readOnly: boolean; reason: string; lockedOut: boolean; notice?: string };

export interface CheckpointQuery {
  sessionId?: string;
  /** Branch name in the session (default: active branch). Ignored when `fromId` is given. */
  branch?: string;
  /** Walk parents from this checkpoint instead of a branch head. */
  fromId?: string;
  offset?: number;
  limit?: number;
}

export interface EngineApi {
  /**
   * `deferScan`: return as soon as sessions, checkpoints and working changes (as last saved) can be
   * read; `startupScan` then recovers an interrupted restore and records changes made while closed
   * (any change runs it first). Without it, open does both before returning.
   */
  open(options?: { deferScan?: boolean }): Promise<OpenReport>;
  /** The rest of a deferred open; reports what it found (nothing to do after a plain open). */
  startupScan(): Promise<OpenReport>;
  close(): Promise<void>;
  setOptions(options: TrackingOptions): Promise<void>;

  sessions(): Promise<SessionInfo[]>;
  activeSession(): Promise<SessionInfo | undefined>;
  newSession(options?: { title?: string }): Promise<SessionInfo>;
  renameSession(sessionId: string, title: string): Promise<void>;
  setSessionTags(sessionId: string, tags: string[]): Promise<void>;
  /** Makes another session active; files are not touched. */
  switchSession(sessionId: string): Promise<void>;
  /** A new session whose history is a copy of this one's up to `checkpointId`. */
  forkSession(checkpointId: string, options?: { title?: string }): Promise<SessionInfo>;
  deleteSession(sessionId: string): Promise<void>;

  /** `from`: a branch name or a checkpoint id (default: head). */
  createBranch(name: string, options?: { from?: string }): Promise<BranchInfo>;
  renameBranch(oldName: string, newName: string): Promise<void>;
  deleteBranch(name: string): Promise<void>;

  /**
   * Seals working changes; undefined when nothing changed (unless `allowEmpty`). `rescan`: walk
   * every folder first (stats only), so the checkpoint holds every write that completed before the
   * call whether or not a watcher reported it; `paths`: re-read these too.
   */
  createCheckpoint(meta?: CheckpointMeta & { allowEmpty?: boolean; rescan?: boolean; paths?: string[] }): Promise<CheckpointInfo | undefined>;
  /**
   * Begins an agent's turn: what is pending (after `rescan`'s walk and a re-read of `paths`) is
   * sealed into its own checkpoint (`before`, default source `external`), returned (undefined:
   * nothing was pending); then `paths` are captured as before `willEdit`. The turn ends with the
   * next `createCheckpoint`.
   */
  beginTurn(options?: { before?: CheckpointMeta; rescan?: boolean; paths?: string[] }): Promise<CheckpointInfo | undefined>;
  labelCheckpoint(checkpointId: string, label: string): Promise<void>;
  checkpoint(checkpointId: string): Promise<CheckpointInfo>;
  /** Newest first, walking parents from the branch head (or `fromId`). */
  checkpoints(query?: CheckpointQuery): Promise<CheckpointSummary[]>;
  /** Tips (checkpoints without children) of the subtree under `checkpointId`, newest first. */
  tipsUnder(checkpointId: string): Promise<string[]>;
  workingChanges(): Promise<FileChange[]>;

  /** Every checkpoint of a session (default: the active one), oldest first, with parents and children: the history graph. */
  sessionGraph(sessionId?: string): Promise<SessionGraph>;
  /** Checkpoints of a session (default: active) on any branch or line that changed this absolute path, newest first. */
  fileHistory(path: string, options?: { sessionId?: string }): Promise<FileHistoryEntry[]>;
  /** Find Checkpoint: every session and branch, by label, prompt, command, tools, files, source and time; newest first. */
  searchCheckpoints(query: CheckpointSearch): Promise<SearchResult>;
  /** What a session (default: active) did: files created / modified / deleted, tools used, commands run. */
  sessionSummary(sessionId?: string): Promise<SessionSummary>;

  /** What a file watcher reports: absolute paths created, changed or deleted. Cost O(paths). */
  notifyChanged(paths: string[]): Promise<void>;
  /**
   * Brings the engine up to what is on disk, re-reading only files whose stat changed: what the
   * engine's own watcher marked (Linux), or a full stat walk when it cannot be trusted or `walk`.
   */
  rescan(options?: { walk?: boolean }): Promise<void>;
  /** Stores the current bytes of these absolute paths before they change. Never throws. */
  willEdit(paths: string[]): Promise<void>;

  plan(target: RestoreTarget): Promise<RestorePlan>;
  restore(target: RestoreTarget, options?: RestoreOptions): Promise<RestoreResult>;
  /** The active session's last restore (undo and the results view belong to the session a restore was made in). */
  lastRestore(): Promise<RestoreResult | undefined>;

  // ── restore history (issue 16) ──
  /**
   * The active session's restore history, newest first (at most `limit`, default 50), and what
   * Undo (`restore({kind: 'undo'})`) and Redo (`restore({kind: 'redo'})`) would walk over next.
   */
  restoreHistory(options?: { limit?: number }): Promise<RestoreHistory>;

  /** Bytes of a stored file version (verified against its hash). */
  readContent(hash: string): Promise<Uint8Array>;
  /** The version of an absolute path in a checkpoint's state (undefined: absent there). */
  fileAt(checkpointId: string, path: string): Promise<FileVersion | undefined>;
  /** Whether an absolute path is tracked, and if not why ("excluded by …"). */
  trackingStatus(path: string): Promise<{ tracked: boolean; reason?: string }>;

  /** Verify Store: every snapshot against its hash, every checkpoint's references, orphaned records; in plain words. */
  verify(): Promise<StoreCheck>;
  /** Repair Store: keeps everything sound (recovering snapshots where a good copy exists) and reports what it could not keep. */
  repair(): Promise<RepairReport>;
  /** Writes one session — checkpoints, branches and every snapshot they need — to a single file (absolute path). */
  exportSession(sessionId: string, file: string): Promise<{ file: string; bytes: number; checkpoints: number; snapshots: number }>;
  /**
   * Imports an exported session as a new session (not made active; no workspace file is touched).
   * The file is checked completely — format, keys, history, every snapshot's hash — before anything is written.
   * Its folders are mapped onto the open ones (by name, one onto one, or as `folders` says; `exchange/folders.ts`);
   * a folder nothing maps is refused, naming it.
   */
  importSession(file: string, options?: ImportOptions): Promise<ImportedSession>;
  /** Reads an export's index (checked) and where its folders would go, without importing. */
  previewImport(file: string, options?: Pick<ImportOptions, 'folders'>): Promise<ImportPreview>;

  // Storage (issue 14): sizes, compaction, deleting sessions, background maintenance.
  /** How big the store is (on disk, its parts) and each session's share. */
  storageReport(): Promise<StorageReport>;
  /** Files tracked by every rule but the size limit, the largest first (a walk of the folders). */
  filesLeftOutForSize(): Promise<LeftOutFiles>;
  /** What Compact Store would squash and free (checkpoints older than `keepDays`); changes nothing. */
  compactPlan(options: { keepDays: number }): Promise<CompactPlan>;
  compact(options: { keepDays: number }): Promise<CompactPlan & { freed: number }>;
  /** Deletes sessions (never the active one: refused with the reason) and frees what only they held. */
  deleteSessions(sessionIds: string[]): Promise<{ deleted: number; checkpoints: number; freed: number }>;
  /** One bounded pass of background gc, and compaction when the store is over `maxSize`. */
  maintain(budget: StorageBudget): Promise<MaintenanceReport>;

  // Terminal sessions (terminalSessions.ts)
  /** A new terminal session (running, not made active), rooted at the workspace as it is now. */
  newTerminalSession(options?: { title?: string }): Promise<SessionInfo>;
  /** Binds (running) or ends a session's terminal; attaching makes any session a terminal session. */
  setTerminalState(sessionId: string, state: { state: 'running' | 'ended'; shellIntegration?: boolean }): Promise<SessionInfo>;
  /** Records a command that ended in a bound terminal (walks, seals into the active session and the terminal's). */
  recordCommand(run: CommandRun): Promise<RecordedCommand>;
  /** A session's command record, oldest first. */
  commandRecord(sessionId: string, options?: { limit?: number }): Promise<CommandRecord[]>;
  /** The kept tail of a recorded command's output. */
  commandOutput(commandId: string): Promise<string>;

  onEvent(listener: (event: EngineEvent) => void): { dispose(): void };
}

/** What `stats` reports (the bench and tests read it). */
export interface EngineStats {
  checkpoints: number;
  sessions: number;
  objects: number;
  packBytes: number;
  dbBytes: number;
  saveMs: number;
  tracked: number;
}

/**
 * The engine's methods as served across the worker boundary (src/host): the API without its event
 * subscription (events travel as messages of their own), plus the maintenance calls of the host and
 * the bench. `ENGINE_METHODS` in src/host/protocol.ts lists exactly these keys (checked at compile time).
 */
export interface EngineMethods extends Omit<EngineApi, 'onEvent'> {
  gc(): Promise<{ removed: number; freedBytes: number }>;
  stats(): Promise<EngineStats>;
  /** Writes the database now (makes snapshots durable first), whatever the save policy. */
  saveNow(): Promise<void>;
}

/**
 * An implementation of async methods `T` that may answer synchronously: each method takes the same
 * arguments and returns its result either directly or as a promise (as `Engine` does).
 */
export type SyncOrAsync<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R | Promise<R> : never;
};
