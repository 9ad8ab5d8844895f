// How long the engine's thread goes without a turn while it exports a session (a read waiting
// behind the export waits about that long): the Engine in this thread, a 1 ms timer's gaps.
//
//   node out/bench/exportGaps.js [--files 30000] [--checkpoints 36] [--runs 3]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine } from '../src/core/engine';
import { Rng, chooseFiles, editFiles, generateWorkspace } from './workspace';
import { arg } from './args';

async function main(): Promise<void> {
  const nFiles = Number(arg('files', '30000'));
  const nCheckpoints = Number(arg('checkpoints', '36'));
  const runs = Number(arg('runs', '3'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-export-gaps-'));
  const root = path.join(dir, 'ws');
  const info = generateWorkspace(root, nFiles, 7);
  const engine = new Engine({
    storageDir: path.join(dir, 'store'), roots: [{ name: 'ws', path: root }], savePolicy: 'debounced',
    wasmPath: path.join(__dirname, '..', '..', 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm'),
  });
  try {
    await engine.open();
    const r = new Rng(3);
    for (let i = 0; i < nCheckpoints; i++) {
      editFiles(root, chooseFiles(r, info.files, 10), r, `e${i}`);
      engine.createCheckpoint({ label: `c${i}` });
    }
    const session = engine.sessions().find((s) => s.active)!.id;
    for (let run = 0; run < runs; run++) {
      const gaps: number[] = [];
      let last = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        gaps.push(now - last);
        last = now;
      }, 1);
      const t0 = performance.now();
      const res = await engine.exportSessionYielding(session, path.join(dir, `s${run}.stsession`));
      const ms = performance.now() - t0;
      clearInterval(timer);
      gaps.sort((a, b) => b - a);
      console.log(`export ${res.snapshots} snapshots, ${(res.bytes / 2 ** 20).toFixed(1)} MiB in ${ms.toFixed(0)} ms; longest gaps ${gaps.slice(0, 5).map((g) => g.toFixed(1)).join(', ')} ms`);
    }
  } finally {
    await engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
