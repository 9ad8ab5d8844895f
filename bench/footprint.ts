// Where Session Tree's memory goes, and what activation waits for: the engine in a real worker
// thread (bench/footprintWorker.ts: the Engine as the extension runs it, helper threads on) on a
// generated source-like workspace.
//
//   npm run bench:footprint -- [--files 30000,100000] [--checkpoints 20] [--rest-ms 15000]
//                              [--activation 10000] [--runs 5] [--only memory|activation]
//
// Memory: the process's RSS (main thread + the engine's worker + its helper threads) against the
// same process before the worker started, after the first snapshot, after some checkpoints, and at
// rest; then what it is made of: the worker's V8 heap, the sql.js WASM memory, helper threads
// alive, the object cache, and the heap each large structure held (dropped one by one at the end).
// Activation: a store grown to `--activation` checkpoints; each run a fresh worker opens it as the
// extension does (`open({ deferScan: true })`), then makes the calls the Sessions tree's first
// paint makes (sessions, working changes and checkpoints of the active branch), then the start-up
// scan (which waits for that paint), then the storage sizes (read by the repaint after the scan).
// Generated workspaces and the grown store are kept under the OS temp folder for the next run.
// Diagnostics: FP_SMAPS=1 prints where the RSS sits (/proc/self/smaps); FP_YOUNG_MB=N starts the
// worker with that young generation instead of the extension's (ENGINE_WORKER_OPTIONS).
// FP_NO_HELPERS=1 runs the engine without its helper threads (helperThreads: false).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import { Rng, chooseFiles, editFiles, generateWorkspace } from './workspace';
import type { Shares, WorkerStats } from './footprintWorker';
import { ENGINE_WORKER_OPTIONS } from '../src/host/client';
import { arg } from './args';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const ROOT = path.resolve(__dirname, '..', '..');
const BASE = path.join(os.tmpdir(), 'session-tree-footprint');
const MiB = 1024 * 1024;
const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class ProbeEngine {
  private readonly worker = new Worker(path.join(__dirname, 'footprintWorker.js'), process.env.FP_YOUNG_MB ? { resourceLimits: { maxYoungGenerationSizeMb: Number(process.env.FP_YOUNG_MB) } } : ENGINE_WORKER_OPTIONS);
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor() {
    this.worker.on('message', (m: { id: number; value?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.error !== undefined) w?.reject(new Error(m.error));
      else w?.resolve(m.value);
    });
    this.worker.on('error', (e) => {
      for (const w of this.waiting.values()) w.reject(e);
    });
  }

  private send<T>(m: Record<string, unknown>): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...m, id });
    });
  }

  init(storageDir: string, root: string): Promise<void> {
    return this.send({
      op: 'init',
      options: { storageDir, roots: [{ name: path.basename(root), path: root }], savePolicy: 'debounced', ...(process.env.FP_NO_HELPERS ? { helperThreads: false } : {}), wasmPath: path.join(ROOT, 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm') },
    });
  }

  call<T = unknown>(method: string, ...args: unknown[]): Promise<T> {
    return this.send<T>({ op: 'call', method, args });
  }

  stats(collect = false): Promise<WorkerStats> {
    return this.send({ op: 'stats', gc: collect });
  }

  dissect(): Promise<Shares> {
    return this.send({ op: 'dissect' });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/** The process's largest resident mappings (FP_SMAPS=1): where RSS sits, by mapping. */
function smaps(): void {
  if (!process.env.FP_SMAPS) return;
  const text = fs.readFileSync('/proc/self/smaps', 'utf8');
  const maps: { name: string; size: number; rss: number }[] = [];
  let cur: { name: string; size: number; rss: number } | undefined;
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      cur = { name: head[3] || '[anon]', size: (parseInt(head[2], 16) - parseInt(head[1], 16)), rss: 0 };
      maps.push(cur);
    } else if (cur && line.startsWith('Rss:')) cur.rss = Number(line.split(/\s+/)[1]) * 1024;
  }
  const byKind = new Map<string, number>();
  for (const m of maps) {
    const kind = m.name !== '[anon]' ? (m.name.startsWith('/') ? 'files (code, libraries)' : m.name) : m.size >= 1 << 30 ? 'anon ≥ 1 GiB (wasm reservation)' : m.size === 64 * MiB || m.size === 128 * MiB ? 'anon 64/128 MiB (malloc arenas)' : m.size >= 4 * MiB ? 'anon 4 MiB – 1 GiB' : m.size >= 256 * 1024 ? 'anon 256 KiB – 4 MiB (V8 pages, large mallocs)' : 'anon < 256 KiB';
    byKind.set(kind, (byKind.get(kind) ?? 0) + m.rss);
  }
  for (const [k, v] of [...byKind].sort((a, b) => b[1] - a[1])) console.log(`      smaps: ${k.padEnd(50)} ${mib(v).padStart(10)}`);
  for (const m of maps.filter((x) => x.name === '[anon]').sort((a, b) => b.rss - a.rss).slice(0, 12)) console.log(`      largest: ${mib(m.size).padStart(12)} mapping, ${mib(m.rss)} resident`);
}

function rss(): number {
  return process.memoryUsage().rss;
}

function workspaceFor(n: number): { root: string; files: string[] } {
  const root = path.join(BASE, `ws-${n}`);
  const list = path.join(BASE, `ws-${n}.files.json`);
  if (fs.existsSync(list) && fs.existsSync(root)) return { root, files: JSON.parse(fs.readFileSync(list, 'utf8')) as string[] };
  fs.rmSync(root, { recursive: true, force: true });
  const t0 = performance.now();
  const info = generateWorkspace(root, n, 11);
  fs.writeFileSync(list, JSON.stringify(info.files));
  console.log(`  generated ${n} files (${mib(info.bytes)}) in ${((performance.now() - t0) / 1000).toFixed(1)} s (untimed)`);
  return { root, files: info.files };
}

function row(label: string, bytes: number, base: number, extra = ''): void {
  console.log(`  ${label.padEnd(34)} RSS ${mib(bytes).padStart(10)}   added ${mib(bytes - base).padStart(10)}${extra ? '   ' + extra : ''}`);
}

function describe(s: WorkerStats): string {
  return `heap ${mib(s.heapUsed)} used / ${mib(s.heapTotal)}, wasm ${mib(s.wasm)}, external ${mib(s.external)} (array buffers ${mib(s.arrayBuffers)}), helper threads ${s.helperThreads}, object cache ${mib(s.cacheBytes)}`;
}

async function memory(n: number, checkpoints: number, restMs: number): Promise<void> {
  console.log(`\nMemory: ${n} files`);
  const ws = workspaceFor(n);
  const store = path.join(BASE, `store-mem-${n}`);
  fs.rmSync(store, { recursive: true, force: true });
  gc();
  await sleep(200);
  const base = rss();
  row('before the engine', base, base);
  smaps();
  const probe = new ProbeEngine();
  try {
    await probe.init(store, ws.root);
    row('worker started', rss(), base, describe(await probe.stats()));
    const t0 = performance.now();
    const opened = await probe.call<{ scanned: number; tracked: number }>('open');
    const firstMs = performance.now() - t0;
    row('after the first snapshot', rss(), base, `${opened.tracked} files tracked in ${(firstMs / 1000).toFixed(1)} s; ${describe(await probe.stats())}`);
    const rng = new Rng(n);
    for (let i = 0; i < checkpoints; i++) {
      const abs = editFiles(ws.root, chooseFiles(rng, ws.files, 10), rng, `fp${i}`);
      await probe.call('notifyChanged', abs);
      await probe.call('createCheckpoint', { source: 'agent', label: `footprint ${i}` });
    }
    await probe.call('saveNow');
    row(`after ${checkpoints} checkpoints`, rss(), base, describe(await probe.stats()));
    await sleep(restMs);
    row(`at rest (${restMs / 1000} s later)`, rss(), base, describe(await probe.stats()));
    const collected = await probe.stats(true);
    await sleep(200);
    row('at rest, worker heap collected', rss(), base, describe(collected));
    smaps();
    const shares = await probe.dissect();
    console.log('  what it is made of (each dropped in turn, collected after each; what it freed):');
    console.log(`    ${''.padEnd(44)} ${'V8 heap'.padStart(10)} ${'buffers'.padStart(10)} ${'RSS'.padStart(10)}`);
    for (const [what, s] of Object.entries(shares)) console.log(`    ${what.padEnd(44)} ${mib(s.heap).padStart(10)} ${mib(s.arrayBuffers).padStart(10)} ${mib(s.rss).padStart(10)}`);
    console.log(`    sql.js WASM memory (not in the heap)        ${mib(collected.wasm).padStart(10)}`);
    await probe.call('close');
  } finally {
    await probe.terminate();
  }
}

async function growStore(target: number): Promise<{ store: string; root: string }> {
  const dir = path.join(BASE, `act-${target}`);
  const store = path.join(dir, 'store');
  const done = path.join(dir, 'grown');
  const small = 2000;
  const root = path.join(dir, 'ws');
  if (fs.existsSync(done)) return { store, root };
  fs.rmSync(dir, { recursive: true, force: true });
  const info = generateWorkspace(root, small, 7);
  const probe = new ProbeEngine();
  const t0 = performance.now();
  try {
    await probe.init(store, root);
    await probe.call('open');
    const rng = new Rng(target);
    for (let i = 0; i < target; i++) {
      const abs = editFiles(root, chooseFiles(rng, info.files, 1), rng, `h${i}`);
      await probe.call('notifyChanged', abs);
      await probe.call('createCheckpoint', { source: 'agent', label: `history step ${i + 1}` });
      if ((i + 1) % 2000 === 0) console.log(`  history: ${i + 1} checkpoints`);
    }
    await probe.call('saveNow');
    await probe.call('close');
  } finally {
    await probe.terminate();
  }
  fs.writeFileSync(done, '');
  console.log(`  store grown to ${target} checkpoints on ${small} files in ${((performance.now() - t0) / 1000).toFixed(1)} s (untimed)`);
  return { store, root };
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 0)} ms`;

async function activation(target: number, runs: number): Promise<void> {
  console.log(`\nActivation: a store with ${target} checkpoints (engine side, plain Node)`);
  const { store, root } = await growStore(target);
  const steps: Record<string, number[]> = {};
  const add = (k: string, v: number) => (steps[k] ??= []).push(v);
  for (let r = 0; r < runs; r++) {
    const probe = new ProbeEngine();
    try {
      await probe.init(store, root);
      await probe.call('sessions'); // the worker and its modules loaded (a read of a closed store fails fast)
    } catch {
      /* expected: not open yet */
    }
    try {
      let t = performance.now();
      const lap = (k: string) => {
        const now = performance.now();
        add(k, now - t);
        t = now;
      };
      const start = t;
      await probe.call('open', { deferScan: true });
      lap('open (deferred: database, history)');
      const sessions = await probe.call<{ id: string; active: boolean; branches: { name: string; active: boolean }[] }[]>('sessions');
      lap('sessions()');
      const s = sessions.find((x) => x.active)!;
      const b = s.branches.find((x) => x.active)!;
      await probe.call('workingChanges');
      lap('workingChanges() (before the scan)');
      await probe.call('checkpoints', { sessionId: s.id, branch: b.name, limit: 51 });
      lap('checkpoints(limit 51)');
      add('→ first paint (the calls above)', performance.now() - start);
      await probe.call('startupScan');
      lap('startupScan()');
      add('→ ready (all above)', performance.now() - start);
      await probe.call('storageReport');
      lap('storageReport() (the repaint after the scan)');
      await probe.call('close');
    } finally {
      await probe.terminate();
    }
  }
  for (const [k, v] of Object.entries(steps)) console.log(`  ${k.padEnd(40)} median ${ms(median(v)).padStart(9)}  (min ${ms(Math.min(...v))}, max ${ms(Math.max(...v))}, ${v.length} runs)`);
}

async function main(): Promise<void> {
  const sizes = arg('files', '30000').split(',').map(Number);
  const only = arg('only', '');
  console.log(`Footprint probe (Node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  fs.mkdirSync(BASE, { recursive: true });
  if (only !== 'activation') for (const n of sizes) await memory(n, Number(arg('checkpoints', '20')), Number(arg('rest-ms', '15000')));
  if (only !== 'memory') await activation(Number(arg('activation', '10000')), Number(arg('runs', '5')));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
