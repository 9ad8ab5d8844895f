// The extension host's side of the engine: starts the worker and turns calls into messages.
import { Worker } from 'node:worker_threads';
import type { EngineApi, EngineEvent, EngineMethods } from '../core/engineApi';
import { EngineError, type EngineErrorCode, type RestoreOptions } from '../core/types';
import { ENGINE_METHODS, type EngineMethod, type FromWorker, type ToWorker, type WorkerInit } from './protocol';

export interface StartOptions extends WorkerInit {
  /** The bundled worker script (dist/worker.js in the extension). */
  workerPath: string;
}

export type EngineClient = EngineMethods & Pick<EngineApi, 'onEvent'> & {
  /** Stops the worker (after close). */
  terminate(): Promise<void>;
};

export function startEngine(options: StartOptions): EngineClient {
  const { workerPath, ...init } = options;
  const worker = new Worker(workerPath);
  worker.unref();
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Set<(e: EngineEvent) => void>();
  const dirtyFns = new Map<number, NonNullable<RestoreOptions['isDirty']>>();
  let dead: Error | undefined;

  worker.on('message', async (m: FromWorker) => {
    switch (m.type) {
      case 'result':
      case 'error': {
        const w = waiting.get(m.id);
        waiting.delete(m.id);
        dirtyFns.delete(m.id);
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
      case 'dirty': {
        const reply: ToWorker = { type: 'dirtyResult', callId: m.callId };
        try {
          const fn = dirtyFns.get(m.forCall);
          reply.paths = fn ? await fn(m.paths) : [];
        } catch (e) {
          reply.error = (e as Error).message;
        }
        worker.postMessage(reply);
        return;
      }
    }
  });
  const fail = (e: Error) => {
    dead = e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  worker.on('error', (e) => fail(new Error(`The Session Tree engine stopped: ${e.message}`)));
  worker.on('exit', (code) => fail(new Error(`The Session Tree engine exited (code ${code}).`)));
  worker.postMessage({ type: 'init', options: init } satisfies ToWorker);

  const call = (method: EngineMethod, args: unknown[]): Promise<unknown> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    let dirtyCallback = false;
    if (method === 'restore' && args[1] && typeof (args[1] as RestoreOptions).isDirty === 'function') {
      dirtyFns.set(id, (args[1] as RestoreOptions).isDirty!);
      args = [args[0], {}];
      dirtyCallback = true;
    }
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ type: 'call', id, method, args, dirtyCallback } satisfies ToWorker);
    });
  };

  const client: Record<string, unknown> = {};
  for (const m of ENGINE_METHODS) client[m] = (...args: unknown[]) => call(m, args);
  client.onEvent = (l: (e: EngineEvent) => void) => {
    listeners.add(l);
    return { dispose: () => listeners.delete(l) };
  };
  client.terminate = async () => {
    await worker.terminate();
  };
  return client as unknown as EngineClient;
}
