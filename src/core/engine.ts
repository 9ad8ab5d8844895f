// The engine: sessions, branches and checkpoints over a workspace mirror, and exact restores.
//
// State representation. A session is a tree of checkpoints. Its root carries a full manifest of
// the workspace (an object in the snapshot store); every other checkpoint carries only its delta
// against its parent: the files it changed, each with its version before and after (interned ids
// in one packed BLOB). The state of checkpoint C is its root's manifest with the deltas on the
// path root → C applied. Moving between two checkpoints A and B never rebuilds a state: it walks
// from both up to their lowest common ancestor and folds the deltas met on the way, so its cost is
// the number of changes between them, independent of workspace size and of how long the rest of
// the history is. The database stays small (no per-checkpoint manifest rows) and every checkpoint
// costs one row.
//
// Invariant: for every tracked path, mirror = head state + working changes (`pending` records the
// head version of each changed path). All writes to the workspace go through `applyPlan`, under a
// journal, so a crash midway is undone at the next open.
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { Database, Statement } from 'sql.js';
import { HelperThread } from '../storage/compressor';
import { ObjectCorruptError, ObjectStore, sha256 } from '../storage/objects';
import { StoreDb, loadSqlJs } from '../storage/db';
import { isMainThread } from 'node:worker_threads';
import { type ChangeRecord, type Manifest, decodeChanges, decodeManifest, encodeChanges, encodeManifest } from './encoding';
import type { CheckpointQuery, EngineEvent, SavePolicy, TrackingOptions } from './engineApi';
import {
  CODEC_DEFLATE, CODEC_RAW, EXPORT_MAGIC, EXPORT_TRAILER, EXPORT_VERSION, type ExportCheckpoint, type ExportHeader, type ExportVersion,
  IMPORT_LIMITS, RECORD_HEADER, recordHeader, validateHeader,
} from './exchange';
import { lineStats } from './lines';
import { DEFAULT_MAX_FILE_SIZE, Tracking, formatBytes, tempPathFor } from './tracking';
import {
  type BranchInfo, type CheckpointInfo, type CheckpointMeta, type CheckpointSource, type CheckpointSummary,
  EngineError, type FileChange, type FileVersion, type OpenReport, type PlanEntry, type RestoreFileResult,
  type RestoreOptions, type RestorePlan, type RestoreResult, type RestoreTarget, type RootFolder, type SessionInfo,
  type RepairReport, type StoreCheck, CHECKPOINT_SOURCES,
} from './types';

type Fs = typeof nodeFs;

export interface EngineOptions extends TrackingOptions {
  storageDir: string;
  roots: RootFolder[];
  wasmPath?: string;
  fs?: Fs;
  clock?: () => number;
  /** Debounce for `savePolicy: 'debounced'` (ms). */
  saveDelayMs?: number;
  /** zlib level for snapshots. */
  compressionLevel?: number;
  /**
   * Use a helper thread for deflating snapshot groups and for stats of large scans (default: when
   * the engine runs in a worker thread, as in the extension).
   */
  helperThreads?: boolean;
  /** Time a file's mtime must be older than the scan for its stat to be trusted (coarse clocks). */
  racyWindowMs?: number;
}

/** A file version by interned blob id; blob 0 = absent. */
interface Ver {
  blob: number;
  mode: number;
}
const ABSENT: Ver = { blob: 0, mode: 0 };
const sameVer = (a: Ver | undefined, b: Ver | undefined): boolean =>
  (a?.blob ?? 0) === (b?.blob ?? 0) && ((a?.blob ?? 0) === 0 || (a?.mode ?? 0) === (b?.mode ?? 0));

interface MirrorEntry extends Ver {
  size: number;
  mtime: number;
  ino: number;
  /** The stat cannot be trusted (written within the clock's granularity of the scan): re-read next time. */
  racy: boolean;
  /** No longer tracked (excluded / too large / not a regular file); the version is the last one tracked. */
  untracked: boolean;
}

interface CpNode {
  id: number;
  session: number;
  parent: number; // 0 = none
  createdAt: number;
  source: CheckpointSource;
  label: string;
  nfiles: number;
  added: number;
  removed: number;
  exitCode?: number;
  depth: number;
  children: number[];
  manifest?: string;
}

interface SessionRow {
  id: number;
  title: string;
  createdAt: number;
  tags: string[];
  parentSession?: number;
  parentCheckpoint?: number;
  root: number;
  activeBranch: string;
}

interface JournalEntry {
  path: string;
  before?: FileVersion;
  after?: FileVersion;
}
interface Journal {
  id: number;
  entries: JournalEntry[];
}

/** What `inspect` finds (see Verify Store and Repair Store). */
interface Inspection {
  /** Snapshots whose bytes do not match their hash. */
  bad: Set<string>;
  /** Snapshots a Repair already reported lost. */
  lostBefore: Set<string>;
  /** Every snapshot something refers to: where (a few places, in words) and which file keys. */
  refs: Map<string, { where: string[]; keys: Set<string> }>;
  /** Checkpoints whose own record is unsound, and why. */
  own: Map<number, string>;
  /** Checkpoints whose state cannot be computed → the unsound checkpoint at the top of their line. */
  unsound: Map<number, number>;
  branchProblems: { session: number; name: string; why: string }[];
  sessionProblems: Map<number, string>;
  /** Mirror entries whose snapshot is missing or damaged. */
  mirrorMissing: number[];
  unknownMirror: number;
  /** Referenced snapshots that are missing or damaged. */
  lostContent: Map<string, { where: string[]; keys: Set<string>; damaged: boolean }>;
  orphanCount: number;
  orphanBytes: number;
  badOrphans: string[];
}

interface RestoreRecord extends RestoreResult {
  sessionId: string;
  /** Branch active before the operation and the checkpoint undo returns to. */
  undoBranch: string;
  undoHeadId: string;
}

/** Lock files held by engines of this thread: a second engine on the same store opens read-only. */
const heldLocks = new Set<string>();
/** Errors from saving the database after a change was already made in memory (see `mutate`). */
const saveFailures = new WeakSet<object>();

const DEFAULT_BRANCH = 'main';
const WORKING_CHANGE_STATS_LIMIT = 500;
/** Files up to this size are read into a reused buffer. */
const READ_REUSE_MAX = 1 << 20;
/** In a scan with a helper thread, files are statted in batches of this many (3 of 4 by the helper). */
const STAT_BATCH = 1024;
/** Before a deferred open has read the mirror, this many working changes are read row by row. */
const WORKING_CHANGES_PEEK = 200;
const MAX_NAME = 200;
const MAX_ROLLBACK_SCAN = 1_000_000;

const DEFAULT_LABELS: Record<CheckpointSource, string> = {
  start: 'Session start',
  editor: 'Editor changes',
  agent: 'Agent turn',
  terminal: 'Terminal command',
  manual: 'Checkpoint',
  safety: 'Safety checkpoint',
  external: 'Changed outside VS Code',
};

export class Engine {
  private readonly fs: Fs;
  private readonly clock: () => number;
  private readonly storageDir: string;
  private roots: RootFolder[];
  private resolvedRoots: { root: RootFolder; path: string }[] | undefined;
  /**
   * The rules' generation (`Tracking.generation`) when a full scan last ended: every tracked file
   * in the mirror was then known not excluded. While the rules stay that generation, a scan need
   * not ask them again about a file it tracks.
   */
  private rulesTrustedAt = -1;
  private rootReal = new Map<string, string>();
  private tracking!: Tracking;
  private savePolicy: SavePolicy;
  private saveTimer: NodeJS.Timeout | undefined;
  private listeners = new Set<(e: EngineEvent) => void>();

  private storeDb!: StoreDb;
  private db!: Database;
  private openedObjects: ObjectStore | undefined;
  /** The snapshot store, opened (its pack indexes read) when first needed. */
  private get objects(): ObjectStore {
    if (!this.openedObjects) this.openObjects();
    return this.openedObjects!;
  }
  /** Set by `open({ deferScan: true })` until `startupScan` (or the first change) has run. */
  private startupDue = false;
  private stmts = new Map<string, Statement>();
  /** Statements that wrote to the database; tells a mutation that changed nothing from one that did. */
  private writes = 0;
  readOnly = false;
  readOnlyReason = '';
  private lockFile: string;
  private holdsLock = false;
  private opened = false;
  /** A restore whose final save failed left its journal: dropped at the next successful save. */
  private journalAwaitingSave = false;

  // Interned ids and the mirror: the largest tables, read when first needed (`loadBig`), so that
  // opening a large store and painting its tree does not wait for them.
  private bigLoaded = false;
  private loadedPathKeyToId = new Map<string, number>();
  private loadedPathIdToKey: string[] = [];
  private loadedHashToBlob = new Map<string, number>();
  private loadedBlobToHash: string[] = [];
  private loadedMirror = new Map<number, MirrorEntry>();
  private get pathKeyToId(): Map<string, number> {
    if (!this.bigLoaded) this.loadBig();
    return this.loadedPathKeyToId;
  }
  private get pathIdToKey(): string[] {
    if (!this.bigLoaded) this.loadBig();
    return this.loadedPathIdToKey;
  }
  private get hashToBlob(): Map<string, number> {
    if (!this.bigLoaded) this.loadBig();
    return this.loadedHashToBlob;
  }
  private get blobToHash(): string[] {
    if (!this.bigLoaded) this.loadBig();
    return this.loadedBlobToHash;
  }
  private get mirror(): Map<number, MirrorEntry> {
    if (!this.bigLoaded) this.loadBig();
    return this.loadedMirror;
  }

  private pending = new Map<number, Ver>();
  private cps = new Map<number, CpNode>();
  private sessionsById = new Map<number, SessionRow>();
  private branches = new Map<number, Map<string, { head: number; createdAt: number }>>();
  private activeSessionId = 0;
  /** Paths announced by willEdit since the last seal: re-checked when sealing. */
  private announced = new Set<string>();
  /** Paths whose current bytes could not be captured, with why; a restore will not overwrite them. */
  private captureFailures = new Map<number, string>();
  /** Stats of large scans, half of them on this thread (see `walk`). */
  private statHelper: HelperThread | undefined;
  /** During a restore's writes: folders already found to be real folders inside the workspace. */
  private readBuffer = Buffer.alloc(0);
  /** Set while the scan that starts the first session runs (no working changes to keep). */
  private firstScan = false;
  private safeDirs: Set<string> | undefined;
  /** Folder keys with tracked files below them (built when first needed): a deleted path that is not one needs no search. */
  private dirKeys: Set<string> | undefined;
  private manifestCache = new Map<string, Manifest>();
  private changesCache = new Map<number, ChangeRecord[]>();
  private scanStartedAt = 0;
  private readonly racyWindowMs: number;

  constructor(private readonly options: EngineOptions) {
    this.fs = options.fs ?? nodeFs;
    this.clock = options.clock ?? Date.now;
    this.storageDir = options.storageDir;
    this.roots = validateRoots(options.roots);
    this.savePolicy = options.savePolicy ?? 'always';
    this.racyWindowMs = options.racyWindowMs ?? 3000;
    this.lockFile = path.join(this.storageDir, 'store.lock');
    this.makeTracking();
  }

  // ───────────────────────────── lifecycle ─────────────────────────────

  /**
   * Opens the store. `deferScan`: return once the metadata a first paint needs is read (sessions,
   * branches, checkpoints, working changes as last saved); the rest — snapshot indexes, mirror,
   * interrupted-restore recovery, the scan for changes made while closed — runs in `startupScan`,
   * or before the first call that changes anything.
   */
  async open(options: { deferScan?: boolean } = {}): Promise<OpenReport> {
    if (this.opened) throw new EngineError('invalid-argument', 'The store is already open.');
    this.readOnly = false;
    this.readOnlyReason = '';
    const SQL = await loadSqlJs(this.options.wasmPath);
    try {
      this.fs.mkdirSync(this.storageDir, { recursive: true });
      if (!this.fs.statSync(this.storageDir).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR', path: this.storageDir });
    } catch (e) {
      throw ioError(e, 'Could not open the Session Tree store');
    }
    this.acquireLock();
    let opened: ReturnType<StoreDb['open']>;
    try {
      this.storeDb = new StoreDb(this.storageDir, SQL, this.fs);
      opened = this.storeDb.open();
    } catch (e) {
      this.releaseLock();
      throw ioError(e, 'Could not open the Session Tree database');
    }
    const diagnostics = [...opened.diagnostics];
    this.db = opened.db;
    if (opened.unreadable) {
      // Never save over a database that exists but could not be read: it may be the newest one.
      this.readOnly = true;
      this.readOnlyReason = `${describeIoError(opened.unreadable, this.storeDb.file, 'read')}; fix that and reopen the workspace`;
      diagnostics.push(`The database could not be read (${describeIoError(opened.unreadable, this.storeDb.file, 'read')}); the store is open read-only so that nothing overwrites it.`);
    }
    if (opened.newerSchema !== undefined) {
      this.readOnly = true;
      this.readOnlyReason = `the store was written by a newer version of Session Tree (schema ${opened.newerSchema})`;
      diagnostics.push(`The store is from a newer version of Session Tree; it is open read-only.`);
    }
    const defer = options.deferScan === true && !this.readOnly;
    if (!defer) {
      try {
        this.openObjects();
      } catch (e) {
        this.db.close();
        this.releaseLock();
        throw ioError(e, 'Could not open the snapshot store');
      }
      diagnostics.push(...this.objects.diagnostics);
    }
    this.loadSmall();
    this.bigLoaded = false;
    if (!defer) this.loadBig();
    this.opened = true;
    const report: OpenReport = { diagnostics, usedBackup: opened.usedBackup, scanned: 0, tracked: 0 };
    if (this.readOnly) {
      report.tracked = this.mirror.size;
      return report;
    }
    if (defer) {
      this.startupDue = true;
      return report;
    }
    return this.startup(report);
  }

  /** The rest of a deferred open (see `open`); reports what it found. Nothing to do otherwise. */
  async startupScan(): Promise<OpenReport> {
    this.ensureOpen();
    const report: OpenReport = { diagnostics: [], usedBackup: false, scanned: 0, tracked: 0 };
    if (!this.startupDue) {
      report.tracked = this.trackedCount();
      return report;
    }
    return this.runStartup(report);
  }

  private runStartup(report: OpenReport): OpenReport {
    if (!this.openedObjects) {
      try {
        this.openObjects();
      } catch (e) {
        this.startupDue = false;
        this.opened = false;
        this.db.close();
        this.releaseLock();
        throw ioError(e, 'Could not open the snapshot store');
      }
      report.diagnostics.push(...this.objects.diagnostics);
    }
    return this.startup(report);
  }

  private openObjects(): void {
    this.openedObjects = new ObjectStore(path.join(this.storageDir, 'objects'), {
      fs: this.fs,
      level: this.options.compressionLevel,
      readOnly: this.readOnly,
      // Groups are deflated beside the scan (a second core's worth).
      parallel: this.useHelpers,
    });
  }

  /** Interrupted-restore recovery, then the scan for changes made while the store was closed. */
  private startup(report: OpenReport): OpenReport {
    this.startupDue = false;
    const diagnostics = report.diagnostics;
    try {
      report.recoveredRestore = this.recoverJournal();
      this.transact(() => {
        // Current files whose saved copy is gone (a damaged pack): read them again below.
        let missing = 0;
        for (const [p, e] of this.mirror) {
          const h = e.blob ? this.blobToHash[e.blob] : undefined;
          if (!e.blob || e.untracked || (h && this.objects.has(h))) continue;
          this.writeMirror(p, { ...e, racy: true });
          missing++;
        }
        if (missing) diagnostics.push(`The saved copies of ${missing} current file${missing === 1 ? ' was' : 's were'} missing from the store; ${missing === 1 ? 'it was' : 'they were'} read again from the workspace. Verify Store checks the rest of the history.`);
        if (this.sessionsById.size === 0) {
          this.firstScan = true;
          try {
            report.scanned = this.fullScan();
          } finally {
            this.firstScan = false;
          }
          this.createSessionAtCurrentState('Session 1');
        } else {
          if (this.pending.size > 0) {
            this.sealInternal({ source: 'editor', label: 'Working changes from the last run' });
          }
          report.scanned = this.fullScan();
          if (this.pending.size > 0) {
            const cp = this.sealInternal({ source: 'external', label: DEFAULT_LABELS.external });
            if (cp) report.externalCheckpointId = String(cp);
          }
        }
      });
      this.saveNow();
    } catch (e) {
      if (!saveFailures.has(e as object)) {
        // Nothing half-done stays open: the store can be opened again once the cause is gone.
        this.opened = false;
        try {
          this.openedObjects?.close();
        } catch {
          /* closing after a failure: its error is the one to report */
        }
        this.db.close();
        this.releaseLock();
        throw ioError(e, 'Could not open the Session Tree store');
      }
      // Opened and scanned, but not saved (say the disk is full): it is kept in memory and saved later.
      diagnostics.push((e as Error).message);
    }
    report.tracked = this.trackedCount();
    this.emit({ type: 'changed' });
    return report;
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    try {
      if (!this.readOnly) this.saveNow();
    } finally {
      this.releaseLock();
    }
    for (const s of this.stmts.values()) s.free();
    this.stmts.clear();
    this.openedObjects?.close();
    this.openedObjects = undefined;
    this.statHelper?.close();
    this.statHelper = undefined;
    this.startupDue = false;
    this.db.close();
    this.opened = false;
  }

  onEvent(listener: (e: EngineEvent) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private emit(e: EngineEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        /* a listener's failure is not the engine's */
      }
    }
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.emit({ type: 'log', level, message });
  }

