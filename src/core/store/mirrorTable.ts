// The mirror's entries in memory, compact: one slot per path id in typed arrays (33 bytes a file)
// instead of an object and a map entry per file (about 150 bytes). Read as a map: `get` and the
// iterators make the entry objects when asked for (they are the caller's; changing one changes
// nothing here). Iteration is in path id order.
import type { MirrorEntry } from '../model';

const PRESENT = 1;
const RACY = 2;
const UNTRACKED = 4;

export class MirrorTable implements ReadonlyMap<number, MirrorEntry> {
  private flags = new Uint8Array(0);
  private blob = new Uint32Array(0);
  private mode = new Uint32Array(0);
  private fsize = new Float64Array(0);
  private mtime = new Float64Array(0);
  private ino = new Float64Array(0);
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(p: number): boolean {
    return p >= 0 && p < this.flags.length && (this.flags[p] & PRESENT) !== 0;
  }

  get(p: number): MirrorEntry | undefined {
    return this.has(p) ? this.at(p) : undefined;
  }

  private at(p: number): MirrorEntry {
    const f = this.flags[p];
    return {
      blob: this.blob[p], mode: this.mode[p], size: this.fsize[p], mtime: this.mtime[p], ino: this.ino[p],
      racy: (f & RACY) !== 0, untracked: (f & UNTRACKED) !== 0,
    };
  }

  set(p: number, e: MirrorEntry): this {
    if (!Number.isInteger(p) || p < 0) throw new RangeError(`A mirror entry needs a path id, not ${p}.`);
    if (p >= this.flags.length) this.grow(p + 1);
    if (!(this.flags[p] & PRESENT)) this.count++;
    this.flags[p] = PRESENT | (e.racy ? RACY : 0) | (e.untracked ? UNTRACKED : 0);
    this.blob[p] = e.blob;
    this.mode[p] = e.mode;
    this.fsize[p] = e.size;
    this.mtime[p] = e.mtime;
    this.ino[p] = e.ino;
    return this;
  }

  delete(p: number): boolean {
    if (!this.has(p)) return false;
    this.flags[p] = 0;
    this.count--;
    return true;
  }

  clear(): void {
    this.flags = new Uint8Array(0);
    this.blob = new Uint32Array(0);
    this.mode = new Uint32Array(0);
    this.fsize = new Float64Array(0);
    this.mtime = new Float64Array(0);
    this.ino = new Float64Array(0);
    this.count = 0;
  }

  private grow(need: number): void {
    const cap = Math.max(need, Math.ceil(this.flags.length * 1.5), 1024);
    const grown = <T extends Uint8Array | Uint32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.flags = grown(this.flags, (n) => new Uint8Array(n));
    this.blob = grown(this.blob, (n) => new Uint32Array(n));
    this.mode = grown(this.mode, (n) => new Uint32Array(n));
    this.fsize = grown(this.fsize, (n) => new Float64Array(n));
    this.mtime = grown(this.mtime, (n) => new Float64Array(n));
    this.ino = grown(this.ino, (n) => new Float64Array(n));
  }

  *keys(): MapIterator<number> {
    // A slot set or cleared while iterating is seen as it is when reached (as with a Map's own keys).
    for (let p = 0; p < this.flags.length; p++) if (this.flags[p] & PRESENT) yield p;
  }

  *values(): MapIterator<MirrorEntry> {
    for (const p of this.keys()) yield this.at(p);
  }

  *entries(): MapIterator<[number, MirrorEntry]> {
    for (const p of this.keys()) yield [p, this.at(p)];
  }

  [Symbol.iterator](): MapIterator<[number, MirrorEntry]> {
    return this.entries();
  }

  forEach(fn: (value: MirrorEntry, key: number, map: ReadonlyMap<number, MirrorEntry>) => void, thisArg?: unknown): void {
    for (const [p, e] of this.entries()) fn.call(thisArg, e, p, this);
  }
}
