// The object index of the snapshot store: content-addressed objects (file versions, state
// manifests) in append-only pack files beside the database — which object (by sha256) is where, in
// a pack record or still waiting in the write batch — and putting and getting them (always checked
// against the hash). The maintenance of the packs (verify, salvage, gc, rehome) is `ObjectStore` in
// objects.ts. The parts it is made of: record.ts (the record format), codec.ts (compression and
// deltas), packfile.ts (the pack files), batch.ts (objects not yet in a record, and groups),
// cache.ts (decoded objects in memory).
import * as nodeFs from 'node:fs';
import { WriteBatch } from './batch';
import { ObjectCache } from './cache';
import { DELTA_MAX_BASE, DELTA_MIN, MAX_DEPTH, decodeRecord, encodeDelta, encodeSingleSteps, inflatePrefix, prefixCut } from './codec';
import type { Fs } from './files';
import { type Pack, PackFiles } from './packfile';
import { CODEC_DELTA, CODEC_GROUP, CODEC_MEMBER, HEADER, type Header, MEMBER_REF, deltaBase, makeHeader, parseHeader, refGroupAt, sha256, sha256Steps } from './record';

/** Group payloads kept in memory (reading a member inflates its group). */
const GROUP_CACHE = 8;
/** Objects up to this size are stored by `putSteps` in one go (compressing them takes a few ms). */
const STEPS_FROM = 512 * 1024;

export class ObjectCorruptError extends Error {
  constructor(readonly hash: string, message: string) {
    super(message);
    this.name = 'ObjectCorruptError';
  }
}

export interface Location {
  pack: number; // -1: not written yet (its bytes are in the batch's `pending`)
  offset: number; // of the data, after the header
  stored: number;
  raw: number;
  codec: number;
  depth: number;
}

export interface ObjectStoreOptions {
  fs?: Fs;
  /** zlib level for new objects (1 = fastest; default 4). */
  level?: number;
  readOnly?: boolean;
  /** Deflate full groups on a helper thread while the caller goes on (a first snapshot, a large scan). */
  parallel?: boolean;
}

/** Where each object is, and putting and getting objects; extended by `ObjectStore` (objects.ts). */
export class ObjectIndex {
  private readonly level: number;
  readonly readOnly: boolean;
  protected readonly index = new Map<string, Location>();
  protected readonly packs: PackFiles;
  protected readonly batch: WriteBatch;
  /** Objects were stored since the last fsync. */
  private dirty = false;
  protected readonly cache = new ObjectCache();
  protected readonly groupCache = new Map<string, Buffer>();
  /** What opening the store found and mended. */
  readonly diagnostics: string[];
  /**
   * Buffer writes that failed so far, and the last error: a caller that stored objects can tell
   * whether any of them was forgotten since (even when the failure surfaced somewhere else).
   */
  writeFailures = 0;
  lastWriteError: unknown;

  constructor(readonly dir: string, options: ObjectStoreOptions = {}) {
    this.level = options.level ?? 4;
    this.readOnly = options.readOnly ?? false;
    this.packs = new PackFiles(dir, options.fs ?? nodeFs, this.readOnly, (pack, hashes, error) => this.writeFailed(pack, hashes, error));
    this.diagnostics = this.packs.diagnostics;
    this.batch = new WriteBatch(
      {
        append: (hash, raw, stored, codec, depth) => this.appendRecord(hash, raw, stored, codec, depth),
        reserve: (bytes) => this.packs.reserve(bytes),
        lost: (hash) => {
          if (this.index.get(hash)?.pack === -1) this.forget(hash);
        },
      },
      this.level,
      options.parallel ?? false,
    );
    this.packs.load(
      (pack, h, offset) => {
        // The newest copy wins: a copy is only written again when the earlier one was damaged (Repair).
        if (h.codec !== CODEC_GROUP) this.index.set(h.hash, { pack: pack.id, offset, stored: h.stored, raw: h.raw, codec: h.codec, depth: h.depth });
      },
      (pack, h, offset) => {
        try {
          const data = this.decodeAt(pack, h, offset);
          // A group is whole when it inflates to its length; its members are checked one by one.
          return h.codec === CODEC_GROUP || sha256(data) === h.hash;
        } catch {
          return false;
        }
      },
    );
  }

  get count(): number {
    return this.index.size;
  }

  has(hash: string): boolean {
    return this.index.has(hash);
  }

  hashes(): IterableIterator<string> {
    return this.index.keys();
  }

  /** Stored size of an object in bytes (compressed; a group member's share of its group), or undefined. */
  storedSize(hash: string): number | undefined {
    const loc = this.index.get(hash);
    if (!loc) return undefined;
    if (loc.codec !== CODEC_MEMBER || loc.pack < 0) return loc.stored;
    try {
      const pack = this.packs.packOf(loc.pack);
      const ref = this.packs.read(pack, loc.offset, MEMBER_REF);
      const g = parseHeader(this.packs.read(pack, refGroupAt(ref), HEADER));
      return g && g.raw ? loc.stored + Math.round((g.stored * loc.raw) / g.raw) : loc.stored;
    } catch {
      return loc.stored;
    }
  }

