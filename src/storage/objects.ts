// Content-addressed snapshot store: append-only pack files beside the database.
//
// Why packs and not one loose file per snapshot: the first snapshot of a workspace writes tens of
// thousands of small objects; appending them to one file costs one write per megabyte instead of
// one create+write+close per file (measured 1.8–2.5× faster here), and the store stays a handful of
// files however many snapshots it holds.
//
// Layout: `objects/pack-NNNNNN.pack` holds records `[header][stored bytes]`; `pack-NNNNNN.idx`
// repeats each header (fixed 48 bytes) so opening reads only the indexes. A crash can leave a pack
// longer than its index (records not yet indexed: re-read and re-indexed at open) or a torn last
// record (cut off at open). Nothing refers to an object before `flush()` has made it durable.
//
// Codecs. An object's record is one of:
// - raw (0) or deflate (1): the object's bytes on their own (the only codecs of stores written
//   before 0.2; still read, and still written for objects that gain nothing from the others);
// - delta (2): a new version of a file compressed with its previous version as the deflate
//   dictionary: `[base hash 32][deflate stream]`. A few changed lines cost tens of bytes instead of
//   the whole file. Chains are at most MAX_DEPTH long (header byte 41), so a read inflates at most
//   that many records; bases always come earlier in the packs than their deltas;
// - member (4) of a group (3): small objects written together (a first snapshot, a checkpoint's new
//   files) are compressed as one stream — a group record, `hash` = sha256 of its uncompressed
//   payload — followed by one member record per object, `[group record offset u32][offset in the
//   payload u32]`; the group's hash field names it (sha256 of its members' hashes). On the bench's
//   source-like tree, 32 KiB groups at zlib level 4 were 22% smaller than files compressed one by
//   one at level 1, and compressed faster (deflate's window spans neighbouring files; similar
//   files sit in one folder). Groups stay small because reading one member inflates its group:
//   a 32 KiB group inflates in about 55 µs, a 64 KiB one in 140 µs, and every changed file's
//   previous version is read once (for its line counts and its delta).
// Every read is checked against the object's sha256, whatever the codec; a damaged group or base
// makes its members or deltas read as damaged, never as wrong bytes.
import * as crypto from 'node:crypto';
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { HelperThread } from './compressor';

export type Fs = typeof nodeFs;

const HEADER = 48; // hash 32 | rawLen u32 | storedLen u32 | codec u8 | depth u8 | pad 2 | check u32
const CODEC_RAW = 0;
const CODEC_DEFLATE = 1;
const CODEC_DELTA = 2;
const CODEC_GROUP = 3;
const CODEC_MEMBER = 4;
const MAX_PACK = 1 << 30;
/** Longest chain of deltas a read may have to inflate. */
const MAX_DEPTH = 8;
/** Uncompressed size of a group. */
const GROUP_TARGET = 32 * 1024;
/** Objects larger than this are stored on their own. */
const GROUP_MAX_MEMBER = 16 * 1024;
/** A group is only worth its records when its members add up to this much. */
const GROUP_MIN = 4 * 1024;
/** Deltas are tried for objects (and bases) between these sizes; deflate's window is 32 KiB. */
const DELTA_MIN = 64;
const DELTA_MAX_BASE = 1 << 20;
const DICTIONARY = 32 * 1024;
/** Decoded objects kept in memory (a delta's base, a checkpoint's before/after versions). */
const CACHE_BYTES = 16 * 1024 * 1024;
const CACHE_MAX_OBJECT = 1 << 20;
const GROUP_CACHE = 8;
/** Groups handed to the helper thread and not yet taken back, at most (past that, this thread deflates). */
const MAX_INFLIGHT = 4;

export class ObjectCorruptError extends Error {
  constructor(readonly hash: string, message: string) {
    super(message);
    this.name = 'ObjectCorruptError';
  }
}

interface Location {
  pack: number; // -1: not written yet (its bytes are in `pending`)
  offset: number; // of the data, after the header
  stored: number;
  raw: number;
  codec: number;
  depth: number;
}

interface Pack {
  id: number;
  file: string;
  idxFile: string;
  fd: number;
  idxFd: number;
  size: number; // bytes on disk
}

