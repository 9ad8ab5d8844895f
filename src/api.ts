// The API Session Tree returns from `activate`, for agents and other extensions. This file depends
// on nothing but `vscode` types: copy it into your extension and get the API with
//
//   const ext = vscode.extensions.getExtension<SessionTreeApi>('sessiontree.session-tree');
//   const api = await ext?.activate();
//   if (api?.version === 1) { await api.ready; … }
//
// API calls never prompt and never open editors or views. Versioned: breaking changes bump `version`.
import type { Event, Terminal, Uri } from 'vscode';

export interface SessionTreeApi {
  readonly version: 1;
  /**
   * Settles when the store is open and the first scan is done; rejects if the store cannot open.
   * With no folder open it settles at once, and the calls below reject until a folder is opened.
   */
  readonly ready: Promise<void>;
  /** Anything in sessions, branches, checkpoints or working changes changed. */
  readonly onDidChange: Event<void>;

  sessions(): Promise<SessionInfo[]>;
  activeSession(): Promise<SessionInfo | undefined>;
  /** Titles: at most 200 characters. */
  newSession(options?: { title?: string }): Promise<SessionInfo>;
  /** Makes another session active; files are not touched. */
  switchSession(sessionId: string): Promise<void>;
  /** Newest first, walking parents from the branch head (default: active session, active branch). */
  checkpoints(options?: { sessionId?: string; branch?: string; limit?: number }): Promise<CheckpointInfo[]>;

  /**
   * Begins your turn. Whatever changed before it and is not in a checkpoint yet — a person's saves
   * still waiting for the editor's quiet time, other tools' writes — is sealed first into a
   * checkpoint of its own (source `editor`, or `external`), returned here (undefined when nothing
   * was pending). So your turn's checkpoint holds your turn's changes only, and rewinding to
   * before it keeps the person's edit. Optional: your first `willEdit` begins the turn too. Calling
   * it while a turn is open does nothing. Never throws.
   *
   * The turn ends with `createCheckpoint`. Changes made while it is open are the turn's (a
   * person's saves then too; terminal commands still get checkpoints of their own, and the turn's
   * changes before a command are sealed as yours first). A turn no call touched for 10 minutes
   * ends by itself, sealed as yours ("Agent turn (not ended by the agent)").
   */
  beginTurn(): Promise<CheckpointInfo | undefined>;
  /**
   * Stores the current content of these files before you write them; begins your turn when none
   * is open (see `beginTurn`). Never throws.
   */
  willEdit(uris: Uri[]): Promise<void>;
  /**
   * Ends your turn: seals the working changes into a checkpoint (source default `agent`);
   * undefined when nothing changed. It holds every tracked write that completed before the call:
   * when the turn announced its files with `willEdit`, those are re-read (and other changes count
   * as far as the file watcher reported them: announce every file you write); when it announced
   * none, every folder is checked (stats only), so nothing is missed however the watcher fares.
   * Past a limit the call is refused (error code `invalid-argument`, the message names the limit)
   * and nothing is stored; see {@link LIMITS}.
   */
  createCheckpoint(options?: {
    /** At most 200 characters (after trimming). */
    label?: string;
    source?: string;
    /** At most 1,000 names, each at most 200 characters. */
    tools?: string[];
    /** A preview of the prompt: at most 10,000 characters. */
    prompt?: string;
    /** A JSON object of at most 65,536 characters as JSON (64 KiB). */
    metadata?: Record<string, unknown>;
  }): Promise<CheckpointInfo | undefined>;

  /** Restores the state of a checkpoint (`before`: of its parent); head moves there. */
  rewind(checkpointId: string, options?: { before?: boolean }): Promise<RestoreResult>;
  /** Moves `count` checkpoints back along the active branch. */
  rollback(count: number): Promise<RestoreResult>;
  /** `from`: a branch name or a checkpoint id (default: head). Files are not touched. Names: at most 200 characters. */
  createBranch(name: string, options?: { from?: string }): Promise<BranchInfo>;
  /** Restores the branch's head state and makes the branch active. */
  checkout(branch: string): Promise<RestoreResult>;
  /** Restores only these files to their content at the checkpoint; head does not move. */
  restoreFiles(checkpointId: string, uris: Uri[]): Promise<RestoreResult>;
  /**
   * Returns to the state before the last rewind, rollback, checkout, file restore or revert of the
   * active session; called again, before the one before it (the session's restore history).
   */
  undoLastRestore(): Promise<RestoreResult>;

  // ── Added in version 1 for issue 16 (revert, redo, tags): backward compatible ──
  /**
   * Undoes only what one checkpoint of the active session changed, keeping everything after it:
   * files untouched since go back to what the checkpoint found; text files changed since are
   * merged where the changes do not touch the same lines; the others (and binary files changed
   * since) are `skipped`, the reason naming the checkpoint that changed them. Head does not move;
   * a new checkpoint records the revert. Undoable like every restore.
   */
  revertCheckpoint(checkpointId: string): Promise<RestoreResult>;
  /** Walks forward again over the restore `undoLastRestore` undid last in the active session (rejects, code `not-found`, when there is none). */
  redoLastRestore(): Promise<RestoreResult>;
  /** Replaces a session's tags (each at most 200 characters, at most 100 tags; duplicates dropped). */
  setSessionTags(sessionId: string, tags: string[]): Promise<void>;
  /** Writes a session (default: the active one) to a single file another workspace can import. */
  exportSession(file: Uri, options?: { sessionId?: string }): Promise<{ checkpoints: number; bytes: number }>;
  /**
   * Imports an exported session as a new session (not made active; no file is touched). Its
   * folders map onto the open ones by name, or one onto one when each side has one folder;
   * `folders` maps the others: export folder → open folder (names as shown), or null to leave it
   * out (its files are kept in the session and skipped on restore, never written or deleted).
   * A folder nothing maps, a name that is not open, or two folders onto one: refused
   * (`invalid-argument`, naming them), and nothing is imported.
   */
  importSession(file: Uri, options?: { title?: string; folders?: Record<string, string | null> }): Promise<ImportedSession>;
  /** What a session (default: the active one) did. Added in version 1 for issue 16: backward compatible. */
  sessionSummary(options?: { sessionId?: string }): Promise<SessionSummary>;

