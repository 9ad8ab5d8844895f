// Where a rewind of 100 files goes, against the floor of the file system (issue 11: the 100-file
// rewind row). On the generated source-like workspace (30,000 files by default), the engine in
// plain Node as the worker runs it (watcher on, debounced save): 100 random files edited and
// checkpointed, then a rewind to the checkpoint before, 9 times; each file-system call the rewind
// makes is counted and timed through a proxy of `fs`. In the same run, the floor: the same number
// of files replaced the cheapest atomic way (temp file, write, close, rename over it), and written
// in place (not atomic: the lower bound of any write).
//
//   node out/bench/restoreFloor.js [--files 30000] [--edit 100] [--runs 9]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Engine } from '../src/core/engine';
import { ROOT } from '../test/harness/paths';
import { Rng, chooseFiles, editFiles, generateWorkspace } from './workspace';
import { arg } from './args';

const FILES = Number(arg('files', '30000'));
const EDIT = Number(arg('edit', '100'));
const RUNS = Number(arg('runs', '9'));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const ms = (v: number) => `${v.toFixed(1)} ms`;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-restore-floor-'));
  try {
    const ws = path.join(dir, 'ws');
    const info = generateWorkspace(ws, FILES, 1);
    const calls = new Map<string, { ms: number; n: number }>();
    let recording = false;
    const counted = new Proxy(fs, {
      get(target, key) {
        const v = Reflect.get(target, key) as unknown;
        if (typeof v !== 'function' || typeof key !== 'string' || !key.endsWith('Sync')) return v;
        return (...a: unknown[]) => {
          const t0 = performance.now();
          try {
            return (v as (...x: unknown[]) => unknown).apply(target, a);
          } finally {
            if (recording) {
              const c = calls.get(key) ?? { ms: 0, n: 0 };
              c.ms += performance.now() - t0;
              c.n++;
              calls.set(key, c);
            }
          }
        };
      },
    });
    const engine = new Engine({
      storageDir: path.join(dir, 'store'),
      roots: [{ name: 'ws', path: ws }],
      wasmPath: path.join(ROOT, 'dist', 'sql-wasm.wasm'),
      savePolicy: 'debounced',
      watch: true,
      fs: counted,
    });
    await engine.open();
    const rng = new Rng(7);
    const rewinds: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const base = engine.createCheckpoint({ source: 'agent', label: `base ${r}`, allowEmpty: true })!;
      const chosen = chooseFiles(rng, info.files, EDIT);
      engine.willEdit(chosen.map((f) => path.join(ws, f)));
      editFiles(ws, chosen, rng, `edit ${r}`);
      engine.createCheckpoint({ source: 'agent', label: `edit ${r}` });
      recording = true;
      const t0 = performance.now();
      const res = await engine.restore({ kind: 'rewind', checkpointId: base.id });
      rewinds.push(performance.now() - t0);
      recording = false;
      const restored = res.files.filter((f) => f.status === 'restored').length;
      if (restored !== EDIT) throw new Error(`rewind ${r} restored ${restored} of ${EDIT} files`);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the deferred unlinks, the save
    }
    await engine.close();

    // The floor, on files of the same workspace.
    const data = Buffer.alloc(2700, 'x');
    const floor = (fn: (abs: string, r: number) => void): number => {
      const t: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const chosen = chooseFiles(rng, info.files, EDIT).map((f) => path.join(ws, f));
        const t0 = performance.now();
        for (const abs of chosen) fn(abs, r);
        t.push(performance.now() - t0);
      }
      return median(t);
    };
    const atomic = floor((abs, r) => {
      const tmp = `${abs}.floor${r}.tmp`;
      const fd = fs.openSync(tmp, 'wx');
      fs.writeSync(fd, data);
      fs.closeSync(fd);
      fs.renameSync(tmp, abs);
    });
    const inPlace = floor((abs) => fs.writeFileSync(abs, data));

    console.log(`Rewind of ${EDIT} files on ${FILES} files (${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}), ${RUNS} runs`);
    console.log(`  rewind (engine, in process): median ${ms(median(rewinds))} (${ms(Math.min(...rewinds))} – ${ms(Math.max(...rewinds))})`);
    console.log(`  floor, same run: temp file + write + rename per file ${ms(atomic)}; write in place ${ms(inPlace)}`);
    console.log(`  rewind / atomic floor: ${(median(rewinds) / atomic).toFixed(2)}×`);
    console.log('  file-system calls per rewind (mean over the runs):');
    for (const [k, c] of [...calls].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)) {
      console.log(`    ${k.padEnd(14)} ${ms(c.ms / RUNS).padStart(9)}  ${String(Math.round(c.n / RUNS)).padStart(5)} calls  ${((c.ms / c.n) * 1000).toFixed(0).padStart(4)} µs each`);
    }
    const fsMs = [...calls.values()].reduce((s, c) => s + c.ms, 0) / RUNS;
    console.log(`  in file-system calls: ${ms(fsMs)} of the median's ${ms(median(rewinds))}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
