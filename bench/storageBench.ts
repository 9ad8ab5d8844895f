// `npm run bench:storage`: a simulated month of agent work against the storage budget (issue 14).
// A generated workspace gets `--checkpoints` agent turns of 5–50 edited files each, spread over 30
// simulated days, with install-like bursts (`--burst-files` files rewritten under vendor/) every
// `--burst-every` turns. Background maintenance (`maintain`: gc steps, compaction over the budget)
// runs every `--maintain-every` turns, as the extension runs it when changes go quiet. The same
// history is streamed into a shadow git repository (the peers' method), which is then `git gc`-ed.
// Reported as a table: the store's size against the budget, the time maintenance, a final compaction
// and a full gc took, and the shadow repository's size after `git gc`.
//
//   node out/bench/storageBench.js [--files 30000] [--checkpoints 20000] [--burst-every 1000]
//       [--burst-files 3000] [--budget "2 GB"] [--keep-days 7] [--maintain-every 200] [--dir PATH] [--keep]
//
// The full size takes long and a lot of disk; run it small on a shared machine, e.g.
//   node out/bench/storageBench.js --files 2000 --checkpoints 400 --burst-every 100 --burst-files 300 --budget "5 MB"
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { humanBytes, parseSize } from '../src/core/bytes';
import { Engine } from '../src/core/engine';
import { ShadowGit } from './shadowGit';
import { Rng, chooseFiles, editText, generateWorkspace } from './workspace';
import { flag, arg } from './args';

const FILES = Number(arg('files', '30000'));
const CHECKPOINTS = Number(arg('checkpoints', '20000'));
const BURST_EVERY = Number(arg('burst-every', '1000'));
const BURST_FILES = Number(arg('burst-files', '3000'));
const BUDGET = parseSize(arg('budget', '2 GB')) ?? 2 * 1024 ** 3;
const KEEP_DAYS = Number(arg('keep-days', '7'));
const MAINTAIN_EVERY = Number(arg('maintain-every', '200'));
const base = path.resolve(arg('dir', path.join(os.tmpdir(), `st-storage-bench-${process.pid}`)));
const keep = flag('keep');
const MONTH_MS = 30 * 24 * 60 * 60 * 1000;

function folderBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += folderBytes(p);
    else if (e.isFile()) n += fs.statSync(p).size;
  }
  return n;
}

