// The snapshot store (`ObjectStore`): the object index (objectIndex.ts: put, get, where each object
// is) and the maintenance of its packs here — verify, salvage, whole and pack-by-pack gc, rehome.
// Each rewrite makes the new copies durable before an old pack is removed: a crash midway leaves
// duplicates (the newest copy wins when packs are read), never a loss.
import { MAX_DEPTH } from './codec';
import { ObjectIndex } from './objectIndex';
import type { DetachedPacks, Pack } from './packfile';
import { CODEC_DELTA, type Header, sha256 } from './record';

export type { Fs } from './files';
export { ObjectCorruptError, type ObjectStoreOptions } from './objectIndex';
export { sha256 } from './record';

export class ObjectStore extends ObjectIndex {
  /** Checks every object (reading each from disk); returns the hashes that are missing or damaged. */
  verify(onProgress?: (done: number, total: number) => void): string[] {
    this.writeOut();
    const bad: string[] = [];
    let done = 0;
    // In pack order, so each group is inflated once.
    const order = [...this.index.entries()].sort((a, b) => a[1].pack - b[1].pack || a[1].offset - b[1].offset).map(([h]) => h);
    for (const hash of order) {
      try {
        this.readFromPack(hash, this.index.get(hash)!);
      } catch {
        bad.push(hash);
      }
      if (++done % 1000 === 0) onProgress?.(done, this.index.size);
    }
    return bad;
  }

  /**
   * Looks through every pack for good copies of `wanted` objects other than the indexed one (a
   * pack can hold duplicates: a compaction cut short, a record appended twice) and indexes them.
   * Returns the hashes it found a good copy of.
   */
  salvage(wanted: Set<string>): Set<string> {
    this.writeOut();
    const found = new Set<string>();
    if (wanted.size === 0) return found;
    const tryCopy = (pack: Pack, h: Header, offset: number) => {
      if (!wanted.has(h.hash) || found.has(h.hash) || offset + h.stored > pack.size) return;
      try {
        if (sha256(this.decodeAt(pack, h, offset)) === h.hash) {
          this.index.set(h.hash, { pack: pack.id, offset, stored: h.stored, raw: h.raw, codec: h.codec, depth: h.depth });
          this.cache.drop(h.hash);
          found.add(h.hash);
        }
      } catch {
        /* this copy is damaged too */
      }
    };
    for (const pack of this.packs.all) {
      // Walk the headers in the pack, and (past a damaged one) the copies of them in the index.
      this.packs.scan(pack, tryCopy);
      this.packs.scanIndex(pack, tryCopy);
    }
    return found;
  }

  /** Every `live` object's bytes (and the base it stays a delta on), bases before their deltas. */
  private collect(live: (hash: string) => boolean, onUnreadable?: (hash: string) => void): (readonly [string, Buffer, string | undefined])[] {
    const out: (readonly [string, Buffer, string | undefined])[] = [];
    const order = [...this.index.entries()]
      .filter(([h]) => live(h))
      .sort((a, b) => (a[1].codec === CODEC_DELTA ? a[1].depth : 0) - (b[1].codec === CODEC_DELTA ? b[1].depth : 0) || a[1].pack - b[1].pack || a[1].offset - b[1].offset);
    for (const [h] of order) {
      let data: Buffer;
      try {
        data = this.get(h, true);
      } catch (e) {
        if (!onUnreadable) throw e;
        onUnreadable(h);
        continue;
      }
      const base = this.baseOf(h);
      out.push([h, data, base !== undefined && live(base) ? base : undefined] as const);
    }
    return out;
  }

  /** Stores `keep` into fresh packs (after `packs.detach()` or `startOver()`); on failure back to `old`. */
  private rewrite(keep: (readonly [string, Buffer, string | undefined])[], old: DetachedPacks): void {
    const oldIndex = new Map(this.index);
    this.index.clear();
    this.groupCache.clear();
    try {
      for (const [h, data, base] of keep) this.putWithHash(h, data, base);
      this.flush();
    } catch (e) {
      // Back to the old packs, which were never touched; the partly written new one goes.
      this.packs.restore(old);
      this.index.clear();
      for (const [h, loc] of oldIndex) this.index.set(h, loc);
      this.batch.reset();
      this.groupCache.clear();
      throw e;
    }
  }

  /**
   * Rewrites the packs keeping only `live` objects. The new pack is complete and durable before
   * any old pack is removed, so a crash midway leaves duplicates, never losses.
   */
  gc(live: (hash: string) => boolean): { removed: number; freedBytes: number } {
    this.flush();
    const dead = [...this.index.keys()].filter((h) => !live(h));
    if (dead.length === 0) return { removed: 0, freedBytes: 0 };
    const before = this.diskSize();
    const keep = this.collect(live);
    const old = this.packs.detach();
    this.rewrite(keep, old);
    this.packs.remove(old);
    return { removed: dead.length, freedBytes: Math.max(0, before - this.diskSize()) };
  }

