// Opening and closing the store. `open` reads what a first paint needs; the start-up — recovering
// an interrupted restore, then recording what changed while the store was closed — runs in it,
// or, for a deferred open, in `startupScan` or before the first change.
import { StoreDb, loadSqlJs } from '../storage/db';
import { type EngineContext, isSaveFailure } from './context';
import { finishMigration, recordFolders, resolveAtOpen } from './folderOpen';
import { ioError, describeIoError } from './ioErrors';
import type { StoreLock } from './lock';
import { realFolder } from '../storage/storeFiles';
import { StoreWatch } from './storeWatch';
import { DEFAULT_LABELS } from './model';
import { asideOf } from './restore/aside';
import { recoverJournal, removeJournal } from './restore/journal';
import { fullScanSteps } from './scan/refresh';
import { Slice, drain, runSliced } from './scan/slice';
import { seal } from './seal';
import { startSessionAtCurrentStateSteps } from './sessions';
import { States } from './states';
import { History } from './store/history';
import { Metadata } from './store/metadata';
import { Mirror } from './store/mirror';
import { EngineError, type OpenReport } from './types';

const emptyReport = (): OpenReport => ({ diagnostics: [], usedBackup: false, scanned: 0, tracked: 0 });

/** The watch of each open store (heartbeat, folder and packs in place), by its lock. */
const watches = new WeakMap<StoreLock, StoreWatch>();

export async function open(ctx: EngineContext, lock: StoreLock, options: { deferScan?: boolean }): Promise<OpenReport> {
  if (ctx.opened) throw new EngineError('invalid-argument', 'The store is already open.');
  ctx.readOnly = false;
  ctx.readOnlyReason = '';
  const SQL = await loadSqlJs(ctx.options.wasmPath);
  try {
    ctx.fs.mkdirSync(ctx.storageDir, { recursive: true });
    realFolder(ctx.fs, ctx.storageDir, 'the store folder'); // never a link: the store is not opened through one
  } catch (e) {
    throw ioError(e, 'Could not open the Session Tree store');
  }
  lock.acquire();
  let opened: ReturnType<StoreDb['open']>;
  try {
    ctx.storeDb = new StoreDb(ctx.storageDir, SQL, ctx.fs, { foldBytes: ctx.options.logFoldBytes });
    opened = ctx.storeDb.open({ writable: lock.isHeld });
  } catch (e) {
    lock.release();
    throw ioError(e, 'Could not open the Session Tree database');
  }
  const diagnostics = [...opened.diagnostics];
  for (const n of opened.notes) ctx.log('info', n);
  ctx.meta = new Metadata(opened.db);
  ctx.history = new History(ctx.meta, ctx.clock);
  ctx.mirror = new Mirror(ctx.meta);
  ctx.states = new States(ctx.history, ctx.meta, () => ctx.objects);
  ctx.removeJournal = () => removeJournal(ctx);
  ctx.runDeferredStartup = () => {
    for (const d of drain(runStartup(ctx, lock, emptyReport())).diagnostics) ctx.log('warn', d);
  };
  if (opened.unreadable) {
    // Never save over a database that exists but could not be read: it may be the newest one.
    const why = describeIoError(opened.unreadable, ctx.storeDb.file, 'read');
    ctx.readOnly = true;
    ctx.readOnlyReason = `${why}; fix that and reopen the workspace`;
    diagnostics.push(`The database could not be read (${why}); the store is open read-only so that nothing overwrites it.`);
  }
  if (opened.newerSchema !== undefined) {
    ctx.readOnly = true;
    ctx.readOnlyReason = `the store was written by a newer version of Session Tree (schema ${opened.newerSchema})`;
    diagnostics.push(`The store is from a newer version of Session Tree; it is open read-only.`);
  }
  const defer = options.deferScan === true && !ctx.readOnly;
  if (!defer) {
    try {
      ctx.openObjects();
    } catch (e) {
      ctx.meta.db.close();
      lock.release();
      throw ioError(e, 'Could not open the snapshot store');
    }
    diagnostics.push(...ctx.objects.diagnostics);
  }
  ctx.history.load();
  ctx.mirror.loadPending();
  if (!defer) ctx.meta.load();
  const report: OpenReport = { diagnostics, usedBackup: opened.usedBackup, scanned: 0, tracked: 0 };
  // Which stored folder each open one is, before anything reads a key (recorded by the start-up).
  resolveAtOpen(ctx, report);
  ctx.folderState!.sql = SQL;
  ctx.opened = true;
  const watch = new StoreWatch(ctx, lock);
  watches.set(lock, watch);
  ctx.beforeSave = () => void watch.check();
  watch.start();
  if (ctx.readOnly) {
    report.tracked = ctx.mirror.entries.size;
    report.readOnlyReason = ctx.readOnlyReason;
    if (lock.lockedOut) report.lockedOut = true;
    return report;
  }
  if (defer) {
    ctx.startupDue = true;
    return report;
  }
  return drain(startup(ctx, lock, report));
}

/** The rest of a deferred open (see `open`); reports what it found. Nothing to do otherwise. */
export function startupScan(ctx: EngineContext, lock: StoreLock): OpenReport {
  return drain(startupScanSteps(ctx, lock));
}