async function main(): Promise<void> {
  fs.rmSync(base, { recursive: true, force: true });
  const ws = path.join(base, 'ws');
  const store = path.join(base, 'store');
  const r = new Rng(42);
  const info = generateWorkspace(ws, FILES, 42);
  const clock = { now: Date.UTC(2026, 0, 1) };
  // Saved as the extension saves by default (`sessionTree.databaseSavePolicy: debounced`): shortly
  // after changes settle, not after every checkpoint.
  const engine = new Engine({ storageDir: store, roots: [{ name: 'ws', path: ws }], clock: () => clock.now, racyWindowMs: 0, savePolicy: 'debounced' });
  let t0 = performance.now();
  await engine.open();
  console.log(`workspace: ${info.files.length} files, ${humanBytes(info.bytes)}; first scan ${Math.round(performance.now() - t0)} ms`);
  const git = new ShadowGit(path.join(base, 'shadow.git'), ws);
  await git.init();
  await git.checkpoint('start');

  const maintain = { passes: 0, totalMs: 0, maxMs: 0, compacted: 0, freed: 0, overBudget: 0 };
  let peak = 0;
  let burst = 0;
  const step = MONTH_MS / CHECKPOINTS;
  t0 = performance.now();
  await git.fastImport(async (commit) => {
    for (let i = 1; i <= CHECKPOINTS; i++) {
      clock.now += step;
      const files: { rel: string; data: Buffer }[] = [];
      if (BURST_EVERY > 0 && i % BURST_EVERY === 0) {
        // An install: thousands of files written at once (a package upgrade rewrites them all).
        burst++;
        for (let k = 0; k < BURST_FILES; k++) {
          const rel = `vendor/pkg${k % 40}/file${k}.js`;
          files.push({ rel, data: Buffer.from(`// vendor file ${k}, release ${burst}\n${'module.exports = ' + JSON.stringify({ k, burst, pad: 'x'.repeat(800 + (k % 1200)) })}\n`) });
        }
      } else {
        for (const rel of chooseFiles(r, info.files, 5 + r.int(46))) {
          files.push({ rel, data: Buffer.from(editText(r, fs.readFileSync(path.join(ws, rel), 'utf8'), `t${i}`)) });
        }
      }
      for (const f of files) {
        fs.mkdirSync(path.dirname(path.join(ws, f.rel)), { recursive: true });
        fs.writeFileSync(path.join(ws, f.rel), f.data);
      }
      engine.notifyChanged(files.map((f) => path.join(ws, f.rel)));
      engine.createCheckpoint({ source: 'agent', label: `turn ${i}` });
      await commit(`turn ${i}`, files);
      if (i % MAINTAIN_EVERY === 0) {
        const m0 = performance.now();
        const m = engine.maintain({ maxSize: BUDGET, keepDays: KEEP_DAYS });
        const ms = performance.now() - m0;
        maintain.passes++;
        maintain.totalMs += ms;
        maintain.maxMs = Math.max(maintain.maxMs, ms);
        maintain.compacted += m.compacted;
        maintain.freed += m.freedBytes;
        if (m.overBudget) maintain.overBudget++;
        peak = Math.max(peak, m.totalBytes);
      }
      if (i % Math.max(1, Math.floor(CHECKPOINTS / 10)) === 0) {
        const el = performance.now() - t0;
        console.log(`  ${i} turns, ${Math.round(el / 1000)} s (about ${Math.round((el / i) * (CHECKPOINTS - i) / 60000)} min to go): store ${humanBytes(folderBytes(store))}`);
      }
    }
  });
  const loopMs = performance.now() - t0;
  engine.saveNow();
  const before = folderBytes(store);
  let c0 = performance.now();
  const compacted = engine.compact({ keepDays: KEEP_DAYS });
  const compactMs = performance.now() - c0;
  c0 = performance.now();
  const g = engine.gc();
  const gcMs = performance.now() - c0;
  engine.saveNow();
  const after = folderBytes(store);
  const stats = engine.stats();
  await engine.close();
  const g0 = performance.now();
  await git.gc();
  const gitGcMs = performance.now() - g0;
  const gitBytes = git.size();

  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(`\n${CHECKPOINTS} agent turns on ${FILES} files over 30 simulated days (bursts of ${BURST_FILES} files every ${BURST_EVERY}); budget ${humanBytes(BUDGET)}, keep ${KEEP_DAYS} days\n`);
  const rows: [string, string][] = [
    ['store at the end (budget)', `${humanBytes(after)} (${humanBytes(BUDGET)}: ${after <= BUDGET ? 'within' : 'OVER'})`],
    ['store: peak seen by maintenance / before the final compaction', `${humanBytes(peak)} / ${humanBytes(before)}`],
    ['checkpoints / snapshots remaining', `${stats.checkpoints} / ${stats.objects}`],
    ['shadow git, same history, after `git gc`', `${humanBytes(gitBytes)} (git gc ${s(gitGcMs)})`],
    ['agent turns (capture + checkpoint + shadow commit)', s(loopMs)],
    ['background maintenance', `${maintain.passes} passes, ${s(maintain.totalMs)} in all, longest ${s(maintain.maxMs)}; compacted ${maintain.compacted} checkpoints, freed ${humanBytes(maintain.freed)}; over budget with nothing to compact: ${maintain.overBudget}`],
    ['final compaction (Compact Store, keep window)', `${compacted.checkpoints} checkpoints in ${s(compactMs)}, freed ${humanBytes(compacted.freed)}`],
    ['full gc afterwards', `${g.removed} snapshots, ${humanBytes(g.freedBytes)} in ${s(gcMs)}`],
  ];
  console.log('| | |\n| --- | --- |');
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
  if (!keep) fs.rmSync(base, { recursive: true, force: true });
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
