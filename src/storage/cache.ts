// Decoded objects kept in memory (a delta's base, a checkpoint's before/after versions), by hash:
// up to 16 MiB of them, the least recently used going first.
import { sha256 } from './record';

const CACHE_BYTES = 16 * 1024 * 1024;
const CACHE_MAX_OBJECT = 1 << 20;

export class ObjectCache {
  private readonly copies = new Map<string, Buffer>();
  private bytes = 0;

  /** Keeps a copy of an object (checked against its hash by the caller), unless it is large. */
  remember(hash: string, data: Buffer): void {
    if (data.length > CACHE_MAX_OBJECT || this.copies.has(hash)) return;
    this.copies.set(hash, data);
    this.bytes += data.length;
    while (this.bytes > CACHE_BYTES) {
      const [k, v] = this.copies.entries().next().value!;
      this.copies.delete(k);
      this.bytes -= v.length;
    }
  }

  /**
   * The copy of an object, if one is kept; checked against its hash again unless `trusted` (a copy
   * spoilt in memory is dropped). It becomes the most recently used.
   */
  get(hash: string, trusted: boolean): Buffer | undefined {
    const hit = this.copies.get(hash);
    if (!hit) return undefined;
    this.copies.delete(hash);
    if (trusted || sha256(hit) === hash) {
      this.copies.set(hash, hit); // most recently used last
      return hit;
    }
    this.bytes -= hit.length;
    return undefined;
  }

  drop(hash: string): void {
    const c = this.copies.get(hash);
    if (c) {
      this.copies.delete(hash);
      this.bytes -= c.length;
    }
  }
}
