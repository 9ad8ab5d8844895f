// `npm run bench`: Session Tree's engine against the shadow-git method of its peers, side by side,
// in one run. See BENCHMARKS.md for what each row means and the figures of a full run.
//
//   node out/bench/bench.js [--quick] [--runs N] [--sizes 30000,100000] [--history 10,1000,10000]
//                           [--dir PATH] [--keep] [--json FILE]
//
// Each workspace is generated twice, identically: the engine works on one copy and git on the other,
// so neither ever sees the other's writes. Every edit is applied to both copies with the same bytes.
// Engine and git runs alternate (which goes first alternates too); every figure is a median over the
// runs, with min and max.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEngine, type EngineClient } from '../src/host/client';
import { ShadowGit, dirSize, gitPeakKiB } from './shadowGit';
import { Rng, chooseFiles, editFiles, generateWorkspace } from './workspace';
import { flag, opt } from './args';

// ───────────────────────────── options ─────────────────────────────

const quick = flag('quick');
const REPO = path.resolve(__dirname, '../..');
const runs = Number(opt('runs') ?? (quick ? 3 : 7));
const snapshotRuns = Number(opt('snapshot-runs') ?? 3);
const sizes = (opt('sizes') ?? (quick ? '3000,10000' : '30000,100000')).split(',').map(Number);
const historyLevels = (opt('history') ?? (quick ? '10,100,1000' : '10,1000,10000')).split(',').map(Number);
const base = path.resolve(opt('dir') ?? path.join(REPO, '.bench', `run-${process.pid}`));
const keep = flag('keep');
const jsonOut = opt('json') ?? path.join(REPO, '.bench', quick ? 'results-quick.json' : 'results.json');

// The bundled worker the extension ships (`npm run bench` builds it first); `--worker out` takes
// the tsc output instead.
const distWorker = path.join(REPO, 'dist', 'worker.js');
const outWorker = path.join(REPO, 'out', 'src', 'host', 'worker.js');
const workerOpt = opt('worker');
const workerPath = workerOpt === 'out' ? outWorker : workerOpt ? path.resolve(workerOpt) : fs.existsSync(distWorker) ? distWorker : outWorker;
const wasmPath = fs.existsSync(path.join(REPO, 'dist', 'sql-wasm.wasm')) ? path.join(REPO, 'dist', 'sql-wasm.wasm') : undefined;

// ───────────────────────────── measuring ─────────────────────────────

const now = () => performance.now();

/** Before each timed operation: let the previous one's background work (writeback, git's own) settle. */
const settle = () => new Promise((r) => setTimeout(r, 100));

async function time<T>(fn: () => Promise<T>, settleFirst = false): Promise<{ ms: number; value: T }> {
  if (settleFirst) await settle();
  const t0 = now();
  const value = await fn();
  return { ms: now() - t0, value };
}

/** A timer ticking every 5 ms on this thread; the longest gap between ticks is the longest task. */
class Ticker {
  private last = 0;
  private max = 0;
  private timer: NodeJS.Timeout | undefined;
  start(): void {
    this.last = now();
    this.max = 0;
    this.timer = setInterval(() => {
      const t = now();
      this.max = Math.max(this.max, t - this.last);
      this.last = t;
    }, 5);
  }
  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return Math.max(this.max, now() - this.last);
  }
}
const ticker = new Ticker();
/** Runs an engine call with the ticker on; records the longest main-thread gap under `gapKey`. */
async function engineOp<T>(gapKey: string, fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  await settle();
  ticker.start();
  try {
    return await time(fn);
  } finally {
    const gap = ticker.stop();
    gaps.set(gapKey, Math.max(gaps.get(gapKey) ?? 0, gap));
  }
}
const gaps = new Map<string, number>();

interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}
function summarize(xs: number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

type Unit = 'ms' | 'MB';
interface Target {
  /** engine/git ratio at most, or an absolute value at most (in the row's unit) */
  ratio?: number;
  abs?: number;
  text: string;
}
interface Row {
  section: string;
  scenario: string;
  workspace: string;
  unit: Unit;
  engine: Summary;
  git?: Summary;
  gitLabel?: string;
  target?: Target;
  met?: boolean;
  note?: string;
}
const rows: Row[] = [];

function fmt(v: number, unit: Unit): string {
  if (unit === 'MB') return `${v.toFixed(1)} MB`;
  if (v >= 10000) return `${(v / 1000).toFixed(1)} s`;
  if (v >= 1000) return `${(v / 1000).toFixed(2)} s`;
  if (v >= 100) return `${v.toFixed(0)} ms`;
  if (v >= 10) return `${v.toFixed(1)} ms`;
  return `${v.toFixed(2)} ms`;
}
function fmtSummary(s: Summary, unit: Unit): string {
  if (s.n === 1) return fmt(s.median, unit);
  return `${fmt(s.median, unit)} (${fmt(s.min, unit)} – ${fmt(s.max, unit)})`;
}
function ratioText(r: Row): string {
  if (!r.git) return '';
  const x = r.engine.median / r.git.median;
  return x < 0.1 ? `1/${Math.round(1 / x)}` : `${x.toFixed(2)}×`;
}

function addRow(r: Omit<Row, 'met'>): Row {
  const row: Row = { ...r };
  if (r.target) {
    if (r.target.ratio !== undefined && r.git) row.met = r.engine.median / r.git.median <= r.target.ratio;
    if (r.target.abs !== undefined) row.met = r.engine.median <= r.target.abs;
  }
  rows.push(row);
  const gitPart = r.git ? ` | git ${r.gitLabel ?? ''} ${fmtSummary(r.git, r.unit)} | ${ratioText(row)}` : '';
  log(`  ${r.scenario} [${r.workspace}]: engine ${fmtSummary(r.engine, r.unit)}${gitPart}${r.target ? ` | target ${r.target.text}: ${row.met ? 'met' : 'NOT MET'}` : ''}`);
  return row;
}

function log(s: string): void {
  process.stderr.write(s + '\n');
}

const MB = (bytes: number) => bytes / 1e6;

// ───────────────────────────── set-up ─────────────────────────────

interface Ws {
  n: number;
  label: string;
  engineRoot: string;
  gitRoot: string;
  files: string[];
  bytes: number;
}

function copyTree(src: string, dst: string): void {
  try {
    execFileSync('cp', ['-a', src, dst]);
  } catch {
    fs.cpSync(src, dst, { recursive: true, preserveTimestamps: true });
  }
}

function makeWorkspace(n: number): Ws {
  const dir = path.join(base, `ws-${n}`);
  const engineRoot = path.join(dir, 'engine');
  const gitRoot = path.join(dir, 'git');
  const t0 = now();
  const info = generateWorkspace(engineRoot, n, 0x5e55 + n);
  copyTree(engineRoot, gitRoot);
  const label = `${(n / 1000).toFixed(0)}k files`;
  log(`Workspace ${label}: ${info.files.length} tracked files (${MB(info.bytes).toFixed(1)} MB) in ${info.dirs} folders, ` +
    `plus ${info.ignoredFiles} git-ignored files; generated in ${((now() - t0) / 1000).toFixed(1)} s (two identical copies).`);
  return { n, label, engineRoot, gitRoot, files: info.files, bytes: info.bytes };
}

/** Applies the same edit to both copies; returns the engine copy's absolute paths. */
function edit(ws: Ws, rels: string[], rng: Rng, tag: string): string[] {
  const abs = editFiles(ws.engineRoot, rels, rng, tag);
  for (const rel of rels) fs.writeFileSync(path.join(ws.gitRoot, rel), fs.readFileSync(path.join(ws.engineRoot, rel)));
  return abs;
}

function start(storageDir: string, root: string): EngineClient {
  return startEngine({ workerPath, wasmPath, storageDir, roots: [{ name: 'ws', path: root }], savePolicy: 'debounced' });
}

async function stop(c: EngineClient): Promise<void> {
  await c.close();
  await c.terminate();
}

// ───────────────────────────── scenarios ─────────────────────────────

async function firstSnapshot(ws: Ws): Promise<{ client: EngineClient; store: string; git: ShadowGit }> {
  log(`\n== First snapshot, ${ws.label}`);
  const e: number[] = [];
  const g: number[] = [];
  let kept: { client: EngineClient; store: string; git: ShadowGit } | undefined;
  const keptGit: ShadowGit[] = [];
  for (let i = 0; i < snapshotRuns; i++) {
    const last = i === snapshotRuns - 1;
    const engineRun = async () => {
      const store = path.join(base, `store-${ws.n}-${i}`);
      const client = start(store, ws.engineRoot);
      const r = await engineOp(`scan ${ws.label}`, () => client.open());
      if (r.value.tracked !== ws.files.length) throw new Error(`engine tracked ${r.value.tracked}, expected ${ws.files.length}`);
      e.push(r.ms);
      if (last) kept = { client, store, git: undefined as unknown as ShadowGit };
      else {
        await stop(client);
        fs.rmSync(store, { recursive: true, force: true });
      }
    };
    const gitRun = async () => {
      const git = new ShadowGit(path.join(base, `git-${ws.n}-${i}`), ws.gitRoot);
      await git.init();
      const r = await time(() => git.checkpoint('first snapshot'), true);
      g.push(r.ms);
      keptGit.push(git);
    };
    if (i % 2 === 0) {
      await engineRun();
      await gitRun();
    } else {
      await gitRun();
      await engineRun();
    }
  }
  const git = keptGit.pop()!;
  for (const other of keptGit) fs.rmSync(other.gitDir, { recursive: true, force: true });
  kept!.git = git;
  addRow({
    section: 'First snapshot', scenario: 'first snapshot of the workspace', workspace: ws.label, unit: 'ms',
    engine: summarize(e), git: summarize(g), gitLabel: '`git add -A && git commit`', target: { ratio: 0.5, text: '≤ 0.5× git' },
  });
  // Peak memory of git for the same work, measured once (untimed) with GNU time.
  const probe = new ShadowGit(path.join(base, `git-probe-${ws.n}`), ws.gitRoot);
  await probe.init();
  gitPeak.set(ws.label, await gitPeakKiB(probe.gitDir, ws.gitRoot, ['add', '-A']));
  fs.rmSync(probe.gitDir, { recursive: true, force: true });
  return kept!;
}
const gitPeak = new Map<string, number | undefined>();

async function storage(ws: Ws, client: EngineClient, store: string, git: ShadowGit, when: string): Promise<void> {
  await client.saveNow();
  const before = git.size();
  const t0 = now();
  await git.gc();
  const gcMs = now() - t0;
  const engineBytes = dirSize(store);
  const gitBytes = git.size();
  const st = await client.stats();
  addRow({
    section: 'Storage', scenario: `storage on disk ${when}`, workspace: ws.label, unit: 'MB',
    engine: summarize([MB(engineBytes)]), git: summarize([MB(gitBytes)]), gitLabel: 'after `git gc`',
    target: { ratio: 1.1, text: '≤ 1.1× git' },
    note: `engine: packs ${MB(st.packBytes).toFixed(1)} MB, state.db ${MB(st.dbBytes).toFixed(1)} MB (+ its last good copy); git before gc ${MB(before).toFixed(1)} MB, gc took ${(gcMs / 1000).toFixed(1)} s`,
  });
}

async function checkpoints(ws: Ws, client: EngineClient, git: ShadowGit, rng: Rng): Promise<void> {
  log(`\n== Checkpoints, ${ws.label}`);
  for (const mode of ['known', 'rescan'] as const) {
    if (mode === 'rescan') {
      // The engine re-reads files modified within 3 s of a scan (their timestamps might not tell
      // a second change on a coarse clock); let the previous scenario's edits age past that.
      await new Promise((r) => setTimeout(r, 3200));
    }
    for (const n of [1, 10, 100]) {
      const e: number[] = [];
      const es: number[] = [];
      const ec: number[] = [];
      const g: number[] = [];
      for (let i = 0; i < runs; i++) {
        const rels = chooseFiles(rng, ws.files, n);
        const abs = edit(ws, rels, rng, `cp${mode}${n}r${i}`);
        const engineRun = async () => {
          let sealMs = 0;
          const r = await engineOp(mode === 'rescan' ? `rescan ${ws.label}` : `checkpoint ${ws.label}`, async () => {
            if (mode === 'known') await client.notifyChanged(abs);
            const t = now();
            const cp = await client.createCheckpoint({ source: 'agent', label: `edit ${n}`, ...(mode === 'rescan' ? { rescan: true } : {}) } as never);
            sealMs = now() - t;
            return cp;
          });
          if (r.value?.fileCount !== n) throw new Error(`the checkpoint has ${r.value?.fileCount} files, expected ${n}`);
          e.push(r.ms);
          ec.push(sealMs);
          const s = await time(() => client.saveNow());
          es.push(r.ms + s.ms);
        };
        const gitRun = async () => g.push((await time(() => git.checkpoint(`edit ${n}`), true)).ms);
        if (i % 2 === 0) {
          await engineRun();
          await gitRun();
        } else {
          await gitRun();
          await engineRun();
        }
      }
      const files = `${n} file${n === 1 ? '' : 's'}`;
      if (mode === 'known') {
        addRow({
          section: 'Checkpoint', scenario: `checkpoint after editing ${files}, paths known (watcher)`, workspace: ws.label, unit: 'ms',
          engine: summarize(e), git: summarize(g), gitLabel: '`git add -A && git commit`', target: { ratio: 1 / 50, text: '≤ 1/50 of git' },
          note: 'notifyChanged(paths) + createCheckpoint(): all the work of capturing the files (read, hash, compress, line counts) and sealing them',
        });
        addRow({
          section: 'Checkpoint', scenario: `  … of which the checkpoint call alone (what an agent waits for once the watcher has reported)`, workspace: ws.label, unit: 'ms',
          engine: summarize(ec), git: summarize(g), gitLabel: '`git add -A && git commit`',
        });
        addRow({
          section: 'Checkpoint', scenario: `  … the same, plus saving the database at once`, workspace: ws.label, unit: 'ms',
          engine: summarize(es), git: summarize(g), gitLabel: '`git add -A && git commit`',
          note: 'the engine saves the database about 1 s after changes settle (debounced); this row adds that save to the checkpoint',
        });
      } else {
        addRow({
          section: 'Checkpoint', scenario: `checkpoint after editing ${files}, full rescan`, workspace: ws.label, unit: 'ms',
          engine: summarize(e), git: summarize(g), gitLabel: '`git add -A && git commit`', target: { ratio: 1, text: '≤ 1.0× git' },
        });
      }
    }
  }
}

async function restores(ws: Ws, client: EngineClient, git: ShadowGit, rng: Rng): Promise<void> {
  log(`\n== Restores, ${ws.label}`);
  await client.saveNow();
  const c0 = (await client.activeSession())!.headId;
  const sha0 = await git.head();
  if ((await client.workingChanges()).length) throw new Error('working changes before the restore scenario');
  for (const kind of ['rewind', 'files'] as const) {
    for (const n of [1, 10, 100]) {
      const e: number[] = [];
      const g: number[] = [];
      for (let i = 0; i < runs; i++) {
        // Each side edits and restores its own copy; both start and end at the checkpoint's state.
        const rels = chooseFiles(rng, ws.files, n);
        const engineRun = async () => {
          const abs = editFiles(ws.engineRoot, rels, rng, `rs${kind}${n}e${i}`);
          // The watcher reports edits as they happen, long before a restore (untimed here).
          await client.notifyChanged(abs);
          const r = await engineOp(`restore ${ws.label}`, async () => {
            return kind === 'rewind'
              ? client.restore({ kind: 'rewind', checkpointId: c0 })
              : client.restore({ kind: 'restoreFiles', checkpointId: c0, paths: abs });
          });
          const restored = r.value.files.filter((f) => f.status === 'restored').length;
          if (restored !== n) throw new Error(`the restore wrote ${restored} files, expected ${n}: ${JSON.stringify(r.value.files.slice(0, 3))}`);
          e.push(r.ms);
        };
        const gitRun = async () => {
          editFiles(ws.gitRoot, rels, rng, `rs${kind}${n}g${i}`);
          g.push((await time(() => (kind === 'rewind' ? git.resetHard(sha0) : git.checkoutPaths(sha0, rels)), true)).ms);
        };
        if (i % 2 === 0) {
          await engineRun();
          await gitRun();
        } else {
          await gitRun();
          await engineRun();
        }
      }
      const files = `${n} file${n === 1 ? '' : 's'}`;
      if (kind === 'rewind') {
        addRow({
          section: 'Restore', scenario: `rewind: restore of ${files} edited since the checkpoint`, workspace: ws.label, unit: 'ms',
          engine: summarize(e), git: summarize(g), gitLabel: '`git clean -fd && git reset --hard <sha>`',
          target: n === 100 ? { ratio: 1 / 5, text: '≤ 1/5 of git' } : undefined,
        });
      } else {
        addRow({
          section: 'Restore', scenario: `restore ${files} from a checkpoint`, workspace: ws.label, unit: 'ms',
          engine: summarize(e), git: summarize(g), gitLabel: '`git checkout <sha> -- <paths>`',
        });
      }
    }
  }
}

/** Grows one session's history in both systems to each level, measuring at each. */
async function history(ws: Ws, clientIn: EngineClient, store: string, git: ShadowGit, rng: Rng): Promise<EngineClient> {
  log(`\n== History, ${ws.label}`);
  let client = clientIn;
  await client.newSession({ title: 'history' });
  const steps: { at: number; ms: number }[] = [];
  const perLevel: { level: number; cp: number[]; gcp: number[]; rw: number[]; grw: number[]; save: number[]; dbBytes: number }[] = [];
  for (const level of historyLevels) {
    let count = (await client.activeSession())!.checkpointCount;
    const t0 = now();
    await git.fastImport(async (commit) => {
      while (count < level) {
        const rels = chooseFiles(rng, ws.files, 10);
        const abs = edit(ws, rels, rng, `h${count}`);
        const r = await time(async () => {
          await client.notifyChanged(abs);
          return client.createCheckpoint({ source: 'agent', label: `step ${count}` });
        });
        steps.push({ at: count, ms: r.ms });
        count++;
        await commit(`step ${count}`, rels.map((rel) => ({ rel, data: fs.readFileSync(path.join(ws.gitRoot, rel)) })));
      }
    });
    await client.saveNow();
    log(`  history grown to ${count} checkpoints (${((now() - t0) / 1000).toFixed(1)} s)`);
    const m = { level, cp: [] as number[], gcp: [] as number[], rw: [] as number[], grw: [] as number[], save: [] as number[], dbBytes: 0 };
    for (let i = 0; i < runs; i++) {
      const rels = chooseFiles(rng, ws.files, 10);
      const abs = edit(ws, rels, rng, `hl${level}r${i}`);
      const engineRun = async () => {
        const r = await engineOp(`checkpoint ${ws.label}`, async () => {
          await client.notifyChanged(abs);
          return client.createCheckpoint({ source: 'agent', label: `level ${level}` });
        });
        m.cp.push(r.ms);
        await client.saveNow();
        const line = await client.checkpoints({ limit: 6 });
        const target = line[5];
        if (!target) throw new Error(`the active branch has only ${line.length} checkpoints: ${JSON.stringify(line.map((c) => [c.id, c.label]))}`);
        const rw = await engineOp(`restore ${ws.label}`, () => client.restore({ kind: 'rewind', checkpointId: target.id }));
        m.rw.push(rw.ms);
        // Back to where it was (untimed), so the history keeps its length.
        await client.restore({ kind: 'undo' });
      };
      const gitRun = async () => {
        m.gcp.push((await time(() => git.checkpoint(`level ${level}`), true)).ms);
        const sha = await git.head();
        m.grw.push((await time(() => git.resetHard('HEAD~5'), true)).ms);
        await git.resetHard(sha);
      };
      if (i % 2 === 0) {
        await engineRun();
        await gitRun();
      } else {
        await gitRun();
        await engineRun();
      }
    }
    for (let i = 0; i < runs; i++) {
      await client.saveNow();
      m.save.push((await client.stats()).saveMs);
    }
    m.dbBytes = (await client.stats()).dbBytes;
    perLevel.push(m);
    const lv = level.toLocaleString('en-US');
    addRow({ section: 'History', scenario: `checkpoint (10 files, paths known) with ${lv} checkpoints`, workspace: ws.label, unit: 'ms', engine: summarize(m.cp), git: summarize(m.gcp), gitLabel: '`git add -A && git commit`' });
    addRow({ section: 'History', scenario: `rewind 5 checkpoints with ${lv} checkpoints`, workspace: ws.label, unit: 'ms', engine: summarize(m.rw), git: summarize(m.grw), gitLabel: '`git clean -fd && git reset --hard HEAD~5`' });
    addRow({
      section: 'History', scenario: `database save with ${lv} checkpoints (state.db ${MB(m.dbBytes).toFixed(1)} MB)`, workspace: ws.label, unit: 'ms',
      engine: summarize(m.save), target: level >= 10000 ? { abs: 40, text: '≤ 40 ms' } : undefined,
    });
  }
  // Flatness: the last level against the first.
  const first = perLevel[0];
  const last = perLevel[perLevel.length - 1];
  const flat = (a: number[], b: number[]) => summarize(b).median <= 1.5 * summarize(a).median + 0.5;
  for (const [what, a, b] of [['checkpoint', first.cp, last.cp], ['rewind', first.rw, last.rw]] as const) {
    const ok = flat(a, b);
    rows.push({
      section: 'History', scenario: `${what} cost at ${last.level.toLocaleString('en-US')} vs ${first.level.toLocaleString('en-US')} checkpoints`, workspace: ws.label, unit: 'ms',
      engine: summarize(b), target: { text: 'flat: ≤ 1.5× + 0.5 ms' }, met: ok,
      note: `${fmt(summarize(a).median, 'ms')} → ${fmt(summarize(b).median, 'ms')}`,
    });
    log(`  ${what} flat: ${fmt(summarize(a).median, 'ms')} → ${fmt(summarize(b).median, 'ms')}: ${ok ? 'met' : 'NOT MET'}`);
  }
  // Every step of the growth, by decile: thousands of samples, not five.
  const deciles: string[] = [];
  const total = steps.length;
  for (let d = 0; d < 10; d++) {
    const part = steps.slice(Math.floor((d * total) / 10), Math.floor(((d + 1) * total) / 10)).map((s) => s.ms);
    if (part.length) deciles.push(fmt(summarize(part).median, 'ms'));
  }
  historySteps = { total, deciles };
  log(`  median step time by tenth of the growth (${total} steps): ${deciles.join(', ')}`);
  await storage(ws, client, store, git, `with ${last.level.toLocaleString('en-US')} checkpoints`);

  // Activation with this store: worker start, open, and what the tree's first paint asks for.
  log(`\n== Activation, ${ws.label}, ${last.level.toLocaleString('en-US')} checkpoints`);
  await stop(client);
  const act: number[] = [];
  const opens: number[] = [];
  const scans: number[] = [];
  for (let i = 0; i < runs; i++) {
    // As the extension does it: open (deferring the scan), the tree's first paint, then the scan.
    await settle();
    const t0 = now();
    const c = start(store, ws.engineRoot);
    const o = await time(() => c.open({ deferScan: true }));
    const [sessions, , line] = await Promise.all([c.sessions(), c.activeSession(), c.checkpoints({ limit: 50 }), c.workingChanges()]);
    act.push(now() - t0);
    opens.push(o.ms);
    if (sessions.length < 2 || line.length !== 50) throw new Error('the first paint data is not what the store holds');
    const sc = await engineOp(`scan ${ws.label}`, () => c.startupScan());
    if (sc.value.tracked !== ws.files.length) throw new Error(`the start-up scan tracked ${sc.value.tracked} files`);
    scans.push(sc.ms);
    if (i < runs - 1) await stop(c);
    else client = c;
  }
  addRow({
    section: 'Activation', scenario: `engine start + open + first paint data, ${last.level.toLocaleString('en-US')} checkpoints`, workspace: ws.label, unit: 'ms',
    engine: summarize(act), target: { abs: 200, text: '≤ 200 ms' },
    note: `worker thread start, open() ${fmt(summarize(opens).median, 'ms')}, then sessions, active session, 50 checkpoints and working changes; worker: ${path.relative(REPO, workerPath)}`,
  });
  addRow({
    section: 'Activation', scenario: '  … then the start-up scan for changes made while closed (the tree is already painted)', workspace: ws.label, unit: 'ms',
    engine: summarize(scans),
  });
  return client;
}
let historySteps: { total: number; deciles: string[] } | undefined;

// ───────────────────────────── main ─────────────────────────────

function machine(): Record<string, string> {
  const cpus = os.cpus();
  let gitVersion = '?';
  try {
    gitVersion = execFileSync('git', ['--version']).toString().trim();
  } catch {
    /* reported as ? */
  }
  let osName = `${os.type()} ${os.release()}`;
  try {
    const rel = fs.readFileSync('/etc/os-release', 'utf8');
    const m = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(rel);
    if (m) osName = `${m[1]} (${os.type()} ${os.release()})`;
  } catch {
    /* not Linux */
  }
  let fsType = '?';
  try {
    fsType = execFileSync('df', ['-T', base]).toString().trim().split('\n')[1].split(/\s+/)[1];
  } catch {
    /* unknown */
  }
  return {
    cpu: `${cpus[0]?.model ?? '?'} × ${cpus.length}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: osName,
    node: process.version,
    git: gitVersion,
    filesystem: fsType,
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  fs.rmSync(base, { recursive: true, force: true });
  fs.mkdirSync(base, { recursive: true });
  const mach = machine();
  const loadStart = os.loadavg();
  log(`Session Tree bench${quick ? ' (--quick)' : ''}: ${runs} runs per scenario (${snapshotRuns} for first snapshots), in ${base}`);
  log(`Machine: ${Object.entries(mach).map(([k, v]) => `${k} ${v}`).join('; ')}`);
  log(`Load average at start: ${loadStart.map((x) => x.toFixed(2)).join(' ')}`);
  const memory: Record<string, number> = {};
  try {
    for (const [i, n] of sizes.entries()) {
      const ws = makeWorkspace(n);
      const rng = new Rng(1000 + n);
      let { client, store, git } = await firstSnapshot(ws);
      await storage(ws, client, store, git, 'after the first snapshot');
      await checkpoints(ws, client, git, rng);
      await restores(ws, client, git, rng);
      if (i === 0) client = await history(ws, client, store, git, rng);
      await stop(client);
      memory[ws.label] = process.resourceUsage().maxRSS / 1024;
      log(`Peak memory of the bench process (engine worker included) so far: ${memory[ws.label].toFixed(0)} MB`);
      fs.rmSync(path.join(base, `ws-${n}`), { recursive: true, force: true });
      fs.rmSync(store, { recursive: true, force: true });
      fs.rmSync(git.gitDir, { recursive: true, force: true });
    }
  } finally {
    ticker.stop();
  }
  for (const [label, mb] of Object.entries(memory)) {
    const g = gitPeak.get(label);
    rows.push({
      section: 'Memory', scenario: 'peak memory of the process (engine worker thread included)', workspace: `up to ${label}`, unit: 'MB',
      engine: summarize([mb]), note: g ? `git add -A of the whole workspace: ${(g / 1024).toFixed(0)} MB` : undefined,
    });
  }
  for (const [key, gap] of gaps) {
    rows.push({
      section: 'Responsiveness', scenario: `longest main-thread task while the engine runs: ${key.split(' ')[0]}`, workspace: key.split(' ').slice(1).join(' '),
      unit: 'ms', engine: summarize([gap]), target: { abs: 50, text: '≤ 50 ms' }, met: gap <= 50,
      note: 'longest gap of a 5 ms timer on the calling thread, over all runs',
    });
  }
  const loadEnd = os.loadavg();
  const minutes = (Date.now() - started) / 60000;
  const table = renderTable();
  process.stdout.write(table + '\n');
  log(`\nLoad average at end: ${loadEnd.map((x) => x.toFixed(2)).join(' ')}; the run took ${minutes.toFixed(1)} min.`);
  const unmet = rows.filter((r) => r.met === false);
  log(unmet.length ? `Targets not met: ${unmet.length}` : 'Every target met.');
  fs.mkdirSync(path.dirname(jsonOut), { recursive: true });
  fs.writeFileSync(jsonOut, JSON.stringify({ quick, runs, snapshotRuns, sizes, historyLevels, machine: mach, loadStart, loadEnd, minutes, historySteps, rows }, null, 2));
  log(`Results: ${jsonOut}`);
  if (!keep) fs.rmSync(base, { recursive: true, force: true });
}

export function renderTable(): string {
  const out: string[] = [];
  out.push('| scenario | workspace | Session Tree: median (min – max) | shadow git: median (min – max) | engine / git | target | met |');
  out.push('| --- | --- | --- | --- | --- | --- | --- |');
  let section = '';
  for (const r of rows) {
    if (r.section !== section) {
      section = r.section;
      out.push(`| **${section}** | | | | | | |`);
    }
    const git = r.git ? `${fmtSummary(r.git, r.unit)}${r.gitLabel ? ` ${r.gitLabel}` : ''}` : '—';
    const met = r.met === undefined ? '' : r.met ? 'yes' : '**no**';
    out.push(`| ${r.scenario}${r.note ? ` <br><sub>${r.note}</sub>` : ''} | ${r.workspace} | ${fmtSummary(r.engine, r.unit)} | ${git} | ${ratioText(r)} | ${r.target?.text ?? ''} | ${met} |`);
  }
  if (historySteps) out.push('', `Median time of each of the ${historySteps.total} history-building steps (notify 10 files + checkpoint), by tenth of the growth: ${historySteps.deciles.join(', ')}.`);
  return out.join('\n');
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (e) => {
    ticker.stop();
    log(`bench failed: ${(e as Error).stack ?? e}`);
    if (!keep) fs.rmSync(base, { recursive: true, force: true });
    process.exit(1);
  },
);