  async setOptions(o: TrackingOptions): Promise<void> {
    this.ensureOpen();
    if (o.savePolicy) this.savePolicy = o.savePolicy;
    if (o.exclude !== undefined) this.options.exclude = o.exclude;
    if (o.maxFileSize !== undefined) this.options.maxFileSize = o.maxFileSize;
    if (o.exclude !== undefined || o.maxFileSize !== undefined) {
      this.makeTracking();
      if (!this.readOnly) this.mutate(() => this.fullScan());
    }
  }

  private makeTracking(): void {
    this.rulesTrustedAt = -1;
    const never = [path.resolve(this.storageDir)];
    this.tracking = new Tracking(
      { exclude: this.options.exclude ?? [], maxFileSize: this.options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE },
      this.fs,
      never,
    );
  }

  private acquireLock(): void {
    const me = JSON.stringify({ pid: process.pid, at: this.clock() });
    if (heldLocks.has(path.resolve(this.lockFile))) {
      this.readOnly = true;
      this.readOnlyReason = 'this workspace\'s store is already open in this window (another Session Tree engine of this process has it)';
      return;
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        this.fs.writeFileSync(this.lockFile, me, { flag: 'wx' });
        heldLocks.add(path.resolve(this.lockFile));
        this.holdsLock = true;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          // Cannot lock (a read-only or locked-down folder): opening read-only is safe, writing is not.
          this.readOnly = true;
          this.readOnlyReason = `Session Tree ${describeIoError(e, this.lockFile, 'write')}`;
          return;
        }
      }
      let holder: { pid?: number } = {};
      try {
        holder = JSON.parse(this.fs.readFileSync(this.lockFile, 'utf8'));
      } catch {
        holder = {};
      }
      if (holder.pid && holder.pid !== process.pid && pidAlive(holder.pid)) {
        this.readOnly = true;
        this.readOnlyReason = `another VS Code window (process ${holder.pid}) has this workspace's store open`;
        return;
      }
      this.fs.rmSync(this.lockFile, { force: true }); // stale: its process is gone
    }
  }

  private releaseLock(): void {
    if (!this.holdsLock) return;
    this.holdsLock = false;
    heldLocks.delete(path.resolve(this.lockFile));
    try {
      const holder = JSON.parse(this.fs.readFileSync(this.lockFile, 'utf8'));
      if (holder.pid === process.pid) this.fs.rmSync(this.lockFile, { force: true });
    } catch {
      /* nothing to release */
    }
  }

  private ensureOpen(): void {
    if (!this.opened) throw new EngineError('invalid-argument', 'The store is not open.');
  }

  private ensureWritable(): void {
    this.ensureOpen();
    if (this.readOnly) throw new EngineError('read-only-store', `The store is read-only: ${this.readOnlyReason}.`);
    // A deferred open: nothing changes before interrupted restores are recovered and the scan ran.
    if (this.startupDue) {
      const report = this.runStartup({ diagnostics: [], usedBackup: false, scanned: 0, tracked: 0 });
      for (const d of report.diagnostics) this.log('warn', d);
    }
  }

  // ───────────────────────────── persistence ─────────────────────────────

  private stmt(sql: string): Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  private run(sql: string, params: (string | number | null | Uint8Array)[]): void {
    const s = this.stmt(sql);
    s.run(params);
    this.writes++;
  }

  /** Runs a change to the metadata as one transaction; on failure the in-memory view is reloaded. */
  private mutate<T>(fn: () => T): T {
    const before = this.writes;
    const r = this.transact(fn);
    // Nothing recorded (a watcher batch of unchanged or untracked files): no save, no repaint.
    if (this.writes === before) return r;
    try {
      // A failed save keeps the change in memory (saved at the next change) and says so.
      this.scheduleSave();
    } finally {
      this.emit({ type: 'changed' });
    }
    return r;
  }

  /** `fn` as one transaction whose snapshots are written out; on failure nothing of it remains. */
  private transact<T>(fn: () => T): T {
    this.ensureWritable();
    this.db.exec('SAVEPOINT op');
    const failures = this.objects.writeFailures;
    let r: T;
    try {
      r = fn();
      // The snapshots the change refers to reach their pack before the change counts: if they
      // cannot (disk full), the change is undone rather than left pointing at nothing — also when
      // the failed write surfaced inside `fn` and was handled there (a capture that never throws).
      this.objects.writeOut();
      if (this.objects.writeFailures !== failures) throw this.objects.lastWriteError;
      this.db.exec('RELEASE op');
    } catch (e) {
      this.db.exec('ROLLBACK TO op');
      this.db.exec('RELEASE op');
      this.rulesTrustedAt = -1; // the mirror is back to what it was: ask the rules again
      this.loadCaches();
      throw ioError(e, 'Nothing was changed');
    }
    return r;
  }

  private scheduleSave(): void {
    if (this.savePolicy === 'always') {
      this.saveNow();
      return;
    }
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      try {
        this.saveNow();
      } catch (e) {
        this.log('error', `Saving the store failed: ${(e as Error).message}`);
      }
    }, this.options.saveDelayMs ?? 1000);
    this.saveTimer.unref?.();
  }

  /** Makes snapshots durable, then writes the database atomically. */
  saveNow(): void {
    if (this.readOnly || !this.opened) return;
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    try {
      this.openedObjects?.flush(); // not opened yet (a deferred open): nothing stored since
      this.storeDb.save(this.db);
    } catch (e) {
      const err = ioError(e, 'Could not save the Session Tree store', 'The last saved copy is intact; Session Tree tries again at the next change.');
      saveFailures.add(err as object);
      throw err;
    }
    if (this.journalAwaitingSave) {
      this.journalAwaitingSave = false;
      this.removeJournal();
    }
  }

  get lastSave(): { ms: number; bytes: number } {
    return { ms: this.storeDb.lastSaveMs, bytes: this.storeDb.lastSaveBytes };
  }

  private loadCaches(): void {
    this.loadSmall();
    this.loadBig();
  }

  /** Interned paths and contents, and the mirror. */
  private loadBig(): void {
    this.bigLoaded = true;
    this.loadedPathKeyToId.clear();
    this.loadedPathIdToKey = [];
    this.loadedHashToBlob.clear();
    this.loadedBlobToHash = [];
    this.loadedMirror.clear();
    this.dirKeys = undefined;
    this.forEachRow('SELECT id, key FROM paths', (r) => {
      this.loadedPathKeyToId.set(r[1] as string, r[0] as number);
      this.loadedPathIdToKey[r[0] as number] = r[1] as string;
    });
    this.forEachRow('SELECT id, hash FROM blobs', (r) => {
      const h = Buffer.from(r[1] as Uint8Array).toString('hex');
      this.loadedHashToBlob.set(h, r[0] as number);
      this.loadedBlobToHash[r[0] as number] = h;
    });
    this.forEachRow('SELECT path, blob, size, mtime, mode, ino FROM mirror', (r) => {
      const ino = r[5] as number;
      this.loadedMirror.set(r[0] as number, {
        blob: r[1] as number, size: r[2] as number, mtime: r[3] as number, mode: r[4] as number,
        ino: Math.max(ino, 0), racy: ino === -1, untracked: ino === -2,
      });
    });
  }

  /** Sessions, branches, checkpoints and working changes: what a first paint needs. */
  private loadSmall(): void {
    this.pending.clear();
    this.cps.clear();
    this.sessionsById.clear();
    this.branches.clear();
    this.changesCache.clear();
    this.forEachRow('SELECT path, blob, mode FROM pending', (r) => {
      this.pending.set(r[0] as number, { blob: r[1] as number, mode: r[2] as number });
    });
    this.forEachRow('SELECT id, title, created_at, tags, parent_session, parent_checkpoint, root, active_branch FROM sessions', (r) => {
      this.sessionsById.set(r[0] as number, {
        id: r[0] as number, title: r[1] as string, createdAt: r[2] as number, tags: safeJson(r[3] as string, []),
        parentSession: (r[4] as number) ?? undefined, parentCheckpoint: (r[5] as number) ?? undefined,
        root: r[6] as number, activeBranch: r[7] as string,
      });
      this.branches.set(r[0] as number, new Map());
    });
    this.forEachRow('SELECT session, name, head, created_at FROM branches', (r) => {
      this.branches.get(r[0] as number)?.set(r[1] as string, { head: r[2] as number, createdAt: r[3] as number });
    });
    this.forEachRow(
      'SELECT id, session, parent, created_at, source, label, nfiles, added, removed, exit_code, manifest FROM checkpoints ORDER BY id',
      (r) => {
        const parent = (r[2] as number) ?? 0;
        const p = parent ? this.cps.get(parent) : undefined;
        const node: CpNode = {
          id: r[0] as number, session: r[1] as number, parent, createdAt: r[3] as number,
          source: (CHECKPOINT_SOURCES as string[]).includes(r[4] as string) ? (r[4] as CheckpointSource) : 'manual',
          label: r[5] as string, nfiles: r[6] as number, added: r[7] as number, removed: r[8] as number,
          exitCode: (r[9] as number) ?? undefined, depth: p ? p.depth + 1 : 0, children: [],
          manifest: r[10] ? Buffer.from(r[10] as Uint8Array).toString('hex') : undefined,
        };
        this.cps.set(node.id, node);
        p?.children.push(node.id);
      },
    );
    const active = this.metaGet('active_session');
    this.activeSessionId = active ? Number(active) : 0;
    if (!this.sessionsById.has(this.activeSessionId)) {
      this.activeSessionId = [...this.sessionsById.keys()].pop() ?? 0;
    }
  }

  private forEachRow(sql: string, fn: (row: unknown[]) => void): void {
    const s = this.db.prepare(sql);
    try {
      while (s.step()) fn(s.get());
    } finally {
      s.free();
    }
  }

  private metaGet(key: string): string | undefined {
    const r = this.db.exec('SELECT value FROM meta WHERE key = ?', [key]);
    return r[0]?.values[0]?.[0] as string | undefined;
  }

  private metaSet(key: string, value: string): void {
    this.run('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)', [key, value]);
  }

  private pathId(key: string): number {
    let id = this.pathKeyToId.get(key);
    if (id === undefined) {
      id = this.pathIdToKey.length === 0 ? 1 : this.pathIdToKey.length;
      this.run('INSERT INTO paths(id, key) VALUES (?, ?)', [id, key]);
      this.pathKeyToId.set(key, id);
      this.pathIdToKey[id] = key;
    }
    return id;
  }

  private blobId(hash: string, size: number): number {
    let id = this.hashToBlob.get(hash);
    if (id === undefined) {
      id = this.blobToHash.length === 0 ? 1 : this.blobToHash.length;
      this.run('INSERT INTO blobs(id, hash, size) VALUES (?, ?, ?)', [id, Buffer.from(hash, 'hex'), size]);
      this.hashToBlob.set(hash, id);
      this.blobToHash[id] = hash;
    }
    return id;
  }

  private hashOf(blob: number): string {
    const h = this.blobToHash[blob];
    if (!h) throw new EngineError('corrupt', `Content record ${blob} is missing from the store.`);
    return h;
  }

  private verOut(v: Ver | undefined): FileVersion | undefined {
    return v && v.blob ? { hash: this.hashOf(v.blob), mode: v.mode } : undefined;
  }

  private writeMirror(p: number, e: MirrorEntry | undefined): void {
    if (!e) {
      this.mirror.delete(p);
      this.run('DELETE FROM mirror WHERE path = ?', [p]);
      return;
    }
    if (this.dirKeys && !this.mirror.has(p)) this.addDirKeys(this.pathIdToKey[p]);
    this.mirror.set(p, e);
    const ino = e.untracked ? -2 : e.racy ? -1 : e.ino;
    this.run('INSERT OR REPLACE INTO mirror(path, blob, size, mtime, mode, ino) VALUES (?, ?, ?, ?, ?, ?)', [
      p, e.blob, e.size, e.mtime, e.mode, ino,
    ]);
  }

  private writePending(p: number, v: Ver | undefined): void {
    // The scan that starts the first session: every file is new, and the session starts from them.
    if (this.firstScan) return;
    if (!v) {
      if (this.pending.delete(p)) this.run('DELETE FROM pending WHERE path = ?', [p]);
      return;
    }
    this.pending.set(p, v);
    this.run('INSERT OR REPLACE INTO pending(path, blob, mode) VALUES (?, ?, ?)', [p, v.blob, v.mode]);
  }

  private clearPending(): void {
    this.pending.clear();
    this.run('DELETE FROM pending', []);
  }

  // ───────────────────────────── paths ─────────────────────────────

  /** Resolves an absolute path to its root and store key; undefined when outside every root. */
  private locate(abs: string): { root: RootFolder; rel: string; key: string } | undefined {
    if (typeof abs !== 'string' || abs === '' || !path.isAbsolute(abs) || abs.includes('\0')) return undefined;
    const norm = path.resolve(abs);
    this.resolvedRoots ??= this.roots.map((r) => ({ root: r, path: path.resolve(r.path) })).sort((a, b) => b.path.length - a.path.length);
    // Longest first: the innermost folder that holds the path.
    const best = this.resolvedRoots.find((r) => norm.length > r.path.length && norm.startsWith(r.path) && (norm[r.path.length] === path.sep || r.path.endsWith(path.sep)));
    if (!best) return undefined;
    const tail = norm.slice(best.path.length + (best.path.endsWith(path.sep) ? 0 : 1));
    const rel = path.sep === '/' ? tail : tail.split(path.sep).join('/');
    if (rel === '' || rel === '..' || rel.startsWith('../')) return undefined;
    return { root: best.root, rel, key: `${best.root.name}/${rel}` };
  }

  private rootOfKey(key: string): { root: RootFolder; rel: string } | undefined {
    const slash = key.indexOf('/');
    const root = this.roots.find((r) => r.name === key.slice(0, slash));
    return root ? { root, rel: key.slice(slash + 1) } : undefined;
  }

  /** Absolute path of a stored key ('' when its workspace folder is not open). */
  private absOf(key: string): string {
    const r = this.rootOfKey(key);
    return r ? path.join(r.root.path, ...r.rel.split('/')) : '';
  }

  // ───────────────────────────── mirror ─────────────────────────────

  private trackedCount(): number {
    let n = 0;
    for (const e of this.mirror.values()) if (!e.untracked && e.blob) n++;
    return n;
  }

  /** Records that path `p` now holds `v` (ABSENT = deleted); keeps working changes in step. */
  private setVersion(p: number, v: Ver, stat?: { size: number; mtime: number; ino: number; racy: boolean }): void {
    const old = this.mirror.get(p);
    const oldVer: Ver = old ? { blob: old.blob, mode: old.mode } : ABSENT;
    if (!sameVer(oldVer, v)) {
      const headVer = this.pending.get(p);
      if (headVer === undefined) this.writePending(p, oldVer);
      else if (sameVer(headVer, v)) this.writePending(p, undefined);
    }
    if (v.blob === 0) {
      if (old) this.writeMirror(p, undefined);
      return;
    }
    const next: MirrorEntry = { blob: v.blob, mode: v.mode, size: stat?.size ?? 0, mtime: stat?.mtime ?? 0, ino: stat?.ino ?? 0, racy: stat?.racy ?? true, untracked: false };
    if (old && !old.untracked && sameVer(oldVer, v) && old.size === next.size && old.mtime === next.mtime && old.ino === next.ino) {
      if (old.racy === next.racy) return;
      // Only settled (its timestamp now old enough to trust): in memory. The stored row still says
      // "re-read it", which after a restart costs one read and is never wrong.
      if (old.racy) {
        this.mirror.set(p, next);
        return;
      }
    }
    this.writeMirror(p, next);
  }

  private mirrorVer(p: number): Ver {
    const e = this.mirror.get(p);
    return e ? { blob: e.blob, mode: e.mode } : ABSENT;
  }

  private markUntracked(p: number): void {
    const e = this.mirror.get(p);
    if (!e || e.untracked) return;
    // The file stays at its last tracked version as far as history is concerned; a working change
    // to it is dropped (it is no longer ours to record).
    const headVer = this.pending.get(p);
    if (headVer !== undefined) {
      this.writePending(p, undefined);
      if (headVer.blob === 0) {
        this.writeMirror(p, undefined);
        return;
      }
      this.writeMirror(p, { ...e, blob: headVer.blob, mode: headVer.mode, untracked: true });
      return;
    }
    this.writeMirror(p, { ...e, untracked: true });
  }

  /**
   * Brings one file's mirror entry up to date. `force` re-reads even when the stat looks unchanged.
   * Returns an error message when the file could not be read (the mirror keeps the old version).
   */
  private refreshPath(
    root: RootFolder, rel: string, key: string, force: boolean,
    /** Its lstat already made (undefined: it does not exist); `walked`: its folders are known not to be excluded. */
    known?: { st: nodeFs.Stats | undefined; abs: string; walked?: boolean },
  ): string | undefined {
    const abs = known?.abs ?? path.join(root.path, ...rel.split('/'));
    const p = this.pathKeyToId.get(key);
    const existing = p !== undefined ? this.mirror.get(p) : undefined;
    let st: nodeFs.Stats | undefined = known?.st;
    if (!known) {
      try {
        st = this.fs.lstatSync(abs);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') return describeIoError(e, abs, 'read');
      }
    }
    // A folder, link or other non-file where the file was: the file is gone (a rewind can bring it back).
    if (!st || !st.isFile()) {
      if (p !== undefined && existing) {
        if (existing.untracked) this.writeMirror(p, undefined);
        else this.setVersion(p, ABSENT);
      }
      return undefined;
    }
    const why = (known?.walked ? this.tracking.excluded(root.path, rel, false) : this.tracking.excludedWithAncestors(root.path, rel, false)) ?? this.tracking.tooLarge(st.size);
    if (why) {
      if (p !== undefined) this.markUntracked(p);
      return undefined;
    }
    const mode = st.mode & 0o777;
    if (
      !force && existing && !existing.untracked && !existing.racy && existing.size === st.size &&
      existing.mtime === st.mtimeMs && existing.ino === st.ino && existing.mode === mode
    ) {
      return undefined;
    }
    let data: Buffer;
    try {
      data = this.readFile(abs, st.size);
    } catch (e) {
      return describeIoError(e, abs, 'read');
    }
    // The file's previous version is the likely base for a compact delta.
    const hash = this.objects.put(data, existing?.blob ? this.blobToHash[existing.blob] : undefined);
    const id = p ?? this.pathId(key);
    this.captureFailures.delete(id);
    if (existing?.untracked) {
      // Tracked again: history continues from its last tracked version.
      this.writeMirror(id, { ...existing, untracked: false });
    }
    const racy = st.mtimeMs >= this.scanStartedAt - this.racyWindowMs;
    this.setVersion(id, { blob: this.blobId(hash, data.length), mode }, { size: st.size, mtime: st.mtimeMs, ino: st.ino, racy });
    return undefined;
  }

  /** Walks every root; re-reads only files whose stat changed. Returns files seen. */
  private fullScan(): number {
    this.scanStartedAt = this.clock();
    const seen = new Set<number>();
    let count = 0;
    for (const root of this.roots) {
      this.tracking.revalidate(root.path);
      count += this.walk(root, '', seen);
    }
    // Whatever the walk did not meet is gone, or excluded now.
    const unseen: number[] = [];
    for (const p of this.mirror.keys()) if (!seen.has(p)) unseen.push(p);
    for (const p of unseen) {
      const e = this.mirror.get(p);
      if (!e) continue;
      const loc = this.rootOfKey(this.pathIdToKey[p]);
      if (!loc) continue; // its folder is not open: leave it alone
      if (e.untracked) {
        if (!this.fs.existsSync(path.join(loc.root.path, loc.rel))) this.writeMirror(p, undefined);
        continue;
      }
      if (this.tracking.excludedWithAncestors(loc.root.path, loc.rel, false)) this.markUntracked(p);
      else this.refreshPath(loc.root, loc.rel, this.pathIdToKey[p], false);
    }
    this.rulesTrustedAt = this.tracking.generation;
    return count;
  }

  private scanHelper(): HelperThread | undefined {
    try {
      this.statHelper ??= new HelperThread();
    } catch {
      return undefined;
    }
    return this.statHelper;
  }

  private get useHelpers(): boolean {
    // Not with an injected file system (tests watch every call): the helper uses the real one.
    return (this.options.helperThreads ?? !isMainThread) && this.fs === nodeFs;
  }

  private walk(root: RootFolder, startRel: string, seen: Set<number>): number {
    // Below the start, a folder is only entered when it is not excluded, so files need no ancestor checks.
    if (startRel !== '' && this.tracking.excludedWithAncestors(root.path, startRel, true)) return 0;
    // 1. The files to look at, from the folder listings. In a large scan their stats are taken
    //    meanwhile, in batches, by the helper thread (without one, here). Measured here: the
    //    helper taking every batch while this thread lists, checks rules and compares scans 100k
    //    files in about 310 ms; this thread taking one batch in four, 430 ms.
    const prefix = `${root.name}/`;
    const rels: string[] = [];
    /** Per file: its path id when it is tracked and the rules need not be asked (else -1). */
    const ids: number[] = [];
    const abss: string[] = [];
    const stats: (nodeFs.Stats | null | undefined)[] = [];
    const jobs: number[] = []; // per batch: the helper's job, or -1 (stats taken here)
    const useHelper = this.useHelpers;
    let helper: HelperThread | undefined;
    const batchDone = () => {
      const k = jobs.length;
      const from = k * STAT_BATCH;
      helper ??= this.scanHelper();
      if (!helper) {
        for (let i = from; i < from + STAT_BATCH; i++) stats[i] = statOrNull(this.fs, abss[i]);
        jobs.push(-1);
      } else {
        jobs.push(helper.lstat(abss.slice(from, from + STAT_BATCH)));
      }
    };
    const stack = [startRel];
    while (stack.length) {
      const dirRel = stack.pop()!;
      const dirAbs = dirRel ? path.join(root.path, ...dirRel.split('/')) : root.path;
      let entries: nodeFs.Dirent[];
      try {
        entries = this.fs.readdirSync(dirAbs, { withFileTypes: true });
      } catch (e) {
        this.log('warn', describeIoError(e, dirAbs, 'list'));
        continue;
      }
      // No `.gitignore` here: the rules need not try to read one. A new one: they must.
      if (!entries.some((e) => e.name === '.gitignore')) this.tracking.noGitignoreIn(root.path, dirRel);
      else this.tracking.gitignoreIn(root.path, dirRel);
      // Rules unchanged since the last full scan: a file tracked then is not excluded now.
      const trusted = this.rulesTrustedAt === this.tracking.generation;
      for (const ent of entries) {
        const rel = dirRel ? `${dirRel}/${ent.name}` : ent.name;
        if (ent.isDirectory()) {
          if (!this.tracking.excluded(root.path, rel, true, dirRel)) stack.push(rel);
        } else if (ent.isFile()) {
          let id = -1;
          if (trusted) {
            const p = this.pathKeyToId.get(prefix + rel);
            if (p !== undefined && this.mirror.get(p)?.untracked === false) id = p;
          }
          if (id >= 0 || !this.tracking.excluded(root.path, rel, false, dirRel)) {
            rels.push(rel);
            ids.push(id);
            abss.push(dirAbs + path.sep + ent.name);
            if (useHelper && rels.length % STAT_BATCH === 0) batchDone();
          }
        }
      }
    }
    // 2. The common case costs one lstat: a file whose stat is trusted and unchanged.
    let batch: Float64Array | undefined;
    for (let i = 0; i < rels.length; i++) {
      if ((i + 1) % 2000 === 0) this.emit({ type: 'progress', progress: { phase: 'scan', done: i + 1 } });
      let st: nodeFs.Stats | undefined;
      // kind (1 file), size, mtime, ino, mode: from the helper's batch or from an lstat here
      let kind = -1;
      let size = 0;
      let mtime = 0;
      let ino = 0;
      let mode = 0;
      const k = Math.floor(i / STAT_BATCH);
      if (k < jobs.length && jobs[k] !== -1) {
        if (i % STAT_BATCH === 0) batch = helper!.takeStats(jobs[k], true);
        if (batch) {
          const o = (i % STAT_BATCH) * 5;
          kind = batch[o];
          if (kind === 0) continue; // gone since the listing
          size = batch[o + 1];
          mtime = batch[o + 2];
          ino = batch[o + 3];
          mode = batch[o + 4];
        }
      }
      if (kind < 0) {
        const s = k < jobs.length ? stats[i] : undefined;
        if (s === null) continue; // gone since the listing
        try {
          st = s ?? this.fs.lstatSync(abss[i]);
        } catch {
          continue; // gone since the listing: as if it had not been listed
        }
        kind = st.isFile() ? 1 : 4;
        size = st.size;
        mtime = st.mtimeMs;
        ino = st.ino;
        mode = st.mode;
      }
      const p = ids[i] >= 0 ? ids[i] : this.pathKeyToId.get(prefix + rels[i]);
      const e = p !== undefined ? this.mirror.get(p) : undefined;
      if (
        e && !e.untracked && !e.racy && kind === 1 && e.size === size && e.mtime === mtime &&
        e.ino === ino && e.mode === (mode & 0o777) && !this.tracking.tooLarge(size)
      ) {
        seen.add(p!);
        continue;
      }
      st ??= helperStat(batch!, i % STAT_BATCH)!;
      const key = prefix + rels[i];
      const err = this.refreshPath(root, rels[i], key, false, { st, abs: abss[i], walked: true });
      if (err) this.log('warn', err);
      const id = this.pathKeyToId.get(key);
      if (id !== undefined) seen.add(id);
    }
    return rels.length;
  }


  /** Watcher report: these absolute paths were created, changed or deleted. Cost O(paths). */
  notifyChanged(paths: string[]): void {
    this.ensureWritable();
    this.mutate(() => {
      this.scanStartedAt = this.clock();
      for (const abs of paths) this.refreshAbs(abs, true);
    });
  }

  /**
   * A file's bytes. With the real file system and a known size, into a buffer reused from read to
   * read (valid until the next call: the snapshot store keeps its own copy): no allocation, no
   * fstat per file.
   */
  private readFile(abs: string, size: number): Buffer {
    if (this.fs !== nodeFs || size > READ_REUSE_MAX) return this.fs.readFileSync(abs);
    if (this.readBuffer.length < size + 1) this.readBuffer = Buffer.allocUnsafe(Math.max(size + 1, 64 * 1024));
    const fd = nodeFs.openSync(abs, 'r');
    let n = 0;
    try {
      // Asked for one byte more than its stat said: reads stop at the end, or at exactly `size`
      // bytes (one read, as a rule), or past it (it grew: read whole below).
      let r: number;
      do {
        r = nodeFs.readSync(fd, this.readBuffer, n, size + 1 - n, null);
        n += r;
      } while (r > 0 && n < size);
    } finally {
      nodeFs.closeSync(fd);
    }
    // Longer than its stat said: it is being written; read it whole (the next scan sees the change).
    if (n > size) return nodeFs.readFileSync(abs);
    return this.readBuffer.subarray(0, n);
  }

  private hasFilesUnder(key: string): boolean {
    if (!this.dirKeys) {
      this.dirKeys = new Set();
      for (const p of this.mirror.keys()) this.addDirKeys(this.pathIdToKey[p]);
    }
    return this.dirKeys.has(key);
  }

  private addDirKeys(key: string): void {
    for (let i = key.lastIndexOf('/'); i > 0; i = key.lastIndexOf('/', i - 1)) {
      const dir = key.slice(0, i);
      if (this.dirKeys!.has(dir)) return; // and so are its ancestors
      this.dirKeys!.add(dir);
    }
  }

  private refreshAbs(abs: string, force: boolean): string | undefined {
    const loc = this.locate(abs);
    if (!loc) return undefined;
    let st: nodeFs.Stats | undefined;
    try {
      st = this.fs.lstatSync(abs);
    } catch {
      st = undefined;
    }
    if (path.basename(loc.rel) === '.gitignore') {
      // Rules changed: what is tracked below this folder may have changed.
      const dir = loc.rel.includes('/') ? loc.rel.slice(0, loc.rel.lastIndexOf('/')) : '';
      this.tracking.invalidate(loc.root.path);
      this.rescanUnder(loc.root, dir);
    }
    if (st?.isDirectory()) {
      if (!this.tracking.excludedWithAncestors(loc.root.path, loc.rel, true)) this.rescanUnder(loc.root, loc.rel);
      return undefined;
    }
    if (!st && this.hasFilesUnder(loc.key)) {
      // A deleted folder: every file we know under it is gone.
      const prefix = loc.key + '/';
      for (const [p] of [...this.mirror]) {
        if (this.pathIdToKey[p].startsWith(prefix)) {
          const r = this.rootOfKey(this.pathIdToKey[p])!;
          this.refreshPath(r.root, r.rel, this.pathIdToKey[p], true);
        }
      }
    }
    return this.refreshPath(loc.root, loc.rel, loc.key, force, { st, abs: path.resolve(abs) });
  }

  private rescanUnder(root: RootFolder, dirRel: string): void {
    const seen = new Set<number>();
    this.walk(root, dirRel, seen);
    const prefix = `${root.name}/${dirRel ? dirRel + '/' : ''}`;
    for (const [p] of [...this.mirror]) {
      const key = this.pathIdToKey[p];
      if (!seen.has(p) && key.startsWith(prefix)) {
        const r = this.rootOfKey(key)!;
        this.refreshPath(r.root, r.rel, key, false);
      }
    }
  }

  /** Full stat rescan. */
  rescan(): void {
    this.mutate(() => {
      this.fullScan();
    });
  }

  /** Before-edit capture: makes sure the current bytes of these files are in the store. Never throws. */
  willEdit(paths: string[]): void {
    if (!this.opened || this.readOnly) return;
    try {
      this.mutate(() => {
        this.scanStartedAt = this.clock();
        for (const abs of paths) {
          const loc = this.locate(abs);
          if (!loc) continue;
          this.announced.add(path.resolve(abs));
          let err: string | undefined;
          try {
            err = this.refreshAbs(abs, false);
          } catch (e) {
            err = (e as Error).message;
          }
          const p = this.pathKeyToId.get(loc.key);
          if (err) {
            this.log('warn', `Could not save ${abs} before it changes: ${err}`);
            this.captureFailures.set(p ?? this.pathId(loc.key), err);
          } else if (p !== undefined) this.captureFailures.delete(p);
        }
      });
    } catch (e) {
      this.log('error', `Before-edit capture failed: ${(e as Error).message}`);
    }
  }

  trackingStatus(abs: string): { tracked: boolean; reason?: string } {
    const loc = this.locate(abs);
    if (!loc) return { tracked: false, reason: 'outside the workspace folders' };
    let st: nodeFs.Stats | undefined;
    try {
      st = this.fs.lstatSync(abs);
    } catch {
      st = undefined;
    }
    if (st?.isSymbolicLink()) return { tracked: false, reason: 'a symbolic link' };
    if (st && !st.isFile() && !st.isDirectory()) return { tracked: false, reason: 'not a regular file' };
    const why = this.tracking.excludedWithAncestors(loc.root.path, loc.rel, !!st?.isDirectory()) ?? (st ? this.tracking.tooLarge(st.size) : undefined);
    return why ? { tracked: false, reason: why } : { tracked: true };
  }

  // ───────────────────────────── sessions ─────────────────────────────

  private session(id?: string | number): SessionRow {
    const n = id === undefined ? this.activeSessionId : Number(id);
    const s = this.sessionsById.get(n);
    if (!s) {
      if (id === undefined) throw new EngineError('not-found', 'There is no active session.');
      throw new EngineError('not-found', `No session with id "${id}".`);
    }
    return s;
  }

  private headOf(s: SessionRow): number {
    const b = this.branches.get(s.id)?.get(s.activeBranch);
    if (!b) throw new EngineError('corrupt', `Session "${s.title}" has no branch "${s.activeBranch}".`);
    return b.head;
  }

  private get head(): number {
    return this.headOf(this.session());
  }

  private setBranchHead(sessionId: number, name: string, head: number): void {
    const m = this.branches.get(sessionId)!;
    const existing = m.get(name);
    const createdAt = existing?.createdAt ?? this.clock();
    m.set(name, { head, createdAt });
    this.run('INSERT OR REPLACE INTO branches(session, name, head, created_at) VALUES (?, ?, ?, ?)', [sessionId, name, head, createdAt]);
  }

  private sessionInfo(s: SessionRow): SessionInfo {
    const branches: BranchInfo[] = [...(this.branches.get(s.id) ?? new Map()).entries()]
      .map(([name, b]) => ({ name, headId: String(b.head), active: name === s.activeBranch, createdAt: b.createdAt }))
      .sort((a, b) => (a.active === b.active ? a.name.localeCompare(b.name) : a.active ? -1 : 1));
    let count = 0;
    for (const c of this.cps.values()) if (c.session === s.id) count++;
    return {
      id: String(s.id), title: s.title, createdAt: s.createdAt, tags: [...s.tags],
      parentSessionId: s.parentSession ? String(s.parentSession) : undefined,
      parentCheckpointId: s.parentCheckpoint ? String(s.parentCheckpoint) : undefined,
      rootId: String(s.root), activeBranch: s.activeBranch, headId: String(this.headOf(s)), branches,
      checkpointCount: count, active: s.id === this.activeSessionId,
    };
  }

  sessions(): SessionInfo[] {
    this.ensureOpen();
    return [...this.sessionsById.values()].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id).map((s) => this.sessionInfo(s));
  }

  activeSession(): SessionInfo | undefined {
    this.ensureOpen();
    const s = this.sessionsById.get(this.activeSessionId);
    return s ? this.sessionInfo(s) : undefined;
  }

  private insertCheckpoint(row: {
    session: number; parent: number; source: CheckpointSource; label: string; info?: Record<string, unknown>;
    changes: ChangeRecord[]; manifest?: string; createdAt?: number; exitCode?: number;
  }): number {
    const id = this.nextId('checkpoints');
    const createdAt = row.createdAt ?? this.clock();
    let added = 0;
    let removed = 0;
    for (const c of row.changes) {
      added += c.added;
      removed += c.removed;
    }
    const info = row.info && Object.keys(row.info).length ? JSON.stringify(row.info) : null;
    this.run(
      'INSERT INTO checkpoints(id, session, parent, created_at, source, label, info, changes, manifest, nfiles, added, removed, exit_code) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)',
      [
        id, row.session, row.parent || null, createdAt, row.source, row.label, info,
        row.changes.length ? encodeChanges(row.changes) : null, row.manifest ? Buffer.from(row.manifest, 'hex') : null,
        row.changes.length, added, removed, row.exitCode ?? null,
      ],
    );
    const parent = row.parent ? this.cps.get(row.parent) : undefined;
    const node: CpNode = {
      id, session: row.session, parent: row.parent, createdAt, source: row.source, label: row.label,
      nfiles: row.changes.length, added, removed, exitCode: row.exitCode, depth: parent ? parent.depth + 1 : 0,
      children: [], manifest: row.manifest,
    };
    this.cps.set(id, node);
    parent?.children.push(id);
    this.changesCache.set(id, row.changes);
    return id;
  }

  private nextId(table: 'checkpoints' | 'sessions' | 'restores'): number {
    const r = this.db.exec(`SELECT COALESCE(MAX(id), 0) + 1 FROM ${table}`);
    return r[0].values[0][0] as number;
  }

  /** A manifest of the current workspace (mirror), stored as an object. */
  private currentManifest(): string {
    const m: Manifest = new Map();
    for (const [p, e] of this.mirror) if (e.blob) m.set(this.pathIdToKey[p], { hash: this.hashOf(e.blob), mode: e.mode });
    const data = encodeManifest(m);
    const hash = this.objects.put(data);
    this.manifestCache.set(hash, m);
    return hash;
  }

  private createSessionAtCurrentState(title: string, extra?: { parentSession?: number; parentCheckpoint?: number }): number {
    const id = this.nextId('sessions');
    const manifest = this.currentManifest();
    const now = this.clock();
    this.run('INSERT INTO sessions(id, title, created_at, tags, parent_session, parent_checkpoint, root, active_branch) VALUES (?,?,?,?,?,?,?,?)', [
      id, title, now, '[]', extra?.parentSession ?? null, extra?.parentCheckpoint ?? null, 0, DEFAULT_BRANCH,
    ]);
    this.sessionsById.set(id, { id, title, createdAt: now, tags: [], root: 0, activeBranch: DEFAULT_BRANCH, ...extra });
    this.branches.set(id, new Map());
    const root = this.insertCheckpoint({ session: id, parent: 0, source: 'start', label: DEFAULT_LABELS.start, changes: [], manifest });
    this.run('UPDATE sessions SET root = ? WHERE id = ?', [root, id]);
    this.sessionsById.get(id)!.root = root;
    this.setBranchHead(id, DEFAULT_BRANCH, root);
    this.setActiveSession(id);
    this.clearPending();
    return id;
  }

  private setActiveSession(id: number): void {
    this.activeSessionId = id;
    this.metaSet('active_session', String(id));
  }

  newSession(options: { title?: string } = {}): SessionInfo {
    const title = cleanName(options.title ?? `Session ${this.sessionsById.size + 1}`, 'session title');
    return this.mutate(() => {
      if (this.pending.size > 0) this.sealInternal({ source: 'safety', label: 'Working changes before a new session' });
      const id = this.createSessionAtCurrentState(title);
      return this.sessionInfo(this.sessionsById.get(id)!);
    });
  }

  renameSession(sessionId: string, title: string): void {
    const s = this.session(sessionId);
    const t = cleanName(title, 'session title');
    this.mutate(() => {
      this.run('UPDATE sessions SET title = ? WHERE id = ?', [t, s.id]);
      s.title = t;
    });
  }

  setSessionTags(sessionId: string, tags: string[]): void {
    const s = this.session(sessionId);
    if (!Array.isArray(tags)) throw new EngineError('invalid-argument', 'Tags must be a list of strings.');
    const clean = [...new Set(tags.map((t) => cleanName(String(t), 'tag')))];
    this.mutate(() => {
      this.run('UPDATE sessions SET tags = ? WHERE id = ?', [JSON.stringify(clean), s.id]);
      s.tags = clean;
    });
  }

  /** Makes another session active without touching files; working changes are recomputed against its head. */
  switchSession(sessionId: string): void {
    const s = this.session(sessionId);
    if (s.id === this.activeSessionId) return;
    this.mutate(() => {
      if (this.pending.size > 0) this.sealInternal({ source: 'safety', label: 'Working changes before switching sessions' });
      this.setActiveSession(s.id);
      this.recomputePendingFull();
    });
  }

  /** Working changes = difference between the mirror and the full state of head (O(workspace); rare). */
  private recomputePendingFull(): void {
    const state = this.stateOf(this.head);
    this.clearPending();
    const seen = new Set<number>();
    for (const [p, v] of state) {
      seen.add(p);
      const e = this.mirror.get(p);
      const cur: Ver = e ? { blob: e.blob, mode: e.mode } : ABSENT;
      if (e?.untracked) continue;
      if (!sameVer(cur, v)) this.writePending(p, v);
    }
    for (const [p, e] of this.mirror) {
      if (!seen.has(p) && e.blob && !e.untracked) this.writePending(p, ABSENT);
    }
  }

  forkSession(checkpointId: string, options: { title?: string } = {}): SessionInfo {
    const from = this.checkpointNode(checkpointId);
    const src = this.session(from.session);
    const title = cleanName(options.title ?? `${src.title} (fork)`, 'session title');
    return this.mutate(() => {
      if (this.pending.size > 0) this.sealInternal({ source: 'safety', label: 'Working changes before forking' });
      const chain: CpNode[] = [];
      for (let c: CpNode | undefined = from; c; c = c.parent ? this.cps.get(c.parent) : undefined) chain.unshift(c);
      const id = this.nextId('sessions');
      const now = this.clock();
      this.run('INSERT INTO sessions(id, title, created_at, tags, parent_session, parent_checkpoint, root, active_branch) VALUES (?,?,?,?,?,?,?,?)', [
        id, title, now, JSON.stringify(src.tags), src.id, from.id, 0, DEFAULT_BRANCH,
      ]);
      this.sessionsById.set(id, { id, title, createdAt: now, tags: [...src.tags], parentSession: src.id, parentCheckpoint: from.id, root: 0, activeBranch: DEFAULT_BRANCH });
      this.branches.set(id, new Map());
      let parent = 0;
      for (const c of chain) {
        const info = this.checkpointInfoRaw(c.id);
        parent = this.insertCheckpoint({
          session: id, parent, source: c.source, label: c.label, info, changes: this.changesOf(c.id),
          manifest: c.manifest, createdAt: c.createdAt, exitCode: c.exitCode,
        });
        if (c.id === chain[0].id) {
          this.run('UPDATE sessions SET root = ? WHERE id = ?', [parent, id]);
          this.sessionsById.get(id)!.root = parent;
        }
      }
      this.setBranchHead(id, DEFAULT_BRANCH, parent);
      this.setActiveSession(id);
      this.recomputePendingFull();
      return this.sessionInfo(this.sessionsById.get(id)!);
    });
  }

  deleteSession(sessionId: string): void {
    const s = this.session(sessionId);
    this.mutate(() => {
      const wasActive = s.id === this.activeSessionId;
      if (wasActive && this.pending.size > 0) this.sealInternal({ source: 'safety', label: 'Working changes before deleting the session' });
      const ids = [...this.cps.values()].filter((c) => c.session === s.id).map((c) => c.id);
      this.run('DELETE FROM checkpoints WHERE session = ?', [s.id]);
      this.run('DELETE FROM branches WHERE session = ?', [s.id]);
      this.run('DELETE FROM sessions WHERE id = ?', [s.id]);
      for (const id of ids) {
        this.cps.delete(id);
        this.changesCache.delete(id);
      }
      this.sessionsById.delete(s.id);
      this.branches.delete(s.id);
      if (wasActive) {
        const next = [...this.sessionsById.values()].sort((a, b) => b.createdAt - a.createdAt)[0];
        if (next) {
          this.setActiveSession(next.id);
          this.recomputePendingFull();
        } else {
          // Never leave the workspace without a session: start a fresh one at the current state.
          this.createSessionAtCurrentState('Session 1');
        }
      }
    });
  }

  // ───────────────────────────── branches ─────────────────────────────

  private resolveFrom(s: SessionRow, from: string | undefined): number {
    if (from === undefined || from === '') return this.headOf(s);
    const b = this.branches.get(s.id)?.get(from);
    if (b) return b.head;
    const cp = this.cps.get(Number(from));
    if (/^\d+$/.test(from) && cp) {
      if (cp.session !== s.id) throw new EngineError('invalid-argument', `Checkpoint ${from} belongs to another session.`);
      return cp.id;
    }
    throw new EngineError('not-found', `"${from}" is neither a branch of session "${s.title}" nor one of its checkpoints.`);
  }

  createBranch(name: string, options: { from?: string } = {}): BranchInfo {
    const s = this.session();
    const n = cleanBranchName(name);
    if (this.branches.get(s.id)!.has(n)) throw new EngineError('conflict', `A branch named "${n}" already exists in this session.`);
    const at = this.resolveFrom(s, options.from);
    return this.mutate(() => {
      this.setBranchHead(s.id, n, at);
      return { name: n, headId: String(at), active: false, createdAt: this.branches.get(s.id)!.get(n)!.createdAt };
    });
  }

  renameBranch(oldName: string, newName: string): void {
    const s = this.session();
    const m = this.branches.get(s.id)!;
    const b = m.get(oldName);
    if (!b) throw new EngineError('not-found', `No branch named "${oldName}" in this session.`);
    const n = cleanBranchName(newName);
    if (n === oldName) return;
    if (m.has(n)) throw new EngineError('conflict', `A branch named "${n}" already exists in this session.`);
    this.mutate(() => {
      m.delete(oldName);
      this.run('DELETE FROM branches WHERE session = ? AND name = ?', [s.id, oldName]);
      m.set(n, b);
      this.run('INSERT INTO branches(session, name, head, created_at) VALUES (?,?,?,?)', [s.id, n, b.head, b.createdAt]);
      if (s.activeBranch === oldName) {
        s.activeBranch = n;
        this.run('UPDATE sessions SET active_branch = ? WHERE id = ?', [n, s.id]);
      }
    });
  }

  deleteBranch(name: string): void {
    const s = this.session();
    const m = this.branches.get(s.id)!;
    if (!m.has(name)) throw new EngineError('not-found', `No branch named "${name}" in this session.`);
    if (s.activeBranch === name) throw new EngineError('conflict', `"${name}" is the active branch; check out another branch before deleting it.`);
    this.mutate(() => {
      m.delete(name);
      this.run('DELETE FROM branches WHERE session = ? AND name = ?', [s.id, name]);
    });
  }

  // ───────────────────────────── checkpoints ─────────────────────────────

  private checkpointNode(id: string | number): CpNode {
    const n = typeof id === 'number' ? id : /^\d+$/.test(String(id)) ? Number(id) : NaN;
    const c = this.cps.get(n);
    if (!c) throw new EngineError('not-found', `No checkpoint with id "${id}".`);
    return c;
  }

  private changesOf(id: number): ChangeRecord[] {
    let c = this.changesCache.get(id);
    if (!c) {
      const r = this.stmt('SELECT changes FROM checkpoints WHERE id = ?');
      r.bind([id]);
      const row = r.step() ? r.get() : [];
      r.reset();
      try {
        c = decodeChanges(row[0] as Uint8Array | null);
      } catch (e) {
        throw new EngineError('corrupt', `The change list of checkpoint ${id} is damaged: ${(e as Error).message}`);
      }
      if (this.changesCache.size > 4096) this.changesCache.clear();
      this.changesCache.set(id, c);
    }
    return c;
  }

  private checkpointInfoRaw(id: number): Record<string, unknown> | undefined {
    const r = this.stmt('SELECT info FROM checkpoints WHERE id = ?');
    r.bind([id]);
    const row = r.step() ? r.get() : [];
    r.reset();
    return row[0] ? safeJson(row[0] as string, undefined) : undefined;
  }

  private summary(c: CpNode): CheckpointSummary {
    return {
      id: String(c.id), sessionId: String(c.session), parentId: c.parent ? String(c.parent) : undefined,
      createdAt: c.createdAt, label: c.label, source: c.source, exitCode: c.exitCode, fileCount: c.nfiles,
      added: c.added, removed: c.removed, childIds: c.children.map(String),
    };
  }

  private fileChange(c: ChangeRecord): FileChange {
    const key = this.pathIdToKey[c.path];
    return {
      path: this.absOf(key), key,
      change: c.beforeBlob === 0 ? 'added' : c.afterBlob === 0 ? 'deleted' : 'modified',
      added: c.added, removed: c.removed, binary: c.binary,
      before: this.verOut({ blob: c.beforeBlob, mode: c.beforeMode }),
      after: this.verOut({ blob: c.afterBlob, mode: c.afterMode }),
    };
  }

  checkpoint(id: string): CheckpointInfo {
    this.ensureOpen();
    const c = this.checkpointNode(id);
    const info = (this.checkpointInfoRaw(c.id) ?? {}) as Record<string, unknown>;
    return {
      ...this.summary(c),
      tools: info.tools as string[] | undefined, prompt: info.prompt as string | undefined,
      command: info.command as string | undefined, cwd: info.cwd as string | undefined,
      durationMs: info.durationMs as number | undefined,
      metadata: info.metadata as Record<string, unknown> | undefined,
      files: this.changesOf(c.id).map((ch) => this.fileChange(ch)),
    };
  }

  checkpoints(q: CheckpointQuery = {}): CheckpointSummary[] {
    this.ensureOpen();
    let start: number;
    if (q.fromId !== undefined) start = this.checkpointNode(q.fromId).id;
    else {
      const s = this.session(q.sessionId);
      const name = q.branch ?? s.activeBranch;
      const b = this.branches.get(s.id)!.get(name);
      if (!b) throw new EngineError('not-found', `No branch named "${name}" in session "${s.title}".`);
      start = b.head;
    }
    const offset = Number.isFinite(q.offset) ? Math.max(0, Math.floor(q.offset!)) : 0;
    const limit = q.limit === undefined || q.limit === Infinity ? Infinity : Number.isFinite(q.limit) ? Math.max(0, Math.floor(q.limit)) : 0;
    const out: CheckpointSummary[] = [];
    let i = 0;
    for (let c = this.cps.get(start); c && out.length < limit; c = c.parent ? this.cps.get(c.parent) : undefined, i++) {
      if (i >= offset) out.push(this.summary(c));
    }
    return out;
  }

  tipsUnder(checkpointId: string): string[] {
    const start = this.checkpointNode(checkpointId);
    const tips: CpNode[] = [];
    const stack = [start];
    while (stack.length) {
      const c = stack.pop()!;
      if (c.children.length === 0) tips.push(c);
      for (const k of c.children) stack.push(this.cps.get(k)!);
    }
    return tips.sort((a, b) => b.createdAt - a.createdAt || b.id - a.id).map((c) => String(c.id));
  }

  labelCheckpoint(checkpointId: string, label: string): void {
    const c = this.checkpointNode(checkpointId);
    const l = cleanName(label, 'label', true);
    this.mutate(() => {
      this.run('UPDATE checkpoints SET label = ? WHERE id = ?', [l || DEFAULT_LABELS[c.source], c.id]);
      c.label = l || DEFAULT_LABELS[c.source];
    });
  }

  workingChanges(): FileChange[] {
    this.ensureOpen();
    if (!this.bigLoaded && this.pending.size <= WORKING_CHANGES_PEEK) return this.workingChangesAsSaved();
    const out: FileChange[] = [];
    for (const [p, headVer] of this.pending) {
      const e = this.mirror.get(p);
      const cur: Ver = e ? { blob: e.blob, mode: e.mode } : ABSENT;
      // Line counts cost two snapshot reads a file: worth it for the working changes a person reads.
      let stats = { added: 0, removed: 0, binary: false };
      if (out.length < WORKING_CHANGE_STATS_LIMIT) {
        try {
          stats = lineStats(headVer.blob ? this.objects.get(this.hashOf(headVer.blob), true) : undefined, cur.blob ? this.objects.get(this.hashOf(cur.blob), true) : undefined);
        } catch {
          /* counts are cosmetic */
        }
      }
      out.push(this.fileChange({ path: p, beforeBlob: headVer.blob, beforeMode: headVer.mode, afterBlob: cur.blob, afterMode: cur.mode, ...stats }));
    }
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  /**
   * Working changes as last saved, read row by row (a deferred open has not read the mirror yet);
   * line counts follow once it has (a `changed` event).
   */
  private workingChangesAsSaved(): FileChange[] {
    const one = (sql: string, id: number): unknown[] | undefined => {
      const s = this.stmt(sql);
      s.bind([id]);
      const row = s.step() ? s.get() : undefined;
      s.reset();
      return row;
    };
    const version = (blob: number, mode: number): FileVersion | undefined => {
      if (!blob) return undefined;
      const h = one('SELECT hash FROM blobs WHERE id = ?', blob)?.[0] as Uint8Array | undefined;
      if (!h) throw new EngineError('corrupt', `Content record ${blob} is missing from the store.`);
      return { hash: Buffer.from(h).toString('hex'), mode };
    };
    const out: FileChange[] = [];
    for (const [p, headVer] of this.pending) {
      const key = String(one('SELECT key FROM paths WHERE id = ?', p)?.[0] ?? '');
      const m = one('SELECT blob, mode FROM mirror WHERE path = ?', p);
      const afterBlob = (m?.[0] as number) ?? 0;
      const afterMode = (m?.[1] as number) ?? 0;
      out.push({
        path: this.absOf(key), key,
        change: headVer.blob === 0 ? 'added' : afterBlob === 0 ? 'deleted' : 'modified',
        added: 0, removed: 0, binary: false,
        before: version(headVer.blob, headVer.mode), after: version(afterBlob, afterMode),
      });
    }
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Seals working changes into a checkpoint; undefined when nothing changed (unless allowEmpty). */
  createCheckpoint(meta: CheckpointMeta & { allowEmpty?: boolean; rescan?: boolean; paths?: string[] } = {}): CheckpointInfo | undefined {
    this.ensureWritable();
    const source = meta.source ?? 'manual';
    if (!(CHECKPOINT_SOURCES as string[]).includes(source) || source === 'start') {
      throw new EngineError('invalid-argument', `Unknown checkpoint source "${String(source)}".`);
    }
    validateMeta(meta);
    const id = this.mutate(() => {
      this.scanStartedAt = this.clock();
      if (meta.rescan) this.fullScan();
      for (const abs of [...this.announced, ...(meta.paths ?? [])]) this.refreshAbs(abs, false);
      this.announced.clear();
      return this.sealInternal(meta, meta.allowEmpty);
    });
    if (id === undefined) return undefined;
    this.emit({ type: 'checkpoint', id: String(id) });
    return this.checkpoint(String(id));
  }

  private sealInternal(meta: CheckpointMeta, allowEmpty = false): number | undefined {
    if (this.pending.size === 0 && !allowEmpty) return undefined;
    const s = this.session();
    const head = this.headOf(s);
    const changes: ChangeRecord[] = [];
    const keys: string[] = [];
    for (const [p, before] of this.pending) {
      const e = this.mirror.get(p);
      const after: Ver = e && !e.untracked ? { blob: e.blob, mode: e.mode } : e ? { blob: e.blob, mode: e.mode } : ABSENT;
      if (sameVer(before, after)) continue;
      let stats = { added: 0, removed: 0, binary: false };
      try {
        stats = lineStats(before.blob ? this.objects.get(this.hashOf(before.blob), true) : undefined, after.blob ? this.objects.get(this.hashOf(after.blob), true) : undefined);
      } catch {
        /* counts are cosmetic; a missing snapshot is reported by Verify Store */
      }
      changes.push({ path: p, beforeBlob: before.blob, beforeMode: before.mode, afterBlob: after.blob, afterMode: after.mode, ...stats });
      keys.push(this.pathIdToKey[p]);
    }
    if (changes.length === 0 && !allowEmpty) {
      this.clearPending();
      return undefined;
    }
    changes.sort((a, b) => this.pathIdToKey[a.path].localeCompare(this.pathIdToKey[b.path]));
    const source = meta.source ?? 'manual';
    const info: Record<string, unknown> = {};
    for (const k of ['tools', 'prompt', 'command', 'cwd', 'durationMs', 'metadata'] as const) if (meta[k] !== undefined) info[k] = meta[k];
    const label = meta.label?.trim() || defaultLabel(source, keys, meta);
    const id = this.insertCheckpoint({ session: s.id, parent: head, source, label, info, changes, exitCode: meta.exitCode });
    this.setBranchHead(s.id, s.activeBranch, id);
    this.clearPending();
    return id;
  }

  // ───────────────────────────── states ─────────────────────────────

  private manifestOf(hash: string): Manifest {
    let m = this.manifestCache.get(hash);
    if (!m) {
      try {
        m = decodeManifest(this.objects.get(hash));
      } catch (e) {
        throw new EngineError('corrupt', `The starting state of a session could not be read: ${(e as Error).message}`);
      }
      if (this.manifestCache.size > 4) this.manifestCache.clear();
      this.manifestCache.set(hash, m);
    }
    return m;
  }

  /** The full state of a checkpoint: its root's manifest with every delta down to it. */
  private stateOf(id: number): Map<number, Ver> {
    const chain: CpNode[] = [];
    for (let c = this.cps.get(id); c; c = c.parent ? this.cps.get(c.parent) : undefined) chain.unshift(c);
    const root = chain[0];
    const state = new Map<number, Ver>();
    if (root?.manifest) {
      for (const [key, v] of this.manifestOf(root.manifest)) {
        const size = 0;
        state.set(this.pathId(key), { blob: this.blobId(v.hash, size), mode: v.mode });
      }
    }
    for (const c of chain) {
      for (const ch of this.changesOf(c.id)) {
        if (ch.afterBlob) state.set(ch.path, { blob: ch.afterBlob, mode: ch.afterMode });
        else state.delete(ch.path);
      }
    }
    return state;
  }

  /**
   * The paths that differ between the states of `from` and `to`, with their version in `to`.
   * Walks both up to their common ancestor: cost is the changes between them.
   */
  private delta(from: number, to: number): Map<number, Ver> {
    const out = new Map<number, Ver>();
    if (from === to) return out;
    let a = this.cps.get(from);
    let b = this.cps.get(to);
    if (!a || !b) throw new EngineError('not-found', 'Checkpoint not found.');
    if (a.session !== b.session) {
      // Different trees: compare full states (rare: only across sessions).
      const sa = this.stateOf(from);
      const sb = this.stateOf(to);
      for (const [p, v] of sb) if (!sameVer(sa.get(p), v)) out.set(p, v);
      for (const p of sa.keys()) if (!sb.has(p)) out.set(p, ABSENT);
      return out;
    }
    const up: CpNode[] = [];
    const down: CpNode[] = [];
    while (a.depth > b.depth) {
      up.push(a);
      a = this.cps.get(a.parent)!;
    }
    while (b.depth > a.depth) {
      down.push(b);
      b = this.cps.get(b.parent)!;
    }
    while (a.id !== b.id) {
      up.push(a);
      down.push(b);
      a = this.cps.get(a.parent)!;
      b = this.cps.get(b.parent)!;
      if (!a || !b) throw new EngineError('corrupt', 'Two checkpoints of one session have no common ancestor.');
    }
    // Going up from `from`: the version at the ancestor is the `before` of the change nearest it.
    for (const c of up) for (const ch of this.changesOf(c.id)) out.set(ch.path, { blob: ch.beforeBlob, mode: ch.beforeMode });
    // Going down to `to`: the version at `to` is the `after` of the change nearest it.
    for (let i = down.length - 1; i >= 0; i--) for (const ch of this.changesOf(down[i].id)) out.set(ch.path, { blob: ch.afterBlob, mode: ch.afterMode });
    return out;
  }

  /** Version of a path in checkpoint `cp` (walks up to the root; used for single files). */
  private versionAt(cp: number, p: number): Ver {
    for (let c = this.cps.get(cp); c; c = c.parent ? this.cps.get(c.parent) : undefined) {
      for (const ch of this.changesOf(c.id)) if (ch.path === p) return { blob: ch.afterBlob, mode: ch.afterMode };
      if (!c.parent && c.manifest) {
        const v = this.manifestOf(c.manifest).get(this.pathIdToKey[p]);
        return v ? { blob: this.blobId(v.hash, 0), mode: v.mode } : ABSENT;
      }
    }
    return ABSENT;
  }

  fileAt(checkpointId: string, abs: string): FileVersion | undefined {
    const c = this.checkpointNode(checkpointId);
    const loc = this.locate(abs);
    if (!loc) throw new EngineError('outside-workspace', `${abs} is outside the workspace folders.`);
    const p = this.pathKeyToId.get(loc.key);
    if (p === undefined) return undefined;
    return this.verOut(this.versionAt(c.id, p));
  }

  readContent(hash: string): Uint8Array {
    this.ensureOpen();
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new EngineError('invalid-argument', `"${hash}" is not a content hash.`);
    try {
      return this.objects.get(hash);
    } catch (e) {
      throw new EngineError('corrupt', (e as Error).message);
    }
  }

  // ───────────────────────────── restores ─────────────────────────────

  /** Resolves a restore target to the checkpoint whose state it moves to. Validates before anything changes. */
  private resolveTarget(t: RestoreTarget): { targetId: number; label: string; branch?: string; undo?: RestoreRecord } {
    if (!t || typeof t !== 'object') throw new EngineError('invalid-argument', 'A restore needs a target.');
    const s = this.session();
    switch (t.kind) {
      case 'rewind': {
        const c = this.checkpointNode(t.checkpointId);
        if (c.session !== s.id) throw new EngineError('invalid-argument', `Checkpoint ${t.checkpointId} belongs to another session; switch to it first.`);
        if (t.before) {
          if (!c.parent) throw new EngineError('invalid-argument', `Checkpoint ${c.id} is the start of the session; there is nothing before it.`);
          return { targetId: c.parent, label: `before "${c.label}"` };
        }
        return { targetId: c.id, label: `"${c.label}"` };
      }
      case 'rollback': {
        const n = t.count;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new EngineError('invalid-argument', `Roll back needs a whole number of checkpoints, 1 or more (got ${String(n)}).`);
        let c = this.cps.get(this.headOf(s))!;
        let i = 0;
        for (; i < n && i < MAX_ROLLBACK_SCAN; i++) {
          if (!c.parent) break;
          c = this.cps.get(c.parent)!;
        }
        if (i < n) throw new EngineError('invalid-argument', `The active branch has only ${i} checkpoint${i === 1 ? '' : 's'} before head; cannot roll back ${n}.`);
        return { targetId: c.id, label: `${n} checkpoint${n === 1 ? '' : 's'} back ("${c.label}")` };
      }
      case 'checkout': {
        const m = this.branches.get(s.id)!;
        if (typeof t.branch === 'string' && !m.has(t.branch) && m.has(t.branch.normalize('NFC'))) t.branch = t.branch.normalize('NFC');
        const b = m.get(t.branch);
        if (!b) throw new EngineError('not-found', `No branch named "${t.branch}" in this session.`);
        return { targetId: b.head, label: `branch "${t.branch}"`, branch: t.branch };
      }
      case 'restoreFiles': {
        const c = this.checkpointNode(t.checkpointId);
        if (c.session !== s.id) throw new EngineError('invalid-argument', `Checkpoint ${t.checkpointId} belongs to another session; switch to it first.`);
        if (!Array.isArray(t.paths) || t.paths.length === 0) throw new EngineError('invalid-argument', 'Restore needs at least one file.');
        for (const p of t.paths) {
          if (typeof p !== 'string' || !this.locate(p)) throw new EngineError('outside-workspace', `${String(p)} is outside the workspace folders.`);
        }
        return { targetId: c.id, label: `"${c.label}"` };
      }
      case 'undo': {
        const rec = this.lastRestoreRecord();
        if (!rec || rec.sessionId !== String(s.id)) throw new EngineError('not-found', 'There is no restore to undo in this session.');
        const c = this.cps.get(Number(rec.undoHeadId));
        if (!c) throw new EngineError('not-found', 'The checkpoint to return to no longer exists.');
        return { targetId: c.id, label: `the state before the last restore`, undo: rec };
      }
      default:
        throw new EngineError('invalid-argument', `Unknown restore kind "${(t as { kind: string }).kind}".`);
    }
  }

  plan(target: RestoreTarget): RestorePlan {
    this.ensureOpen();
    const r = this.resolveTarget(target);
    if (target.kind === 'checkout' && target.branch === this.session().activeBranch) {
      return { target, targetId: String(r.targetId), targetLabel: r.label, entries: [] };
    }
    const { entries } = this.buildPlan(target, r.targetId, false);
    return { target, targetId: String(r.targetId), targetLabel: r.label, entries: entries.map((e) => e.out) };
  }

  /**
   * Which files a restore writes. `refresh` re-stats them first (the mirror may lag the disk).
   * For restoreFiles only the given paths take part; head does not move.
   */
  private buildPlan(target: RestoreTarget, targetId: number, refresh: boolean): { entries: { p: number; out: PlanEntry; cur: Ver; tgt: Ver }[] } {
    const head = this.head;
    let candidates: Map<number, Ver>;
    if (target.kind === 'restoreFiles') {
      candidates = new Map();
      for (const abs of target.paths) {
        const loc = this.locate(abs)!;
        const p = this.pathKeyToId.get(loc.key) ?? this.pathId(loc.key);
        candidates.set(p, this.versionAt(targetId, p));
      }
    } else {
      candidates = this.delta(head, targetId);
      for (const [p, headVer] of this.pending) if (!candidates.has(p)) candidates.set(p, headVer);
      // Files whose current bytes could not be captured may differ from what we know: report them.
      for (const p of this.captureFailures.keys()) if (!candidates.has(p)) candidates.set(p, this.pending.get(p) ?? this.mirrorVer(p));
    }
    const failures = new Map<number, string>();
    if (refresh) {
      this.scanStartedAt = this.clock();
      for (const p of candidates.keys()) {
        const r = this.rootOfKey(this.pathIdToKey[p]);
        if (!r) continue;
        const err = this.refreshPath(r.root, r.rel, this.pathIdToKey[p], false);
        if (err) failures.set(p, err);
      }
      if (target.kind !== 'restoreFiles') {
        // Refreshing may have found more working changes; they are part of the state we leave.
        for (const [p, headVer] of this.pending) if (!candidates.has(p)) candidates.set(p, headVer);
      }
    }
    const entries: { p: number; out: PlanEntry; cur: Ver; tgt: Ver }[] = [];
    for (const [p, tgt] of candidates) {
      const key = this.pathIdToKey[p];
      const e = this.mirror.get(p);
      const cur: Ver = e ? { blob: e.blob, mode: e.mode } : ABSENT;
      const loc = this.rootOfKey(key);
      const abs = this.absOf(key);
      const out: PlanEntry = { path: abs, key, action: 'skip', current: this.verOut(cur), target: this.verOut(tgt) };
      if (!loc) {
        out.reason = `its workspace folder "${key.slice(0, key.indexOf('/'))}" is not open`;
      } else if (
        e?.untracked ||
        // Just refreshed, a tracked file is within the size limit: only the rules need asking.
        (refresh && e ? this.tracking.excludedWithAncestors(loc.root.path, loc.rel, false) : this.isExcludedNow(loc.root, loc.rel))
      ) {
        if (sameVer(cur, tgt) && !e?.untracked) continue;
        out.reason = this.isExcludedNow(loc.root, loc.rel) ?? 'not tracked now';
      } else if (failures.has(p)) {
        out.reason = `could not read the current file to keep it safe: ${failures.get(p)}`;
        (out as PlanEntry & { failed?: boolean }).failed = true;
      } else if (this.captureFailures.has(p)) {
        out.reason = `its content before the last edit could not be saved (${this.captureFailures.get(p)}), so it is not overwritten`;
      } else if (sameVer(cur, tgt)) {
        continue;
      } else {
        out.action = tgt.blob === 0 ? 'remove' : 'write';
        out.reason = undefined;
      }
      entries.push({ p, out, cur, tgt });
    }
    entries.sort((a, b) => a.out.key.localeCompare(b.out.key));
    return { entries };
  }

  private isExcludedNow(root: RootFolder, rel: string): string | undefined {
    const why = this.tracking.excludedWithAncestors(root.path, rel, false);
    if (why) return why;
    try {
      const st = this.fs.lstatSync(path.join(root.path, rel));
      if (st.isFile()) return this.tracking.tooLarge(st.size);
    } catch {
      /* absent: not excluded by size */
    }
    return undefined;
  }

  async restore(target: RestoreTarget, options: RestoreOptions = {}): Promise<RestoreResult> {
    this.ensureWritable();
    const resolved = this.resolveTarget(target);
    const s = this.session();
    const undoBranch = s.activeBranch;
    // 1. Safety: the workspace as it is now becomes a checkpoint (if it differs from head).
    let safetyId: number | undefined;
    let planned: { p: number; out: PlanEntry; cur: Ver; tgt: Ver }[] = [];
    const previousHead = this.head;
    // Checking out the branch one is on moves nothing: its head becomes the safety checkpoint.
    const sameBranch = target.kind === 'checkout' && target.branch === s.activeBranch;
    try {
      this.mutate(() => {
        if (!sameBranch) planned = this.buildPlan(target, resolved.targetId, true).entries;
        else this.buildPlan(target, resolved.targetId, true);
        if (this.pending.size > 0) {
          safetyId = this.sealInternal({ source: 'safety', label: `Before restoring ${resolved.label}` });
        }
        if (sameBranch) resolved.targetId = this.head;
      });
    } catch (e) {
      // No file is written unless the safety checkpoint is safely on disk.
      if (e instanceof EngineError && e.code === 'io') throw new EngineError('io', `The restore was not started. ${e.message}`);
      throw e;
    }
    const undoHead = safetyId ?? previousHead;
    // 2. Conflicts: files with unsaved editor changes are never written.
    const toWrite = planned.filter((e) => e.out.action !== 'skip');
    let dirty = new Set<string>();
    if (options.isDirty && toWrite.length) {
      try {
        dirty = new Set((await options.isDirty(toWrite.map((e) => e.out.path))).map((p) => path.resolve(p)));
      } catch (e) {
        // If we cannot tell, assume every file may be dirty: skipping is safe, overwriting is not.
        this.log('warn', `Could not ask which files have unsaved changes: ${(e as Error).message}`);
        dirty = new Set(toWrite.map((x) => path.resolve(x.out.path)));
      }
    }
    // 3. Journal, then write.
    const restoreId = this.nextId('restores');
    const journal: Journal = {
      id: restoreId,
      entries: toWrite.filter((e) => !dirty.has(path.resolve(e.out.path))).map((e) => ({ path: e.out.path, before: this.verOut(e.cur), after: this.verOut(e.tgt) })),
    };
    try {
      this.objects.flush();
      this.writeJournal(journal);
    } catch (e) {
      try {
        this.fs.rmSync(this.journalFile + '.tmp', { force: true });
      } catch {
        /* best effort */
      }
      throw ioError(e, 'Could not start the restore', 'No file was changed.');
    }
    const results: RestoreFileResult[] = [];
    const written = new Map<number, Ver>();
    // Removals first, deepest first, then writes: a file can then take the place of a folder the
    // restore empties, and a folder the place of a file it removes.
    const applyOrder = [...planned].sort((a, b) => {
      const ra = a.out.action === 'remove';
      const rb = b.out.action === 'remove';
      if (ra !== rb) return ra ? -1 : 1;
      return ra ? b.out.key.localeCompare(a.out.key) : a.out.key.localeCompare(b.out.key);
    });
    // Folders checked once per restore (each file's path is still checked, folder by folder).
    this.safeDirs = new Set();
    try {
      for (const e of applyOrder) {
        const base: RestoreFileResult = { path: e.out.path, key: e.out.key, status: 'skipped', before: e.out.current, after: e.out.current };
        if (e.out.action === 'skip') {
          base.status = (e.out as PlanEntry & { failed?: boolean }).failed ? 'failed' : 'skipped';
          base.reason = e.out.reason;
          results.push(base);
          continue;
        }
        if (dirty.has(path.resolve(e.out.path))) {
          base.reason = 'the file has unsaved changes in an editor';
          results.push(base);
          continue;
        }
        const r = this.applyOne(e.p, e.out, e.cur, e.tgt);
        if (r.status === 'restored' || r.status === 'removed') written.set(e.p, e.tgt);
        results.push(r);
      }
    } finally {
      this.safeDirs = undefined;
      // 4. Record where the workspace now is, then drop the journal.
      results.sort((a, b) => a.key.localeCompare(b.key));
      const recordRestore = () => {
        this.afterApply(target, resolved, written, planned, safetyId ?? previousHead);
        const record: RestoreRecord = {
          id: String(restoreId), target, targetId: String(resolved.targetId), targetLabel: resolved.label,
          safetyCheckpointId: safetyId !== undefined ? String(safetyId) : undefined, previousHeadId: String(previousHead),
          files: results, at: this.clock(), sessionId: String(s.id), undoBranch, undoHeadId: String(undoHead),
        };
        this.run('INSERT INTO restores(id, at, session, state, record) VALUES (?,?,?,?,?)', [restoreId, record.at, s.id, 'done', JSON.stringify(record)]);
        // Only the last one is read (undo, the results view); each holds every file's result.
        this.run('DELETE FROM restores WHERE id <= ?', [restoreId - 10]);
      };
      try {
        this.mutate(recordRestore);
        this.saveNow();
        this.removeJournal();
      } catch (e) {
        if (!saveFailures.has(e as object)) throw e;
        // The files are written and the engine knows it; the disk does not yet. The journal stays
        // until a save succeeds, so a stop before then undoes the restore at the next start.
        this.journalAwaitingSave = true;
        throw new EngineError('io', `The restore was done but could not be saved. ${(e as Error).message} If VS Code stops before a save succeeds, the restore is undone when the workspace opens again.`);
      }
    }
    const rec = this.lastRestoreRecord()!;
    return stripRecord(rec);
  }

  /** Moves head / branch after the files are written, and recomputes working changes for the touched paths. */
  private afterApply(
    target: RestoreTarget, resolved: { targetId: number; branch?: string; undo?: RestoreRecord },
    written: Map<number, Ver>, planned: { p: number; cur: Ver; tgt: Ver }[], oldHead: number,
  ): void {
    const s = this.session();
    let headVersionOf: (p: number, e: { cur: Ver; tgt: Ver }) => Ver;
    if (target.kind === 'restoreFiles') {
      // Head stays; the restored files become working changes against it.
      headVersionOf = (_p, e) => e.cur;
    } else {
      if (resolved.undo) {
        const ub = resolved.undo.undoBranch;
        if (!this.branches.get(s.id)!.has(ub)) this.setBranchHead(s.id, ub, resolved.targetId);
        s.activeBranch = ub;
        this.run('UPDATE sessions SET active_branch = ? WHERE id = ?', [ub, s.id]);
        this.setBranchHead(s.id, ub, resolved.targetId);
      } else if (resolved.branch) {
        s.activeBranch = resolved.branch;
        this.run('UPDATE sessions SET active_branch = ? WHERE id = ?', [resolved.branch, s.id]);
      } else {
        this.setBranchHead(s.id, s.activeBranch, resolved.targetId);
      }
      headVersionOf = (_p, e) => e.tgt;
    }
    void oldHead;
    for (const e of planned) {
      const m = this.mirror.get(e.p);
      if (m?.untracked) continue;
      const cur: Ver = written.has(e.p) ? written.get(e.p)! : m ? { blob: m.blob, mode: m.mode } : ABSENT;
      const hv = headVersionOf(e.p, e);
      if (sameVer(cur, hv)) this.writePending(e.p, undefined);
      else this.writePending(e.p, hv);
    }
  }

  /** Writes or removes one file. Never throws: failures become the file's result. */
  private applyOne(p: number, plan: PlanEntry, cur: Ver, tgt: Ver): RestoreFileResult {
    const res: RestoreFileResult = { path: plan.path, key: plan.key, status: 'failed', before: plan.current, after: plan.current };
    const loc = this.rootOfKey(plan.key)!;
    const abs = plan.path;
    try {
      const probe: { missing: boolean; st?: nodeFs.Stats } = { missing: false };
      const unsafe = this.unsafePath(loc.root, loc.rel, tgt.blob !== 0, probe);
      if (unsafe) {
        res.status = unsafe.skip ? 'skipped' : 'failed';
        res.reason = unsafe.reason;
        return res;
      }
      // Re-check: the file must still be what the plan saw (its lstat, taken by the check above).
      const st = probe.st;
      const m = this.mirror.get(p);
      const unchanged = cur.blob === 0 ? !st : !!st && !!m && st.size === m.size && st.mtimeMs === m.mtime && st.ino === m.ino;
      if (!unchanged) {
        let nowVer: Ver = ABSENT;
        if (st?.isFile()) {
          const data = this.fs.readFileSync(abs);
          nowVer = { blob: this.hashToBlob.get(sha256(data)) ?? -1, mode: st.mode & 0o777 };
        }
        if (!sameVer(nowVer, cur)) {
          res.status = 'skipped';
          res.reason = 'the file changed on disk after the restore was planned; it was left as it is';
          return res;
        }
      }
      if (st && cur.blob !== 0 && (st.mode & 0o200) === 0) {
        res.reason = `the file is read-only (mode ${(st.mode & 0o777).toString(8)})`;
        return res;
      }
      if (tgt.blob === 0) {
        this.fs.unlinkSync(abs);
        this.pruneEmptyDirs(loc.root.path, path.dirname(abs));
        this.writeMirror(p, undefined);
        res.status = 'removed';
        res.after = undefined;
        return res;
      }
      let data: Buffer;
      try {
        data = this.objects.get(this.hashOf(tgt.blob));
      } catch (e) {
        res.reason = e instanceof ObjectCorruptError ? e.message : `the stored content could not be read: ${(e as Error).message}`;
        return res;
      }
      if (probe.missing) {
        this.fs.mkdirSync(path.dirname(abs), { recursive: true });
        if (this.unsafePath(loc.root, loc.rel, true)) throw new Error('a folder on the path changed while writing');
      }
      const tmp = tempPathFor(abs);
      let after: nodeFs.Stats;
      try {
        const fd = this.fs.openSync(tmp, 'w', tgt.mode);
        try {
          for (let off = 0; off < data.length; ) off += this.fs.writeSync(fd, data, off, data.length - off);
          this.fs.fchmodSync(fd, tgt.mode); // the mode asked for at creation is narrowed by the umask
          // Its stat now is its stat after the rename (a rename changes the folder, not the file).
          after = this.fs.fstatSync(fd);
        } finally {
          this.fs.closeSync(fd);
        }
        this.fs.renameSync(tmp, abs);
      } catch (e) {
        try {
          this.fs.rmSync(tmp, { force: true });
        } catch {
          /* nothing more to clean */
        }
        throw e;
      }
      this.writeMirror(p, { blob: tgt.blob, mode: tgt.mode, size: after.size, mtime: after.mtimeMs, ino: after.ino, racy: true, untracked: false });
      res.status = 'restored';
      res.after = plan.target;
      return res;
    } catch (e) {
      res.status = 'failed';
      res.reason = describeIoError(e, abs, 'write');
      return res;
    }
  }

  /**
   * Refuses writes that would leave the workspace or pass through a symbolic link. `probe`: told
   * whether a folder on the way is missing, and given the path's own lstat (undefined: absent).
   */
  private unsafePath(root: RootFolder, rel: string, creating: boolean, probe?: { missing: boolean; st?: nodeFs.Stats }): { reason: string; skip?: boolean } | undefined {
    const parts = rel.split('/');
    if (parts.some((x) => x === '..' || x === '' || x === '.')) return { reason: 'the path is not a plain relative path inside the workspace' };
    let cur = root.path;
    for (let i = 0; i < parts.length - 1; i++) {
      cur = path.join(cur, parts[i]);
      if (this.safeDirs?.has(cur)) continue;
      let st: nodeFs.Stats;
      try {
        st = this.fs.lstatSync(cur);
      } catch {
        if (probe) probe.missing = true;
        break; // missing folders are created below a checked one
      }
      if (st.isSymbolicLink()) return { reason: `the folder ${cur} is a symbolic link; Session Tree never writes through links` };
      if (!st.isDirectory()) return { reason: `${cur} is a file where a folder is needed` };
      this.safeDirs?.add(cur);
    }
    const abs = path.join(root.path, ...parts);
    try {
      const st = this.fs.lstatSync(abs);
      if (probe) probe.st = st;
      if (st.isSymbolicLink()) return { reason: 'the path is a symbolic link; Session Tree never writes through links', skip: true };
      if (st.isDirectory()) return { reason: 'a folder is in the way' };
    } catch {
      if (!creating) return undefined;
    }
    return undefined;
  }

  private pruneEmptyDirs(rootPath: string, dir: string): void {
    const root = path.resolve(rootPath);
    let d = path.resolve(dir);
    while (d.startsWith(root + path.sep)) {
      try {
        if (this.fs.readdirSync(d).length > 0) return;
        this.fs.rmdirSync(d);
        this.safeDirs?.delete(d);
      } catch {
        return;
      }
      d = path.dirname(d);
    }
  }

  private lastRestoreRecord(): RestoreRecord | undefined {
    const r = this.db.exec("SELECT record FROM restores WHERE state = 'done' ORDER BY id DESC LIMIT 1");
    const text = r[0]?.values[0]?.[0] as string | undefined;
    return text ? safeJson<RestoreRecord | undefined>(text, undefined) : undefined;
  }

  lastRestore(): RestoreResult | undefined {
    this.ensureOpen();
    const r = this.lastRestoreRecord();
    return r ? stripRecord(r) : undefined;
  }

  // ───────────────────────────── journal ─────────────────────────────

  private get journalFile(): string {
    return path.join(this.storageDir, 'restore.journal');
  }

  private writeJournal(j: Journal): void {
    const tmp = this.journalFile + '.tmp';
    const fd = this.fs.openSync(tmp, 'w');
    try {
      this.fs.writeSync(fd, JSON.stringify(j));
      this.fs.fsyncSync(fd);
    } finally {
      this.fs.closeSync(fd);
    }
    this.fs.renameSync(tmp, this.journalFile);
  }

  private removeJournal(): void {
    this.fs.rmSync(this.journalFile, { force: true });
  }

  /** A restore interrupted by a crash: if it was not recorded as done, put every file back. */
  private recoverJournal(): string | undefined {
    // A journal temp file is a journal that was never complete: nothing was written under it.
    this.fs.rmSync(this.journalFile + '.tmp', { force: true });
    let j: Journal;
    try {
      j = JSON.parse(this.fs.readFileSync(this.journalFile, 'utf8'));
      const ver = (v: unknown) => v === undefined || v === null || (typeof v === 'object' && /^[0-9a-f]{64}$/.test(String((v as FileVersion).hash)) && Number.isInteger((v as FileVersion).mode));
      if (!j || typeof j !== 'object' || !Array.isArray(j.entries) || !j.entries.every((e) => e && typeof e.path === 'string' && path.isAbsolute(e.path) && ver(e.before) && ver(e.after))) {
        throw new Error('not a restore journal');
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      this.removeJournal();
      return 'A damaged restore journal was found and removed; no files were changed.';
    }
    // Only files inside the open workspace folders, never through a symbolic link, are touched.
    const outside: string[] = [];
    j.entries = j.entries.filter((e) => {
      const loc = this.locate(e.path);
      if (loc && !this.unsafePath(loc.root, loc.rel, true)) return true;
      outside.push(e.path);
      return false;
    });
    for (const e of j.entries) this.fs.rmSync(tempPathFor(e.path), { force: true });
    // Removals first, deepest first, then writes: a file can take the place of a folder it removed.
    j.entries.sort((a, b) => (!a.before !== !b.before ? (!a.before ? -1 : 1) : !a.before ? b.path.localeCompare(a.path) : a.path.localeCompare(b.path)));
    const done = this.db.exec('SELECT state FROM restores WHERE id = ?', [j.id])[0]?.values[0]?.[0] === 'done';
    if (done) {
      this.removeJournal();
      return undefined;
    }
    let putBack = 0;
    const left: string[] = [];
    for (const e of j.entries) {
      let now: string | undefined;
      try {
        now = sha256(this.fs.readFileSync(e.path));
      } catch {
        now = undefined;
      }
      if (now === e.before?.hash) continue;
      if (now !== e.after?.hash) {
        left.push(e.path);
        continue;
      }
      try {
        if (!e.before) {
          this.fs.unlinkSync(e.path);
          this.pruneEmptyDirs(this.locate(e.path)!.root.path, path.dirname(e.path));
        } else {
          const data = this.objects.get(e.before.hash);
          const tmp = tempPathFor(e.path);
          this.fs.mkdirSync(path.dirname(e.path), { recursive: true });
          this.fs.writeFileSync(tmp, data, { mode: e.before.mode });
          this.fs.chmodSync(tmp, e.before.mode);
          this.fs.renameSync(tmp, e.path);
        }
        putBack++;
      } catch (err) {
        left.push(`${e.path} (${(err as Error).message})`);
      }
    }
    this.removeJournal();
    return (
      `A restore was interrupted (${j.entries.length + outside.length} files); it was undone: ${putBack} file${putBack === 1 ? '' : 's'} put back.` +
      (left.length ? ` Left as found (changed by something else): ${left.join(', ')}.` : '') +
      (outside.length ? ` Left alone (outside the open workspace folders, or behind a symbolic link): ${outside.join(', ')}.` : '')
    );
  }

  // ───────────────────────────── maintenance ─────────────────────────────

  /** Every content hash the metadata refers to. */
  private liveHashes(): Set<string> {
    const live = new Set<string>();
    const add = (b: number) => {
      if (b) live.add(this.hashOf(b));
    };
    for (const e of this.mirror.values()) add(e.blob);
    for (const v of this.pending.values()) add(v.blob);
    for (const c of this.cps.values()) {
      for (const ch of this.changesOf(c.id)) {
        add(ch.beforeBlob);
        add(ch.afterBlob);
      }
      if (c.manifest) {
        live.add(c.manifest);
        for (const v of this.manifestOf(c.manifest).values()) live.add(v.hash);
      }
    }
    return live;
  }

  /** Removes snapshots nothing refers to. */
  gc(): { removed: number; freedBytes: number } {
    this.ensureWritable();
    // Saved twice, so the last good copy (state.db.bak) agrees with state.db: were state.db damaged
    // later, the copy opened instead must find every snapshot it refers to.
    this.saveNow();
    this.saveNow();
    const live = this.liveHashes();
    // Content a Repair reported lost has no good copy: its damaged bytes are not kept.
    for (const h of safeJson<string[]>(this.metaGet('lost_snapshots') ?? '[]', [])) live.delete(h);
    try {
      return this.objects.gc((h) => live.has(h));
    } catch (e) {
      if (e instanceof ObjectCorruptError) throw new EngineError('corrupt', `Cannot compact the store: ${e.message} Run Repair Store first. Nothing was removed.`);
      throw ioError(e, 'Could not compact the snapshot store', 'Nothing was removed.');
    }
  }

  /**
   * Looks at everything the store holds: every snapshot against its hash, every checkpoint's
   * parent, session, starting state and change list, every branch, the mirror, and what nothing
   * refers to. Shared by Verify Store and Repair Store.
   */
  private inspect(): Inspection {
    const bad = new Set(this.objects.verify());
    const lostBefore = new Set(safeJson<string[]>(this.metaGet('lost_snapshots') ?? '[]', []));
    const refs = new Map<string, { where: string[]; keys: Set<string> }>();
    const ref = (hash: string, key: string | undefined, where: string) => {
      let r = refs.get(hash);
      if (!r) refs.set(hash, (r = { where: [], keys: new Set() }));
      if (r.where.length < 3) r.where.push(where);
      if (key) r.keys.add(key);
    };
    const name = (c: CpNode) => `checkpoint ${c.id} ("${c.label}")`;
    const own = new Map<number, string>(); // checkpoint → why its own record is unsound
    for (const c of this.cps.values()) {
      const s = this.sessionsById.get(c.session);
      if (!s) own.set(c.id, `${name(c)} belongs to a session that no longer exists (${c.session})`);
      else if (c.parent) {
        const p = this.cps.get(c.parent);
        if (!p) own.set(c.id, `${name(c)} has lost its parent checkpoint ${c.parent}`);
        else if (p.session !== c.session) own.set(c.id, `${name(c)} has a parent in another session`);
        else if (p.id >= c.id) own.set(c.id, `${name(c)} has a parent newer than itself`);
      } else if (!c.manifest) own.set(c.id, `${name(c)} starts a history but has no saved starting state`);
      else if (!this.objects.has(c.manifest) || bad.has(c.manifest)) own.set(c.id, `the starting state of session "${s.title}" (${name(c)}) is ${bad.has(c.manifest) ? 'damaged' : 'missing'}`);
      else {
        ref(c.manifest, undefined, `the starting state of session "${s.title}"`);
        try {
          for (const [key, v] of this.manifestOf(c.manifest)) ref(v.hash, key, `${key} at the start of session "${s.title}"`);
        } catch {
          own.set(c.id, `the starting state of session "${s.title}" cannot be read`);
        }
      }
      let changes: ChangeRecord[] = [];
      try {
        changes = this.changesOf(c.id);
      } catch {
        if (!own.has(c.id)) own.set(c.id, `the list of files changed by ${name(c)} is damaged`);
      }
      for (const ch of changes) {
        const key = this.pathIdToKey[ch.path];
        if (!key) {
          if (!own.has(c.id)) own.set(c.id, `${name(c)} refers to an unknown file record ${ch.path}`);
          continue;
        }
        for (const b of [ch.beforeBlob, ch.afterBlob]) {
          if (!b) continue;
          const h = this.blobToHash[b];
          if (!h) {
            if (!own.has(c.id)) own.set(c.id, `${name(c)} refers to an unknown content record ${b}`);
          } else ref(h, key, `${key} at ${name(c)}`);
        }
      }
    }
    // A checkpoint is unsound when it or an ancestor is: its state cannot be computed.
    const unsound = new Map<number, number>(); // checkpoint → the unsound ancestor (or itself)
    const sound = new Set<number>();
    const topOf = (id: number): void => {
      const chain: number[] = [];
      let top: number | undefined;
      let topIdx = -1;
      let cached = false;
      for (let c = this.cps.get(id); c; c = c.parent ? this.cps.get(c.parent) : undefined) {
        if (sound.has(c.id)) break;
        if (unsound.has(c.id)) {
          top = unsound.get(c.id);
          cached = true;
          break;
        }
        chain.push(c.id);
        if (own.has(c.id)) {
          top = c.id; // the highest one found wins: everything below it is unsound
          topIdx = chain.length - 1;
        }
        if (chain.length > this.cps.size) break; // a loop: reported as "parent newer than itself"
      }
      chain.forEach((k, i) => {
        if (top !== undefined && (cached || i <= topIdx)) unsound.set(k, top);
        else sound.add(k);
      });
    };
    for (const id of this.cps.keys()) topOf(id);
    const branchProblems: { session: number; name: string; why: string }[] = [];
    const sessionProblems = new Map<number, string>();
    for (const [id, s] of this.sessionsById) {
      const root = this.cps.get(s.root);
      if (!root || root.session !== id || root.parent) sessionProblems.set(id, `session "${s.title}" has lost its starting checkpoint`);
      else if (unsound.has(root.id)) sessionProblems.set(id, own.get(root.id)!);
      const m = this.branches.get(id) ?? new Map();
      for (const [bn, b] of m) {
        const head = this.cps.get(b.head);
        if (!head || head.session !== id) branchProblems.push({ session: id, name: bn, why: `branch "${bn}" of session "${s.title}" points to a checkpoint that no longer exists (${b.head})` });
      }
      if (!m.has(s.activeBranch)) branchProblems.push({ session: id, name: s.activeBranch, why: `the active branch "${s.activeBranch}" of session "${s.title}" does not exist` });
    }
    const mirrorMissing: number[] = [];
    let unknownMirror = 0;
    for (const [p, e] of this.mirror) {
      if (!e.blob) continue;
      const h = this.blobToHash[e.blob];
      if (!h) unknownMirror++;
      else if (!this.objects.has(h) || bad.has(h)) mirrorMissing.push(p);
      else ref(h, this.pathIdToKey[p], `the current version of ${this.pathIdToKey[p]}`);
    }
    for (const [p, v] of this.pending) {
      const h = v.blob ? this.blobToHash[v.blob] : undefined;
      if (h) ref(h, this.pathIdToKey[p], `${this.pathIdToKey[p]} as it was at head`);
    }
    const lostContent = new Map<string, { where: string[]; keys: Set<string>; damaged: boolean }>();
    for (const [h, r] of refs) if (!this.objects.has(h) || bad.has(h)) lostContent.set(h, { ...r, damaged: bad.has(h) });
    let orphanCount = 0;
    let orphanBytes = 0;
    const badOrphans: string[] = [];
    for (const h of this.objects.hashes()) {
      if (refs.has(h)) continue;
      orphanCount++;
      orphanBytes += this.objects.storedSize(h) ?? 0;
      if (bad.has(h)) badOrphans.push(h);
    }
    return { bad, lostBefore, refs, own, unsound, branchProblems, sessionProblems, mirrorMissing, unknownMirror, lostContent, orphanCount, orphanBytes, badOrphans };
  }

  /** Checks every snapshot's hash, every checkpoint's references and what is orphaned; reports in plain words. */
  verify(): StoreCheck {
    this.ensureOpen();
    const f = this.inspect();
    const problems: string[] = [];
    const notes: string[] = [];
    const cap = (lines: string[], max = 50) => (lines.length > max ? [...lines.slice(0, max), `… and ${lines.length - max} more.`] : lines);
    const list: string[] = [];
    for (const [id, top] of f.unsound) {
      if (id !== top) continue;
      const below = [...f.unsound.values()].filter((t) => t === top).length - 1;
      list.push(`${capital(f.own.get(top)!)}: it${below ? ` and ${below} later checkpoint${below === 1 ? '' : 's'}` : ''} cannot be restored.`);
    }
    for (const [id, why] of f.sessionProblems) if (!f.unsound.has(this.sessionsById.get(id)!.root)) list.push(`${capital(why)}.`);
    for (const b of f.branchProblems) list.push(`${capital(b.why)}.`);
    for (const [h, r] of f.lostContent) {
      const line = `The content of ${r.where[0]}${r.where.length > 1 ? ` (and ${r.where.length - 1} more place${r.where.length > 2 ? 's' : ''})` : ''} is ${r.damaged ? 'damaged' : 'missing'} (snapshot ${h.slice(0, 12)}); restoring it marks the file failed.`;
      if (f.lostBefore.has(h)) notes.push(`${line.replace(/; restoring/, ' — lost before the last Repair; restoring')}`);
      else list.push(line);
    }
    if (f.mirrorMissing.length) list.push(`The saved copies of ${f.mirrorMissing.length} current file${f.mirrorMissing.length === 1 ? '' : 's'} (${f.mirrorMissing.slice(0, 3).map((p) => this.pathIdToKey[p]).join(', ')}${f.mirrorMissing.length > 3 ? ', …' : ''}) are missing or damaged; Repair reads them again from the workspace.`);
    if (f.unknownMirror) list.push(`${f.unknownMirror} current file record${f.unknownMirror === 1 ? ' refers' : 's refer'} to unknown content; Repair reads them again from the workspace.`);
    if (f.badOrphans.length) list.push(`${f.badOrphans.length} damaged snapshot${f.badOrphans.length === 1 ? '' : 's'} that nothing refers to (${f.badOrphans.slice(0, 3).map((h) => h.slice(0, 12)).join(', ')}); Repair drops ${f.badOrphans.length === 1 ? 'it' : 'them'}.`);
    problems.push(...cap(list));
    if (f.orphanCount > f.badOrphans.length) notes.push(`${f.orphanCount - f.badOrphans.length} snapshot${f.orphanCount - f.badOrphans.length === 1 ? '' : 's'} (${formatBytes(f.orphanBytes)}) no checkpoint refers to any more; compacting the store frees them.`);
    const checked = this.objects.count + this.cps.size;
    const what = `${this.objects.count} snapshot${this.objects.count === 1 ? '' : 's'}, ${this.cps.size} checkpoint${this.cps.size === 1 ? '' : 's'} in ${this.sessionsById.size} session${this.sessionsById.size === 1 ? '' : 's'}`;
    const summary = problems.length === 0
      ? `The store is sound: checked ${what}.`
      : `${list.length} problem${list.length === 1 ? '' : 's'} found in ${what}. Repair Store keeps everything that is sound and reports what it cannot keep.`;
    return { ok: problems.length === 0, problems, notes, checked, summary };
  }

  /**
   * Repairs what Verify Store finds, keeping everything sound: missing or damaged snapshots are
   * recovered from other copies in the packs or from workspace files with the same content; what
   * cannot be recovered is reported (restores mark those files failed); checkpoints whose history
   * is broken, and branches pointing nowhere, are removed or moved to the start of their session.
   */
  repair(): RepairReport {
    this.ensureWritable();
    const fixed: string[] = [];
    const lost: string[] = [];
    this.mutate(() => {
      const f = this.inspect();
      // 1. Snapshots: another good copy in the packs, or a workspace file with the same content.
      const wanted = new Set<string>([...f.lostContent.keys()]);
      for (const p of f.mirrorMissing) wanted.add(this.hashOf(this.mirror.get(p)!.blob));
      for (const h of wanted) if (f.bad.has(h)) this.objects.forget(h);
      const fromPacks = this.objects.salvage(wanted);
      // Written again as the newest copy, so it is the one found when the store opens next.
      for (const h of fromPacks) {
        const data = this.objects.get(h);
        this.objects.forget(h);
        this.objects.put(data);
      }
      const fromWorkspace = new Set<string>();
      const candidates = new Set<string>();
      for (const h of wanted) {
        if (fromPacks.has(h)) continue;
        for (const k of f.lostContent.get(h)?.keys ?? []) candidates.add(k);
      }
      for (const p of f.mirrorMissing) candidates.add(this.pathIdToKey[p]);
      for (const key of candidates) {
        const loc = this.rootOfKey(key);
        if (!loc || this.unsafePath(loc.root, loc.rel, false)) continue;
        let data: Buffer;
        try {
          const abs = this.absOf(key);
          if (!this.fs.lstatSync(abs).isFile()) continue;
          data = this.fs.readFileSync(abs);
        } catch {
          continue;
        }
        const h = sha256(data);
        if (wanted.has(h) && !fromPacks.has(h) && !fromWorkspace.has(h)) {
          this.objects.put(data);
          fromWorkspace.add(h);
        }
      }
      const recovered = fromPacks.size + fromWorkspace.size;
      if (fromPacks.size) fixed.push(`Recovered ${fromPacks.size} damaged or missing snapshot${fromPacks.size === 1 ? '' : 's'} from other copies in the store.`);
      if (fromWorkspace.size) fixed.push(`Recovered ${fromWorkspace.size} damaged or missing snapshot${fromWorkspace.size === 1 ? '' : 's'} from files in the workspace with the same content.`);
      const stillLost = [...f.lostContent.entries()].filter(([h]) => !fromPacks.has(h) && !fromWorkspace.has(h));
      for (const [h, r] of stillLost) {
        lost.push(`The content of ${r.where.join(', ')}${r.where.length >= 3 ? ', …' : ''} (snapshot ${h.slice(0, 12)}): no undamaged copy exists; restoring it marks the file failed.`);
      }
      if (stillLost.length) {
        const all = new Set([...f.lostBefore, ...stillLost.map(([h]) => h)]);
        this.metaSet('lost_snapshots', JSON.stringify([...all]));
      }
      for (const h of f.badOrphans) this.objects.forget(h);
      if (f.badOrphans.length) fixed.push(`Dropped ${f.badOrphans.length} damaged snapshot${f.badOrphans.length === 1 ? '' : 's'} that nothing referred to.`);
      // Current files whose saved copy is gone: read again (a changed file becomes a working change).
      for (const p of f.mirrorMissing) {
        const h = this.hashOf(this.mirror.get(p)!.blob);
        if (fromPacks.has(h) || fromWorkspace.has(h)) continue;
        const loc = this.rootOfKey(this.pathIdToKey[p]);
        const e = this.mirror.get(p)!;
        this.writeMirror(p, { ...e, racy: true });
        if (loc) this.refreshPath(loc.root, loc.rel, this.pathIdToKey[p], true);
      }
      void recovered;
      // 2. History: checkpoints whose state cannot be computed go, with everything after them.
      const doomedSessions = new Set<number>();
      for (const [id, why] of f.sessionProblems) {
        doomedSessions.add(id);
        const s = this.sessionsById.get(id)!;
        const n = [...this.cps.values()].filter((c) => c.session === id).length;
        lost.push(`Session "${s.title}" and its ${n} checkpoint${n === 1 ? '' : 's'}: ${why}, so none of its states can be computed.`);
      }
      const doomed = new Set<number>();
      for (const [id, top] of f.unsound) {
        const c = this.cps.get(id)!;
        if (doomedSessions.has(c.session)) continue;
        doomed.add(id);
        if (id === top) {
          const below = [...f.unsound.values()].filter((t) => t === top).length - 1;
          lost.push(`${capital(f.own.get(top)!)}; it${below ? ` and ${below} later checkpoint${below === 1 ? '' : 's'}` : ''} could not be kept.`);
        }
      }
      for (const c of [...this.cps.values()]) if (doomedSessions.has(c.session)) doomed.add(c.id);
      const activeBefore = this.activeSessionId;
      const activeHeadBefore = this.sessionsById.has(activeBefore) ? this.branches.get(activeBefore)?.get(this.sessionsById.get(activeBefore)!.activeBranch)?.head : undefined;
      for (const id of doomed) {
        const c = this.cps.get(id)!;
        this.run('DELETE FROM checkpoints WHERE id = ?', [id]);
        this.cps.delete(id);
        this.changesCache.delete(id);
        const p = this.cps.get(c.parent);
        if (p) p.children = p.children.filter((k) => k !== id);
      }
      for (const id of doomedSessions) {
        this.run('DELETE FROM branches WHERE session = ?', [id]);
        this.run('DELETE FROM sessions WHERE id = ?', [id]);
        this.sessionsById.delete(id);
        this.branches.delete(id);
      }
      // 3. Branches pointing nowhere move to the start of their session.
      for (const [id, s] of this.sessionsById) {
        const m = this.branches.get(id)!;
        for (const [bn, b] of [...m]) {
          const head = this.cps.get(b.head);
          if (head && head.session === id) continue;
          this.setBranchHead(id, bn, s.root);
          fixed.push(`Branch "${bn}" of session "${s.title}" pointed to a checkpoint that no longer exists; it now points to the start of the session.`);
        }
        if (!m.has(s.activeBranch)) {
          const name = m.has(DEFAULT_BRANCH) ? DEFAULT_BRANCH : [...m.keys()][0] ?? DEFAULT_BRANCH;
          if (!m.has(name)) this.setBranchHead(id, name, s.root);
          fixed.push(`Session "${s.title}" had no active branch "${s.activeBranch}"; "${name}" is active now.`);
          s.activeBranch = name;
          this.run('UPDATE sessions SET active_branch = ? WHERE id = ?', [name, id]);
        }
      }
      // 4. The active session: still there, and working changes measured against its (maybe new) head.
      if (!this.sessionsById.has(this.activeSessionId)) {
        const next = [...this.sessionsById.values()].sort((a, b) => b.createdAt - a.createdAt)[0];
        if (next) this.setActiveSession(next.id);
        else {
          this.createSessionAtCurrentState('Recovered session');
          fixed.push('No sound session was left; a new one starts at the workspace as it is now.');
        }
      }
      const s = this.session();
      if (s.id !== activeBefore || this.headOf(s) !== activeHeadBefore || doomed.size || f.mirrorMissing.length) this.recomputePendingFull();
    });
    this.saveNow();
    const check = this.verify();
    const summary = lost.length === 0 && fixed.length === 0
      ? `Nothing needed repair. ${check.summary}`
      : `Repair kept everything that is sound${fixed.length ? `, fixed ${fixed.length} thing${fixed.length === 1 ? '' : 's'}` : ''}${lost.length ? ` and could not keep ${lost.length}` : ''}. ${check.summary}`;
    this.log(lost.length ? 'warn' : 'info', summary);
    return { fixed, lost, check, summary };
  }

  // ───────────────────────────── export / import ─────────────────────────────

  /** Writes one session — its checkpoints, branches and every snapshot they need — to a single file. */
  exportSession(sessionId: string, file: string): { file: string; bytes: number; checkpoints: number; snapshots: number } {
    this.ensureOpen();
    const s = this.session(sessionId);
    if (typeof file !== 'string' || !path.isAbsolute(file)) throw new EngineError('invalid-argument', 'Export needs an absolute file path.');
    const nodes = [...this.cps.values()].filter((c) => c.session === s.id).sort((a, b) => a.id - b.id);
    const index = new Map(nodes.map((c, i) => [c.id, i]));
    if (nodes[0]?.id !== s.root || !nodes[0].manifest) throw new EngineError('corrupt', `Session "${s.title}" has lost its starting state; run Repair Store first.`);
    const hashes = new Set<string>();
    const ver = (blob: number, mode: number): ExportVersion | null => {
      if (!blob) return null;
      const hash = this.hashOf(blob);
      hashes.add(hash);
      return { hash, mode };
    };
    const checkpoints: ExportCheckpoint[] = nodes.map((c, i) => {
      const parent = i === 0 ? -1 : index.get(c.parent);
      if (parent === undefined) throw new EngineError('corrupt', `Checkpoint ${c.id} has lost its parent; run Repair Store first.`);
      const out: ExportCheckpoint = {
        parent, createdAt: c.createdAt, source: c.source, label: c.label, exitCode: c.exitCode, info: this.checkpointInfoRaw(c.id),
        changes: this.changesOf(c.id).map((ch) => ({
          key: this.pathIdToKey[ch.path], before: ver(ch.beforeBlob, ch.beforeMode), after: ver(ch.afterBlob, ch.afterMode),
          added: ch.added, removed: ch.removed, binary: ch.binary,
        })),
      };
      if (i === 0) {
        out.manifest = {};
        for (const [k, v] of this.manifestOf(c.manifest!)) {
          out.manifest[k] = { hash: v.hash, mode: v.mode };
          hashes.add(v.hash);
        }
      }
      return out;
    });
    const header: ExportHeader = {
      format: 'session-tree-export', version: EXPORT_VERSION, exportedAt: this.clock(),
      session: { title: s.title, tags: s.tags, createdAt: s.createdAt }, checkpoints,
      branches: [...this.branches.get(s.id)!].map(([name, b]) => ({ name, head: index.get(b.head) ?? 0 })),
      activeBranch: s.activeBranch,
    };
    const missing = [...hashes].filter((h) => !this.objects.has(h));
    if (missing.length) {
      throw new EngineError('corrupt', `Cannot export session "${s.title}": ${missing.length} of its snapshots are missing (${missing.slice(0, 3).map((h) => h.slice(0, 12)).join(', ')}). Run Repair Store first.`);
    }
    // Written beside the target and renamed over it: a failed export leaves no half file.
    const tmp = `${file}.st-export-tmp`;
    let bytes = 0;
    try {
      const fd = this.fs.openSync(tmp, 'w');
      try {
        const put = (b: Buffer) => {
          for (let off = 0; off < b.length; ) off += this.fs.writeSync(fd, b, off, b.length - off, bytes + off);
          bytes += b.length;
        };
        put(EXPORT_MAGIC);
        for (const h of hashes) {
          const data = this.objects.get(h);
          let stored = data;
          let codec = CODEC_RAW;
          if (data.length >= 64) {
            const z = zlib.deflateRawSync(data, { level: 6 });
            if (z.length < data.length) {
              stored = z;
              codec = CODEC_DEFLATE;
            }
          }
          put(recordHeader(h, data.length, stored.length, codec));
          put(stored);
        }
        const json = Buffer.from(JSON.stringify(header));
        put(json);
        const len = Buffer.alloc(4);
        len.writeUInt32LE(json.length);
        put(Buffer.concat([len, EXPORT_TRAILER]));
        this.fs.fsyncSync(fd);
      } finally {
        this.fs.closeSync(fd);
      }
      this.fs.renameSync(tmp, file);
    } catch (e) {
      try {
        this.fs.rmSync(tmp, { force: true });
      } catch {
        /* best effort */
      }
      if (e instanceof ObjectCorruptError) throw new EngineError('corrupt', `Cannot export session "${s.title}": ${e.message} Run Repair Store first.`);
      throw ioError(namePathOf(e, tmp), `Could not export session "${s.title}"`);
    }
    return { file, bytes, checkpoints: checkpoints.length, snapshots: hashes.size };
  }

  /**
   * Imports a session exported by `exportSession` as a new session (not made active; no workspace
   * file is touched). The file is untrusted: everything in it is checked — format, every field,
   * every file key, the history's consistency, every snapshot against its hash with a size cap —
   * before anything is written to the store.
   */
  importSession(file: string, options: { title?: string } = {}): SessionInfo {
    this.ensureWritable();
    if (typeof file !== 'string' || !path.isAbsolute(file)) throw new EngineError('invalid-argument', 'Import needs an absolute file path.');
    const bad = (why: string): never => {
      throw new EngineError('invalid-argument', `${file} is not a valid Session Tree export: ${why}. Nothing was imported.`);
    };
    let fd: number;
    try {
      fd = this.fs.openSync(file, 'r');
    } catch (e) {
      throw ioError(e, 'Could not import');
    }
    try {
      const read = (pos: number, len: number): Buffer => {
        const b = Buffer.alloc(len);
        let got = 0;
        while (got < len) {
          const n = this.fs.readSync(fd, b, got, len - got, pos + got);
          if (n === 0) break;
          got += n;
        }
        if (got !== len) bad('it is shorter than it says');
        return b;
      };
      let size: number;
      try {
        const st = this.fs.fstatSync(fd);
        if (!st.isFile()) bad('it is not a file');
        size = st.size;
      } catch (e) {
        if (e instanceof EngineError) throw e;
        throw ioError(namePathOf(e, file), 'Could not import');
      }
      if (size < EXPORT_MAGIC.length + 4 + EXPORT_TRAILER.length) bad('it is too short');
      if (!read(0, EXPORT_MAGIC.length).equals(EXPORT_MAGIC)) bad('it does not start like one');
      const trailer = read(size - 4 - EXPORT_TRAILER.length, 4 + EXPORT_TRAILER.length);
      if (!trailer.subarray(4).equals(EXPORT_TRAILER)) bad('its end is missing (the file was cut short or has extra bytes)');
      const headerLen = trailer.readUInt32LE(0);
      const headerStart = size - 4 - EXPORT_TRAILER.length - headerLen;
      if (headerLen > IMPORT_LIMITS.headerBytes || headerStart < EXPORT_MAGIC.length) bad('its index is larger than the file');
      let parsed: unknown;
      try {
        parsed = JSON.parse(read(headerStart, headerLen).toString('utf8'));
      } catch (e) {
        if (e instanceof EngineError) throw e;
        bad('its index is not readable JSON');
      }
      let checked: ReturnType<typeof validateHeader>;
      try {
        checked = validateHeader(parsed);
      } catch (e) {
        if (e instanceof EngineError) throw new EngineError(e.code, `${file}: ${e.message}`);
        throw e;
      }
      const { header, hashes } = checked;
      // Snapshot records: where each one is.
      const found = new Map<string, { offset: number; raw: number; stored: number; codec: number }>();
      for (let pos = EXPORT_MAGIC.length; pos < headerStart; ) {
        if (pos + RECORD_HEADER > headerStart) bad('a snapshot record is cut off');
        const rh = read(pos, RECORD_HEADER);
        const hash = rh.subarray(0, 32).toString('hex');
        const raw = rh.readUInt32LE(32);
        const stored = rh.readUInt32LE(36);
        const codec = rh[40];
        if (codec !== CODEC_RAW && codec !== CODEC_DEFLATE) bad(`snapshot ${hash.slice(0, 12)} is stored in an unknown way`);
        if (raw > IMPORT_LIMITS.objectBytes) bad(`snapshot ${hash.slice(0, 12)} claims ${formatBytes(raw)}, more than the ${formatBytes(IMPORT_LIMITS.objectBytes)} accepted`);
        if (codec === CODEC_RAW && stored !== raw) bad(`snapshot ${hash.slice(0, 12)} has inconsistent sizes`);
        if (pos + RECORD_HEADER + stored > headerStart) bad(`snapshot ${hash.slice(0, 12)} is cut off`);
        if (!found.has(hash)) found.set(hash, { offset: pos + RECORD_HEADER, raw, stored, codec });
        pos += RECORD_HEADER + stored;
      }
      const load = (h: string): Buffer => {
        const loc = found.get(h)!;
        const stored = read(loc.offset, loc.stored);
        let data: Buffer;
        try {
          data = loc.codec === CODEC_RAW ? stored : zlib.inflateRawSync(stored, { maxOutputLength: Math.max(1, loc.raw) });
        } catch {
          return bad(`snapshot ${h.slice(0, 12)} cannot be decompressed to the size it claims`);
        }
        if (data.length !== loc.raw || sha256(data) !== h) bad(`snapshot ${h.slice(0, 12)} does not match its hash (the file is damaged or was altered)`);
        return data;
      };
      for (const h of hashes) {
        if (!found.has(h)) bad(`the snapshot ${h.slice(0, 12)} it refers to is not in the file`);
        load(h); // checked now, stored below: nothing is written unless all of it is sound
      }
      const branchNames = new Map<string, number>();
      for (const b of header.branches) {
        let n: string;
        try {
          n = cleanBranchName(b.name);
        } catch (e) {
          return bad(`branch ${JSON.stringify(b.name)}: ${(e as Error).message}`);
        }
        if (branchNames.has(n)) bad(`two branches are named ${JSON.stringify(n)}`);
        branchNames.set(n, b.head);
      }
      const active = cleanBranchName(header.activeBranch);
      const rawTitle = options.title ?? `${header.session.title.replace(/[\r\n\t]+/g, ' ').trim() || 'Session'} (imported)`;
      const title = cleanName(rawTitle.length > MAX_NAME ? rawTitle.slice(0, MAX_NAME) : rawTitle, 'session title');
      const tags = [...new Set(header.session.tags.map((t) => t.replace(/[\r\n\t]+/g, ' ').trim()).filter((t) => t && t.length <= MAX_NAME && !/[\u0000-\u001f\u007f]/.test(t)))];
      const id = this.mutate(() => {
        for (const h of hashes) this.objects.putWithHash(h, load(h));
        const sid = this.nextId('sessions');
        this.run('INSERT INTO sessions(id, title, created_at, tags, parent_session, parent_checkpoint, root, active_branch) VALUES (?,?,?,?,?,?,?,?)', [
          sid, title, header.session.createdAt, JSON.stringify(tags), null, null, 0, active,
        ]);
        this.sessionsById.set(sid, { id: sid, title, createdAt: header.session.createdAt, tags, root: 0, activeBranch: active });
        this.branches.set(sid, new Map());
        const ids: number[] = [];
        header.checkpoints.forEach((c, i) => {
          let manifest: string | undefined;
          if (i === 0) {
            const m: Manifest = new Map(Object.entries(c.manifest!).map(([k, v]) => [k, { hash: v.hash, mode: v.mode }]));
            manifest = this.objects.put(encodeManifest(m));
            this.manifestCache.set(manifest, m);
          }
          const changes: ChangeRecord[] = c.changes
            .map((ch) => ({
              path: this.pathId(ch.key),
              beforeBlob: ch.before ? this.blobId(ch.before.hash, found.get(ch.before.hash)!.raw) : 0, beforeMode: ch.before?.mode ?? 0,
              afterBlob: ch.after ? this.blobId(ch.after.hash, found.get(ch.after.hash)!.raw) : 0, afterMode: ch.after?.mode ?? 0,
              added: ch.added, removed: ch.removed, binary: ch.binary,
            }))
            .sort((a, b) => this.pathIdToKey[a.path].localeCompare(this.pathIdToKey[b.path]));
          if (i === 0) for (const v of Object.values(c.manifest!)) this.blobId(v.hash, found.get(v.hash)!.raw);
          ids[i] = this.insertCheckpoint({
            session: sid, parent: i === 0 ? 0 : ids[c.parent], source: c.source, label: c.label.trim() || DEFAULT_LABELS[c.source],
            info: c.info, changes, manifest, createdAt: c.createdAt, exitCode: c.exitCode,
          });
        });
        this.run('UPDATE sessions SET root = ? WHERE id = ?', [ids[0], sid]);
        this.sessionsById.get(sid)!.root = ids[0];
        for (const [n, head] of branchNames) this.setBranchHead(sid, n, ids[head]);
        return sid;
      });
      return this.sessionInfo(this.sessionsById.get(id)!);
    } finally {
      this.fs.closeSync(fd);
    }
  }

  /** Storage figures, for the bench and diagnostics. */
  stats(): { checkpoints: number; sessions: number; objects: number; packBytes: number; dbBytes: number; saveMs: number; tracked: number } {
    return {
      checkpoints: this.cps.size, sessions: this.sessionsById.size, objects: this.objects.count,
      packBytes: this.objects.diskSize(), dbBytes: this.storeDb.lastSaveBytes, saveMs: this.storeDb.lastSaveMs, tracked: this.trackedCount(),
    };
  }
}

// ───────────────────────────── helpers ─────────────────────────────

/** lstat; null when the file is gone, undefined on another error (the caller tries again and reports it). */
function statOrNull(fs: Fs, abs: string): nodeFs.Stats | null | undefined {
  try {
    return fs.lstatSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : undefined;
  }
}

/** A helper thread's lstat result as the few Stats fields a scan reads; null: absent; undefined: stat it here. */
function helperStat(batch: Float64Array, i: number): nodeFs.Stats | null | undefined {
  const kind = batch[i * 5];
  if (kind === 0) return null;
  if (kind < 0) return undefined;
  return new HelperStat(kind, batch[i * 5 + 1], batch[i * 5 + 2], batch[i * 5 + 3], batch[i * 5 + 4]) as unknown as nodeFs.Stats;
}

class HelperStat {
  constructor(readonly kind: number, readonly size: number, readonly mtimeMs: number, readonly ino: number, readonly mode: number) {}
  isFile(): boolean {
    return this.kind === 1;
  }
  isDirectory(): boolean {
    return this.kind === 2;
  }
  isSymbolicLink(): boolean {
    return this.kind === 3;
  }
}

function stripRecord(r: RestoreRecord): RestoreResult {
  return {
    id: r.id, target: r.target, targetId: r.targetId, targetLabel: r.targetLabel, safetyCheckpointId: r.safetyCheckpointId,
    previousHeadId: r.previousHeadId, files: r.files, at: r.at,
  };
}

function validateRoots(roots: RootFolder[]): RootFolder[] {
  if (!Array.isArray(roots)) throw new EngineError('invalid-argument', 'roots must be a list of folders.');
  const names = new Set<string>();
  return roots.map((r) => {
    if (!r || typeof r.name !== 'string' || !r.name || r.name.includes('/') || names.has(r.name)) {
      throw new EngineError('invalid-argument', `Workspace folder names must be unique and contain no "/" (got "${r?.name}").`);
    }
    if (typeof r.path !== 'string' || !path.isAbsolute(r.path)) throw new EngineError('invalid-argument', `Workspace folder "${r.name}" needs an absolute path.`);
    names.add(r.name);
    return { name: r.name, path: path.resolve(r.path) };
  });
}

function cleanName(s: string, what: string, allowEmpty = false): string {
  if (typeof s !== 'string') throw new EngineError('invalid-argument', `The ${what} must be text.`);
  const t = s.replace(/[\r\n\t]+/g, ' ').trim();
  if (!t && !allowEmpty) throw new EngineError('invalid-argument', `The ${what} cannot be empty.`);
  if (t.length > MAX_NAME) throw new EngineError('invalid-argument', `The ${what} is too long (${t.length} characters; ${MAX_NAME} at most).`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(t)) throw new EngineError('invalid-argument', `The ${what} contains control characters.`);
  return t;
}

function cleanBranchName(name: string): string {
  // One spelling per name: "café" typed with a combining accent is the same branch as the precomposed one.
  const n = cleanName(name, 'branch name').normalize('NFC');
  if (/^\d+$/.test(n)) throw new EngineError('invalid-argument', `A branch name cannot be only digits ("${n}" would be read as a checkpoint id).`);
  return n;
}

function validateMeta(meta: CheckpointMeta): void {
  if (meta.label !== undefined && typeof meta.label !== 'string') throw new EngineError('invalid-argument', 'label must be text.');
  if (meta.tools !== undefined && (!Array.isArray(meta.tools) || meta.tools.some((t) => typeof t !== 'string'))) {
    throw new EngineError('invalid-argument', 'tools must be a list of strings.');
  }
  if (meta.exitCode !== undefined && (typeof meta.exitCode !== 'number' || !Number.isInteger(meta.exitCode))) {
    throw new EngineError('invalid-argument', 'exitCode must be a whole number.');
  }
  if (meta.metadata !== undefined) {
    if (typeof meta.metadata !== 'object' || meta.metadata === null || Array.isArray(meta.metadata)) {
      throw new EngineError('invalid-argument', 'metadata must be a JSON object.');
    }
    let text: string;
    try {
      text = JSON.stringify(meta.metadata);
    } catch (e) {
      throw new EngineError('invalid-argument', `metadata must be JSON: ${(e as Error).message}`);
    }
    if (text.length > 64 * 1024) throw new EngineError('invalid-argument', 'metadata is too large (64 KiB at most).');
  }
  if (meta.prompt !== undefined && typeof meta.prompt !== 'string') throw new EngineError('invalid-argument', 'prompt must be text.');
}

function defaultLabel(source: CheckpointSource, keys: string[], meta: CheckpointMeta): string {
  if (source === 'terminal' && meta.command) return meta.command.length > 80 ? meta.command.slice(0, 79) + '…' : meta.command;
  if (source === 'editor' || source === 'manual') {
    if (keys.length === 1) return `${source === 'editor' ? 'Saved' : 'Changed'} ${keys[0].slice(keys[0].lastIndexOf('/') + 1)}`;
    if (keys.length > 1) return `${source === 'editor' ? 'Saved' : 'Changed'} ${keys.length} files`;
  }
  return DEFAULT_LABELS[source];
}

/** Names the file on an fd-based error (Node's write/fsync errors carry no path). */
function namePathOf(e: unknown, file: string): unknown {
  if (e && typeof e === 'object' && !('path' in e)) Object.assign(e, { path: file });
  return e;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function safeJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An fs error (it has an errno code) as an EngineError('io') naming the file and the cause:
 * "<what>: could not write /x/state.db.tmp: the disk is full (ENOSPC). <after>". Other errors pass.
 */
export function ioError(e: unknown, what: string, after?: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (e instanceof EngineError || !err || typeof err.code !== 'string' || !/^E[A-Z]+$/.test(err.code)) return e;
  const sys = err.syscall ?? '';
  const action = /^(open|read|stat|lstat|fstat|access)$/.test(sys) ? (sys === 'open' ? 'open' : 'read') : /scandir|readdir/.test(sys) ? 'list' : 'write';
  return new EngineError('io', `${what}: ${describeIoError(err, err.path ?? 'a file of the store', action)}.${after ? ` ${after}` : ''}`);
}

export function describeIoError(e: unknown, file: string, action: 'read' | 'write' | 'list' | 'open'): string {
  const err = e as NodeJS.ErrnoException;
  const what: Record<string, string> = {
    EACCES: 'permission denied', EPERM: 'operation not permitted', ENOSPC: 'the disk is full', EDQUOT: 'disk quota exceeded',
    EROFS: 'the file system is read-only', EBUSY: 'the file is busy or locked', EISDIR: 'a folder is in the way',
    ENOTDIR: 'a file is in the way of a folder', EMFILE: 'too many open files', ENAMETOOLONG: 'the name is too long',
    ELOOP: 'too many symbolic links', EIO: 'an I/O error', EEXIST: 'something is in the way', EXDEV: 'it is on another drive',
    ENOENT: 'it does not exist',
  };
  const cause = (err?.code && what[err.code]) || err?.message || String(e);
  return `could not ${action} ${file}: ${cause}${err?.code ? ` (${err.code})` : ''}`;
}
