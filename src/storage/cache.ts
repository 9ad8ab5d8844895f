// Decoded objects kept in memory (a delta's base, a checkpoint's before/after versions), by hash:
// up to 16 MiB of them, the least recently used going first; all dropped once unused for a while
// (at rest the engine keeps no copies: reading one again costs a pack read).
import { sha256 } from './record';

const CACHE_BYTES = 16 * 1024 * 1024;
const CACHE_MAX_OBJECT = 1 << 20;
/** Copies are dropped after this long without a use (ms). */
export const CACHE_IDLE_MS = 5_000;

export class ObjectCache {
  private readonly copies = new Map<string, Buffer>();
  private bytes = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private usedSinceTimer = false;

  constructor(private readonly idleMs = CACHE_IDLE_MS) {}

  /** Bytes of the copies kept now. */
  get size(): number {
    return this.bytes;
  }

  /** Drops every copy. */
  clear(): void {
    this.copies.clear();
    this.bytes = 0;
  }

  /** A use: the copies stay until `idleMs` pass without one. */
  private touch(): void {
    this.usedSinceTimer = true;
    if (this.idleTimer) return;
    const tick = () => {
      if (this.usedSinceTimer && this.copies.size > 0) {
        this.usedSinceTimer = false;
        this.idleTimer = setTimeout(tick, this.idleMs);
        this.idleTimer.unref?.();
        return;
      }
      this.idleTimer = undefined;
      this.clear();
    };
    this.usedSinceTimer = false;
    this.idleTimer = setTimeout(tick, this.idleMs);
    this.idleTimer.unref?.();
  }

  /** Keeps a copy of an object (checked against its hash by the caller), unless it is large. */
  remember(hash: string, data: Buffer): void {
    if (data.length > CACHE_MAX_OBJECT || this.copies.has(hash)) return;
    this.touch();
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
    this.touch();
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
