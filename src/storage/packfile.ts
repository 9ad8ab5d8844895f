// The pack files of the snapshot store, as files: opening them (and mending what a crash left),
// appending records through a write buffer, reading byte ranges, fsync, and setting packs aside
// for a rewrite. What the records mean is record.ts's; which object is where is objects.ts's.
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
import * as path from 'node:path';
import { type Fs, withPath, writeAll } from './files';
import { CREATE_NEW, type FileId, OPEN_APPEND, OPEN_READ, OPEN_RW, changedUnder, notRegular, pathId, realFolder } from './storeFiles';
import { HEADER, type Header, parseHeader } from './record';

// Small enough that an incremental gc step (one pack rewritten) stays short.
const MAX_PACK = 64 << 20;

/** Buffered records are written out once they add up to this much. */
const WRITE_CHUNK = 1 << 20;

export interface Pack {
  id: number;
  file: string;
  idxFile: string;
  fd: number;
  idxFd: number;
  size: number; // bytes on disk
}

/** A record in a pack: `offset` is that of its data, after the header. */
export type RecordVisitor = (pack: Pack, h: Header, offset: number) => void;
/** Whether a record read from a pack is whole (it decodes, and matches its hash). */
export type RecordCheck = (pack: Pack, h: Header, offset: number) => boolean;

/** Packs set aside by `detach`. */
export interface DetachedPacks {
  packs: Pack[];
  current: Pack | undefined;
}

export class PackFiles {
  readonly all: Pack[] = [];
  /** The pack records are appended to. */
  current: Pack | undefined;
  /** Pack ids only grow, so a rewrite (gc) never reuses the name of a pack it is replacing. */
  private lastPackId = 0;
  // Records appended but not yet written: one write per megabyte instead of one per object.
  private buffer: Buffer[] = [];
  private bufferIdx: Buffer[] = [];
  private bufferSize = 0;
  /** What opening the packs found and mended. */
  readonly diagnostics: string[] = [];

  /**
   * `onWriteFailed`: a buffer write failed (the pack was cut back to its size before it); `hashes`
   * are the records the buffer held, `error` (named after the file) is thrown next.
   */
  constructor(
    readonly dir: string,
    private readonly fs: Fs,
    private readonly readOnly: boolean,
    private readonly onWriteFailed: (pack: Pack, hashes: string[], error: unknown) => void,
  ) {
    this.dirId = this.makeDir();
  }

  /** The folder's identity when it was opened (undefined: it did not exist, read-only). */
  private dirId: FileId | undefined;

  /** Creates the folder (unless read-only) and checks it is a real folder, not a link. */
  private makeDir(): FileId | undefined {
    if (!this.readOnly) this.fs.mkdirSync(this.dir, { recursive: true });
    else if (!pathId(this.fs, this.dir)) return undefined;
    return realFolder(this.fs, this.dir, 'the snapshot folder');
  }

  /**
   * What was removed or replaced under the open packs since they were opened: the folder, or a pack
   * or index whose path no longer names the file its descriptor has open. Undefined when all is in place.
   */
  changedUnder(): string | undefined {
    return changedUnder(this.fs, 'snapshot', this.dir, this.dirId, this.all.flatMap((p) => [[p.fd, p.file], [p.idxFd, p.idxFile]] as [number, string][]));
  }

  /**
   * Sets every pack aside (still open, for reading) and starts over in a re-created folder: the
   * records appended next go to new packs there, named after every pack the folder holds now.
   */
  startOver(): DetachedPacks {
    this.write();
    const old = this.detach();
    this.dirId = this.makeDir();
    try {
      for (const n of this.fs.readdirSync(this.dir)) {
        const m = /^pack-(\d{6})\.(pack|idx)$/.exec(n);
        if (m) this.lastPackId = Math.max(this.lastPackId, Number(m[1]));
      }
    } catch {
      /* an empty new folder */
    }
    return old;
  }

  /** Closes packs set aside by `startOver` without removing anything (their paths are not theirs any more). */
  closeDetached(old: DetachedPacks): void {
    this.closeAll(old.packs);
  }

