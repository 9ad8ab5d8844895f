// The engine-side cost of a seal nobody declared paths for (`createCheckpoint` without willEdit),
// in plain Node through the engine's worker thread: the full stat walk against the dirty set of the
// engine's own watcher (src/core/scan/watch.ts). Each run edits n files, then seals one way or the
// other, and checks that the checkpoint holds exactly the edited files.
//
//   node out/bench/watchBench.js [--files 30000] [--runs 7] [--dir PATH]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEngine } from '../src/host/client';
import { Rng, chooseFiles, editFiles, generateWorkspace } from './workspace';
import { opt } from './args';

const nFiles = Number(opt('files') ?? 30_000);
const runs = Number(opt('runs') ?? 7);
const REPO = path.resolve(__dirname, '../..');

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function main(): Promise<void> {
  const base = opt('dir') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'st-watch-bench-'));
  const ws = path.join(base, 'ws');
  fs.rmSync(ws, { recursive: true, force: true });
  const info = generateWorkspace(ws, nFiles, 11);
  const start = (watch: boolean) =>
    startEngine({ workerPath: path.join(REPO, 'out/src/host/worker.js'), storageDir: path.join(base, 'store'), roots: [{ name: 'ws', path: ws }], watch });
  const r = new Rng(5);
  const results = new Map<string, { walk: number; dirty: number }>();
  try {
    // The same seal call both times: `createCheckpoint({ rescan: true })`; first with the engine's
    // watcher off (every seal walks), then on (every seal re-stats the dirty set).
    for (const watch of [false, true]) {
      const engine = start(watch);
      try {
        const t0 = performance.now();
        await engine.open();
        console.error(`watcher ${watch ? 'on' : 'off'}: ${info.files.length} files in ${info.dirs} folders; open + scan ${(performance.now() - t0).toFixed(0)} ms`);
        for (const n of [1, 10, 100]) {
          const times: number[] = [];
          for (let i = 0; i < runs; i++) {
            const rels = chooseFiles(r, info.files, n);
            editFiles(ws, rels, r, `e${n}x${i}${watch}`);
            const t = performance.now();
            const cp = await engine.createCheckpoint({ label: `${n} files`, rescan: true });
            times.push(performance.now() - t);
            const keys = new Set(cp?.files.map((f) => f.key));
            if (keys.size !== rels.length || rels.some((rel) => !keys.has(`ws/${rel}`))) {
              throw new Error(`checkpoint of ${n} edited files holds ${keys.size} (watcher ${watch ? 'on' : 'off'})`);
            }
          }
          const row = results.get(String(n)) ?? { walk: 0, dirty: 0 };
          row[watch ? 'dirty' : 'walk'] = median(times);
          results.set(String(n), row);
        }
        await engine.close();
      } finally {
        await engine.terminate();
      }
    }
    console.log(`createCheckpoint({ rescan: true }) through the worker, ${info.files.length} files, medians of ${runs}:`);
    console.log('files edited | full walk | dirty set | ratio');
    for (const [n, { walk, dirty }] of results) console.log(`${n.padStart(12)} | ${walk.toFixed(1).padStart(6)} ms | ${dirty.toFixed(1).padStart(6)} ms | ${(dirty / walk).toFixed(3)}`);
  } finally {
    if (!opt('dir')) fs.rmSync(base, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