interface Header {
  hash: string;
  raw: number;
  stored: number;
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

interface Delta {
  hash: string;
  data: Buffer;
  stored: Buffer;
  depth: number;
}

/** A full group being deflated on the helper thread, and the deltas that must follow it. */
interface Inflight {
  id: number;
  members: { hash: string; data: Buffer }[];
  total: number;
  payload: Buffer;
  deltas: Delta[];
}

/**
 * zlib sizes for a stream over `span` bytes (dictionary included): deflate's default state is
 * about 256 KiB, set up afresh for every call, which costs more than compressing a small file.
 * A window that still covers the whole span finds the same matches. Readers inflate with the
 * default (largest) window, which reads any smaller one.
 */
function smallStream(span: number): { windowBits: number; memLevel: number } {
  if (span + 262 > 1 << 15) return { windowBits: 15, memLevel: 8 };
  const windowBits = Math.max(9, Math.ceil(Math.log2(span + 262)));
  return { windowBits, memLevel: Math.max(2, windowBits - 9) };
}

export function sha256(data: Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function headerCheck(h: Buffer): number {
  // A cheap checksum over the first 44 header bytes so a torn or garbage header is recognised.
  let x = 0x811c9dc5;
  for (let i = 0; i < 44; i++) x = Math.imul(x ^ h[i], 0x01000193) >>> 0;
  return x;
}

function makeHeader(hash: string, raw: number, stored: number, codec: number, depth = 0): Buffer {
  const header = Buffer.alloc(HEADER);
  header.write(hash, 0, 32, 'hex');
  header.writeUInt32LE(raw, 32);
  header.writeUInt32LE(stored, 36);
  header[40] = codec;
  header[41] = depth;
  header.writeUInt32LE(headerCheck(header), 44);
  return header;
}

export class ObjectStore {
  private readonly fs: Fs;
  private readonly level: number;
  readonly readOnly: boolean;
  private readonly index = new Map<string, Location>();
  private readonly packs: Pack[] = [];
  private current: Pack | undefined;
  /** Pack ids only grow, so a rewrite (gc) never reuses the name of a pack it is replacing. */
  private lastPackId = 0;
  // Records appended but not yet written: one write per megabyte instead of one per object.
  private buffer: Buffer[] = [];
  private bufferIdx: Buffer[] = [];
  private bufferSize = 0;
  private dirty = false;
  // Objects stored but not yet in a record: the group being filled, and deltas (written after it,
  // so that a delta's base always precedes it in the pack).
  private readonly pending = new Map<string, Buffer>();
  private grouped: { hash: string; data: Buffer }[] = [];
  private groupedRaw = 0;
  private deltas: Delta[] = [];
  private readonly parallel: boolean;
  private helper: HelperThread | undefined;
  private inflight: Inflight[] = [];
  private readonly cache = new Map<string, Buffer>();
  private cacheBytes = 0;
  private readonly groupCache = new Map<string, Buffer>();
  readonly diagnostics: string[] = [];

  constructor(readonly dir: string, options: ObjectStoreOptions = {}) {
    this.fs = options.fs ?? nodeFs;
    this.level = options.level ?? 4;
    this.readOnly = options.readOnly ?? false;
    this.parallel = options.parallel ?? false;
    if (!this.readOnly) this.fs.mkdirSync(dir, { recursive: true });
    this.load();
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
      const pack = this.packOf(loc.pack);
      const ref = this.readRange(pack, loc.offset, 8);
      const g = this.parseHeader(this.readRange(pack, ref.readUInt32LE(0), HEADER));
      return g && g.raw ? loc.stored + Math.round((g.stored * loc.raw) / g.raw) : loc.stored;
    } catch {
      return loc.stored;
    }
  }

  rawSize(hash: string): number | undefined {
    return this.index.get(hash)?.raw;
  }

  private load(): void {
    let names: string[] = [];
    try {
      names = this.fs.readdirSync(this.dir);
    } catch {
      return;
    }
    const ids = names
      .map((n) => /^pack-(\d{6})\.pack$/.exec(n))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    for (const id of ids) this.loadPack(id);
    this.lastPackId = ids.length ? ids[ids.length - 1] : 0;
    if (ids.length > 0) {
      const last = this.packs[this.packs.length - 1];
      if (last.size < MAX_PACK) this.current = last;
    }
  }

  private packPaths(id: number): { file: string; idxFile: string } {
    const n = String(id).padStart(6, '0');
    return { file: path.join(this.dir, `pack-${n}.pack`), idxFile: path.join(this.dir, `pack-${n}.idx`) };
  }

  private loadPack(id: number): void {
    const { file, idxFile } = this.packPaths(id);
    const flags = this.readOnly ? 'r' : 'r+';
    const fd = this.fs.openSync(file, flags);
    let idxFd: number;
    try {
      idxFd = this.fs.openSync(idxFile, this.readOnly ? 'r' : 'a+');
    } catch {
      idxFd = this.readOnly ? -1 : this.fs.openSync(idxFile, 'a+');
    }
    let size = this.fs.fstatSync(fd).size;
    const pack: Pack = { id, file, idxFile, fd, idxFd, size };
    // Readable while it loads: a delta found past the index may need a base earlier in it.
    this.packs.push(pack);
    // 1. entries from the index, as far as they are whole and point inside the pack
    let indexedEnd = 0;
    let idxBytes = Buffer.alloc(0);
    if (idxFd >= 0) {
      const idxSize = this.fs.fstatSync(idxFd).size;
      idxBytes = Buffer.alloc(idxSize);
      if (idxSize > 0) this.fs.readSync(idxFd, idxBytes, 0, idxSize, 0);
    }
    let goodIdx = 0;
    for (let p = 0; p + HEADER <= idxBytes.length; p += HEADER) {
      const h = this.parseHeader(idxBytes.subarray(p, p + HEADER));
      const offset = indexedEnd + HEADER;
      if (!h || offset + h.stored > size) break;
      // The newest copy wins: a copy is only written again when the earlier one was damaged (Repair).
      if (h.codec !== CODEC_GROUP) this.index.set(h.hash, { pack: id, offset, stored: h.stored, raw: h.raw, codec: h.codec, depth: h.depth });
      indexedEnd = offset + h.stored;
      goodIdx = p + HEADER;
    }
    if (goodIdx !== idxBytes.length && !this.readOnly) {
      this.fs.ftruncateSync(idxFd, goodIdx);
      this.diagnostics.push(`Snapshot index ${path.basename(idxFile)} had a torn tail; it was cut back.`);
    }
    // 2. records appended after the last indexed one (a crash between pack write and index write)
    let pos = indexedEnd;
    const head = Buffer.alloc(HEADER);
    while (pos + HEADER <= size) {
      this.fs.readSync(fd, head, 0, HEADER, pos);
      const h = this.parseHeader(head);
      const offset = pos + HEADER;
      if (!h || offset + h.stored > size) break;
      let ok = false;
      try {
        const data = this.decodeAt(pack, h, offset);
        // A group is whole when it inflates to its length; its members are checked one by one.
        ok = h.codec === CODEC_GROUP || sha256(data) === h.hash;
      } catch {
        ok = false;
      }
      if (!ok) break;
      // The newest copy wins: a copy is only written again when the earlier one was damaged (Repair).
      if (h.codec !== CODEC_GROUP) this.index.set(h.hash, { pack: id, offset, stored: h.stored, raw: h.raw, codec: h.codec, depth: h.depth });
      if (!this.readOnly) this.fs.writeSync(idxFd, Buffer.from(head));
      pos = offset + h.stored;
    }
    if (pos < size) {
      if (!this.readOnly) {
        this.fs.ftruncateSync(fd, pos);
        this.diagnostics.push(
          `Snapshot pack ${path.basename(file)} ended in a partly written record (${size - pos} bytes); it was cut off.`,
        );
      }
      size = pos;
    }
    pack.size = size;
  }

  private parseHeader(h: Buffer): Header | undefined {
    if (h.length < HEADER || h.readUInt32LE(44) !== headerCheck(h)) return undefined;
    const codec = h[40];
    if (codec > CODEC_MEMBER) return undefined;
    return { hash: h.subarray(0, 32).toString('hex'), raw: h.readUInt32LE(32), stored: h.readUInt32LE(36), codec, depth: h[41] };
  }

  private packOf(id: number): Pack {
    const pack = this.packs.find((p) => p.id === id);
    if (!pack) throw new Error('it points to a missing pack');
    return pack;
  }

  /** Bytes of a pack, from disk or (past its written end) from the write buffer. */
  private readRange(pack: Pack, start: number, length: number): Buffer {
    if (pack === this.current && start + length > pack.size) {
      // Still in the write buffer: read it from memory (a read never writes, so it cannot fail for a full disk).
      return this.readBuffered(start - pack.size, length);
    }
    const out = Buffer.alloc(length);
    const n = length ? this.fs.readSync(pack.fd, out, 0, length, start) : 0;
    if (n !== length) throw new Error('it is truncated');
    return out;
  }

  /** The bytes a record stands for (a group's payload for a group), unchecked. */
  private decodeAt(pack: Pack, h: Header, offset: number, stored?: Buffer): Buffer {
    const bytes = stored ?? this.readRange(pack, offset, h.stored);
    switch (h.codec) {
      case CODEC_RAW:
        return bytes;
      case CODEC_DEFLATE:
      case CODEC_GROUP: {
        const out = zlib.inflateRawSync(bytes);
        if (out.length !== h.raw) throw new Error(`length ${out.length} != ${h.raw}`);
        return out;
      }
      case CODEC_DELTA: {
        if (bytes.length < 32) throw new Error('its delta record is too short');
        const baseHash = bytes.subarray(0, 32).toString('hex');
        let base: Buffer;
        try {
          base = this.get(baseHash);
        } catch (e) {
          throw new Error(`its base snapshot ${baseHash.slice(0, 12)} is missing or damaged (${(e as Error).message})`);
        }
        const out = zlib.inflateRawSync(bytes.subarray(32), { dictionary: base.subarray(Math.max(0, base.length - DICTIONARY)) });
        if (out.length !== h.raw) throw new Error(`length ${out.length} != ${h.raw}`);
        return out;
      }
      case CODEC_MEMBER: {
        if (bytes.length !== 8) throw new Error('its group reference is damaged');
        const groupAt = bytes.readUInt32LE(0);
        const at = bytes.readUInt32LE(4);
        const payload = this.groupPayload(pack, groupAt, at + h.raw);
        if (at + h.raw > payload.length) throw new Error('its group reference is damaged');
        return payload.subarray(at, at + h.raw);
      }
      default:
        throw new Error(`unknown codec ${h.codec}`);
    }
  }

  /** A group's uncompressed payload, checked against its hash (a few are kept in memory). */
  /**
   * A group's uncompressed payload, at least its first `need` bytes (a few are kept in memory). A
   * member early in its group needs only the start of the stream inflated: on average about half.
   */
  private groupPayload(pack: Pack, groupAt: number, need = Infinity): Buffer {
    const key = `${pack.id}:${groupAt}`;
    const hit = this.groupCache.get(key);
    if (hit && hit.length >= need) return hit;
    const g = groupAt + HEADER <= pack.size + this.bufferSize ? this.parseHeader(this.readRange(pack, groupAt, HEADER)) : undefined;
    if (!g || g.codec !== CODEC_GROUP) throw new Error('its group record is missing or damaged');
    let payload: Buffer | undefined;
    // A prefix only for a first read of this group (reads in order, as Verify Store's, take it whole next).
    if (need < g.raw && !hit) {
      // Deflate output grows about evenly with its input: inflate a prefix with some margin.
      const cut = Math.ceil((need / g.raw) * g.stored * 1.15) + 256;
      if (cut < g.stored) {
        try {
          const part = zlib.inflateRawSync(this.readRange(pack, groupAt + HEADER, cut), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
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
    if (base !== undefined) this.remember(hash, buf);
    const delta = base !== undefined ? this.tryDelta(buf, base) : undefined;
    if (delta) {
      this.deltas.push({ hash, data: buf, stored: delta.stored, depth: delta.depth });
      this.pending.set(hash, buf);
      this.index.set(hash, { pack: -1, offset: 0, stored: delta.stored.length, raw: buf.length, codec: CODEC_DELTA, depth: delta.depth });
    } else if (buf.length <= GROUP_MAX_MEMBER) {
      if (this.groupedRaw + buf.length > GROUP_TARGET) this.closeBlocks(true);
      this.grouped.push({ hash, data: buf });
      this.groupedRaw += buf.length;
      this.pending.set(hash, buf);
      this.index.set(hash, { pack: -1, offset: 0, stored: 0, raw: buf.length, codec: CODEC_MEMBER, depth: 0 });
    } else {
      this.closeBlocks(true);
      this.appendSingle(hash, buf); // depends on nothing: it may precede groups still being deflated
    }
    this.dirty = true;
    if (this.bufferSize >= 1 << 20) this.writeBuffer();
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
    const dict = baseData.subarray(Math.max(0, baseData.length - DICTIONARY));
    const z = zlib.deflateRawSync(data, { level: Math.max(this.level, 6), dictionary: dict, ...smallStream(dict.length + data.length) });
    // Worth a chain link only when it beats compressing the file alone by a wide margin
    // (estimated: text compresses about 3× on its own).
    if (z.length + 32 > data.length / 6) {
      const alone = zlib.deflateRawSync(data, { level: this.level, ...smallStream(data.length) });
      if (z.length + 32 > alone.length * 0.6) return undefined;
    }
    return { stored: Buffer.concat([Buffer.from(base, 'hex'), z]), depth };
  }

  /** One object as its own record (raw or deflate). */
  private appendSingle(hash: string, buf: Buffer): void {
    let codec = CODEC_RAW;
    let stored: Buffer = buf;
    if (buf.length >= 64) {
      const z = zlib.deflateRawSync(buf, { level: this.level });
      if (z.length < buf.length) {
        codec = CODEC_DEFLATE;
        stored = z;
      }
    }
    this.appendRecord(hash, buf.length, stored, codec, 0);
  }

  private appendRecord(hash: string, raw: number, stored: Buffer, codec: number, depth: number): number {
    const pack = this.writablePack(HEADER + stored.length);
    const header = makeHeader(hash, raw, stored.length, codec, depth);
    const start = pack.size + this.bufferSize;
    this.buffer.push(header, stored);
    this.bufferIdx.push(header);
    this.bufferSize += HEADER + stored.length;
    if (codec !== CODEC_GROUP) {
      this.index.set(hash, { pack: pack.id, offset: start + HEADER, stored: stored.length, raw, codec, depth });
      this.pending.delete(hash);
    }
    return start;
  }

  /** Turns the objects waiting in memory into records: the group first, then deltas. */
  /**
   * Turns the objects waiting in memory into records: the group first, then deltas (a delta's base
   * may be in the group). `background`: a full group may be deflated on the helper thread; its
   * records are appended when it is done (`drain`), still ahead of any delta that follows it.
   */
  private closeBlocks(background = false): void {
    const members = this.grouped;
    const deltas = this.deltas;
    this.grouped = [];
    this.groupedRaw = 0;
    this.deltas = [];
    let total = 0;
    for (const m of members) total += m.data.length;
    try {
      if (background && this.parallel && members.length >= 2 && total >= GROUP_MIN) {
        this.drain(false);
        if (this.inflight.length < MAX_INFLIGHT) {
          const payload = Buffer.concat(members.map((m) => m.data), total);
          this.helper ??= new HelperThread();
          this.inflight.push({ id: this.helper.deflate(payload, this.level), members, total, payload, deltas });
          return;
        }
        // The helper is behind: deflate this group here rather than wait. Groups depend on
        // nothing, so it may go ahead of those still in flight (deltas may not: they wait below).
        if (deltas.length === 0) {
          this.appendBlocks(members, total, deltas);
          return;
        }
      }
      this.drain(true);
      this.appendBlocks(members, total, deltas);
    } catch (e) {
      // Whatever did not reach a record is forgotten, as a failed write forgets what it held.
      for (const o of [...members, ...deltas]) if (this.index.get(o.hash)?.pack === -1) this.forget(o.hash);
      throw e;
    }
  }

  /** Appends the groups the helper thread has deflated, in order; `wait`: all of them. */
  private drain(wait: boolean): void {
    while (this.inflight.length > 0) {
      const job = this.inflight[0];
      let z = this.helper?.takeDeflated(job.id, wait);
      if (!z) {
        if (!wait) return;
        z = zlib.deflateRawSync(job.payload, { level: this.level }); // the helper failed: do it here
      }
      this.inflight.shift();
      try {
        this.appendBlocks(job.members, job.total, job.deltas, job.payload, z);
      } catch (e) {
        for (const j of [job, ...this.inflight.splice(0)]) {
          for (const o of [...j.members, ...j.deltas]) if (this.index.get(o.hash)?.pack === -1) this.forget(o.hash);
        }
        throw e;
      }
    }
  }

  private appendBlocks(members: { hash: string; data: Buffer }[], total: number, deltas: Delta[], payloadIn?: Buffer, zIn?: Buffer): void {
    if (members.length >= 2 && total >= GROUP_MIN) {
      const payload = payloadIn ?? Buffer.concat(members.map((m) => m.data), total);
      const z = zIn ?? zlib.deflateRawSync(payload, { level: this.level });
      if (z.length < total) {
        // The group and its members go to one pack: make room for all of them at once.
        this.writablePack(HEADER + z.length + members.length * (HEADER + 8));
        // A group's "hash" only names it: its members are each checked against their own.
        const groupAt = this.appendRecord(sha256(Buffer.from(members.map((m) => m.hash).join(''), 'hex')), total, z, CODEC_GROUP, 0);
        let at = 0;
        for (const m of members) {
          const ref = Buffer.alloc(8);
          ref.writeUInt32LE(groupAt, 0);
          ref.writeUInt32LE(at, 4);
          this.appendRecord(m.hash, m.data.length, ref, CODEC_MEMBER, 0);
          at += m.data.length;
        }
      } else {
        for (const m of members) this.appendSingle(m.hash, m.data);
      }
    } else {
      for (const m of members) this.appendSingle(m.hash, m.data);
    }
    for (const d of deltas) this.appendRecord(d.hash, d.data.length, d.stored, CODEC_DELTA, d.depth);
  }

  private writablePack(extra: number): Pack {
    if (this.current && this.current.size + this.bufferSize + extra <= MAX_PACK) return this.current;
    this.writeBuffer();
    const id = ++this.lastPackId;
    const { file, idxFile } = this.packPaths(id);
    const fd = this.fs.openSync(file, 'a+');
    const idxFd = this.fs.openSync(idxFile, 'a+');
    const pack: Pack = { id, file, idxFile, fd, idxFd, size: 0 };
    this.packs.push(pack);
    this.current = pack;
    return pack;
  }

  private writeBuffer(): void {
    if (!this.current || this.bufferSize === 0) return;
    const data = Buffer.concat(this.buffer, this.bufferSize);
    const idx = Buffer.concat(this.bufferIdx);
    // Reset first: if a write fails (disk full) the objects are forgotten rather than indexed
    // at offsets that hold nothing.
    const pack = this.current;
    const pendingHashes = this.bufferIdx.map((h) => h.subarray(0, 32).toString('hex'));
    this.buffer = [];
    this.bufferIdx = [];
    this.bufferSize = 0;
    let file = pack.file;
    try {
      writeAll(this.fs, pack.fd, data, pack.size);
      pack.size += data.length;
      file = pack.idxFile;
      this.fs.writeSync(pack.idxFd, idx);
    } catch (e) {
      for (const h of pendingHashes) {
        const loc = this.index.get(h);
        if (loc && loc.pack === pack.id && loc.offset >= pack.size) this.forget(h);
      }
      for (const k of [...this.groupCache.keys()]) if (k.startsWith(`${pack.id}:`)) this.groupCache.delete(k);
      // Cut back whatever part of the write landed, so the pack stays whole.
      try {
        this.fs.ftruncateSync(pack.fd, pack.size);
      } catch {
        /* the next open cuts a torn tail */
      }
      this.writeFailures++;
      this.lastWriteError = withPath(e, file);
      throw this.lastWriteError;
    }
  }

  /** Writes buffered objects to their pack (no fsync). A failure (disk full) forgets exactly those objects. */
  writeOut(): void {
    this.closeBlocks();
    this.drain(true);
    this.writeBuffer();
  }

  /**
   * Buffer writes that failed so far, and the last error: a caller that stored objects can tell
   * whether any of them was forgotten since (even when the failure surfaced somewhere else).
   */
  writeFailures = 0;
  lastWriteError: unknown;

  private readBuffered(start: number, length: number): Buffer {
    const out = Buffer.alloc(length);
    let pos = 0;
    let copied = 0;
    for (const chunk of this.buffer) {
      const end = pos + chunk.length;
      if (end > start && pos < start + length) {
        const from = Math.max(start, pos);
        const to = Math.min(start + length, end);
        chunk.copy(out, from - start, from - pos, to - pos);
        copied += to - from;
      }
      pos = end;
      if (pos >= start + length) break;
    }
    if (copied !== length) throw new Error('a buffered snapshot is not where its index says');
    return out;
  }

  /** Makes every stored object durable (write + fsync). Call before saving anything that refers to them. */
  flush(): void {
    this.writeOut();
    if (!this.dirty || !this.current) return;
    try {
      this.fs.fsyncSync(this.current.fd);
    } catch (e) {
      throw withPath(e, this.current.file);
    }
    try {
      this.fs.fsyncSync(this.current.idxFd);
    } catch (e) {
      throw withPath(e, this.current.idxFile);
    }
    this.dirty = false;
  }

  private remember(hash: string, data: Buffer): void {
    if (data.length > CACHE_MAX_OBJECT || this.cache.has(hash)) return;
    this.cache.set(hash, data);
    this.cacheBytes += data.length;
    while (this.cacheBytes > CACHE_BYTES) {
      const [k, v] = this.cache.entries().next().value!;
      this.cache.delete(k);
      this.cacheBytes -= v.length;
    }
  }

  /**
   * The bytes of an object, read from its pack and checked against its hash. Throws
   * ObjectCorruptError when missing or damaged. `cached`: a copy kept in memory (checked when it
   * was stored or read) will do — for line counts and delta bases, never for restores.
   */
  get(hash: string, cached = false): Buffer {
    const loc = this.index.get(hash);
    if (!loc) throw new ObjectCorruptError(hash, `Snapshot ${hash.slice(0, 12)} is missing from the store.`);
    const pending = this.pending.get(hash);
    if (pending) return pending;
    const hit = this.cache.get(hash);
    if (hit) {
      // A copy in memory: trusted for line counts and delta bases (`cached`), checked again for
      // anything else (a restore writes only bytes that match their hash).
      this.cache.delete(hash);
      if (cached || sha256(hit) === hash) {
        this.cache.set(hash, hit); // most recently used last
        return hit;
      }
      this.cacheBytes -= hit.length; // spoilt in memory: read it again from its pack
    }
    return this.readFromPack(hash, loc);
  }

  /** An object read from its pack (never from memory) and checked against its hash. */
  private readFromPack(hash: string, loc: Location): Buffer {
    let data: Buffer;
    try {
      data = this.decodeAt(this.packOf(loc.pack), { hash, ...loc }, loc.offset);
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
    this.remember(hash, data);
    return data;
  }

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

  /** Drops an object from the index (a damaged one, so that it reads as missing and can be stored again). */
  forget(hash: string): void {
    this.index.delete(hash);
    this.pending.delete(hash);
    const c = this.cache.get(hash);
    if (c) {
      this.cache.delete(hash);
      this.cacheBytes -= c.length;
    }
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
          const c = this.cache.get(h.hash);
          if (c) {
            this.cache.delete(h.hash);
            this.cacheBytes -= c.length;
          }
          found.add(h.hash);
        }
      } catch {
        /* this copy is damaged too */
      }
    };
    for (const pack of this.packs) {
      // Walk the headers in the pack, and (past a damaged one) the copies of them in the index.
      const head = Buffer.alloc(HEADER);
      for (let pos = 0; pos + HEADER <= pack.size; ) {
        if (this.fs.readSync(pack.fd, head, 0, HEADER, pos) !== HEADER) break;
        const h = this.parseHeader(head);
        if (!h) break;
        tryCopy(pack, h, pos + HEADER);
        pos += HEADER + h.stored;
      }
      if (pack.idxFd < 0) continue;
      const idxSize = this.fs.fstatSync(pack.idxFd).size;
      const idx = Buffer.alloc(idxSize);
      if (idxSize > 0) this.fs.readSync(pack.idxFd, idx, 0, idxSize, 0);
      let end = 0;
      for (let p = 0; p + HEADER <= idx.length; p += HEADER) {
        const h = this.parseHeader(idx.subarray(p, p + HEADER));
        if (!h) break;
        tryCopy(pack, h, end + HEADER);
        end += HEADER + h.stored;
      }
    }
    return found;
  }

  /** Total bytes of pack files on disk. */
  diskSize(): number {
    return this.packs.reduce((s, p) => s + p.size, 0) + this.bufferSize;
  }

  /** The base a delta object is stored on, if it is a delta. */
  private baseOf(hash: string): string | undefined {
    const loc = this.index.get(hash);
    if (!loc || loc.codec !== CODEC_DELTA || loc.pack < 0) return undefined;
    try {
      return this.readRange(this.packOf(loc.pack), loc.offset, 32).toString('hex');
    } catch {
      return undefined;
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
    // Bases before their deltas, so a delta whose base lives on stays a delta.
    const keep = [...this.index.entries()]
      .filter(([h]) => live(h))
      .sort((a, b) => (a[1].codec === CODEC_DELTA ? a[1].depth : 0) - (b[1].codec === CODEC_DELTA ? b[1].depth : 0) || a[1].pack - b[1].pack || a[1].offset - b[1].offset)
      .map(([h]) => {
        const base = this.baseOf(h);
        return [h, this.get(h, true), base !== undefined && live(base) ? base : undefined] as const;
      });
    const oldPacks = this.packs.splice(0);
    const oldIndex = new Map(this.index);
    const oldCurrent = this.current;
    this.current = undefined;
    this.index.clear();
    this.groupCache.clear();
    try {
      for (const [h, data, base] of keep) this.putWithHash(h, data, base);
      this.flush();
    } catch (e) {
      // Back to the old packs, which were never touched; the partly written new one goes.
      for (const p of this.packs) {
        try {
          this.fs.closeSync(p.fd);
          this.fs.closeSync(p.idxFd);
          this.fs.rmSync(p.file, { force: true });
          this.fs.rmSync(p.idxFile, { force: true });
        } catch {
          /* a leftover pack only holds copies; the next open indexes them again */
        }
      }
      this.packs.splice(0, this.packs.length, ...oldPacks);
      this.index.clear();
      for (const [h, loc] of oldIndex) this.index.set(h, loc);
      this.current = oldCurrent;
      this.buffer = [];
      this.bufferIdx = [];
      this.bufferSize = 0;
      this.grouped = [];
      this.groupedRaw = 0;
      this.deltas = [];
      this.inflight = [];
      this.pending.clear();
      this.groupCache.clear();
      throw e;
    }
    for (const p of oldPacks) {
      this.fs.closeSync(p.fd);
      if (p.idxFd >= 0) this.fs.closeSync(p.idxFd);
      this.fs.rmSync(p.file, { force: true });
      this.fs.rmSync(p.idxFile, { force: true });
    }
    return { removed: dead.length, freedBytes: Math.max(0, before - this.diskSize()) };
  }

  close(): void {
    try {
      if (!this.readOnly) this.flush();
    } finally {
      this.helper?.close();
      this.helper = undefined;
      for (const p of this.packs) {
        try {
          this.fs.closeSync(p.fd);
          if (p.idxFd >= 0) this.fs.closeSync(p.idxFd);
        } catch {
          /* already closed */
        }
      }
      this.packs.length = 0;
      this.current = undefined;
    }
  }
}

/** Names the file on an fd-based error (Node's write/fsync errors carry no path). */
function withPath(e: unknown, file: string): unknown {
  if (e && typeof e === 'object' && !('path' in e)) Object.assign(e, { path: file });
  return e;
}

function writeAll(fs: Fs, fd: number, data: Buffer, position: number): void {
  let off = 0;
  while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off, position + off);
}