  /**
   * Opens every pack in the folder, oldest first. `found` is told of each whole record, in order
   * (while it runs, the pack is readable up to that record); `valid` decides whether a record past
   * the end of the index is whole (then it is indexed) or where a torn tail starts.
   */
  load(found: RecordVisitor, valid: RecordCheck): void {
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
    for (const id of ids) {
      const { file, idxFile } = this.packPaths(id);
      const link = notRegular(this.fs, [file, idxFile]);
      if (link) {
        this.diagnostics.push(`Snapshot file ${path.basename(link)} is not a regular file (a link?); it was not opened, and nothing was written through it.`);
        continue;
      }
      this.loadPack(id, found, valid);
    }
    this.lastPackId = ids.length ? ids[ids.length - 1] : 0;
    const last = this.all[this.all.length - 1];
    // Appended to only when it is the newest name (not when a newer one was refused above).
    if (last && last.id === this.lastPackId && last.size < MAX_PACK) this.current = last;
  }

  private packPaths(id: number): { file: string; idxFile: string } {
    const n = String(id).padStart(6, '0');
    return { file: path.join(this.dir, `pack-${n}.pack`), idxFile: path.join(this.dir, `pack-${n}.idx`) };
  }

  private loadPack(id: number, found: RecordVisitor, valid: RecordCheck): void {
    const { file, idxFile } = this.packPaths(id);
    const fd = this.fs.openSync(file, this.readOnly ? OPEN_READ : OPEN_RW);
    let idxFd: number;
    try {
      idxFd = this.fs.openSync(idxFile, this.readOnly ? OPEN_READ : OPEN_APPEND);
    } catch (e) {
      if (this.readOnly) idxFd = -1;
      else {
        this.fs.closeSync(fd);
        throw e;
      }
    }
    let size = this.fs.fstatSync(fd).size;
    const pack: Pack = { id, file, idxFile, fd, idxFd, size };
    // Readable while it loads: a delta found past the index may need a base earlier in it.
    this.all.push(pack);
    // 1. entries from the index, as far as they are whole and point inside the pack
    let indexedEnd = 0;
    const idxBytes = idxFd >= 0 ? this.readIndex(idxFd) : Buffer.alloc(0);
    let goodIdx = 0;
    for (let p = 0; p + HEADER <= idxBytes.length; p += HEADER) {
      const h = parseHeader(idxBytes.subarray(p, p + HEADER));
      const offset = indexedEnd + HEADER;
      if (!h || offset + h.stored > size) break;
      found(pack, h, offset);
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
      const h = parseHeader(head);
      const offset = pos + HEADER;
      if (!h || offset + h.stored > size || !valid(pack, h, offset)) break;
      found(pack, h, offset);
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

  private readIndex(idxFd: number): Buffer {
    const idxSize = this.fs.fstatSync(idxFd).size;
    const idx = Buffer.alloc(idxSize);
    if (idxSize > 0) this.fs.readSync(idxFd, idx, 0, idxSize, 0);
    return idx;
  }

  /** Every record header in a pack, from its start up to the first that cannot be read. */
  scan(pack: Pack, visit: RecordVisitor): void {
    const head = Buffer.alloc(HEADER);
    for (let pos = 0; pos + HEADER <= pack.size; ) {
      if (this.fs.readSync(pack.fd, head, 0, HEADER, pos) !== HEADER) break;
      const h = parseHeader(head);
      if (!h) break;
      visit(pack, h, pos + HEADER);
      pos += HEADER + h.stored;
    }
  }

  /** Every entry of a pack's index file up to the first damaged one, with the offset its record has if the pack agrees. */
  scanIndex(pack: Pack, visit: RecordVisitor): void {
    if (pack.idxFd < 0) return;
    const idx = this.readIndex(pack.idxFd);
    let end = 0;
    for (let p = 0; p + HEADER <= idx.length; p += HEADER) {
      const h = parseHeader(idx.subarray(p, p + HEADER));
      if (!h) break;
      visit(pack, h, end + HEADER);
      end += HEADER + h.stored;
    }
  }

  packOf(id: number): Pack {
    const pack = this.all.find((p) => p.id === id);
    if (!pack) throw new Error('it points to a missing pack');
    return pack;
  }

  /** Bytes of records appended and not yet written. */
  get buffered(): number {
    return this.bufferSize;
  }

  /** Bytes of a pack, from disk or (past its written end) from the write buffer. */
  read(pack: Pack, start: number, length: number): Buffer {
    if (pack === this.current && start + length > pack.size) {
      // Still in the write buffer: read it from memory (a read never writes, so it cannot fail for a full disk).
      return this.readBuffered(start - pack.size, length);
    }
    const out = Buffer.alloc(length);
    const n = length ? this.fs.readSync(pack.fd, out, 0, length, start) : 0;
    if (n !== length) throw new Error('it is truncated');
    return out;
  }

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

  /**
   * Appends a record (to the write buffer of `current`, which it may start); returns where its
   * header starts in that pack.
   */
  append(header: Buffer, stored: Buffer): number {
    const pack = this.reserve(HEADER + stored.length);
    const start = pack.size + this.bufferSize;
    this.buffer.push(header, stored);
    this.bufferIdx.push(header);
    this.bufferSize += HEADER + stored.length;
    return start;
  }

  /** The pack the next `extra` bytes of records go to: `current`, or a new one when they would not fit. */
  reserve(extra: number): Pack {
    if (this.current && this.current.size + this.bufferSize + extra <= MAX_PACK) return this.current;
    this.write();
    // New names only, created exclusively: never appended to a file someone else put there.
    let id: number;
    let fd: number;
    let idxFd: number;
    let paths: { file: string; idxFile: string };
    for (;;) {
      id = ++this.lastPackId;
      paths = this.packPaths(id);
      try {
        fd = this.fs.openSync(paths.file, CREATE_NEW);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw e;
      }
      try {
        idxFd = this.fs.openSync(paths.idxFile, CREATE_NEW);
      } catch (e) {
        this.fs.closeSync(fd);
        this.fs.rmSync(paths.file, { force: true });
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw e;
      }
      break;
    }
    const { file, idxFile } = paths;
    const pack: Pack = { id, file, idxFile, fd, idxFd, size: 0 };
    this.all.push(pack);
    this.current = pack;
    return pack;
  }

  /** Writes the buffer out once it is a megabyte or more. */
  writeIfFull(): void {
    if (this.bufferSize >= WRITE_CHUNK) this.write();
  }

  /** Writes the buffered records to the pack and its index (no fsync). */
  write(): void {
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
      // Cut back whatever part of the write landed, so the pack stays whole.
      try {
        this.fs.ftruncateSync(pack.fd, pack.size);
      } catch {
        /* the next open cuts a torn tail */
      }
      const error = withPath(e, file);
      this.onWriteFailed(pack, pendingHashes, error);
      throw error;
    }
  }

  /** fsync of the pack being appended to and its index. */
  sync(): void {
    const pack = this.current;
    if (!pack) return;
    try {
      this.fs.fsyncSync(pack.fd);
    } catch (e) {
      throw withPath(e, pack.file);
    }
    try {
      this.fs.fsyncSync(pack.idxFd);
    } catch (e) {
      throw withPath(e, pack.idxFile);
    }
  }

  /** Total bytes of pack files on disk, and buffered. */
  diskSize(): number {
    return this.all.reduce((s, p) => s + p.size, 0) + this.bufferSize;
  }

  /** Sets every pack aside (as it is: flush first) for a rewrite: records appended next go to new packs. */
  detach(): DetachedPacks {
    const old = { packs: this.all.splice(0), current: this.current };
    this.current = undefined;
    return old;
  }

  /** Back to packs set aside: the packs written since are closed and removed, and records not yet written dropped. */
  restore(old: DetachedPacks): void {
    for (const p of this.all) {
      try {
        this.fs.closeSync(p.fd);
        this.fs.closeSync(p.idxFd);
        this.fs.rmSync(p.file, { force: true });
        this.fs.rmSync(p.idxFile, { force: true });
      } catch {
        /* a leftover pack only holds copies; the next open indexes them again */
      }
    }
    this.all.splice(0, this.all.length, ...old.packs);
    this.current = old.current;
    this.buffer = [];
    this.bufferIdx = [];
    this.bufferSize = 0;
  }

  /** Closes and removes packs set aside, once what they held is durable elsewhere. */
  remove(old: DetachedPacks): void {
    for (const p of old.packs) {
      this.fs.closeSync(p.fd);
      if (p.idxFd >= 0) this.fs.closeSync(p.idxFd);
      this.fs.rmSync(p.file, { force: true });
      this.fs.rmSync(p.idxFile, { force: true });
    }
  }

  /** Closes and removes one pack (not the one appended to), once what it held is durable elsewhere. */
  removePack(pack: Pack): void {
    if (this.current === pack) throw new Error('The pack being appended to cannot be removed.');
    const i = this.all.indexOf(pack);
    if (i >= 0) this.all.splice(i, 1);
    this.remove({ packs: [pack], current: undefined });
  }

  /** Closes every pack (nothing is written). */
  close(): void {
    this.closeAll(this.all);
    this.all.length = 0;
    this.current = undefined;
  }

  private closeAll(packs: Pack[]): void {
    for (const p of packs) {
      try {
        this.fs.closeSync(p.fd);
        if (p.idxFd >= 0) this.fs.closeSync(p.idxFd);
      } catch {
        /* already closed */
      }
    }
  }
}
