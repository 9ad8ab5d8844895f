// The database log, `state.db.log`: append-only, beside the base database `state.db` (db.ts). Each
// durable commit appends one record (what it changed: logRecord.ts) and fsyncs it, so making a
// change durable costs in proportion to the change, not to the history. From time to time, and at
// close, the log is folded into a new base (a whole export) and a new generation starts.
//
// The file: a 24-byte header — magic `STLOG001`, the base it belongs to (its length as two u32,
// its CRC-32), the header's own CRC-32 — then records, each
//   u32 payload length · u32 sequence number (1, 2, …) · u32 generation (the base's CRC-32) ·
//   u32 CRC-32 of the 12 bytes before it and the payload · payload.
// The base's length and checksum are its generation: a log is applied only to the very base it was
// written on — not to an older or newer one, nor to one an older Session Tree re-saved without it.
//
// Reading stops at the first record that is not whole, not sound (checksum), not of this generation
// or not the next in sequence: everything from there on is dropped, never misread. A kill in the
// middle of an append leaves such a tail; the commit it was part of had not returned.
import * as path from 'node:path';
import { type Fs, O_NOFOLLOW, removeQuietly, withPath, writeAll, writeTempFile } from './files';
import { crc32 } from './logRecord';

const MAGIC = Buffer.from('STLOG001', 'latin1');
export const HEADER_BYTES = 24;
export const RECORD_HEAD_BYTES = 16;

/** Which base a log belongs to. */
export interface BaseTag {
  len: number;
  crc: number;
}

export const tagOf = (base: Uint8Array): BaseTag => ({ len: base.length, crc: crc32(base) });
const sameTag = (a: BaseTag, b: BaseTag) => a.len === b.len && a.crc === b.crc;

export function encodeHeader(tag: BaseTag): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(h, 0);
  h.writeUInt32LE(tag.len % 0x100000000, 8);
  h.writeUInt32LE(Math.floor(tag.len / 0x100000000), 12);
  h.writeUInt32LE(tag.crc, 16);
  h.writeUInt32LE(crc32(h.subarray(0, 20)), 20);
  return h;
}

export function encodeRecord(seq: number, tag: BaseTag, payload: Uint8Array): Buffer {
  const r = Buffer.alloc(RECORD_HEAD_BYTES + payload.length);
  r.writeUInt32LE(payload.length, 0);
  r.writeUInt32LE(seq, 4);
  r.writeUInt32LE(tag.crc, 8);
  r.set(payload, RECORD_HEAD_BYTES);
  r.writeUInt32LE(crc32(payload, crc32(r.subarray(0, 12))), 12);
  return r;
}

export type LogStatus =
  /** No log (none, or only a header): nothing to apply. */
  | 'none'
  /** Every byte is a sound record of this base. */
  | 'clean'
  /** Its last record is cut short (a kill during an append): dropped. */
  | 'torn'
  /** A record fails its checksum or is out of sequence: it and everything after are dropped. */
  | 'damaged'
  /** The log belongs to another base (a fold was cut between its steps, or another version saved the base): not applied. */
  | 'other-generation'
  /** Not a log of ours (wrong magic, damaged header): not applied. */
  | 'unrecognised';

export interface LogContents {
  status: LogStatus;
  /** Each sound record's payload, in order. */
  records: Uint8Array[];
  /** Bytes of the file that are its header and sound records. */
  validEnd: number;
  /** Bytes after them (dropped). */
  dropped: number;
}

