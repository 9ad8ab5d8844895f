// Work on a helper thread: deflating snapshot groups, reading group members from packs, and lstat
// of a batch of files. A first
// snapshot reads, hashes and records tens of thousands of files on the engine's thread; a scan
// stats each of them. On a machine with a second core part of that can run beside the rest. The
// callers stay synchronous: they hand work over, go on, and take the result when they need it
// (waiting on a shared counter then). If the helper fails, callers do the work themselves: nothing
// depends on the helper.
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';

const HELPER = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const zlib = require('node:zlib');
const { port, signal } = workerData;
const done = new Int32Array(signal);
const KIND = (st) => (st.isFile() ? 1 : st.isDirectory() ? 2 : st.isSymbolicLink() ? 3 : 4);
port.on('message', (m) => {
  try {
    if (m.op === 'deflate') {
      const z = zlib.deflateRawSync(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength), { level: m.level });
      const out = new Uint8Array(z.length);
      out.set(z);
      port.postMessage({ id: m.id, out }, [out.buffer]);
    } else if (m.op === 'members') {
      // Group members read from packs: [member record offset, length] per object. A group's stream
      // is inflated once per job, only as far as its furthest wanted member (with a margin).
      const fds = new Map();
      const groups = new Map();
      const lens = new Int32Array(m.offsets.length).fill(-1);
      const parts = [];
      let total = 0;
      for (let i = 0; i < m.offsets.length; i++) {
        try {
          const file = m.files[m.fileOf[i]];
          let fd = fds.get(file);
          if (fd === undefined) fds.set(file, (fd = fs.openSync(file, 'r')));
          const ref = Buffer.alloc(8);
          if (fs.readSync(fd, ref, 0, 8, m.offsets[i]) !== 8) continue;
          const groupAt = ref.readUInt32LE(0);
          const at = ref.readUInt32LE(4);
          const need = at + m.raws[i];
          const key = m.fileOf[i] + ':' + groupAt;
          let payload = groups.get(key);
          if (!payload || payload.length < need) {
            const h = Buffer.alloc(48);
            if (fs.readSync(fd, h, 0, 48, groupAt) !== 48 || h[40] !== 3) continue;
            const graw = h.readUInt32LE(32);
            const stored = h.readUInt32LE(36);
            payload = undefined;
            const cut = Math.ceil((need / graw) * stored * 1.15) + 256;
            if (need < graw && cut < stored) {
              try {
                const b = Buffer.allocUnsafe(cut);
                if (fs.readSync(fd, b, 0, cut, groupAt + 48) === cut) {
                  const part = zlib.inflateRawSync(b, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
                  if (part.length >= need) payload = part;
                }
              } catch {
                /* inflated whole below */
              }
            }
            if (!payload) {
              const b = Buffer.allocUnsafe(stored);
              if (fs.readSync(fd, b, 0, stored, groupAt + 48) !== stored) continue;
              payload = zlib.inflateRawSync(b);
            }
            groups.set(key, payload);
          }
          if (need > payload.length) continue;
          parts.push(payload.subarray(at, need));
          lens[i] = m.raws[i];
          total += m.raws[i];
        } catch {
          /* this one is read by the caller */
        }
      }
      for (const fd of fds.values()) {
        try {
          fs.closeSync(fd);
        } catch {
          /* read-only */
        }
      }
      const out = new Uint8Array(total);
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.length;
      }
      port.postMessage({ id: m.id, out, lens }, [out.buffer, lens.buffer]);
    } else {
      const out = new Float64Array(m.paths.length * 5);
      for (let i = 0; i < m.paths.length; i++) {
        let st;
        try {
          st = fs.lstatSync(m.paths[i], { throwIfNoEntry: false });
        } catch {
          out[i * 5] = -2; // an error: the caller stats this one itself
          continue;
        }
        if (!st) continue; // 0: absent
        out[i * 5] = KIND(st);
        out[i * 5 + 1] = st.size;
        out[i * 5 + 2] = st.mtimeMs;
        out[i * 5 + 3] = st.ino;
        out[i * 5 + 4] = st.mode;
      }
      port.postMessage({ id: m.id, out }, [out.buffer]);
    }
  } catch (e) {
    port.postMessage({ id: m.id, error: String((e && e.message) || e) });
  }
  Atomics.add(done, 0, 1);
  Atomics.notify(done, 0);
});
`;

/** lstat results from the helper: per path [kind, size, mtimeMs, ino, mode]; kind 0 absent, 1 file, 2 folder, 3 link, 4 other, -2 error. */
export type StatBatch = Float64Array;

export class HelperThread {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly done: Int32Array;
  private readonly results = new Map<number, { out?: Uint8Array | Float64Array; lens?: Int32Array }>();
  private nextId = 1;
  private broken = false;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    this.done = new Int32Array(signal);
    this.worker = new Worker(HELPER, { eval: true, workerData: { port: port2, signal }, transferList: [port2] });
    this.worker.unref();
    this.worker.on('error', () => (this.broken = true));
    this.worker.on('exit', () => (this.broken = true));
    this.port = port1;
    this.port.unref();
  }

  /** Queues `data` for deflate-raw at `level`; returns the job's id. */
  deflate(data: Buffer, level: number): number {
    const id = this.nextId++;
    const copy = new Uint8Array(data.length);
    copy.set(data);
    this.port.postMessage({ op: 'deflate', id, data: copy, level }, [copy.buffer]);
    return id;
  }

  /**
   * Queues reading objects that are members of groups: `files[fileOf[i]]` holds object i's member
   * record at `offsets[i]`, `raws[i]` bytes long. Returns the job's id. Nothing read is trusted:
   * the caller checks each object against its hash.
   */
  members(files: string[], fileOf: number[], offsets: number[], raws: number[]): number {
    const id = this.nextId++;
    this.port.postMessage({ op: 'members', id, files, fileOf, offsets, raws });
    return id;
  }

  /** Queues an lstat of each path; returns the job's id. */
  lstat(paths: string[]): number {
    const id = this.nextId++;
    this.port.postMessage({ op: 'lstat', id, paths });
    return id;
  }

  /**
   * The result of job `id`. `wait`: block until it is there. undefined when not done yet (without
   * `wait`) or when the helper could not do it (the caller does it itself).
   */
  take(id: number, wait: boolean): Uint8Array | Float64Array | undefined {
    return this.takeMessage(id, wait)?.out;
  }

  private takeMessage(id: number, wait: boolean): { out?: Uint8Array | Float64Array; lens?: Int32Array } | undefined {
    for (;;) {
      const seen = Atomics.load(this.done, 0);
      for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
        const msg = m.message as { id: number; out?: Uint8Array | Float64Array; lens?: Int32Array; error?: string };
        this.results.set(msg.id, msg);
      }
      if (this.results.has(id)) {
        const r = this.results.get(id);
        this.results.delete(id);
        return r;
      }
      if (!wait || this.broken) return undefined;
      Atomics.wait(this.done, 0, seen, 50);
    }
  }

  /** Deflated bytes of a `deflate` job (see `take`). */
  takeDeflated(id: number, wait: boolean): Buffer | undefined {
    const r = this.take(id, wait);
    return r instanceof Uint8Array ? Buffer.from(r.buffer, r.byteOffset, r.byteLength) : undefined;
  }

  /** Results of a `members` job (see `take`): the objects' bytes one after another, and each one's length (-1: not read). */
  takeMembers(id: number, wait: boolean): { out: Uint8Array; lens: Int32Array } | undefined {
    const r = this.takeMessage(id, wait);
    return r?.out instanceof Uint8Array && r.lens instanceof Int32Array ? { out: r.out, lens: r.lens } : undefined;
  }

  /** Results of an `lstat` job (see `take`). */
  takeStats(id: number, wait: boolean): StatBatch | undefined {
    const r = this.take(id, wait);
    return r instanceof Float64Array ? r : undefined;
  }

  close(): void {
    this.broken = true;
    this.port.close();
    void this.worker.terminate();
  }
}
