// The store lock: one writable engine per store. A second engine (another window, or another
// engine of this process) opens the store read-only and says why.
//
// `store.lock` names the engine that holds it: {pid, startedAt, id (random), host}. Its mtime is
// the heartbeat: the holder touches it every `lockHeartbeatMs` (and before each save). A lock is
// stale when its process is gone, or when its heartbeat is older than `lockStaleMs` whatever the
// pid says (a pid reused by an unrelated process). Taking it:
//   1. create it exclusively (`wx`: O_CREAT|O_EXCL, which never follows a link; a lock still
//      empty or unreadable and recent counts as held);
//   2. held by a live engine: read-only, with who holds it;
//   3. stale: rename it aside under a unique name, check that what was moved aside is the lock
//      judged stale (a racing opener may have replaced it: then it is linked back), remove it, and
//      go to 1. After creating, re-read: only the engine whose id is in the file holds the lock.
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EngineContext } from './context';
import { describeIoError } from './ioErrors';

export const LOCK_FILE = 'store.lock';
export const DEFAULT_HEARTBEAT_MS = 10_000;
export const DEFAULT_STALE_MS = 60_000;

export interface LockHolder {
  pid: number;
  startedAt: number;
  id: string;
  host?: string;
  heartbeatAt: number;
}

/** Lock files held by engines of this thread: a second engine on the same store opens read-only. */
const heldLocks = new Set<string>();

type Fs = EngineContext['fs'];

/** What a lock file says now: missing, held by a live engine, or stale (with why). */
export type LockState =
  | { state: 'free' }
  | { state: 'held'; holder: LockHolder; sameProcess: boolean }
  | { state: 'stale'; holder: LockHolder | undefined; why: string; raw: string };

export function readLock(fs: Fs, file: string, staleMs = DEFAULT_STALE_MS): LockState & { raw?: string } {
  let raw: string;
  let mtime: number;
  try {
    const st = fs.lstatSync(file);
    mtime = st.mtimeMs;
    if (!st.isFile()) return { state: 'stale', holder: undefined, why: 'it is not a regular file', raw: '' };
    raw = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'free' };
    throw e;
  }
  let holder: LockHolder | undefined;
  try {
    const j = JSON.parse(raw) as Partial<LockHolder> & { at?: number };
    if (typeof j.pid === 'number') {
      holder = { pid: j.pid, startedAt: j.startedAt ?? j.at ?? 0, id: typeof j.id === 'string' ? j.id : '', host: j.host, heartbeatAt: mtime };
    }
  } catch {
    holder = undefined;
  }
  const age = Math.abs(Date.now() - mtime);
  if (!holder) {
    // Unreadable: being written by an engine of another version, or left half-written long ago.
    return age > staleMs ? { state: 'stale', holder, why: 'it is unreadable and old', raw } : { state: 'held', holder: { pid: 0, startedAt: 0, id: '', heartbeatAt: mtime }, sameProcess: false, raw };
  }
  if (!pidAlive(holder.pid)) return { state: 'stale', holder, why: `process ${holder.pid} is gone`, raw };
  if (age > staleMs) return { state: 'stale', holder, why: `its heartbeat is ${Math.round(age / 1000)} s old`, raw };
  return { state: 'held', holder, sameProcess: holder.pid === process.pid, raw };
}

/** Whether the store in `storageDir` could be taken now (free, or its lock stale): for the read-only window's poll. */
export function lockAvailable(fs: Fs, storageDir: string, staleMs = DEFAULT_STALE_MS): boolean {
  try {
    return readLock(fs, path.join(storageDir, LOCK_FILE), staleMs).state !== 'held';
  } catch {
    return false;
  }
}

export class StoreLock {
  private readonly file: string;
  private held = false;
  readonly id = randomBytes(12).toString('hex');
  private readonly startedAt = Date.now();
  private lastBeat = 0;
  /** Why the store is read-only because of the lock (another engine has it), or ''. */
  lockedOut = '';

  constructor(private readonly ctx: EngineContext) {
    this.file = path.join(ctx.storageDir, LOCK_FILE);
  }

