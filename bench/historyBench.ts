// The history queries and the graph's layout at 10,000+ checkpoints (one session with forks, a
// file changed by every 10th checkpoint), in plain Node on the real engine and sql.js:
//
//   npm run build:tests && node out/bench/historyBench.js [--checkpoints 10000]
//
// Prints one line per query: the median of 5 runs in ms. Figures are only comparable on an idle machine.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine } from '../src/core/engine';
import { layoutGraph } from '../src/webview/graphLayout';
import { lineage, pathFrom, route } from '../src/vscode/tree/lineage';
import { filteredRows } from '../src/vscode/tree/rows';
import { arg } from './args';

const N = Number(arg('checkpoints', '10000'));

function median(fn: () => unknown, runs = 5): number {
  const t: number[] = [];
  for (let r = 0; r < runs; r++) {
    const s = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-history-bench-'));
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(path.join(ws, 'src'), { recursive: true });
  for (let f = 0; f < 50; f++) fs.writeFileSync(path.join(ws, 'src', `f${f}.ts`), `// ${f}\n`);
  const engine = new Engine({ storageDir: path.join(dir, 'store'), roots: [{ name: 'ws', path: ws }], racyWindowMs: 0, savePolicy: 'debounced' });
  await engine.open();
  const started = Date.now();
  let forks = 0;
  for (let n = 1; n <= N; n++) {
    const file = n % 10 === 0 ? path.join(ws, 'hot.ts') : path.join(ws, 'src', `f${n % 50}.ts`);
    fs.writeFileSync(file, `// ${n}\n`);
    engine.notifyChanged([file]);
    engine.createCheckpoint({ label: `turn ${n}`, source: n % 3 ? 'agent' : 'terminal', tools: ['edit'], prompt: `step ${n}` });
    if (n % 500 === 0) {
      // A rewind 20 back leaves a line behind: the graph gets a fork.
      const [back] = engine.checkpoints({ offset: 20, limit: 1 });
      await engine.restore({ kind: 'rewind', checkpointId: back.id });
      forks++;
    }
  }
  const session = engine.activeSession()!;
  console.log(`built ${engine.stats().checkpoints} checkpoints (${forks} forks) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const g = engine.sessionGraph();
  const heads = new Set(session.branches.map((b) => b.headId));
  const onMain = new Set(pathFrom(lineage(g.checkpoints), session.headId).map((c) => c.id));
  const aside = g.checkpoints.find((c) => !onMain.has(c.id) && !heads.has(c.id))?.id ?? session.headId;
  const treeFilter = (text: string) => {
    const hits = engine.searchCheckpoints({ text, limit: Number.MAX_SAFE_INTEGER }).hits;
    const lin = lineage(engine.sessionGraph().checkpoints);
    return filteredRows(lin, session, pathFrom(lin, session.headId), new Set(hits.map((h) => h.checkpoint.id)), session.activeBranch);
  };
  const rows: [string, number][] = [
    ['sessionGraph (all checkpoints of the session)', median(() => engine.sessionGraph())],
    ['layoutGraph (lanes for every row)', median(() => layoutGraph(g.checkpoints))],
    ['fileHistory (a file changed by every 10th)', median(() => engine.fileHistory(path.join(ws, 'hot.ts')))],
    ['searchCheckpoints "turn 9999" (labels, infos, files)', median(() => engine.searchCheckpoints({ text: 'turn 9999' }))],
    ['searchCheckpoints "file:hot.ts"', median(() => engine.searchCheckpoints({ text: 'file:hot.ts' }))],
    ['searchCheckpoints "source:terminal"', median(() => engine.searchCheckpoints({ text: 'source:terminal' }))],
    // The Sessions tree under Filter Sessions… "file:hot.ts": every match, the history, the rows of the active branch.
    ['tree filter "file:hot.ts" (search all + rows of main)', median(() => treeFilter('file:hot.ts'))],
    ['tree reveal route (a checkpoint a rewind set aside)', median(() => route(lineage(engine.sessionGraph().checkpoints), session.branches, aside))],
    ['sessionSummary (files, tools, commands)', median(() => engine.sessionSummary())],
  ];
  for (const [name, ms] of rows) console.log(`${name.padEnd(56)} ${ms.toFixed(1).padStart(8)} ms`);
  console.log(`graph: ${g.checkpoints.length} checkpoints, ${layoutGraph(g.checkpoints).width} lanes; JSON ${(JSON.stringify(g).length / 1024).toFixed(0)} KiB; session ${session.title}`);
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

void main();
