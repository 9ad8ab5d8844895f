// `node out/bench/persistence.js [--levels 1000,10000,100000] [--runs 7] [--dir PATH] [--keep] [--full-log]`:
// what making one change durable costs, and what opening the store costs, as its history grows.
// A durable commit appends one record to the database log (src/storage/log.ts); the log is folded
// into a whole new base past 256 KiB and at close ("fold" column: the close after the commits).
// `--full-log`: also the open of a store killed with its log full (just under the fold size), the
// longest replay an open can meet.
// Plain Node, the engine in-process (no worker), one 1-file workspace. The store is grown with
// `savePolicy: 'debounced'` (one save at the end of each level); each timed checkpoint then runs
// with `savePolicy: 'always'` (the extension's default): the time of `createCheckpoint` after a
// one-file change is the durable-commit time, and the engine's own `lastSave` is the part of it
// spent saving. Open: a new engine's `open()` on the closed store (a full open, start-up scan
// included). Medians of `--runs`, min and max. Timing figures from a shared machine are noisy.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine } from '../src/core/engine';
import { DEFAULT_FOLD_BYTES } from '../src/storage/db';
import { flag, opt } from './args';

const levels = (opt('levels') ?? '1000,10000,100000').split(',').map(Number);
const runs = Number(opt('runs') ?? 7);
const REPO = path.resolve(__dirname, '../..');
const base = path.resolve(opt('dir') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'st-bench-persistence-')));
const wasm = path.join(REPO, 'dist', 'sql-wasm.wasm');
const wasmPath = fs.existsSync(wasm) ? wasm : undefined;

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
};
const fmt = (xs: number[]) => {
  const { median, min, max } = stats(xs);
  return `${median.toFixed(1)} ms (${min.toFixed(1)}–${max.toFixed(1)})`;
};

async function main(): Promise<void> {
  const ws = path.join(base, 'ws');
  const storageDir = path.join(base, 'store');
  fs.mkdirSync(ws, { recursive: true });
  const file = path.join(ws, 'a.txt');
  fs.writeFileSync(file, 'start\n');
  const make = (savePolicy: 'always' | 'debounced') =>
    new Engine({ storageDir, roots: [{ name: 'ws', path: ws }], savePolicy, saveDelayMs: 60_000, racyWindowMs: 0, wasmPath });
  let n = 0;
  const change = (e: Engine) => {
    fs.writeFileSync(file, `version ${++n}\n`);
    e.notifyChanged([file]);
    return e.createCheckpoint({ label: `c${n}` });
  };
  let engine = make('debounced');
  await engine.open();
  // Each row as soon as it is measured: a long run shows what it has.
  const fullLog = flag('full-log');
  console.log(`| checkpoints | durable commit (createCheckpoint, 1 file) | of it, the save (log record) | open | fold (at close) | database |${fullLog ? ' open, log full (kill) |' : ''}`);
  console.log(`| --- | --- | --- | --- | --- | --- |${fullLog ? ' --- |' : ''}`);
  for (const level of levels) {
    const t0 = performance.now();
    while (engine.stats().checkpoints < level) change(engine);
    engine.saveNow();
    await engine.close();
    const growMs = performance.now() - t0;
    const opens: number[] = [];
    for (let i = 0; i < runs; i++) {
      const e = make('always');
      const o0 = performance.now();
      await e.open();
      opens.push(performance.now() - o0);
      await e.close();
    }
    engine = make('always');
    await engine.open();
    const commits: number[] = [];
    const saves: number[] = [];
    const kinds = new Set<string>();
    let recordBytes = 0;
    for (let i = 0; i < runs; i++) {
      const c0 = performance.now();
      change(engine);
      commits.push(performance.now() - c0);
      saves.push(engine.lastSave.ms);
      kinds.add(engine.lastSave.kind);
      recordBytes = engine.lastSave.bytes;
    }
    const db = engine.stats().dbBytes;
    let replayOpen = '';
    if (fullLog) {
      // Commits until the next would fold, then the store as a kill leaves it, opened.
      const logFile = path.join(storageDir, 'state.db.log');
      const limit = DEFAULT_FOLD_BYTES - 4 * recordBytes - 4096;
      const logSize = () => (fs.existsSync(logFile) ? fs.statSync(logFile).size : 0);
      while (logSize() < limit) change(engine);
      const killed = path.join(base, `killed-${level}`);
      fs.cpSync(storageDir, killed, { recursive: true });
      fs.rmSync(path.join(killed, 'store.lock'), { force: true });
      const times: number[] = [];
      for (let i = 0; i < Math.min(runs, 3); i++) {
        const copy = `${killed}-${i}`;
        fs.cpSync(killed, copy, { recursive: true });
        const e = new Engine({ storageDir: copy, roots: [{ name: 'ws', path: ws }], savePolicy: 'always', racyWindowMs: 0, wasmPath });
        const o0 = performance.now();
        await e.open();
        times.push(performance.now() - o0);
        await e.close();
        fs.rmSync(copy, { recursive: true, force: true });
      }
      replayOpen = ` ${fmt(times)} (${(fs.statSync(path.join(killed, 'state.db.log')).size / 1e6).toFixed(1)} MB log) |`;
      fs.rmSync(killed, { recursive: true, force: true });
    }
    const f0 = performance.now();
    await engine.close();
    const foldMs = performance.now() - f0;
    const what = [...kinds].join('/');
    console.log(`| ${level.toLocaleString('en')} | ${fmt(commits)} | ${fmt(saves)} ${what}, ${recordBytes} B | ${fmt(opens)} | ${foldMs.toFixed(1)} ms | ${(db / 1e6).toFixed(1)} MB |${replayOpen}`);
    console.error(`${level} checkpoints: grown in ${(growMs / 1000).toFixed(1)} s`);
    engine = make('debounced');
    await engine.open();
  }
  await engine.close();
  if (!flag('keep')) fs.rmSync(base, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