  get isHeld(): boolean {
    return this.held;
  }

  get heartbeatMs(): number {
    return this.ctx.options.lockHeartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  }

  private get staleMs(): number {
    return this.ctx.options.lockStaleMs ?? DEFAULT_STALE_MS;
  }

  /** Takes the lock, or makes the context read-only with the reason. */
  acquire(): void {
    const { ctx } = this;
    this.lockedOut = '';
    if (heldLocks.has(path.resolve(this.file))) {
      this.readOnly('this workspace\'s store is already open in this window (another Session Tree engine of this process has it)');
      return;
    }
    for (let attempt = 0; attempt < 8; attempt++) {
      try {
        if (this.create()) {
          heldLocks.add(path.resolve(this.file));
          this.held = true;
          this.lastBeat = Date.now();
          return;
        }
        // Created, but another opener's lock is in the file now: it won.
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          // Cannot lock (a read-only or locked-down folder): opening read-only is safe, writing is not.
          ctx.readOnly = true;
          ctx.readOnlyReason = `Session Tree ${describeIoError(e, this.file, 'write')}`;
          return;
        }
      }
      let now: ReturnType<typeof readLock>;
      try {
        now = readLock(ctx.fs, this.file, this.staleMs);
      } catch (e) {
        ctx.readOnly = true;
        ctx.readOnlyReason = `Session Tree ${describeIoError(e, this.file, 'read')}`;
        return;
      }
      if (now.state === 'free') continue;
      if (now.state === 'held' && now.holder.id === this.id) {
        // Ours after all (a racing opener held it aside while this one confirmed).
        heldLocks.add(path.resolve(this.file));
        this.held = true;
        this.lastBeat = Date.now();
        return;
      }
      if (now.state === 'held') {
        this.readOnly(describeHolder(now.holder, now.sameProcess));
        return;
      }
      if (this.takeAside(now.raw)) ctx.log('info', `Took over the store lock: ${now.why}.`);
      else sleep(2 + attempt * 3);
    }
    const last = safeRead(ctx.fs, this.file, this.staleMs);
    this.readOnly(last?.state === 'held' ? describeHolder(last.holder, last.sameProcess) : 'another Session Tree window is opening this store at the same moment');
  }

  private readOnly(why: string): void {
    this.ctx.readOnly = true;
    this.ctx.readOnlyReason = why;
    this.lockedOut = why;
  }

  /**
   * Creates the lock file exclusively; true when it then holds this engine's id. Throws EEXIST when
   * one is there. The lock appears whole: its text is written to a file of its own first, then
   * hard-linked into place (a link, like O_EXCL, fails when the name exists and never follows one),
   * so an opener killed half-way leaves no empty lock that would make the next open read-only for
   * the stale time — only a temp file, removed by the next open. Where the file system has no hard
   * links, the lock is created with O_CREAT|O_EXCL and written (a reader that finds it still empty
   * takes it for held: see `readLock`).
   */
  private create(): boolean {
    const { fs } = this.ctx;
    const me: LockHolder = { pid: process.pid, startedAt: this.startedAt, id: this.id, host: os.hostname(), heartbeatAt: Date.now() };
    const tmp = `${this.file}.new-${this.id}`;
    this.removeLeftovers();
    let linked = false;
    try {
      fs.writeFileSync(tmp, JSON.stringify(me), { flag: 'wx' });
      fs.linkSync(tmp, this.file);
      linked = true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EXDEV') throw e;
    } finally {
      try {
        fs.unlinkSync(tmp);
      } catch {
        // Not made, or removed already.
      }
    }
    if (!linked) fs.writeFileSync(this.file, JSON.stringify(me), { flag: 'wx' });
    return this.confirm();
  }

  /** Temp files of openers killed between writing their lock's text and linking it (older than a minute). */
  private removeLeftovers(): void {
    const { fs } = this.ctx;
    const dir = path.dirname(this.file);
    const prefix = `${path.basename(this.file)}.new-`;
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      try {
        const file = path.join(dir, name);
        const st = fs.lstatSync(file);
        if (st.isFile() && Date.now() - st.mtimeMs > 60_000) fs.unlinkSync(file);
      } catch {
        // Gone already, or not ours to remove.
      }
    }
  }

  /** After creating: is the file ours? A racing opener may hold it aside for a moment (see `takeAside`). */
  private confirm(): boolean {
    for (let i = 0; i < 50; i++) {
      let raw: string;
      try {
        raw = this.ctx.fs.readFileSync(this.file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        sleep(2);
        continue;
      }
      return raw.includes(`"id":"${this.id}"`);
    }
    return false;
  }

  /**
   * Moves a stale lock (whose text is `raw`) out of the way. Returns false when the file had
   * changed in the meantime (another opener took it: it is put back).
   */
  private takeAside(raw: string): boolean {
    const { fs } = this.ctx;
    const aside = `${this.file}.stale-${randomBytes(6).toString('hex')}`;
    try {
      fs.renameSync(this.file, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    let moved = '';
    try {
      // Not a regular file (a link planted as the lock): never an opener's lock, and never read through.
      if (!fs.lstatSync(aside).isFile()) {
        fs.rmSync(aside, { force: true });
        return true;
      }
      moved = fs.readFileSync(aside, 'utf8');
    } catch {
      moved = '';
    }
    if (moved !== raw) {
      // Not the lock judged stale: a racing opener's fresh one. Back in place (unless another is there now).
      try {
        fs.linkSync(aside, this.file);
      } catch {
        /* its holder finds it gone at its next heartbeat and stops writing */
      }
      fs.rmSync(aside, { force: true });
      return false;
    }
    fs.rmSync(aside, { force: true });
    return true;
  }

  /**
   * The heartbeat (and the check before a save): is the lock still this engine's? Touches it when it
   * is. 'lost': another engine holds it now; 'missing': the lock file (or the store folder) is gone.
   */
  beat(force = false): 'ok' | 'lost' | 'missing' | 'not-held' {
    if (!this.held) return 'not-held';
    const { fs } = this.ctx;
    let raw: string;
    try {
      raw = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      return 'ok'; // unreadable for a moment: not a reason to stop recording
    }
    if (!raw.includes(`"id":"${this.id}"`)) return 'lost';
    const now = Date.now();
    if (force || now - this.lastBeat >= this.heartbeatMs / 2) {
      try {
        fs.utimesSync(this.file, now / 1000, now / 1000);
        this.lastBeat = now;
      } catch {
        /* the next beat tries again */
      }
    }
    return 'ok';
  }

  /** Takes the lock again in a re-created store folder; false when another engine has it there. */
  retake(): boolean {
    if (this.held && this.beat(true) === 'ok') return true; // the lock file is still there and ours
    this.held = false;
    heldLocks.delete(path.resolve(this.file));
    const before = { readOnly: this.ctx.readOnly, reason: this.ctx.readOnlyReason };
    this.ctx.readOnly = false;
    this.acquire();
    if (this.held) return true;
    if (!this.ctx.readOnly) Object.assign(this.ctx, { readOnly: before.readOnly, readOnlyReason: before.reason });
    return false;
  }

  /** This engine no longer holds the lock (another took it over): forget it without removing anything. */
  drop(): void {
    this.held = false;
    heldLocks.delete(path.resolve(this.file));
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    heldLocks.delete(path.resolve(this.file));
    try {
      const raw = this.ctx.fs.readFileSync(this.file, 'utf8');
      if (raw.includes(`"id":"${this.id}"`)) this.ctx.fs.rmSync(this.file, { force: true });
    } catch {
      /* nothing to release */
    }
  }
}

function describeHolder(holder: LockHolder, sameProcess: boolean): string {
  if (sameProcess) return 'this workspace\'s store is already open in this window (another Session Tree engine of this process has it)';
  if (!holder.pid) return 'another VS Code window is opening this workspace\'s store';
  return `another VS Code window (process ${holder.pid}) has this workspace's store open`;
}

function safeRead(fs: Fs, file: string, staleMs: number): LockState | undefined {
  try {
    return readLock(fs, file, staleMs);
  } catch {
    return undefined;
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
