// Group compression on a helper thread. A first snapshot reads, hashes and records tens of thousands
// of files on the engine's thread and deflates their groups; on a machine with a second core the
// deflating can run beside the rest. The snapshot store stays synchronous: it hands a group's
// payload over, goes on, and takes the result when it needs it (waiting on a shared counter then).
// If the helper fails, the caller compresses the group itself: nothing depends on the helper.
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';

const HELPER = `
const { workerData } = require('node:worker_threads');
const zlib = require('node:zlib');
const { port, signal } = workerData;
const done = new Int32Array(signal);
port.on('message', (m) => {
  try {
    const z = zlib.deflateRawSync(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength), { level: m.level });
    const out = new Uint8Array(z.length);
    out.set(z);
    port.postMessage({ id: m.id, z: out }, [out.buffer]);
  } catch (e) {
    port.postMessage({ id: m.id, error: String((e && e.message) || e) });
  }
  Atomics.add(done, 0, 1);
  Atomics.notify(done, 0);
});
`;

export class BackgroundDeflate {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly done: Int32Array;
  private readonly results = new Map<number, Buffer | undefined>();
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
  submit(data: Buffer, level: number): number {
    const id = this.nextId++;
    const copy = new Uint8Array(data.length);
    copy.set(data);
    this.port.postMessage({ id, data: copy, level }, [copy.buffer]);
    return id;
  }

  /**
   * The compressed bytes of job `id`. `wait`: block until they are there. undefined when not done
   * yet (without `wait`) or when the helper could not do it (the caller compresses it itself).
   */
  take(id: number, wait: boolean): Buffer | undefined {
    for (;;) {
      const seen = Atomics.load(this.done, 0);
      for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
        const msg = m.message as { id: number; z?: Uint8Array; error?: string };
        this.results.set(msg.id, msg.z ? Buffer.from(msg.z.buffer, msg.z.byteOffset, msg.z.byteLength) : undefined);
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

  close(): void {
    this.broken = true;
    this.port.close();
    void this.worker.terminate();
  }
}