/**
 * `startupScan` in slices (scan/slice.ts): the event loop turns (`turn`) every few milliseconds,
 * so the worker answers reads while a large workspace is scanned. A read meanwhile sees the history
 * as it was at open and the working changes found so far, each file's whole; writers wait (the
 * worker's scheduler).
 */
export async function startupScanSliced(ctx: EngineContext, lock: StoreLock, turn: () => Promise<void>): Promise<OpenReport> {
  const slice = new Slice();
  ctx.scan.slice = slice;
  try {
    return await runSliced(startupScanSteps(ctx, lock), slice, turn);
  } finally {
    ctx.scan.slice = undefined;
  }
}

function* startupScanSteps(ctx: EngineContext, lock: StoreLock): Generator<void, OpenReport, void> {
  const report = emptyReport();
  if (!ctx.startupDue) {
    report.tracked = ctx.mirror.trackedCount();
    return report;
  }
  return yield* runStartup(ctx, lock, report);
}

function* runStartup(ctx: EngineContext, lock: StoreLock, report: OpenReport): Generator<void, OpenReport, void> {
  if (!ctx.openedObjects) {
    try {
      ctx.openObjects();
    } catch (e) {
      ctx.startupDue = false;
      ctx.opened = false;
      ctx.meta.db.close();
      unwatch(ctx, lock);
      lock.release();
      throw ioError(e, 'Could not open the snapshot store');
    }
    report.diagnostics.push(...ctx.objects.diagnostics);
  }
  return yield* startup(ctx, lock, report);
}

/** Interrupted-restore recovery, then the scan for changes made while the store was closed. */
function* startup(ctx: EngineContext, lock: StoreLock, report: OpenReport): Generator<void, OpenReport, void> {
  ctx.startupDue = false;
  const { diagnostics } = report;
  const { mirror, meta } = ctx;
  try {
    report.recoveredRestore = recoverJournal(ctx);
    asideOf(ctx).clearLeftovers();
    yield* ctx.transactSteps(function* () {
      recordFolders(ctx, diagnostics);
      // Current files whose saved copy is gone (a damaged pack): read them again below.
      let missing = 0;
      for (const [p, e] of mirror.entries) {
        const h = e.blob ? meta.hashOrUndefined(e.blob) : undefined;
        if (!e.blob || e.untracked || (h && ctx.objects.has(h))) continue;
        mirror.write(p, { ...e, racy: true });
        missing++;
      }
      if (missing) diagnostics.push(`The saved copies of ${missing} current file${missing === 1 ? ' was' : 's were'} missing from the store; ${missing === 1 ? 'it was' : 'they were'} read again from the workspace. Verify Store checks the rest of the history.`);
      if (ctx.history.sessions.size === 0) {
        mirror.firstScan = true;
        try {
          report.scanned = yield* fullScanSteps(ctx);
        } finally {
          mirror.firstScan = false;
        }
        yield* startSessionAtCurrentStateSteps(ctx, 'Session 1');
      } else {
        if (mirror.pending.size > 0) seal(ctx, { source: 'editor', label: 'Working changes from the last run' });
        report.scanned = yield* fullScanSteps(ctx);
        if (mirror.pending.size > 0) {
          const cp = seal(ctx, { source: 'external', label: DEFAULT_LABELS.external });
          if (cp) report.externalCheckpointId = String(cp);
        }
      }
    });
    if (ctx.scan.slice?.dueNow()) yield; // the commit of a large first scan takes a while: reads first
    ctx.saveNow();
    finishMigration(ctx, diagnostics);
  } catch (e) {
    if (!isSaveFailure(e)) {
      // Nothing half-done stays open: the store can be opened again once the cause is gone.
      ctx.opened = false;
      try {
        ctx.openedObjects?.close();
      } catch {
        /* closing after a failure: its error is the one to report */
      }
      ctx.meta.db.close();
      unwatch(ctx, lock);
      lock.release();
      throw ioError(e, 'Could not open the Session Tree store');
    }
    // Opened and scanned, but not saved (say the disk is full): it is kept in memory and saved later.
    diagnostics.push((e as Error).message);
  }
  report.tracked = mirror.trackedCount();
  ctx.emit({ type: 'changed' });
  return report;
}

function unwatch(ctx: EngineContext, lock: StoreLock): void {
  watches.get(lock)?.stop();
  watches.delete(lock);
  ctx.beforeSave = () => undefined;
}

export function close(ctx: EngineContext, lock: StoreLock): void {
  if (!ctx.opened) return;
  ctx.cancelSave();
  asideOf(ctx).drain();
  try {
    if (!ctx.readOnly) ctx.saveNow({ fold: true });
  } finally {
    ctx.storeDb.close();
    unwatch(ctx, lock);
    lock.release();
  }
  ctx.openedObjects?.close();
  ctx.openedObjects = undefined;
  ctx.scan.statHelper?.close();
  ctx.scan.statHelper = undefined;
  ctx.startupDue = false;
  ctx.meta.close();
  ctx.opened = false;
}
