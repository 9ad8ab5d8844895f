// The footprint probe's engine thread (see footprint.ts): the real Engine in a worker thread, as in
// the extension (helper threads on), answering calls and, besides, what its memory is made of: the
// isolate's V8 heap, the sql.js WASM memory (caught when sql.js instantiates it), and each large
// structure's share (measured by dropping it and collecting: only at the very end).
import { parentPort } from 'node:worker_threads';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

const port = parentPort;
if (!port) throw new Error('footprintWorker.ts must run in a worker thread');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

// sql.js's WASM memory is not exported by name: catch it where the module is instantiated.
const memories: WebAssembly.Memory[] = [];
const catchMemory = (exports: WebAssembly.Exports) => {
  for (const v of Object.values(exports)) if (v instanceof WebAssembly.Memory) memories.push(v);
};
const instantiate = WebAssembly.instantiate.bind(WebAssembly) as (...a: unknown[]) => Promise<unknown>;
(WebAssembly as unknown as { instantiate: unknown }).instantiate = async (...args: unknown[]) => {
  const r = await instantiate(...args);
  const inst = (r as { instance?: WebAssembly.Instance }).instance ?? (r as WebAssembly.Instance);
  if (inst?.exports) catchMemory(inst.exports);
  return r;
};
if (typeof WebAssembly.instantiateStreaming === 'function') {
  const streaming = WebAssembly.instantiateStreaming.bind(WebAssembly);
  (WebAssembly as unknown as { instantiateStreaming: unknown }).instantiateStreaming = async (...args: Parameters<typeof streaming>) => {
    const r = await streaming(...args);
    catchMemory(r.instance.exports);
    return r;
  };
}

// Loaded after the hook (sql.js is required by the engine's modules).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Engine } = require('../src/core/engine') as typeof import('../src/core/engine');

export interface WorkerStats {
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  wasm: number;
  helperThreads: number;
  cacheBytes: number;
  mirrorEntries: number;
}

export interface Share {
  /** V8 heap, array buffers and process RSS freed by dropping it (before − after, collected). */
  heap: number;
  arrayBuffers: number;
  rss: number;
}
export type Shares = Record<string, Share>;

type Msg = { id: number; op: 'init'; options: unknown } | { id: number; op: 'call'; method: string; args: unknown[] } | { id: number; op: 'stats'; gc?: boolean } | { id: number; op: 'dissect' };

let engine: InstanceType<typeof Engine> | undefined;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ctxOf = (): any => (engine as unknown as { ctx: unknown }).ctx;

function helperCount(): number {
  const ctx = ctxOf();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const batch = (ctx?.openedObjects as any)?.batch;
  return (ctx?.scan?.statHelper?.alive ? 1 : 0) + (batch?.helper?.alive ? 1 : 0);
}

function stats(): WorkerStats {
  const h = v8.getHeapStatistics();
  const mu = process.memoryUsage();
  const ctx = ctxOf();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const cache = (ctx?.openedObjects as any)?.cache;
  return {
    heapUsed: h.used_heap_size,
    heapTotal: h.total_heap_size,
    external: mu.external,
    arrayBuffers: mu.arrayBuffers,
    wasm: memories.reduce((n, m) => n + m.buffer.byteLength, 0),
    helperThreads: helperCount(),
    cacheBytes: cache?.bytes ?? 0,
    mirrorEntries: ctx?.mirror ? (ctx.opened ? ctx.mirror.entries.size : 0) : 0,
  };
}

/** Drops each large structure in turn, collecting after each: the heap each one held. Destroys the engine. */
async function dissect(): Promise<Shares> {
  const ctx = ctxOf();
  const used = (): Share => {
    gc();
    gc();
    const mu = process.memoryUsage();
    return { heap: v8.getHeapStatistics().used_heap_size, arrayBuffers: mu.arrayBuffers, rss: mu.rss };
  };
  const shares: Shares = {};
  let before = used();
  const drop = async (what: string, fn: () => void | Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      shares[`${what} (could not drop: ${(e as Error).message})`] = { heap: 0, arrayBuffers: 0, rss: 0 };
      return;
    }
    await new Promise((r) => setTimeout(r, 300));
    const after = used();
    shares[what] = { heap: before.heap - after.heap, arrayBuffers: before.arrayBuffers - after.arrayBuffers, rss: before.rss - after.rss };
    before = after;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const anyOf = (o: unknown) => o as any;
  await drop('mirror (file stats)', () => {
    const m = anyOf(ctx.mirror);
    for (const k of Object.keys(m)) {
      const v = m[k];
      if (v instanceof Map || v instanceof Set || typeof v?.clear === 'function') v.clear();
      else if (ArrayBuffer.isView(v) || Array.isArray(v)) m[k] = undefined;
    }
  });
  await drop('interned paths and hashes (metadata)', () => {
    const meta = anyOf(ctx.meta);
    for (const k of ['keyToId', 'idToKey', 'hashToId', 'idToHash']) {
      const v = meta[k];
      if (v instanceof Map) v.clear();
      else meta[k] = [];
    }
  });
  await drop('object index (snapshots)', () => {
    const o = anyOf(ctx.openedObjects);
    o?.index?.clear();
  });
  await drop('object cache', () => {
    const o = anyOf(ctx.openedObjects);
    o?.cache?.copies?.clear();
    o?.groupCache?.clear();
  });
  await drop('history (sessions, branches, checkpoints)', () => {
    const hst = anyOf(ctx.history);
    for (const k of Object.keys(hst)) if (hst[k] instanceof Map) hst[k].clear();
  });
  await drop('scan read buffer', () => {
    ctx.scan.readBuffer = Buffer.alloc(0);
  });
  await drop('helper threads (closed)', () => {
    ctx.scan.statHelper?.close();
    ctx.scan.statHelper = undefined;
    anyOf(ctx.openedObjects)?.batch?.dispose();
  });
  shares['left (code, the rest)'] = { heap: before.heap, arrayBuffers: before.arrayBuffers, rss: before.rss };
  return shares;
}

port.on('message', async (m: Msg) => {
  try {
    let value: unknown;
    if (m.op === 'init') {
      engine = new Engine(m.options as ConstructorParameters<typeof Engine>[0]);
    } else if (m.op === 'call') {
      const fn = (engine as unknown as Record<string, (...a: unknown[]) => unknown>)[m.method];
      value = await fn.apply(engine, m.args);
    } else if (m.op === 'stats') {
      if (m.gc) {
        gc();
        gc();
      }
      value = stats();
    } else value = await dissect();
    port.postMessage({ id: m.id, value });
  } catch (e) {
    port.postMessage({ id: m.id, error: (e as Error).message });
  }
});
