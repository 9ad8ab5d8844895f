// How long the engine's thread goes without a turn during the first start-up scan of a fresh store
// (a read waiting behind the scan waits about that long; issue 11: reads within 50 ms while the first
// scan of 100,000 files runs): the Engine in this thread, opened deferred as the extension opens it,
// `startupScanSliced`, and a 1 ms timer's gaps over 30 ms (the six longest, with when each began).
//
//   node out/bench/firstScanGaps.js [--files 30000] [--runs 3]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Engine } from '../src/core/engine';
import { generateWorkspace } from './workspace';
import { arg } from './args';

async function main(): Promise<void> {
  const nFiles = Number(arg('files', '30000'));
  const runs = Number(arg('runs', '3'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-first-scan-gaps-'));
  const root = path.join(dir, 'ws');
  generateWorkspace(root, nFiles, 1);
  console.log(`First start-up scan of ${nFiles} files (${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  try {
    for (let run = 0; run < runs; run++) {
      const engine = new Engine({
        storageDir: path.join(dir, `store${run}`), roots: [{ name: 'ws', path: root }], savePolicy: 'debounced',
        wasmPath: path.join(__dirname, '..', '..', 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm'),
      });
      await engine.open({ deferScan: true });
      const gaps: [number, number][] = [];
      const t0 = performance.now();
      let last = t0;
      const timer = setInterval(() => {
        const now = performance.now();
        if (now - last > 30) gaps.push([last - t0, now - last]);
        last = now;
      }, 1);
      await engine.startupScanSliced();
      const ms = performance.now() - t0;
      await new Promise((resolve) => setTimeout(resolve, 1500)); // the save after it, if any
      clearInterval(timer);
      await engine.close();
      const longest = Math.max(0, ...gaps.map((g) => g[1]));
      const list = [...gaps].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([at, len]) => `${len.toFixed(0)} ms at ${(at / 1000).toFixed(2)} s`).join(', ');
      console.log(`  run ${run + 1}: scan ${(ms / 1000).toFixed(2)} s; longest gap ${longest.toFixed(0)} ms; ${gaps.length} gaps over 30 ms, the longest: ${list || 'none'}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