  /**
   * Garbage per pack: bytes of objects `live` does not keep (a group member's share of its group),
   * and the pack's size. Objects a live delta is stored on count as live.
   */
  garbageByPack(live: (hash: string) => boolean): { pack: number; size: number; dead: number }[] {
    this.writeOut();
    const keep = this.keepSet(live);
    const out = new Map<number, { pack: number; size: number; dead: number }>();
    for (const p of this.packs.all) out.set(p.id, { pack: p.id, size: p.size, dead: 0 });
    for (const [h, loc] of this.index) {
      if (loc.pack < 0 || keep.has(h)) continue;
      const g = out.get(loc.pack);
      if (g) g.dead += this.storedSize(h) ?? loc.stored;
    }
    return [...out.values()];
  }

  /**
   * The live objects, and the bases kept objects are stored on in another pack (transitively): a
   * pack rewrite stores its own objects again on a kept base, but leaves other packs as they are.
   */
  private keepSet(live: (hash: string) => boolean): Set<string> {
    const keep = new Set<string>();
    for (const h of this.index.keys()) if (live(h)) keep.add(h);
    const queue = [...keep];
    while (queue.length) {
      const h = queue.pop()!;
      const b = this.baseOf(h);
      if (b === undefined || keep.has(b) || !this.index.has(b) || this.index.get(b)!.pack === this.index.get(h)!.pack) continue;
      keep.add(b);
      queue.push(b);
    }
    return keep;
  }

  /**
   * The nearest live object on `hash`'s delta chain (to store it on again), or undefined. Never a
   * base kept only for another pack's deltas: once nothing is stored on it, a later step frees it.
   */
  private liveBase(hash: string, live: (hash: string) => boolean): string | undefined {
    for (let b = this.baseOf(hash), n = 0; b !== undefined && n <= MAX_DEPTH; b = this.baseOf(b), n++) if (live(b)) return b;
    return undefined;
  }

  /**
   * One step of incremental gc: the kept objects of one pack are copied to the pack being appended
   * to, made durable, and only then is the old pack removed — a crash at any point leaves
   * duplicates (the newest copy wins when packs are read), never a loss. Returns what it freed.
   */
  gcPack(packId: number, live: (hash: string) => boolean): { removed: number; freedBytes: number } {
    this.flush();
    const pack = this.packs.all.find((p) => p.id === packId);
    if (!pack) return { removed: 0, freedBytes: 0 };
    const keep = this.keepSet(live);
    const inPack = [...this.index.entries()].filter(([, loc]) => loc.pack === packId);
    const moving = inPack.filter(([h]) => keep.has(h))
      .sort((a, b) => (a[1].codec === CODEC_DELTA ? a[1].depth : 0) - (b[1].codec === CODEC_DELTA ? b[1].depth : 0) || a[1].offset - b[1].offset);
    // Read before anything changes; each is stored again on the nearest live base of its chain.
    const copies = moving.map(([h]) => [h, this.get(h, true), this.liveBase(h, live)] as const);
    const before = this.diskSize();
    const oldLocs = new Map(inPack);
    // New records never go to the pack being emptied.
    if (this.packs.current === pack) this.packs.current = undefined;
    try {
      for (const [h] of inPack) this.index.delete(h);
      this.groupCache.clear();
      for (const [h, data, base] of copies) this.putWithHash(h, data, base !== undefined && this.index.has(base) ? base : undefined);
      this.flush();
    } catch (e) {
      // The old pack was never touched: its objects are indexed there again.
      this.batch.reset();
      for (const [h, loc] of oldLocs) if (!this.index.has(h) || this.index.get(h)!.pack === -1) this.index.set(h, loc);
      throw e;
    }
    for (const [h] of inPack) if (!keep.has(h)) this.cache.drop(h);
    this.packs.removePack(pack);
    return { removed: inPack.length - moving.length, freedBytes: Math.max(0, before - this.diskSize()) };
  }

  /**
   * The folder or packs were removed or replaced under the store: every object still readable
   * through the open descriptors is written again into new packs in a re-created folder, and made
   * durable. Returns how many were copied and which could not be read.
   */
  rehome(): { copied: number; lost: string[] } {
    this.writeOut(); // what waits in the batch reaches the old pack first: read back below with the rest
    const lost: string[] = [];
    const keep = this.collect(() => true, (h) => lost.push(h));
    const old = this.packs.startOver();
    this.rewrite(keep, old);
    this.packs.closeDetached(old);
    return { copied: keep.length, lost };
  }
}
