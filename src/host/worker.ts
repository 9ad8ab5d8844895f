// The engine's thread. Scanning, hashing, compression and database saves use synchronous file
// system calls (3–4× faster than async ones here); on this thread they never block VS Code.
// Calls are served one at a time, in order.
import { parentPort } from 'node:worker_threads';
import type { EngineMethods, SyncOrAsync } from '../core/engineApi';
import { Engine } from '../core/engine';
import { isEngineMethod, type FromWorker, type ToWorker } from './protocol';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

/** What the worker calls: the engine, checked to implement every listed method. */
type Served = SyncOrAsync<EngineMethods>;

let engine: Served | undefined;
let queue: Promise<void> = Promise.resolve();
let nextDirty = 1;
const dirtyWaiters = new Map<number, { resolve: (p: string[]) => void; reject: (e: Error) => void }>();

const post = (m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer as never);

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'init') {
    const e = new Engine({ ...msg.options, savePolicy: msg.options.savePolicy ?? 'always' });
    e.onEvent((event) => post({ type: 'event', event }));
    engine = e; // a type error unless Engine implements every listed method
    return;
  }
  if (msg.type === 'dirtyResult') {
    const w = dirtyWaiters.get(msg.callId);
    dirtyWaiters.delete(msg.callId);
    if (msg.error) w?.reject(new Error(msg.error));
    else w?.resolve(msg.paths ?? []);
    return;
  }
  queue = queue.then(() => serve(msg));
});

async function serve(msg: Extract<ToWorker, { type: 'call' }>): Promise<void> {
  try {
    // The message's type says it is listed; what arrives is checked all the same.
    const method: unknown = msg.method;
    if (!isEngineMethod(method)) throw new Error(`Unknown engine method "${String(method)}".`);
    if (!engine) throw new Error('The engine was not initialised.');
    const fn = engine[method] as (...args: unknown[]) => unknown;
    const args = [...msg.args];
    if (msg.dirtyCallback) {
      args[1] = {
        ...(args[1] as object),
        isDirty: (paths: string[]) =>
          new Promise<string[]>((resolve, reject) => {
            const callId = nextDirty++;
            dirtyWaiters.set(callId, { resolve, reject });
            post({ type: 'dirty', callId, forCall: msg.id, paths });
          }),
      };
    }
    const value = await fn.apply(engine, args);
    if (value instanceof Uint8Array) {
      const copy = new Uint8Array(value);
      post({ type: 'result', id: msg.id, value: copy }, [copy.buffer as ArrayBuffer]);
    } else post({ type: 'result', id: msg.id, value });
  } catch (e) {
    const err = e as Error & { code?: string };
    post({ type: 'error', id: msg.id, error: { name: err.name, code: err.code, message: err.message } });
  }
}