  rawSize(hash: string): number | undefined {
    return this.index.get(hash)?.raw;
  }

  /** The bytes a record stands for (a group's payload for a group), unchecked. */
  protected decodeAt(pack: Pack, h: Header, offset: number): Buffer {
    return decodeRecord(h, this.packs.read(pack, offset, h.stored), {
      base: (hash) => this.get(hash),
      group: (groupAt, need) => this.groupPayload(pack, groupAt, need),
    });
  }

  /**
   * A group's uncompressed payload, at least its first `need` bytes (a few are kept in memory). A
   * member early in its group needs only the start of the stream inflated: on average about half.
   */
  private groupPayload(pack: Pack, groupAt: number, need: number): Buffer {
    const key = `${pack.id}:${groupAt}`;
    const hit = this.groupCache.get(key);
    if (hit && hit.length >= need) return hit;
    const g = groupAt + HEADER <= pack.size + this.packs.buffered ? parseHeader(this.packs.read(pack, groupAt, HEADER)) : undefined;
    if (!g || g.codec !== CODEC_GROUP) throw new Error('its group record is missing or damaged');
    let payload: Buffer | undefined;
    // A prefix only for a first read of this group (reads in order, as Verify Store's, take it whole next).
    if (need < g.raw && !hit) {
      const cut = prefixCut(need, g.raw, g.stored);
      if (cut < g.stored) {
        try {
          const part = inflatePrefix(this.packs.read(pack, groupAt + HEADER, cut));
          if (part.length >= need) payload = part;
        } catch {
          /* inflate it whole below */
        }
      }
    }
    payload ??= this.decodeAt(pack, g, groupAt + HEADER);
    if (this.groupCache.size >= GROUP_CACHE) this.groupCache.delete(this.groupCache.keys().next().value!);
    this.groupCache.set(key, payload);
    return payload;
  }

  /**
   * Stores bytes; returns their sha256 (hex). Storing what is already there costs a hash. `base`:
   * the hash of a likely similar object (the file's previous version), stored as a delta on it
   * when that is clearly smaller.
   */
  put(data: Uint8Array, base?: string): string {
    const hash = sha256(data);
    this.putWithHash(hash, data, base);
    return hash;
  }

  putWithHash(hash: string, data: Uint8Array, base?: string): void {
    if (this.index.has(hash)) return;
    if (this.readOnly) throw new Error('The snapshot store is read-only.');
    const buf = Buffer.from(Buffer.from(data.buffer, data.byteOffset, data.byteLength)); // own copy
    // A new version of a file: its line counts read it next. (A first snapshot is not kept.)
    if (base !== undefined) this.cache.remember(hash, buf);
    const delta = base !== undefined ? this.tryDelta(buf, base) : undefined;
    if (delta) {
      this.batch.addDelta(hash, buf, delta.stored, delta.depth);
      this.index.set(hash, { pack: -1, offset: 0, stored: delta.stored.length, raw: buf.length, codec: CODEC_DELTA, depth: delta.depth });
    } else if (this.batch.add(hash, buf)) {
      this.index.set(hash, { pack: -1, offset: 0, stored: 0, raw: buf.length, codec: CODEC_MEMBER, depth: 0 });
    }
    this.dirty = true;
    this.packs.writeIfFull();
  }

  /**
   * `put` in steps for a large object (a session's first state on a large workspace: megabytes),
   * whose hashing and compression would hold the thread for hundreds of milliseconds: `due` is asked
   * between pieces and the generator yields when it says so. Smaller objects are stored as `put`
   * stores them.
   */
  *putSteps(data: Uint8Array, due: () => boolean): Generator<void, string, void> {
    const hash = yield* sha256Steps(data, due);
    if (data.length <= STEPS_FROM) {
      this.putWithHash(hash, data);
      return hash;
    }
    if (this.index.has(hash)) return hash;
    if (this.readOnly) throw new Error('The snapshot store is read-only.');
    const buf = Buffer.from(Buffer.from(data.buffer, data.byteOffset, data.byteLength)); // own copy
    const { codec, stored } = yield* encodeSingleSteps(buf, this.level, due);
    if (this.index.has(hash)) return hash;
    this.batch.addEncoded(hash, buf.length, codec, stored);
    this.dirty = true;
    this.packs.writeIfFull();
    return hash;
  }

  /** The delta encoding of `data` on `base`, when it is clearly smaller than `data` compressed alone. */
  private tryDelta(data: Buffer, base: string): { stored: Buffer; depth: number } | undefined {
    const loc = this.index.get(base);
    if (!loc || data.length < DELTA_MIN || loc.raw < DELTA_MIN || loc.raw > DELTA_MAX_BASE || data.length > DELTA_MAX_BASE) return undefined;
    const depth = (loc.codec === CODEC_DELTA ? loc.depth : 0) + 1;
    if (depth > MAX_DEPTH) return undefined;
    let baseData: Buffer;
    try {
      baseData = this.get(base, true);
    } catch {
      return undefined; // a damaged base: store the object whole
    }
    const stored = encodeDelta(data, base, baseData, this.level);
    return stored && { stored, depth };
  }

