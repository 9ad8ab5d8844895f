// The engine's thread. Scanning, hashing, compression and database saves use synchronous file
// system calls (3–4× faster than async ones here); on this thread they never block VS Code.
// Calls start in the order they arrive; reads are served while a long one (an export) lets the event
// loop turn, writers always one at a time (see schedule.ts).
import { parentPort } from 'node:worker_threads';
import type { EngineMethods, SyncOrAsync } from '../core/engineApi';
import { Engine } from '../core/engine';
import type { ImportOptions } from '../core/exchange';
import { barrier } from '../core/scan/watch';
import { isEngineMethod, type EngineMethod, type FromWorker, type ToWorker } from './protocol';
import { CallScheduler, kindOf } from './schedule';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

/** What the worker calls: the engine, checked to implement every listed method. */
type Served = SyncOrAsync<EngineMethods>;

let engine: Served | undefined;
/** Methods served here by a variant that lets the event loop turn while it works. */
let yielding: Partial<Record<EngineMethod, (...args: unknown[]) => Promise<unknown>>> = {};
const scheduler = new CallScheduler();
let nextCallback = 1;
const callbackWaiters = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

/**
 * Calls that bring the engine up to what is on disk: before one starts, the loop turns past a poll
 * phase, so every watcher event of a write that completed before the call was sent has arrived.
 */
const AFTER_BARRIER: ReadonlySet<EngineMethod> = new Set<EngineMethod>(['createCheckpoint', 'beginTurn', 'rescan', 'restore']);

const post = (m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer as never);

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'init': {
      // The engine's own watcher (scan/watch.ts): seals re-stat what changed instead of walking.
      const e = new Engine({ ...msg.options, savePolicy: msg.options.savePolicy ?? 'always', watch: msg.options.watch ?? true });
      e.onEvent((event) => post({ type: 'event', event }));
      engine = e; // a type error unless Engine implements every listed method
      yielding = {
        exportSession: (id, file) => e.exportSessionYielding(id as string, file as string),
        gc: () => e.gcYielding(),
        startupScan: () => e.startupScanSliced(),
        importSession: (file, options) => e.importSessionYielding(file as string, options as ImportOptions | undefined),
      };
      return;
    }
    case 'callbackResult': {
      const w = callbackWaiters.get(msg.callId);
      callbackWaiters.delete(msg.callId);
      if (msg.error !== undefined) w?.reject(new Error(msg.error));
      else w?.resolve(msg.value);
      return;
    }
    case 'call':
      scheduler.submit(kindOf(msg.method), () => serve(msg));
      return;
  }
});

/** The call's arguments with a function in each callback slot that runs the original on the extension host. */
function withCallbacks(msg: Extract<ToWorker, { type: 'call' }>): unknown[] {
  const args = [...msg.args];
  (msg.callbacks ?? []).forEach(({ arg, key }, slot) => {
    const fn = (...fnArgs: unknown[]) =>
      new Promise<unknown>((resolve, reject) => {
        const callId = nextCallback++;
        callbackWaiters.set(callId, { resolve, reject });
        post({ type: 'callback', callId, forCall: msg.id, slot, args: fnArgs });
      });
    args[arg] = { ...(args[arg] as object | undefined), [key]: fn };
  });
  return args;
}

async function serve(msg: Extract<ToWorker, { type: 'call' }>): Promise<void> {
  try {
    // The message's type says it is listed; what arrives is checked all the same.
    const method: unknown = msg.method;
    if (!isEngineMethod(method)) throw new Error(`Unknown engine method "${String(method)}".`);
    if (!engine) throw new Error('The engine was not initialised.');
    const fn = yielding[method] ?? (engine[method] as (...args: unknown[]) => unknown);
    if (AFTER_BARRIER.has(method)) await barrier();
    const value = await fn.apply(engine, withCallbacks(msg));
    if (value instanceof Uint8Array) {
      const copy = new Uint8Array(value);
      post({ type: 'result', id: msg.id, value: copy }, [copy.buffer as ArrayBuffer]);
    } else post({ type: 'result', id: msg.id, value });
  } catch (e) {
    const err = e as Error & { code?: string };
    post({ type: 'error', id: msg.id, error: { name: err.name, code: err.code, message: err.message } });
  }
}
