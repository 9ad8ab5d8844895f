// The extension host's side of the engine: starts the worker and turns calls into messages.
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { EngineApi, EngineEvent, EngineMethods } from '../core/engineApi';
import { EngineError, type EngineErrorCode } from '../core/types';
import { ENGINE_METHODS, type CallbackSlot, type EngineMethod, type FromWorker, type ToWorker, type WorkerInit } from './protocol';

export interface StartOptions extends WorkerInit {
  /** The bundled worker script (dist/worker.js in the extension). */
  workerPath: string;
}

export type EngineClient = EngineMethods & Pick<EngineApi, 'onEvent'> & {
  /** Stops the worker (after close). */
  terminate(): Promise<void>;
};

type Callback = (...args: unknown[]) => unknown;

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** The arguments without their function-valued properties, which are named in `slots` instead. */
function takeCallbacks(args: unknown[]): { args: unknown[]; slots: CallbackSlot[]; fns: Callback[] } {
  const slots: CallbackSlot[] = [];
  const fns: Callback[] = [];
  const out = args.map((a, arg) => {
    if (!isPlainObject(a)) return a;
    let copy: Record<string, unknown> | undefined;
    for (const [key, v] of Object.entries(a)) {
      if (typeof v !== 'function') continue;
      copy ??= { ...a };
      delete copy[key];
      slots.push({ arg, key });
      fns.push(v as Callback);
    }
    return copy ?? a;
  });
  return { args: out, slots, fns };
}

/**
 * How the engine's thread is started. A small young generation: a snapshot's file buffers die
 * young, and a scavenge frees them before they pile up (the process's memory does not shrink back
 * once it has grown).
 */
export const ENGINE_WORKER_OPTIONS: WorkerOptions = { resourceLimits: { maxYoungGenerationSizeMb: 8 } };

export function startEngine(options: StartOptions): EngineClient {
  const { workerPath, ...init } = options;
  const worker = new Worker(workerPath, ENGINE_WORKER_OPTIONS);
  worker.unref();
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Set<(e: EngineEvent) => void>();
  /** The callbacks of calls in flight, by call id, in the order of their slots. */
  const callbacks = new Map<number, Callback[]>();
  let dead: Error | undefined;

  const runCallback = async (m: Extract<FromWorker, { type: 'callback' }>) => {
    let reply: ToWorker;
    try {
      const fn = callbacks.get(m.forCall)?.[m.slot];
      if (!fn) throw new Error(`No callback ${m.slot} for call ${m.forCall}.`);
      reply = { type: 'callbackResult', callId: m.callId, value: await fn(...m.args) };
    } catch (e) {
      reply = { type: 'callbackResult', callId: m.callId, error: (e as Error)?.message ?? String(e) };
    }
    try {
      worker.postMessage(reply);
    } catch (e) {
      // The value cannot be copied to the worker: answer with why rather than leave the call waiting.
      worker.postMessage({ type: 'callbackResult', callId: m.callId, error: (e as Error).message } satisfies ToWorker);
    }
  };

  worker.on('message', (m: FromWorker) => {
    switch (m.type) {
      case 'result':
      case 'error': {
        const w = waiting.get(m.id);
        waiting.delete(m.id);
        callbacks.delete(m.id);
        if (!w) return;
        if (m.type === 'result') w.resolve(m.value);
        else {
          const err = m.error.name === 'EngineError' && m.error.code
            ? new EngineError(m.error.code as EngineErrorCode, m.error.message)
            : Object.assign(new Error(m.error.message), { name: m.error.name });
          w.reject(err);
        }
        return;
      }
      case 'event':
        for (const l of listeners) {
          try {
            l(m.event);
          } catch {
            /* a listener's failure is its own */
          }
        }
        return;
      case 'callback':
        void runCallback(m);
        return;
    }
  });
  const fail = (e: Error) => {
    dead = e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
    callbacks.clear();
  };
  worker.on('error', (e) => fail(new Error(`The Session Tree engine stopped: ${e.message}`)));
  worker.on('exit', (code) => fail(new Error(`The Session Tree engine exited (code ${code}).`)));
  worker.postMessage({ type: 'init', options: init } satisfies ToWorker);

  const call = (method: EngineMethod, callArgs: unknown[]): Promise<unknown> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    const { args, slots, fns } = takeCallbacks(callArgs);
    if (fns.length) callbacks.set(id, fns);
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      try {
        worker.postMessage({ type: 'call', id, method, args, ...(slots.length ? { callbacks: slots } : {}) } satisfies ToWorker);
      } catch (e) {
        waiting.delete(id);
        callbacks.delete(id);
        reject(e as Error);
      }
    });
  };

  const methods = Object.fromEntries(ENGINE_METHODS.map((m) => [m, (...args: unknown[]) => call(m, args)]));
  return {
    ...(methods as unknown as EngineMethods),
    onEvent(l: (e: EngineEvent) => void) {
      listeners.add(l);
      return { dispose: () => listeners.delete(l) };
    },
    async terminate() {
      await worker.terminate();
    },
  };
}