  // Terminal sessions (since 0.2; absent in older builds: check `'newTerminalSession' in api`).
  /**
   * Opens an integrated terminal bound to a new terminal session (not made active: the active
   * session goes on recording the workspace, and each command's changes are in both, labelled as
   * from the terminal session). Every command run in it is in the session's command record.
   * `show`: reveal the terminal (default true). The terminal's environment has SESSION_TREE_SESSION
   * set to the session's id: a terminal created with that variable joins the session.
   */
  newTerminalSession?(options?: { title?: string; cwd?: string; show?: boolean }): Promise<{ session: SessionInfo; terminal: Terminal }>;
  /** Binds an open terminal to a session (it becomes a running terminal session). */
  attachTerminal?(terminal: Terminal, sessionId: string): Promise<SessionInfo>;
  /** A session's command record, oldest first (`limit`: only the newest that many). */
  commandRecord?(sessionId: string, options?: { limit?: number }): Promise<CommandRecord[]>;
  /** The kept tail (last 64 KiB) of a recorded command's output, as plain text. */
  commandOutput?(commandId: string): Promise<string>;
}

/** One command run in a terminal session. */
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
  /** The terminal session's checkpoint it made; absent when it changed no file (a light entry). */
  checkpointId?: string;
  /** The same changes as recorded in the session that was active, when that was another one. */
  sharedCheckpointId?: string;
  /** The size of its whole output; only the last 64 KiB is kept. */
  outputBytes: number;
  outputTruncated: boolean;
}

/**
 * A session's files, tools and commands, over every checkpoint it holds (all branches, and the
 * checkpoints a rewind set aside). A file counts by its first and newest change: absent then present
 * is `created`, present both times `modified`, present then absent `deleted`, absent both times
 * `createdAndDeleted`. Added for issue 16.
 */
export interface SessionSummary {
  sessionId: string;
  checkpoints: number;
  files: { created: Uri[]; modified: Uri[]; deleted: Uri[]; createdAndDeleted: Uri[] };
  /** Tool names agent turns reported, with how many checkpoints named each; most used first. */
  tools: { name: string; count: number }[];
  /** Newest first, at most 500 (`commandCount` counts them all). */
  commands: { command: string; checkpointId: string; createdAt: number; exitCode?: number; cwd?: string }[];
  commandCount: number;
  failedCommands: number;
}

/** An imported session, with where each of the export's folders went (display names; `to` null: not mapped). */
export interface ImportedSession extends SessionInfo {
  folders: { from: string; to: string | null; how: 'name' | 'key' | 'single' | 'chosen' }[];
}

/**
 * What Session Tree stores at most, per field (characters unless said otherwise). A call or a
 * command past one is refused with error code `invalid-argument` and a message naming the limit;
 * nothing is stored. (Terminal commands recorded by Session Tree itself are shortened instead.)
 */
export const LIMITS = {
  /** Session title, each tag, branch name, checkpoint label. */
  name: 200,
  /** Tags on one session. */
  tags: 100,
  /** `createCheckpoint` `prompt` (a preview). */
  prompt: 10_000,
  /** A checkpoint's command line. */
  command: 10_000,
  /** The folder a command ran in. */
  cwd: 32_767,
  /** `createCheckpoint` `tools`: names per checkpoint. */
  tools: 1_000,
  /** Each tool name. */
  toolName: 200,
  /** `createCheckpoint` `metadata`, as JSON text (64 KiB). */
  metadata: 65_536,
} as const;

export interface SessionInfo {
  id: string;
  title: string;
  createdAt: number;
  tags: string[];
  activeBranch: string;
  branches: BranchInfo[];
  headId: string;
  /** A terminal session: running while a terminal is bound to it; `shellIntegration` false when it reported none. */
  terminal?: { state: 'running' | 'ended'; shellIntegration: boolean };
}

export interface BranchInfo {
  name: string;
  headId: string;
  active: boolean;
}

export interface CheckpointInfo {
  id: string;
  sessionId: string;
  parentId?: string;
  createdAt: number;
  label: string;
  /** 'start' | 'editor' | 'agent' | 'terminal' | 'manual' | 'safety' | 'external' */
  source: string;
  tools?: string[];
  prompt?: string;
  command?: string;
  cwd?: string;
  exitCode?: number;
  /** The `metadata` given to `createCheckpoint` (as stored). Added for issue 16. */
  metadata?: Record<string, unknown>;
  files: {
    uri: Uri;
    change: 'added' | 'modified' | 'deleted';
    added: number;
    removed: number;
    /** Bytes before / after the change (absent: the file did not exist then). Added for issue 16. */
    beforeSize?: number;
    afterSize?: number;
  }[];
}

/**
 * What a restore did, file by file. Files with unsaved editor changes are `skipped`, never
 * overwritten. Every restore first seals the working changes into `safetyCheckpointId`.
 */
export interface RestoreResult {
  safetyCheckpointId?: string;
  files: { uri: Uri; status: 'restored' | 'removed' | 'skipped' | 'failed'; reason?: string }[];
}
