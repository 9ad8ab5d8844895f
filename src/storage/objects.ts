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
import * as crypto from 'node:crypto';
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

export type Fs = typeof nodeFs;

const HEADER = 48; // hash 32 | rawLen u32 | storedLen u32 | codec u8 | pad 3 | check u32
const CODEC_RAW = 0;
const CODEC_DEFLATE = 1;
const MAX_PACK = 1 << 30;

export class ObjectCorruptError extends Error {
  constructor(readonly hash: string, message: string) {
    super(message);
    this.name = 'ObjectCorruptError';
  }
}

interface Location {
  pack: number;
  offset: number; // of the data, after the header
  stored: number;
  raw: number;
  codec: number;
}

interface Pack {
  id: number;
  file: string;
  idxFile: string;
  fd: number;
  idxFd: number;
  size: number; // bytes on disk
}

export interface ObjectStoreOptions {
  fs?: Fs;
  /** zlib level for new objects (1 = fastest). */
  level?: number;
  readOnly?: boolean;
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
  readonly diagnostics: string[] = [];

  constructor(readonly dir: string, options: ObjectStoreOptions = {}) {
    this.fs = options.fs ?? nodeFs;
    this.level = options.level ?? 1;
    this.readOnly = options.readOnly ?? false;
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

  /** Stored size of an object in bytes (compressed), or undefined. */
  storedSize(hash: string): number | undefined {
    return this.index.get(hash)?.stored;
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
      this.index.set(h.hash, { pack: id, offset, stored: h.stored, raw: h.raw, codec: h.codec });
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
      const stored = Buffer.alloc(h.stored);
      this.fs.readSync(fd, stored, 0, h.stored, offset);
      let ok = false;
      try {
        ok = sha256(this.decode(stored, h.codec, h.raw)) === h.hash;
      } catch {
        ok = false;
      }
      if (!ok) break;
      // The newest copy wins: a copy is only written again when the earlier one was damaged (Repair).
      this.index.set(h.hash, { pack: id, offset, stored: h.stored, raw: h.raw, codec: h.codec });
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
    this.packs.push(pack);
  }

  private parseHeader(h: Buffer): { hash: string; raw: number; stored: number; codec: number } | undefined {
    if (h.readUInt32LE(44) !== headerCheck(h)) return undefined;
    const codec = h[40];
    if (codec !== CODEC_RAW && codec !== CODEC_DEFLATE) return undefined;
    return { hash: h.subarray(0, 32).toString('hex'), raw: h.readUInt32LE(32), stored: h.readUInt32LE(36), codec };
  }

  private decode(stored: Buffer, codec: number, raw: number): Buffer {
    if (codec === CODEC_RAW) return stored;
    const out = zlib.inflateRawSync(stored);
    if (out.length !== raw) throw new Error(`length ${out.length} != ${raw}`);
    return out;
  }

  /** Stores bytes; returns their sha256 (hex). Storing what is already there costs a hash. */
  put(data: Uint8Array): string {
    const hash = sha256(data);
    this.putWithHash(hash, data);
    return hash;
  }

  putWithHash(hash: string, data: Uint8Array): void {
    if (this.index.has(hash)) return;
    if (this.readOnly) throw new Error('The snapshot store is read-only.');
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let codec = CODEC_RAW;
    let stored: Buffer = buf;
    if (buf.length >= 64) {
      const z = zlib.deflateRawSync(buf, { level: this.level });
      if (z.length < buf.length) {
        codec = CODEC_DEFLATE;
        stored = z;
      }
    }
    const pack = this.writablePack(HEADER + stored.length);
    const header = Buffer.alloc(HEADER);
    Buffer.from(hash, 'hex').copy(header, 0);
    header.writeUInt32LE(buf.length, 32);
    header.writeUInt32LE(stored.length, 36);
    header[40] = codec;
    header.writeUInt32LE(headerCheck(header), 44);
    const offset = pack.size + this.bufferSize + HEADER;
    this.buffer.push(header, stored === buf ? Buffer.from(buf) : stored);
    this.bufferIdx.push(header);
    this.bufferSize += HEADER + stored.length;
    this.index.set(hash, { pack: pack.id, offset, stored: stored.length, raw: buf.length, codec });
    this.dirty = true;
    if (this.bufferSize >= 1 << 20) this.writeBuffer();
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
        if (loc && loc.pack === pack.id && loc.offset >= pack.size) this.index.delete(h);
      }
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
    this.writeBuffer();
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

  /** The bytes of an object, checked against its hash. Throws ObjectCorruptError when missing or damaged. */
  get(hash: string): Buffer {
    const loc = this.index.get(hash);
    if (!loc) throw new ObjectCorruptError(hash, `Snapshot ${hash.slice(0, 12)} is missing from the store.`);
    const pack = this.packs.find((p) => p.id === loc.pack);
    if (!pack) throw new ObjectCorruptError(hash, `Snapshot ${hash.slice(0, 12)} points to a missing pack.`);
    let stored: Buffer;
    if (pack === this.current && loc.offset + loc.stored > pack.size) {
      // Still in the write buffer: read it from memory (a read never writes, so it cannot fail for a full disk).
      stored = this.readBuffered(loc.offset - pack.size, loc.stored);
    } else {
      stored = Buffer.alloc(loc.stored);
      const n = this.fs.readSync(pack.fd, stored, 0, loc.stored, loc.offset);
      if (n !== loc.stored) throw new ObjectCorruptError(hash, `Snapshot ${hash.slice(0, 12)} is truncated.`);
    }
    let data: Buffer;
    try {
      data = this.decode(stored, loc.codec, loc.raw);
    } catch (e) {
      throw new ObjectCorruptError(hash, `Snapshot ${hash.slice(0, 12)} cannot be decompressed: ${(e as Error).message}`);
    }
    if (sha256(data) !== hash) {
      throw new ObjectCorruptError(hash, `Snapshot ${hash.slice(0, 12)} does not match its hash (damaged).`);
    }
    return data;
  }

  /** Checks every object; returns the hashes that are missing or damaged. */
  verify(onProgress?: (done: number, total: number) => void): string[] {
    const bad: string[] = [];
    let done = 0;
    for (const hash of this.index.keys()) {
      try {
        this.get(hash);
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
  }

  /**
   * Looks through every pack for good copies of `wanted` objects other than the indexed one (a
   * pack can hold duplicates: a compaction cut short, a record appended twice) and indexes them.
   * Returns the hashes it found a good copy of.
   */
  salvage(wanted: Set<string>): Set<string> {
    this.writeBuffer();
    const found = new Set<string>();
    if (wanted.size === 0) return found;
    const tryCopy = (pack: Pack, h: { hash: string; raw: number; stored: number; codec: number }, offset: number) => {
      if (!wanted.has(h.hash) || found.has(h.hash) || offset + h.stored > pack.size) return;
      const stored = Buffer.alloc(h.stored);
      try {
        if (this.fs.readSync(pack.fd, stored, 0, h.stored, offset) !== h.stored) return;
        if (sha256(this.decode(stored, h.codec, h.raw)) === h.hash) {
          this.index.set(h.hash, { pack: pack.id, offset, stored: h.stored, raw: h.raw, codec: h.codec });
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

  /**
   * Rewrites the packs keeping only `live` objects. The new pack is complete and durable before
   * any old pack is removed, so a crash midway leaves duplicates, never losses.
   */
  gc(live: (hash: string) => boolean): { removed: number; freedBytes: number } {
    this.flush();
    const dead = [...this.index.keys()].filter((h) => !live(h));
    if (dead.length === 0) return { removed: 0, freedBytes: 0 };
    const before = this.diskSize();
    const keep = [...this.index.keys()].filter(live).map((h) => [h, this.get(h)] as const);
    const oldPacks = this.packs.splice(0);
    const oldIndex = new Map(this.index);
    const oldCurrent = this.current;
    this.current = undefined;
    this.index.clear();
    try {
      for (const [h, data] of keep) this.putWithHash(h, data);
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
