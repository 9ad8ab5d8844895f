// The engine-side cost of a seal nobody declared paths for (`createCheckpoint` without willEdit),
// in plain Node through the engine's worker thread: the full stat walk against the dirty set of the
// engine's own watcher (src/core/scan/watch.ts). Each run edits n files, then seals one way or the
// other (alternating), and checks that the checkpoint holds exactly the edited files.
//
//   node out/bench/watchBench.js [--files 30000] [--runs 7] [--dir PATH]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEngine } from '../src/host/client';
import { Rng, chooseFiles, editFiles, generateWorkspace } from './workspace';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const nFiles = Number(opt('files') ?? 30_000);
const runs = Number(opt('runs') ?? 7);
const REPO = path.resolve(__dirname, '../..');

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function main(): Promise<void> {
  const base = opt('dir') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'st-watch-bench-'));
  const ws = path.join(base, 'ws');
  fs.rmSync(ws, { recursive: true, force: true });
  const info = generateWorkspace(ws, nFiles, 11);
  const engine = startEngine({
    workerPath: path.join(REPO, 'out/src/host/worker.js'),
    storageDir: path.join(base, 'store'),
    roots: [{ name: 'ws', path: ws }],
  });
  const r = new Rng(5);
  try {
    const t0 = performance.now();
    await engine.open();
    console.log(`workspace: ${info.files.length} files in ${info.dirs} folders; open + first scan ${(performance.now() - t0).toFixed(0)} ms`);
    console.log('n files | full walk (rescan walk + seal) | dirty set (seal after barrier) | ratio');
    for (const n of [1, 10, 100]) {
      const walk: number[] = [];
      const dirty: number[] = [];
      for (let i = 0; i < runs * 2; i++) {
        const rels = chooseFiles(r, info.files, n);
        editFiles(ws, rels, r, `e${n}x${i}`);
        const useWalk = i % 2 === 0;
        const t = performance.now();
        if (useWalk) await engine.rescan({ walk: true });
        const cp = await engine.createCheckpoint({ label: `${n} files`, rescan: !useWalk });
        const ms = performance.now() - t;
        const keys = new Set(cp?.files.map((f) => f.key));
        if (keys.size !== rels.length || rels.some((rel) => !keys.has(`ws/${rel}`))) {
          throw new Error(`checkpoint of ${n} edited files holds ${keys.size} (${useWalk ? 'walk' : 'dirty set'})`);
        }
        (useWalk ? walk : dirty).push(ms);
      }
      const w = median(walk);
      const d = median(dirty);
      console.log(`${String(n).padStart(7)} | ${w.toFixed(1).padStart(8)} ms | ${d.toFixed(1).padStart(8)} ms | ${(d / w).toFixed(3)}`);
    }
    await engine.close();
  } finally {
    await engine.terminate();
    if (!opt('dir')) fs.rmSync(base, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