/** The sound prefix of a log file's bytes, for the base `tag`. */
export function parseLog(bytes: Uint8Array, tag: BaseTag): LogContents {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = (status: LogStatus, records: Uint8Array[], validEnd: number): LogContents => ({ status, records, validEnd, dropped: b.length - validEnd });
  if (b.length === 0) return out('none', [], 0);
  if (b.length < HEADER_BYTES) return out('torn', [], 0);
  if (!b.subarray(0, 8).equals(MAGIC) || b.readUInt32LE(20) !== crc32(b.subarray(0, 20))) return out('unrecognised', [], 0);
  const headerTag = { len: b.readUInt32LE(8) + b.readUInt32LE(12) * 0x100000000, crc: b.readUInt32LE(16) };
  if (!sameTag(headerTag, tag)) return out('other-generation', [], 0);
  const records: Uint8Array[] = [];
  let off = HEADER_BYTES;
  while (off < b.length) {
    if (off + RECORD_HEAD_BYTES > b.length) return out('torn', records, off);
    const len = b.readUInt32LE(off);
    const end = off + RECORD_HEAD_BYTES + len;
    if (end > b.length) return out('torn', records, off);
    const payload = b.subarray(off + RECORD_HEAD_BYTES, end);
    if (b.readUInt32LE(off + 12) !== crc32(payload, crc32(b.subarray(off, off + 12)))) return out('damaged', records, off);
    if (b.readUInt32LE(off + 8) !== tag.crc) return out('other-generation', records, off);
    if (b.readUInt32LE(off + 4) !== records.length + 1) return out('damaged', records, off);
    records.push(payload);
    off = end;
  }
  return out(records.length ? 'clean' : 'none', records, off);
}

/** Reads a log file (never through a link); a missing file is an empty log. */
export function readLog(fs: Fs, file: string, tag: BaseTag): LogContents {
  let bytes: Buffer;
  try {
    if (fs.lstatSync(file).isSymbolicLink()) return { status: 'unrecognised', records: [], validEnd: 0, dropped: 0 };
    bytes = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'none', records: [], validEnd: 0, dropped: 0 };
    throw e;
  }
  return parseLog(bytes, tag);
}

/**
 * Appends records to the log of one base. The first append of a generation writes a new file
 * (header and record, temp + fsync + rename + folder fsync); later ones write at the end through
 * one descriptor and fsync it. After a failed append the next one first cuts the file back to its
 * last sound record.
 */
export class LogAppender {
  private fd: number | undefined;
  /** Bytes of the file that are sound (0: no file of this generation yet). */
  end = 0;
  /** Records in it. */
  seq = 0;
  private dirty = false;

  constructor(
    private readonly fs: Fs,
    readonly file: string,
    private tag: BaseTag,
  ) {}

  get generation(): BaseTag {
    return this.tag;
  }

  /** Goes on after `seq` sound records ending at `end` (the log read at open, all of it sound). */
  resume(end: number, seq: number): void {
    this.end = end;
    this.seq = seq;
  }

  /** A new base: the next append starts a new log for it. */
  restart(tag: BaseTag): void {
    this.close();
    this.tag = tag;
    this.end = 0;
    this.seq = 0;
    this.dirty = false;
  }

  /** Bytes the log would have after appending a payload of `n` bytes. */
  sizeAfter(n: number): number {
    return (this.end || HEADER_BYTES) + RECORD_HEAD_BYTES + n;
  }

  append(payload: Uint8Array): number {
    const rec = encodeRecord(this.seq + 1, this.tag, payload);
    if (this.end === 0) {
      const tmp = this.file + '.tmp';
      removeQuietly(this.fs, tmp);
      const whole = Buffer.concat([encodeHeader(this.tag), rec]);
      writeTempFile(this.fs, tmp, whole, { fsync: true });
      try {
        this.fs.renameSync(tmp, this.file);
      } catch (e) {
        removeQuietly(this.fs, tmp);
        throw e;
      }
      fsyncDir(this.fs, path.dirname(this.file));
      this.end = whole.length;
      this.seq = 1;
      return whole.length;
    }
    try {
      if (this.fd === undefined) {
        const c = this.fs.constants;
        this.fd = this.fs.openSync(this.file, c.O_RDWR | O_NOFOLLOW);
        this.dirty ||= this.fs.fstatSync(this.fd).size !== this.end;
      }
      if (this.dirty) {
        this.fs.ftruncateSync(this.fd, this.end);
        this.dirty = false;
      }
      writeAll(this.fs, this.fd, rec, this.end);
      this.fs.fsyncSync(this.fd);
    } catch (e) {
      this.dirty = true;
      throw withPath(e, this.file);
    }
    this.end += rec.length;
    this.seq++;
    return rec.length;
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      this.fs.closeSync(this.fd);
    } catch {
      /* closing: nothing of it is needed any more */
    }
    this.fd = undefined;
  }
}

export function fsyncDir(fs: Fs, dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* not supported on every platform */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
