// What every engine operation works on: the store's owned state (metadata, history, mirror,
// snapshots), the workspace folders and tracking rules, the scan's state, events, and the one
// path by which a change becomes durable (`transact` → `mutate` → save). Operations are functions
// of this context (src/core/*.ts, restore/, maintenance/, exchange/); `Engine` is the facade.
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type { HelperThread } from '../storage/compressor';
import type { StoreDb } from '../storage/db';
import { ObjectStore } from '../storage/objects';
import type { EngineEvent, SavePolicy, TrackingOptions } from './engineApi';
import { ioError } from './ioErrors';
import type { FolderState } from './folderOpen';
import { provisionalRoots, Roots } from './roots';
import { States } from './states';
import type { Folders } from './store/folders';
import type { History } from './store/history';
import type { Metadata } from './store/metadata';
import type { Mirror } from './store/mirror';
import { DEFAULT_MAX_FILE_SIZE, Tracking } from './tracking';
import { EngineError, type RootFolder } from './types';

export type { Fs } from '../storage/files';
import type { Fs } from '../storage/files';
import { drain, type Slice } from './scan/slice';

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
  /** How often the store lock's holder touches it (ms; see lock.ts). */
  lockHeartbeatMs?: number;
  /** A lock whose heartbeat is older than this is stale, whatever its pid (ms). */
  lockStaleMs?: number;
  /** The engine's own watcher (Linux; scan/watch.ts; with the real file system, or `fs` over it): seals re-stat what it marked instead of walking. */
  watch?: boolean | import('./scan/watch').WatchOptions;
  /** The database log is folded into a new base once it would pass this size (bytes; see storage/db.ts). */
  logFoldBytes?: number;
}

/** The largest read buffer kept between changes (bytes; see ScanState.readBuffer). */
const SCAN_BUFFER_KEPT = 256 * 1024;

/** Errors from saving the database after a change was already made in memory (see `mutate`). */
const saveFailures = new WeakSet<object>();
export const isSaveFailure = (e: unknown): boolean => saveFailures.has(e as object);

/** What the scanner keeps between calls. */
export class ScanState {
  /**
   * The rules' generation (`Tracking.generation`) when a full scan last ended: every tracked file
   * in the mirror was then known not excluded. While the rules stay that generation, a scan need
   * not ask them again about a file it tracks.
   */
  rulesTrustedAt = -1;
  /** When the current scan started: files modified within the racy window of it are re-read next time. */
  startedAt = 0;
  /** Paths announced by willEdit since the last seal: re-checked when sealing. */
  readonly announced = new Set<string>();
  /** Paths whose current bytes could not be captured, with why; a restore will not overwrite them. */
  readonly captureFailures = new Map<number, string>();
  /** Stats of large scans (see `walk`). */
  statHelper: HelperThread | undefined;
  /** Set while a scan runs in slices (scan/slice.ts): the scan yields when it says a slice is over. */
  slice: Slice | undefined;
  /** Reused for reading files (see `readFile`). */
  readBuffer = Buffer.alloc(0);
}

export class EngineContext {
  readonly fs: Fs;
  readonly clock: () => number;
  readonly storageDir: string;
  /**
   * The workspace folders, each keyed by its stored folder's key: resolved at open (see
   * folderOpen.ts); until then provisional (keyed by display name).
   */
  roots: Roots;
  readonly scan = new ScanState();
  readonly racyWindowMs: number;
  tracking!: Tracking;
  savePolicy: SavePolicy;

  // Set when the store opens.
  storeDb!: StoreDb;
  meta!: Metadata;
  history!: History;
  mirror!: Mirror;
  folders!: Folders;
  /** What the open resolved about the folders, until the start-up records it. */
  folderState: FolderState | undefined;
  states!: States;
  openedObjects: ObjectStore | undefined;

  opened = false;
  readOnly = false;
  readOnlyReason = '';
  /** Set by `open({ deferScan: true })` until the start-up scan (or the first change) has run. */
  startupDue = false;
  /** Runs a deferred start-up (set by the lifecycle); a change never happens before it. */
  runDeferredStartup: () => void = () => undefined;
  /** A restore whose final save failed left its journal: dropped at the next successful save. */
  journalAwaitingSave = false;
  /** Removes the restore journal (set by the restore module). */
  removeJournal: () => void = () => undefined;
  /**
   * Runs before every save (set by the lifecycle): the store lock is still this engine's, and the
   * store folder and packs are still the ones opened (else a sound new store is started).
   */
  beforeSave: () => void = () => undefined;

  private saveTimer: NodeJS.Timeout | undefined;
  /** Transactions open (nested ones count): a debounced save never runs inside one. */
  private transactions = 0;
  private readonly listeners = new Set<(e: EngineEvent) => void>();

  constructor(readonly options: EngineOptions) {
    this.fs = options.fs ?? nodeFs;
    this.clock = options.clock ?? Date.now;
    this.storageDir = options.storageDir;
    this.roots = new Roots(provisionalRoots(options.roots));
    this.savePolicy = options.savePolicy ?? 'always';
    this.racyWindowMs = options.racyWindowMs ?? 3000;
    this.makeTracking();
  }

  /** The snapshot store, opened (its pack indexes read) when first needed. */
  get objects(): ObjectStore {
    if (!this.openedObjects) this.openObjects();
    return this.openedObjects!;
  }

