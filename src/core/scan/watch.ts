// The engine's own watcher (Linux): which paths may have changed since the last seal, so a seal
// nobody declared paths for re-stats those instead of walking every folder — or, whenever there is
// any doubt, says so and the seal walks (the walk stays the fallback, and is always exact).
//
// How it works. One non-recursive `fs.watch` per tracked folder; libuv puts all of a thread's
// watches on ONE inotify descriptor, so events arrive in the kernel's order. Every event marks
// `folder/name` dirty. A name reported as created, deleted or moved (`rename`; for a folder every
// event is one) that is a folder now is watched anew — its old watches closed first (a watch
// follows the inode: after `mv a b` the watch keyed `a` reports b's files), then the new watch
// added, THEN the folder listed to add watches below it, each before its folder is listed. So a
// file created before its folder's watch existed is met by a listing made after it (and by the
// walk of that folder at the seal: a dirty folder is walked), one created after it has an event.
// The full walk adds each folder's watch before it lists that folder, for the same reason.
// Excluded folders (the tracking rules, `.git`) are not watched.
//
// Why a seal may trust the dirty set (the barrier). inotify queues an event inside the system
// call that changes the file (fsnotify runs in vfs_write / vfs_create / vfs_rename before they
// return). So a write that completed before `createCheckpoint` was called has its event in the
// descriptor's queue before the call's message reaches the worker. The worker, on receiving a
// seal, lets its loop turn twice (`barrier`: an immediate scheduled from an immediate runs after
// the next poll phase), and a poll phase reads the inotify descriptor until EAGAIN and dispatches
// every event in that one callback. Then the dirty set holds every path written before the call.
// Verified here (test/unit/watch.test.ts): bursts of thousands of files and of new nested folders
// written by another process immediately before the seal, with the CPUs kept busy, all captured.
//
// Doubt → the next seal walks (and the walk resets it):
// - overflow: libuv drops IN_Q_OVERFLOW silently. But an overflow means the queue held
//   `max_queued_events` unread events, and libuv reads until EAGAIN and dispatches all of them in
//   one poll callback, before any immediate runs; so a loop turn (counted between immediates)
//   with at least half that many events is taken as a possible overflow;
// - a watch that reports an error, or cannot be added for a reason other than its folder being
//   gone; a failed operation (its transaction rolled the mirror back to what was saved);
// - the first seal after the engine starts (no baseline yet), the workspace folders changing,
//   the store read-only;
// A worker blocked long (a gc, a first scan) loses nothing but through an overflow: inotify drops
// events only when its queue is full, which the count above catches.
// - for good: the kernel refusing more watches (ENOSPC: the watch limit; EMFILE; logged once), a
//   folder on a file system whose changes may not reach inotify (network and FUSE file systems:
//   only known local ones are trusted), or another platform (no watcher at all).
// Not seen by inotify at all, on any file system: writes through a shared memory mapping. Those
// are as invisible to the stat walk until the file's mtime changes, so nothing is lost against it.
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import type { EngineContext } from '../context';
import type { Roots } from '../roots';

export interface WatchOptions {
  /** Events in one loop turn taken as a possible overflow (default: half of max_queued_events). */
  overflowAt?: number;
  /** How a folder is watched (tests inject failures such as ENOSPC). */
  watch?: (dir: string, listener: (event: string, name: string | null) => void) => nodeFs.FSWatcher;
}

/** File systems whose every local change reaches inotify (statfs f_type). */
const LOCAL_FS = new Set([
  0xef53, // ext2/3/4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0x794c7630, // overlayfs
  0xf2f52010, // f2fs
  0x2fc12fc1, // zfs
  0x3153464a, // jfs
  0x52654973, // reiserfs
]);

const watchers = new WeakMap<EngineContext, DirtyWatch>();

/** The engine's watcher, when it has one. */
export function watcherOf(ctx: EngineContext): DirtyWatch | undefined {
  return watchers.get(ctx);
}

