// Watching the store while it is open: the lock is still this engine's (heartbeat), and the store
// folder and its pack files are still the ones opened. Checked before every save and on a timer.
//
// When the folder or a pack was removed or replaced under the running engine (a user deleting
// workspace storage, a clean-up tool, a backup restored over it), writing on would put snapshots
// into unlinked files and the database into a folder that has none of them: everything recorded
// since would be gone at the next open. Instead the engine starts a sound new store where the old
// one was: it re-creates the folder (a real one; a link is refused), takes the lock there, writes
// every snapshot still readable through its open descriptors into new packs, and saves the whole
// database — then says so. If it cannot (another engine took the new folder, or a link stands
// there) the store becomes read-only with the reason.
//
// A read-only engine (another window holds the store) follows what that window makes durable: it
// looks at the database's files on a timer, applies records appended to the log it read, re-reads
// the whole store when the writer folded its log into a new base, and repaints.
import type { EngineContext } from './context';
import { describeIoError } from './ioErrors';
import type { StoreLock } from './lock';
import { type FileId, pathId, realFolder, sameId } from '../storage/storeFiles';

/** How often a read-only engine looks for what the writing window saved (ms; at most the heartbeat). */
const FOLLOW_MS = 2000;

export class StoreWatch {
  private dirId: FileId | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: EngineContext,
    private readonly lock: StoreLock,
  ) {}

  /** At open: remembers the folder; starts the heartbeat when this engine holds the lock. */
  start(): void {
    this.dirId = pathId(this.ctx.fs, this.ctx.storageDir);
    this.stop();
    if (!this.lock.isHeld) {
      if (!this.ctx.readOnly) return;
      this.timer = setInterval(() => this.follow(), Math.min(FOLLOW_MS, this.lock.heartbeatMs));
      this.timer.unref?.();
      return;
    }
    this.timer = setInterval(() => this.tick(), this.lock.heartbeatMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The timer: a check, and a save when a new store had to be started (so it is sound on disk now). */
  private tick(): void {
    const { ctx } = this;
    if (!ctx.opened || ctx.readOnly) return;
    try {
      if (this.check()) ctx.saveNow();
    } catch (e) {
      ctx.log('error', `Checking the store failed: ${(e as Error).message}`);
    }
  }

  /** A read-only engine: takes in what the writing window saved since it last looked. Returns true when something changed. */
  follow(): boolean {
    const { ctx } = this;
    if (!ctx.opened || !ctx.readOnly || this.lock.isHeld) return false;
    try {
      const r = ctx.storeDb.refresh(ctx.meta.db);
      if (r === 'none') return false;
      if (r !== 'appended') ctx.meta.replaceDb(r);
      // Snapshots written since are in pack records this engine has not indexed.
      if (ctx.openedObjects) {
        ctx.openedObjects.close();
        ctx.openObjects();
      }
      ctx.reload();
    } catch (e) {
      ctx.log('warn', `Reading what the other window saved failed: ${(e as Error).message}`);
      return false;
    }
    ctx.emit({ type: 'changed' });
    return true;
  }

  /**
   * Before a save (and on the timer). Returns true when a new store was started; makes the store
   * read-only (with the reason, and says so) when this engine lost the lock or cannot go on.
   */
  check(): boolean {
    const { ctx, lock } = this;
    if (ctx.readOnly || !lock.isHeld) return false;
    const changed = this.changedUnder();
    if (changed) return this.startOver(changed);
    const beat = lock.beat();
    if (beat === 'lost') {
      lock.drop();
      this.becomeReadOnly(
        'another Session Tree window took this store over while this one was not responding (its lock looked abandoned)',
        true,
      );
    } else if (beat === 'missing') {
      // Only the lock file went (the folder is in place): take it again, or stop if another engine has it.
      if (!lock.retake()) this.becomeReadOnly(ctx.readOnlyReason || 'another Session Tree window has this store', lock.lockedOut !== '');
    }
    return false;
  }

  private changedUnder(): string | undefined {
    const { ctx } = this;
    const now = pathId(ctx.fs, ctx.storageDir);
    if (!now) return `the store folder ${ctx.storageDir} was removed`;
    if (this.dirId && !sameId(now, this.dirId)) return `the store folder ${ctx.storageDir} was replaced`;
    return ctx.openedObjects?.changedUnder();
  }

  private startOver(why: string): boolean {
    const { ctx, lock } = this;
    ctx.log('warn', `${capitalize(why)} while Session Tree was running; starting a new store there.`);
    try {
      ctx.fs.mkdirSync(ctx.storageDir, { recursive: true });
      this.dirId = realFolder(ctx.fs, ctx.storageDir, 'the store folder');
    } catch (e) {
      this.becomeReadOnly(`${why}, and a new store could not be started there (${describeIoError(e, ctx.storageDir, 'write')})`, false, why);
      return false;
    }
    if (!lock.retake()) {
      this.becomeReadOnly(`${why}, and ${ctx.readOnlyReason || 'another window has the new store'}`, lock.lockedOut !== '', why);
      return false;
    }
    let copied = 0;
    let lost: string[] = [];
    if (ctx.openedObjects) {
      try {
        ({ copied, lost } = ctx.openedObjects.rehome());
      } catch (e) {
        this.becomeReadOnly(`${why}, and its snapshots could not be written again (${(e as Error).message})`, false, why);
        return false;
      }
    }
    ctx.storeDb.lostFile();
    const notice =
      `${capitalize(why)} while Session Tree was running. Recording goes on in a new store there: ` +
      `${copied} snapshot${copied === 1 ? '' : 's'} and the whole history were written again` +
      (lost.length ? `; ${lost.length} snapshot${lost.length === 1 ? '' : 's'} could not be read back and are missing (Verify Store lists them)` : '') + '.';
    ctx.log('warn', notice);
    ctx.emit({ type: 'store', readOnly: false, reason: '', lockedOut: false, notice });
    return true;
  }

  private becomeReadOnly(reason: string, lockedOut: boolean, notice?: string): void {
    const { ctx } = this;
    ctx.readOnly = true;
    ctx.readOnlyReason = reason;
    if (lockedOut) this.lock.lockedOut = reason;
    this.stop();
    ctx.log('warn', `The store is read-only now: ${reason}.`);
    ctx.emit({ type: 'store', readOnly: true, reason, lockedOut, notice: notice && `${capitalize(notice)} while Session Tree was running: ${reason}.` });
  }
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