  openObjects(): void {
    this.openedObjects = new ObjectStore(path.join(this.storageDir, 'objects'), {
      fs: this.fs,
      level: this.options.compressionLevel,
      readOnly: this.readOnly,
      // Groups are deflated beside the scan (a second core's worth).
      parallel: this.useHelpers,
    });
  }

  get useHelpers(): boolean {
    // Not with an injected file system (tests watch every call): the helper uses the real one.
    return (this.options.helperThreads ?? !isMainThread) && this.fs === nodeFs;
  }

  makeTracking(): void {
    this.scan.rulesTrustedAt = -1;
    const never = [path.resolve(this.storageDir)];
    this.tracking = new Tracking(
      { exclude: this.options.exclude ?? [], maxFileSize: this.options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE },
      this.fs,
      never,
    );
  }

  // ── events ──

  onEvent(listener: (e: EngineEvent) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  emit(e: EngineEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        /* a listener's failure is not the engine's */
      }
    }
  }

  log(level: 'info' | 'warn' | 'error', message: string): void {
    this.emit({ type: 'log', level, message });
  }

  // ── guards ──

  ensureOpen(): void {
    if (!this.opened) throw new EngineError('invalid-argument', 'The store is not open.');
  }

  ensureWritable(): void {
    this.ensureOpen();
    if (this.readOnly) throw new EngineError('read-only-store', `The store is read-only: ${this.readOnlyReason}.`);
    // A deferred open: nothing changes before interrupted restores are recovered and the scan ran.
    if (this.startupDue) this.runDeferredStartup();
  }

  // ── persistence ──

  /** Sessions, branches, checkpoints and working changes; then the interned ids and the mirror. */
  reload(): void {
    this.history.load();
    this.mirror.loadPending();
    this.meta.load();
    this.folders?.load();
  }

  /** Runs a change to the metadata as one transaction, then saves (per the save policy) and says so. */
  mutate<T>(fn: () => T): T {
    const before = this.meta.writes;
    const r = this.transact(fn);
    // Nothing recorded (a watcher batch of unchanged or untracked files): no save, no repaint.
    if (this.meta.writes === before) return r;
    try {
      // A failed save keeps the change in memory (saved at the next change) and says so.
      this.scheduleSave();
    } finally {
      this.emit({ type: 'changed' });
    }
    return r;
  }

  /** `fn` as one transaction whose snapshots are written out; on failure nothing of it remains. */
  transact<T>(fn: () => T): T {
    return drain(this.transactSteps(function* () {
      return fn();
    }));
  }

  /**
   * `transact` of a step generator: the transaction stays open across its yields (see
   * scan/slice.ts). Only reads may run while it is suspended — they see the change as far as it got,
   * each file's entry whole — and no save runs in between (`saveNow` waits for the commit).
   */
  *transactSteps<T>(fn: () => Generator<void, T, void>): Generator<void, T, void> {
    this.ensureWritable();
    this.meta.begin();
    this.transactions++;
    const failures = this.objects.writeFailures;
    const writes = this.meta.writes;
    let r: T;
    try {
      r = yield* fn();
      // The snapshots the change refers to reach their pack before the change counts: if they
      // cannot (disk full), the change is undone rather than left pointing at nothing — also when
      // the failed write surfaced inside `fn` and was handled there (a capture that never throws).
      this.objects.writeOut();
      if (this.objects.writeFailures !== failures) throw this.objects.lastWriteError;
      this.meta.commit();
    } catch (e) {
      this.meta.rollback();
      // What was written in memory goes back to what the database holds (nothing written: nothing to undo).
      if (this.meta.writes !== writes) {
        this.scan.rulesTrustedAt = -1; // the mirror is back to what it was: ask the rules again
        this.reload();
      }
      throw ioError(e, 'Nothing was changed');
    } finally {
      this.transactions--;
      this.releaseScanBuffer();
    }
    return r;
  }

  /** A read buffer grown for a large file is not kept after the change that read it. */
  private releaseScanBuffer(): void {
    if (this.scan.readBuffer.length > SCAN_BUFFER_KEPT) this.scan.readBuffer = Buffer.alloc(0);
  }

  private scheduleSave(): void {
    if (this.savePolicy === 'always') {
      this.saveNow();
      return;
    }
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      // A sliced transaction is suspended (transactSteps): saved after another delay, not half of it.
      if (this.transactions > 0) return this.scheduleSave();
      try {
        this.saveNow();
      } catch (e) {
        this.log('error', `Saving the store failed: ${(e as Error).message}`);
      }
    }, this.options.saveDelayMs ?? 1000);
    this.saveTimer.unref?.();
  }

  cancelSave(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
  }

  /** Makes snapshots durable, then the database changes (`fold`: a whole new base, as at close). */
  saveNow(options: { fold?: boolean } = {}): void {
    if (this.readOnly || !this.opened) return;
    this.cancelSave();
    try {
      this.beforeSave();
      if (this.readOnly) throw new EngineError('read-only-store', `The change was not saved: the store is read-only now: ${this.readOnlyReason}.`);
      this.openedObjects?.flush(); // not opened yet (a deferred open): nothing stored since
      this.storeDb.save(this.meta.db, this.meta.changes, options);
      if (this.storeDb.lastSaveKind !== 'none') this.emit({ type: 'saved' });
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
}
