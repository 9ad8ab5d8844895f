// What the storage operations report: sizes, compaction plans, budgets (API and UI types).

/** One session's share of the store. */
export interface SessionUsage {
  id: string;
  title: string;
  createdAt: number;
  /** Time of its newest checkpoint. */
  lastActivity: number;
  checkpoints: number;
  active: boolean;
  /** Stored bytes of every snapshot the session refers to (shared ones included). */
  bytes: number;
  /** Stored bytes only this session refers to: what deleting it frees. */
  ownBytes: number;
}

export interface StorageReport {
  /** The store's folder on disk. */
  folder: string;
  /** Every file in the store's folder, in bytes (what `du --apparent-size` counts). */
  totalBytes: number;
  /** Snapshot packs. */
  snapshotBytes: number;
  /** The database and its last good copy. */
  databaseBytes: number;
  snapshots: number;
  checkpoints: number;
  /** Stored bytes of snapshots nothing refers to (gc frees them). */
  garbageBytes: number;
  sessions: SessionUsage[];
}

export interface CompactRun {
  sessionId: string;
  sessionTitle: string;
  /** Checkpoints in the run; all but the newest are removed. */
  count: number;
  firstId: string;
  /** The checkpoint that remains, holding the run's net change. */
  intoId: string;
  from: number;
  to: number;
  /** Files in the net change. */
  files: number;
}

export interface CompactPlan {
  runs: CompactRun[];
  /** Checkpoints removed. */
  checkpoints: number;
  /** Stored bytes the compaction frees (once gc has run). */
  freedBytes: number;
  /** Checkpoints kept as they are. */
  protectedCount: number;
  keepDays: number;
}

export interface StorageBudget {
  /** Bytes the store may hold (0: no budget). */
  maxSize: number;
  keepDays: number;
}

/** What a background maintenance pass did. */
export interface MaintenanceReport {
  gcSteps: number;
  freedBytes: number;
  compacted: number;
  totalBytes: number;
  /** Over the budget and nothing more can be compacted: what is protected holds this much. */
  overBudget?: { totalBytes: number; maxSize: number };
}

/** Files left out for their size (tracked by every other rule). */
export interface LeftOutFiles {
  /** The size limit (sessionTree.maxFileSize), in bytes. */
  limit: number;
  count: number;
  /** The largest ones first, at most `max`. */
  files: { path: string; size: number }[];
}
