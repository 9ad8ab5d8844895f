// The contents of the database log (see log.ts): what one durable commit changed, as the SQL
// statements with their bound parameters, in the order they ran.
//
// Why statements and not changed rows: every write to the database goes through one method
// (`Metadata.run`), so the statements are already at hand, exactly, without triggers or a second
// description of every table; and SQLite is deterministic — the same statements with the same
// parameters on the same base give the same rows (no statement uses random(), the time or the
// order of an unordered read to decide what to write). Statements of a savepoint that rolled back
// are taken out again (`rewind`), so the list is what committed.
//
// A batch's encoding: a sequence of statements, each
//   u8 kind (0: new SQL text follows, u32 length + UTF-8, and gets the batch's next index; 1: u32
//   index of a text already in the batch), u16 parameter count, then each parameter as
//   u8 tag (0 null, 1 float64, 2 int32, 3 UTF-8 text, 4 bytes) + its value (u32 length first for 3, 4).
// Numbers keep their exact float64 (sql.js binds a JS number by its value, so the replay binds the same).
import * as zlib from 'node:zlib';

export type Param = string | number | null | Uint8Array;
export interface Statement {
  sql: string;
  params: Param[];
}

const MAX_PARAMS = 0xffff;

/** The statements run since the last durable save (the next log record), encoded as they run. */
export class ChangeBatch {
  private buf = Buffer.alloc(4096);
  private len = 0;
  private texts = new Map<string, number>();
  private textOrder: string[] = [];
  /** Statements in the batch (for the figures). */
  count = 0;
  /**
   * Set when the batch grew past `limit` bytes: it stops recording, and the next save writes the
   * whole database instead (a first scan of 100k files is not worth a log record).
   */
  overflowed = false;

  constructor(private readonly limit = 64 * 1024 * 1024) {}

  get bytes(): number {
    return this.len;
  }

  get empty(): boolean {
    return this.len === 0 && !this.overflowed;
  }

  add(sql: string, params: Param[]): void {
    if (this.overflowed) return;
    if (params.length > MAX_PARAMS) throw new Error(`A statement with ${params.length} parameters cannot be logged.`);
    const idx = this.texts.get(sql);
    if (idx === undefined) {
      const t = Buffer.from(sql, 'utf8');
      this.room(5 + t.length);
      this.buf[this.len++] = 0;
      this.u32(t.length);
      this.len += t.copy(this.buf, this.len);
      this.texts.set(sql, this.textOrder.length);
      this.textOrder.push(sql);
    } else {
      this.room(5);
      this.buf[this.len++] = 1;
      this.u32(idx);
    }
    this.room(2);
    this.buf.writeUInt16LE(params.length, this.len);
    this.len += 2;
    for (const p of params) this.param(p);
    this.count++;
    if (this.len > this.limit) this.overflowed = true;
  }

  /** Where the batch is now: `rewind` to it drops what was added since (a savepoint rolled back). */
  mark(): { len: number; texts: number; count: number } {
    return { len: this.len, texts: this.textOrder.length, count: this.count };
  }

  rewind(m: { len: number; texts: number; count: number }): void {
    if (this.overflowed) return; // the next save writes the whole database anyway
    this.len = m.len;
    this.count = m.count;
    while (this.textOrder.length > m.texts) this.texts.delete(this.textOrder.pop()!);
  }

  /** The encoded batch (a view: valid until the next `add` or `clear`). */
  payload(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  clear(): void {
    this.len = 0;
    this.count = 0;
    this.texts.clear();
    this.textOrder = [];
    this.overflowed = false;
    if (this.buf.length > 1 << 20) this.buf = Buffer.alloc(4096);
  }

  private param(p: Param): void {
    if (p === null || p === undefined) {
      this.room(1);
      this.buf[this.len++] = 0;
    } else if (typeof p === 'number') {
      if (Number.isInteger(p) && p >= -0x80000000 && p <= 0x7fffffff && !Object.is(p, -0)) {
        this.room(5);
        this.buf[this.len++] = 2;
        this.buf.writeInt32LE(p, this.len);
        this.len += 4;
      } else {
        this.room(9);
        this.buf[this.len++] = 1;
        this.buf.writeDoubleLE(p, this.len);
        this.len += 8;
      }
    } else if (typeof p === 'string') {
      const n = Buffer.byteLength(p, 'utf8');
      this.room(5 + n);
      this.buf[this.len++] = 3;
      this.u32(n);
      this.len += this.buf.write(p, this.len, 'utf8');
    } else if (p instanceof Uint8Array) {
      this.room(5 + p.length);
      this.buf[this.len++] = 4;
      this.u32(p.length);
      this.buf.set(p, this.len);
      this.len += p.length;
    } else {
      throw new Error(`A parameter of type ${typeof p} cannot be logged.`);
    }
  }

  private u32(n: number): void {
    this.buf.writeUInt32LE(n, this.len);
    this.len += 4;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}

/** The statements of an encoded batch; throws on anything malformed (a record passed its checksum, so that is a bug). */
export function decodeBatch(payload: Uint8Array): Statement[] {
  const b = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const out: Statement[] = [];
  const texts: string[] = [];
  let off = 0;
  const need = (n: number) => {
    if (off + n > b.length) throw new Error('a log record ends in the middle of a statement');
  };
  while (off < b.length) {
    need(1);
    const kind = b[off++];
    let sql: string;
    need(4);
    const n = b.readUInt32LE(off);
    off += 4;
    if (kind === 0) {
      need(n);
      sql = b.toString('utf8', off, off + n);
      off += n;
      texts.push(sql);
    } else if (kind === 1) {
      if (n >= texts.length) throw new Error('a log record refers to a statement it does not hold');
      sql = texts[n];
    } else throw new Error(`a log record holds an unknown entry (${kind})`);
    need(2);
    const count = b.readUInt16LE(off);
    off += 2;
    const params: Param[] = [];
    for (let i = 0; i < count; i++) {
      need(1);
      const tag = b[off++];
      if (tag === 0) params.push(null);
      else if (tag === 1) {
        need(8);
        params.push(b.readDoubleLE(off));
        off += 8;
      } else if (tag === 2) {
        need(4);
        params.push(b.readInt32LE(off));
        off += 4;
      } else if (tag === 3 || tag === 4) {
        need(4);
        const len = b.readUInt32LE(off);
        off += 4;
        need(len);
        params.push(tag === 3 ? b.toString('utf8', off, off + len) : new Uint8Array(b.subarray(off, off + len)));
        off += len;
      } else throw new Error(`a log record holds an unknown parameter type (${tag})`);
    }
    out.push({ sql, params });
  }
  return out;
}

// ── CRC-32 (IEEE), native where Node has it (20.15+), else a table ──

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (table) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

const nativeCrc = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of `data`, continuing from `crc` (0 to start). */
export function crc32(data: Uint8Array, crc = 0): number {
  if (nativeCrc) return nativeCrc(data, crc) >>> 0;
  const t = crcTable();
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The JS implementation, for the test that it agrees with the native one. */
export function crc32Table(data: Uint8Array): number {
  const t = crcTable();
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
