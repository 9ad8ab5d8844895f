// Work on a helper thread: deflating snapshot groups, and lstat of a batch of files. A first
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
  private readonly results = new Map<number, Uint8Array | Float64Array | undefined>();
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
    for (;;) {
      const seen = Atomics.load(this.done, 0);
      for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
        const msg = m.message as { id: number; out?: Uint8Array | Float64Array; error?: string };
        this.results.set(msg.id, msg.out);
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
