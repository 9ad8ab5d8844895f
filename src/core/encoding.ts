// Compact binary encodings kept in the database (change lists) and the snapshot store (manifests).

/** One changed file of a checkpoint, by interned ids. Blob 0 means "absent". */
export interface ChangeRecord {
  path: number;
  beforeBlob: number;
  beforeMode: number;
  afterBlob: number;
  afterMode: number;
  added: number;
  removed: number;
  binary: boolean;
}

class Writer {
  private buf = Buffer.alloc(256);
  private len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  uint(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`cannot encode ${v}`);
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  done(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}
  get atEnd(): boolean {
    return this.pos >= this.buf.length;
  }
  uint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
      if (mul > 2 ** 56) throw new Error('varint too long');
    }
  }
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw new Error('truncated bytes');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

export function encodeChanges(changes: ChangeRecord[]): Buffer {
  const w = new Writer();
  w.uint(1); // format version
  w.uint(changes.length);
  for (const c of changes) {
    w.uint(c.path);
    w.uint(c.beforeBlob);
    w.uint(c.beforeMode);
    w.uint(c.afterBlob);
    w.uint(c.afterMode);
    w.uint(c.added);
    w.uint(c.removed);
    w.uint(c.binary ? 1 : 0);
  }
  return w.done();
}

export function decodeChanges(buf: Uint8Array | null | undefined): ChangeRecord[] {
  if (!buf || buf.length === 0) return [];
  const r = new Reader(buf);
  const version = r.uint();
  if (version !== 1) throw new Error(`unknown change-list format ${version}`);
  const n = r.uint();
  const out: ChangeRecord[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      path: r.uint(),
      beforeBlob: r.uint(),
      beforeMode: r.uint(),
      afterBlob: r.uint(),
      afterMode: r.uint(),
      added: r.uint(),
      removed: r.uint(),
      binary: r.uint() === 1,
    });
  }
  return out;
}

/** A full state: every tracked file's key → content hash and mode. Portable (no interned ids). */
export type Manifest = Map<string, { hash: string; mode: number }>;

const MANIFEST_MAGIC = Buffer.from('STMANIF1');

export function encodeManifest(m: Manifest): Buffer {
  const w = new Writer();
  w.bytes(MANIFEST_MAGIC);
  const keys = [...m.keys()].sort();
  w.uint(keys.length);
  for (const k of keys) writeEntry(w, k, m.get(k)!);
  return w.done();
}

/**
 * `encodeManifest` in steps, the same bytes: for the state of a large workspace (100,000 files:
 * hundreds of milliseconds in one go), built while reads wait. `due` is asked every few hundred
 * entries, and it yields when that says so.
 */
export function* encodeManifestSteps(m: Manifest, due: () => boolean): Generator<void, Buffer, void> {
  const w = new Writer();
  w.bytes(MANIFEST_MAGIC);
  const keys = yield* sortSteps([...m.keys()], due);
  w.uint(keys.length);
  for (let i = 0; i < keys.length; i++) {
    writeEntry(w, keys[i], m.get(keys[i])!);
    if ((i & 255) === 255 && due()) yield;
  }
  return w.done();
}

function writeEntry(w: Writer, key: string, v: { hash: string; mode: number }): void {
  const kb = Buffer.from(key, 'utf8');
  w.uint(kb.length);
  w.bytes(kb);
  w.bytes(Buffer.from(v.hash, 'hex'));
  w.uint(v.mode);
}

/** Strings in the order of `Array.prototype.sort()` (UTF-16 code units), sorted in runs merged in steps. */
function* sortSteps(a: string[], due: () => boolean): Generator<void, string[], void> {
  const RUN = 2048;
  for (let lo = 0; lo < a.length; lo += RUN) {
    const run = a.slice(lo, lo + RUN).sort();
    for (let i = 0; i < run.length; i++) a[lo + i] = run[i];
    if (due()) yield;
  }
  let src = a;
  let dst: string[] = new Array<string>(a.length);
  for (let width = RUN; width < a.length; width *= 2) {
    let n = 0;
    for (let lo = 0; lo < a.length; lo += 2 * width) {
      let i = lo;
      const mid = Math.min(lo + width, a.length);
      let j = mid;
      const hi = Math.min(lo + 2 * width, a.length);
      let k = lo;
      while (i < mid || j < hi) {
        dst[k++] = j >= hi || (i < mid && src[i] <= src[j]) ? src[i++] : src[j++];
        if ((++n & 1023) === 0 && due()) yield;
      }
    }
    [src, dst] = [dst, src];
  }
  return src;
}

export function decodeManifest(buf: Uint8Array): Manifest {
  if (buf.length < 8 || !Buffer.from(buf.subarray(0, 8)).equals(MANIFEST_MAGIC)) throw new Error('not a manifest');
  const r = new Reader(buf.subarray(8));
  const n = r.uint();
  const m: Manifest = new Map();
  for (let i = 0; i < n; i++) {
    const key = Buffer.from(r.bytes(r.uint())).toString('utf8');
    const hash = Buffer.from(r.bytes(32)).toString('hex');
    m.set(key, { hash, mode: r.uint() });
  }
  return m;
}
