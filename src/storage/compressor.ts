// Work on a helper thread: deflating snapshot groups, and lstat of a batch of files. A first
// snapshot reads, hashes and records tens of thousands of files on the engine's thread; a scan
// stats each of them. On a machine with a second core part of that can run beside the rest. The
// callers stay synchronous: they hand work over, go on, and take the result when they need it
// (waiting on a shared counter then). If the helper fails, callers do the work themselves: nothing
// depends on the helper. A helper thread runs only while there is work: it stops when idle.
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

/** How long a helper thread with nothing to do stays up (ms): each is an isolate with its own heap. */
export const HELPER_IDLE_MS = 2000;

/** One running helper: its thread, the port to it, and the counter it bumps per job done. */
interface Running {
  worker: Worker;
  port: MessagePort;
  done: Int32Array;
  broken: boolean;
  /** Stopped on purpose (idle or closed), not failed. */
  stopped: boolean;
}

/** A helper that failed this many times is not started again: its callers do the work themselves. */
const MAX_FAILURES = 3;

/**
 * A helper thread started when a job comes and stopped once it has had nothing to do for
 * `idleMs` (the next job starts it again): at rest it holds no memory.
 */
export class HelperThread {
  private running: Running | undefined;
  private readonly results = new Map<number, Uint8Array | Float64Array | undefined>();
  /** Jobs handed over and not taken yet, with the thread each went to. */
  private readonly outstanding = new Map<number, Running>();
  private nextId = 1;
  private closed = false;
  private failures = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Threads started so far (for tests and the footprint probe). */
  started = 0;

  constructor(private readonly idleMs = HELPER_IDLE_MS) {}

  /** Whether a thread is up now. */
  get alive(): boolean {
    return this.running !== undefined && !this.running.broken;
  }

  /** The running thread, started if none is (undefined once closed: jobs then fail, done by the caller). */
  private thread(): Running | undefined {
    this.cancelIdle();
    if (this.running && !this.running.broken) return this.running;
    if (this.running && !this.running.stopped) this.failures++;
    this.running = undefined;
    if (this.closed || this.failures >= MAX_FAILURES) return undefined;
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    // A small young generation: the buffers handed over die young and are freed soon.
    const worker = new Worker(HELPER, {
      eval: true,
      workerData: { port: port2, signal },
      transferList: [port2],
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    const r: Running = { worker, port: port1, done: new Int32Array(signal), broken: false, stopped: false };
    worker.unref();
    worker.on('error', () => (r.broken = true));
    worker.on('exit', () => (r.broken = true));
    port1.unref();
    this.running = r;
    this.started++;
    return r;
  }

  private post(id: number, message: unknown, transfer?: ArrayBuffer[]): void {
    const r = this.thread();
    if (!r) return;
    this.outstanding.set(id, r);
    r.port.postMessage(message, transfer as never);
  }

  /** Queues `data` for deflate-raw at `level`; returns the job's id. */
  deflate(data: Buffer, level: number): number {
    const id = this.nextId++;
    const copy = new Uint8Array(data.length);
    copy.set(data);
    this.post(id, { op: 'deflate', id, data: copy, level }, [copy.buffer]);
    return id;
  }

  /** Queues an lstat of each path; returns the job's id. */
  lstat(paths: string[]): number {
    const id = this.nextId++;
    this.post(id, { op: 'lstat', id, paths });
    return id;
  }

  /**
   * The result of job `id`. `wait`: block until it is there. undefined when not done yet (without
   * `wait`) or when the helper could not do it (the caller does it itself).
   */
  take(id: number, wait: boolean): Uint8Array | Float64Array | undefined {
    const r = this.outstanding.get(id);
    if (!r) return this.finish(id, undefined); // unknown, or taken already
    for (;;) {
      const seen = Atomics.load(r.done, 0);
      for (let m = receiveMessageOnPort(r.port); m; m = receiveMessageOnPort(r.port)) {
        const msg = m.message as { id: number; out?: Uint8Array | Float64Array; error?: string };
        this.results.set(msg.id, msg.out);
      }
      if (this.results.has(id)) {
        const out = this.results.get(id);
        this.results.delete(id);
        return this.finish(id, out);
      }
      if (r.broken) return this.finish(id, undefined);
      if (!wait) return undefined;
      Atomics.wait(r.done, 0, seen, 50);
    }
  }

  private finish<T>(id: number, out: T): T {
    this.outstanding.delete(id);
    if (this.outstanding.size === 0) this.scheduleIdle();
    return out;
  }

  private scheduleIdle(): void {
    if (this.idleTimer || !this.running) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.outstanding.size === 0) this.stop();
    }, this.idleMs);
    this.idleTimer.unref?.();
  }

  private cancelIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private stop(): void {
    const r = this.running;
    this.running = undefined;
    if (!r) return;
    r.broken = true;
    r.stopped = true;
    r.port.close();
    void r.worker.terminate();
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
    this.closed = true;
    this.cancelIdle();
    this.outstanding.clear();
    this.results.clear();
    this.stop();
  }
}
