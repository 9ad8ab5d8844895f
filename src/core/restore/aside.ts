// Where a restore keeps the file it replaces or removes across the rename or removal (a second
// name, a hard link: an in-place write by another program landing meanwhile is seen there and put
// back, see workspaceWrite.ts). When the store's folder is on the same file system as the file,
// that second name is made in the store's `aside` folder rather than beside the file: the user's
// folders see no extra name, and the unlink that frees the old file's blocks — the costliest step
// of replacing a file on ext4, ~130 µs of a ~300 µs file measured at 30,000 files — runs after the
// restore has returned, in slices, instead of while the caller waits. Elsewhere (another file
// system, no hard links) the second name is made beside the file and removed at once, as before.
//
// What is left in the folder (a restore cut short, an engine stopped first) is only second names
// of files whose bytes are either back in place or stored: the next open removes them.
import * as path from 'node:path';
import type { EngineContext, Fs } from '../context';

/** The folder in the store that holds the second names. */
export const ASIDE_DIR = 'aside';
/** A slice of deferred unlinks stops after this long (ms), and goes on at the next turn. */
const SLICE_MS = 8;

export class Aside {
  /** The folder's device: undefined until first used, null when it cannot be used. */
  private dev: number | null | undefined;
  private released: string[] = [];
  private scheduled = false;
  private n = 0;

  constructor(
    private readonly fs: Fs,
    readonly dir: string,
  ) {}

  /**
   * A second name for `src` (a path through pinned folders; its lstat is `st`) in the store's
   * folder, or undefined where that is not possible (another file system, no hard links there).
   */
  link(src: string, st: { dev: number }, token: string): string | undefined {
    if (this.dev === undefined) {
      try {
        // Not recursive: a store folder removed under the engine is not re-created here.
        if (!this.fs.existsSync(this.dir)) this.fs.mkdirSync(this.dir);
        this.dev = this.fs.statSync(this.dir).dev;
      } catch {
        return undefined; // tried again next time
      }
    }
    if (this.dev === null || st.dev !== this.dev) return undefined;
    const p = path.join(this.dir, `${token}-${(++this.n).toString(36)}`);
    try {
      this.fs.linkSync(src, p);
    } catch {
      return undefined;
    }
    return p;
  }

  /** Whether `p` is a name in this folder. */
  holds(p: string): boolean {
    return path.dirname(p) === this.dir;
  }

  /** `p` is no longer needed: unlinked after the operation returned, a slice at a time. */
  release(p: string): void {
    this.released.push(p);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.slice());
  }

  /** Names released and not unlinked yet (tests). */
  get waiting(): number {
    return this.released.length;
  }

  private slice(): void {
    this.scheduled = false;
    const until = performance.now() + SLICE_MS;
    while (this.released.length > 0 && performance.now() < until) this.unlink(this.released.pop()!);
    if (this.released.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.slice());
    }
  }

  /** Unlinks every released name now (at close). */
  drain(): void {
    while (this.released.length > 0) this.unlink(this.released.pop()!);
  }

  private unlink(p: string): void {
    try {
      this.fs.unlinkSync(p);
    } catch {
      /* gone already; what is left is removed at the next open */
    }
  }

  /** Removes whatever an earlier engine left in the folder (at open, after an interrupted restore is recovered). */
  clearLeftovers(): number {
    let names: string[];
    try {
      names = this.fs.readdirSync(this.dir);
    } catch {
      return 0;
    }
    for (const n of names) this.unlink(path.join(this.dir, n));
    return names.length;
  }
}

const asides = new WeakMap<EngineContext, Aside>();

/** The store's aside folder of `ctx` (see above). */
export function asideOf(ctx: EngineContext): Aside {
  let a = asides.get(ctx);
  if (!a) asides.set(ctx, (a = new Aside(ctx.fs, path.join(ctx.storageDir, ASIDE_DIR))));
  return a;
}