/** Starts the watcher for this engine where the platform allows it (Linux; the engine on the real file system). */
export function startWatching(ctx: EngineContext, options: WatchOptions = {}): void {
  if (process.platform !== 'linux' || watchers.has(ctx)) return;
  watchers.set(ctx, new DirtyWatch(ctx, options));
}

export function stopWatching(ctx: EngineContext): void {
  watchers.get(ctx)?.close();
  watchers.delete(ctx);
}

/**
 * Resolves once the event loop has turned past a poll phase: every inotify event queued before
 * this was called has been dispatched (see the top).
 */
export function barrier(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

function maxQueuedEvents(): number {
  try {
    const n = Number(nodeFs.readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8').trim());
    return Number.isFinite(n) && n > 0 ? n : 16384;
  } catch {
    return 16384;
  }
}

export class DirtyWatch {
  private readonly watches = new Map<string, nodeFs.FSWatcher>();
  /** Watched child folders of each watched folder (to close a moved or deleted tree). */
  private readonly kids = new Map<string, Set<string>>();
  private dirty = new Set<string>();
  /** Why the next seal must walk; undefined: the dirty set is exact. */
  private doubt: string | undefined = 'no full walk yet';
  /** Why watching stopped for good. */
  private disabled: string | undefined;
  private turnEvents = 0;
  private readonly overflowAt: number;
  private readonly watchFn: NonNullable<WatchOptions['watch']>;
  private rootsWalked: Roots | undefined;
  private readonly checkedFs = new Set<string>();
  /** Events seen, possible overflows, and how many catch-ups trusted the dirty set or had to walk (tests, benches). */
  readonly stats = { events: 0, overflows: 0, trusted: 0, walked: 0 };

  constructor(
    private readonly ctx: EngineContext,
    options: WatchOptions,
  ) {
    this.overflowAt = options.overflowAt ?? Math.floor(maxQueuedEvents() / 2);
    this.watchFn = options.watch ?? ((dir, listener) => nodeFs.watch(dir, { persistent: false }, listener));
  }

  /** Why the next seal must walk (undefined: it may trust the dirty set). */
  get uncertain(): string | undefined {
    if (this.disabled) return this.disabled;
    if (this.ctx.readOnly) return 'the store is read-only';
    if (this.rootsWalked !== this.ctx.roots) return 'the workspace folders changed';
    return this.doubt;
  }

  /** Number of folders watched. */
  get size(): number {
    return this.watches.size;
  }

  /** Something may have been missed: the next seal walks. */
  distrust(why: string): void {
    this.doubt ??= why;
  }

  /**
   * The paths that may have changed since the last call, or undefined when the caller must walk
   * every folder instead (then the walk's `beginWalk` resets the state).
   */
  take(): string[] | undefined {
    if (this.uncertain) {
      this.stats.walked++;
      return undefined;
    }
    this.stats.trusted++;
    const d = [...this.dirty];
    this.dirty = new Set();
    return d;
  }

  /** A full walk starts: it sees everything, so what was dirty or in doubt is settled by it. Watches are rebuilt as it lists. */
  beginWalk(): void {
    if (this.disabled) return;
    if (this.doubt !== undefined || this.rootsWalked !== this.ctx.roots) this.closeAll();
    this.dirty = new Set();
    this.doubt = undefined;
    this.rootsWalked = this.ctx.roots;
  }

  /** Called by the walk before it lists `dir` (a tracked folder): watched from now on. */
  watchDir(dir: string): void {
    if (this.disabled || this.watches.has(dir) || this.ctx.readOnly) return;
    if (!this.trustedFs(dir)) return;
    let w: nodeFs.FSWatcher;
    try {
      w = this.watchFn(dir, (event, name) => this.onEvent(dir, event, name));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return; // gone again: its parent reports that
      if (code === 'ENOSPC' || code === 'EMFILE' || code === 'ENFILE' || code === 'ENOMEM') {
        this.disable(`the system's limit of file watches was reached (${code}); every checkpoint walks the folders (raise fs.inotify.max_user_watches to avoid it)`);
      } else this.distrust(`watching ${dir} failed: ${(e as Error).message}`);
      return;
    }
    w.on('error', (e) => {
      this.distrust(`the watch of ${dir} failed: ${e.message}`);
      this.unwatch(dir);
    });
    this.watches.set(dir, w);
    const parent = path.dirname(dir);
    let set = this.kids.get(parent);
    if (!set) this.kids.set(parent, (set = new Set()));
    set.add(dir);
  }

  close(): void {
    this.closeAll();
    this.disabled ??= 'closed';
  }

  /** The workspace folder of folder `dir` and its path inside it ('' for the folder itself). */
  private locateDir(dir: string): { root: { path: string }; rel: string } | undefined {
    const root = this.ctx.roots.list.find((r) => r.path === dir || path.resolve(r.path) === dir);
    return root ? { root, rel: '' } : this.ctx.roots.locate(dir);
  }

  private trustedFs(dir: string): boolean {
    const loc = this.locateDir(dir);
    if (!loc || this.checkedFs.has(loc.root.path)) return !!loc;
    let type: number;
    try {
      type = nodeFs.statfsSync(loc.root.path).type;
    } catch {
      return false; // the walk reports what is wrong with the folder
    }
    if (!LOCAL_FS.has(type)) {
      this.disable(`${loc.root.path} is on a file system whose changes may not all be reported (type 0x${type.toString(16)}); every checkpoint walks the folders`);
      return false;
    }
    this.checkedFs.add(loc.root.path);
    return true;
  }

  private disable(why: string): void {
    if (this.disabled) return;
    this.disabled = why;
    this.ctx.log('warn', `Session Tree: ${why}.`);
    this.closeAll();
  }

  private onEvent(dir: string, event: string, name: string | null): void {
    this.stats.events++;
    if (++this.turnEvents === 1) setImmediate(() => this.endTurn());
    if (name === null || name === '') {
      this.distrust(`an event without a name in ${dir}`);
      return;
    }
    const abs = dir + path.sep + name;
    this.dirty.add(abs);
    if (event !== 'rename') return;
    // Created, deleted or moved (or, for a folder, any change): its watches follow what is there now.
    let st: nodeFs.Stats | undefined;
    try {
      st = nodeFs.lstatSync(abs);
    } catch {
      st = undefined;
    }
    if (this.watches.has(abs) || this.kids.has(abs)) this.unwatch(abs);
    if (st?.isDirectory()) this.watchTree(abs);
  }

  private endTurn(): void {
    if (this.turnEvents >= this.overflowAt) {
      this.stats.overflows++;
      this.distrust(`${this.turnEvents} events at once (the kernel's queue may have overflowed)`);
    }
    this.turnEvents = 0;
  }

  /** Watches a folder that appeared, then lists it and every tracked folder below, each watched before it is listed. */
  private watchTree(top: string): void {
    const stack = [top];
    while (stack.length && !this.disabled) {
      const dir = stack.pop()!;
      const loc = this.locateDir(dir);
      if (!loc || (loc.rel !== '' && this.ctx.tracking.excludedWithAncestors(loc.root.path, loc.rel, true))) continue;
      this.watchDir(dir);
      let entries: nodeFs.Dirent[];
      try {
        entries = nodeFs.readdirSync(dir, { withFileTypes: true });
      } catch {
        continue; // gone again, or unreadable: the seal's walk of the dirty folder says why
      }
      for (const ent of entries) if (ent.isDirectory()) stack.push(dir + path.sep + ent.name);
    }
  }

  /** Closes the watch of `dir` and of every watched folder below it. */
  private unwatch(dir: string): void {
    const stack = [dir];
    while (stack.length) {
      const d = stack.pop()!;
      this.watches.get(d)?.close();
      this.watches.delete(d);
      const below = this.kids.get(d);
      this.kids.delete(d);
      if (below) stack.push(...below);
    }
    this.kids.get(path.dirname(dir))?.delete(dir);
  }

  private closeAll(): void {
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
    this.kids.clear();
  }
}
