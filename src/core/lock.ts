// The store lock: one writable engine per store. A second engine (another window, or another
// engine of this process) opens the store read-only and says why.
import * as path from 'node:path';
import type { EngineContext } from './context';
import { describeIoError } from './ioErrors';

/** Lock files held by engines of this thread: a second engine on the same store opens read-only. */
const heldLocks = new Set<string>();

export class StoreLock {
  private readonly file: string;
  private held = false;

  constructor(private readonly ctx: EngineContext) {
    this.file = path.join(ctx.storageDir, 'store.lock');
  }

  /** Takes the lock, or makes the context read-only with the reason. */
  acquire(): void {
    const { ctx } = this;
    const me = JSON.stringify({ pid: process.pid, at: ctx.clock() });
    if (heldLocks.has(path.resolve(this.file))) {
      ctx.readOnly = true;
      ctx.readOnlyReason = 'this workspace\'s store is already open in this window (another Session Tree engine of this process has it)';
      return;
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        ctx.fs.writeFileSync(this.file, me, { flag: 'wx' });
        heldLocks.add(path.resolve(this.file));
        this.held = true;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          // Cannot lock (a read-only or locked-down folder): opening read-only is safe, writing is not.
          ctx.readOnly = true;
          ctx.readOnlyReason = `Session Tree ${describeIoError(e, this.file, 'write')}`;
          return;
        }
      }
      let holder: { pid?: number } = {};
      try {
        holder = JSON.parse(ctx.fs.readFileSync(this.file, 'utf8'));
      } catch {
        holder = {};
      }
      if (holder.pid && holder.pid !== process.pid && pidAlive(holder.pid)) {
        ctx.readOnly = true;
        ctx.readOnlyReason = `another VS Code window (process ${holder.pid}) has this workspace's store open`;
        return;
      }
      ctx.fs.rmSync(this.file, { force: true }); // stale: its process is gone
    }
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    heldLocks.delete(path.resolve(this.file));
    try {
      const holder = JSON.parse(this.ctx.fs.readFileSync(this.file, 'utf8'));
      if (holder.pid === process.pid) this.ctx.fs.rmSync(this.file, { force: true });
    } catch {
      /* nothing to release */
    }
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