  /** A record appended for the batch: indexed where it will be (a group record only names its members). */
  private appendRecord(hash: string, raw: number, stored: Buffer, codec: number, depth: number): number {
    const start = this.packs.append(makeHeader(hash, raw, stored.length, codec, depth), stored);
    if (codec !== CODEC_GROUP) this.index.set(hash, { pack: this.packs.current!.id, offset: start + HEADER, stored: stored.length, raw, codec, depth });
    return start;
  }

  /** A buffer write failed: the objects it held are forgotten rather than indexed at offsets that hold nothing. */
  private writeFailed(pack: Pack, hashes: string[], error: unknown): void {
    for (const h of hashes) {
      const loc = this.index.get(h);
      if (loc && loc.pack === pack.id && loc.offset >= pack.size) this.forget(h);
    }
    for (const k of [...this.groupCache.keys()]) if (k.startsWith(`${pack.id}:`)) this.groupCache.delete(k);
    this.writeFailures++;
    this.lastWriteError = error;
  }

  /** Writes buffered objects to their pack (no fsync). A failure (disk full) forgets exactly those objects. */
  writeOut(): void {
    this.batch.flush();
    this.packs.write();
  }

  /** Makes every stored object durable (write + fsync). Call before saving anything that refers to them. */
  flush(): void {
    this.writeOut();
    if (!this.dirty || !this.packs.current) return;
    this.packs.sync();
    this.dirty = false;
  }

  /**
   * Keeps `data` in memory as object `hash` when it is exactly that object (hashed here) and stored:
   * the next delta on it, and the line counts against it, then need no read from its pack (a
   * group's inflate). Returns whether it was kept.
   */
  warm(hash: string, data: Buffer): boolean {
    if (!this.index.has(hash) || this.batch.pending.has(hash) || this.cache.get(hash, true) || sha256(data) !== hash) return false;
    this.cache.remember(hash, Buffer.from(data));
    return true;
  }

  /**
   * The bytes of an object, read from its pack and checked against its hash. Throws
   * ObjectCorruptError when missing or damaged. `cached`: a copy kept in memory (checked when it
   * was stored or read) will do — for line counts and delta bases, never for restores.
   */
  get(hash: string, cached = false): Buffer {
    const loc = this.index.get(hash);
    if (!loc) throw new ObjectCorruptError(hash, `Snapshot ${hash.slice(0, 12)} is missing from the store.`);
    const pending = this.batch.pending.get(hash);
    if (pending) return pending;
    // A copy in memory: trusted for line counts and delta bases (`cached`), checked again for
    // anything else (a restore writes only bytes that match their hash); spoilt, it is read again.
    return this.cache.get(hash, cached) ?? this.readFromPack(hash, loc);
  }

  /** An object read from its pack (never from memory) and checked against its hash. */
  protected readFromPack(hash: string, loc: Location): Buffer {
    let data: Buffer;
    try {
      data = this.decodeAt(this.packs.packOf(loc.pack), { hash, ...loc }, loc.offset);
    } catch (e) {
      const why = (e as Error).message;
      if (why === 'it points to a missing pack') throw new ObjectCorruptError(hash, `Snapshot ${hash.slice(0, 12)} points to a missing pack.`);
      if (why === 'it is truncated') throw new ObjectCorruptError(hash, `Snapshot ${hash.slice(0, 12)} is truncated.`);
      throw new ObjectCorruptError(hash, `Snapshot ${hash.slice(0, 12)} cannot be decompressed: ${why}`);
    }
    if (sha256(data) !== hash) {
      throw new ObjectCorruptError(hash, `Snapshot ${hash.slice(0, 12)} does not match its hash (damaged).`);
    }
    if (loc.codec === CODEC_MEMBER) data = Buffer.from(data); // not a view that keeps the whole group alive
    this.cache.remember(hash, data);
    return data;
  }

  /** Drops an object from the index (a damaged one, so that it reads as missing and can be stored again). */
  forget(hash: string): void {
    this.index.delete(hash);
    this.batch.pending.delete(hash);
    this.cache.drop(hash);
  }

  /** Total bytes of pack files on disk. */
  diskSize(): number {
    return this.packs.diskSize();
  }

  /** The base a delta object is stored on, if it is a delta. */
  protected baseOf(hash: string): string | undefined {
    const loc = this.index.get(hash);
    if (!loc || loc.codec !== CODEC_DELTA || loc.pack < 0) return undefined;
    try {
      return deltaBase(this.packs.read(this.packs.packOf(loc.pack), loc.offset, 32));
    } catch {
      return undefined;
    }
  }

  /** What was removed or replaced under the open packs (see `PackFiles.changedUnder`), or undefined. */
  changedUnder(): string | undefined {
    return this.packs.changedUnder();
  }

  close(): void {
    try {
      if (!this.readOnly) this.flush();
    } finally {
      this.batch.dispose();
      this.packs.close();
    }
  }
}
