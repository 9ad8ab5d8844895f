// The end-to-end bench's side inside the extension host: loaded by code-server as the
// `extensionTestsPath` of a small bench extension (the way the integration suite is loaded), with
// Session Tree installed from its packaged .vsix. It reads the runner's config file
// (SESSION_TREE_BENCH_CONFIG), drives Session Tree's public API, writes every figure to the result
// file and returns; the runner prints the table. In `baseline` mode (Session Tree not installed) it
// only samples memory at the same moments.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { ShadowGit } from '../shadowGit';
import { StallMonitor, memorySample, probeReads, sleep, type Reader } from './probe';
import { Scenarios, type BenchApi } from './scenarios';
import { EXTENSION_ID, type BenchConfig, type HostResult } from './types';

/** The workbench is left this long after the window opens before the first memory sample. */
const SETTLED_MS = 5_000;

function readConfig(): BenchConfig {
  const file = process.env.SESSION_TREE_BENCH_CONFIG;
  if (!file) throw new Error('SESSION_TREE_BENCH_CONFIG is not set: run the bench with `npm run bench:vscode`');
  return JSON.parse(readFileSync(file, 'utf8')) as BenchConfig;
}

function readers(api: BenchApi): Reader[] {
  return [
    { name: 'checkpoints({ limit: 50 })', read: () => api.checkpoints({ limit: 50 }) },
    { name: 'sessions()', read: () => api.sessions() },
    { name: 'activeSession()', read: () => api.activeSession() },
  ];
}

async function sessionTree(cfg: BenchConfig, result: HostResult, since: number, stall: StallMonitor, progress: (l: string) => void): Promise<void> {
  const ext = vscode.extensions.getExtension<BenchApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed in this code-server`);
  result.extensionVersion = String((ext.packageJSON as { version?: string }).version);
  const api = ext.isActive ? ext.exports : await ext.activate();
  if (api?.version !== 1) throw new Error(`unexpected API version ${String(api?.version)}`);
  result.beginTurn = typeof api.beginTurn === 'function';

  // Reads while the store opens and the first scan runs (nothing to read once it is over).
  const first = await probeReads('first scan (activation until `ready`)', api.ready, readers(api), stall);
  result.readyMs = performance.now() - since;
  result.reads.push({ ...first.series, detail: `ready ${Math.round(result.readyMs)} ms after the bench started` });
  progress(`Session Tree ready after ${Math.round(result.readyMs)} ms`);

  await sleep(Math.max(0, SETTLED_MS - (performance.now() - since)));
  result.memory.push(memorySample('after the first snapshot', since));
  await sleep(cfg.restMs);
  result.memory.push(memorySample('at rest', since));
  progress('memory sampled; timing the rows');

  const git = new ShadowGit(cfg.gitDir, cfg.gitWorkTree);
  await new Scenarios(api, git, cfg, stall, result.ops, progress).runAll();

  // Reads while a session export runs (the worker's longest single call here).
  mkdirSync(cfg.scratchDir, { recursive: true });
  for (let i = 0; i < cfg.exportRuns; i++) {
    const file = path.join(cfg.scratchDir, `bench-${i}.stexport`);
    const op = Promise.resolve(vscode.commands.executeCommand('sessionTree.exportSession', { file }));
    const { series, value } = await probeReads('a session export', op, readers(api), stall);
    const r = value as { bytes?: number; checkpoints?: number } | undefined;
    result.reads.push({ ...series, detail: `export of ${r?.checkpoints ?? '?'} checkpoints, ${((r?.bytes ?? 0) / 1048576).toFixed(1)} MiB` });
    rmSync(file, { force: true });
  }
  progress('exports done');
  await sleep(cfg.restMs);
  result.memory.push(memorySample('after the bench, at rest', since));
}

async function baseline(cfg: BenchConfig, result: HostResult, since: number): Promise<void> {
  if (vscode.extensions.getExtension(EXTENSION_ID)) result.notes.push(`${EXTENSION_ID} is installed in the baseline window`);
  await sleep(SETTLED_MS);
  result.memory.push(memorySample('after the first snapshot', since));
  await sleep(cfg.restMs);
  result.memory.push(memorySample('at rest', since));
}

/** Opens the Session Tree view (which activates the extension) and waits for the runner to see it. */
async function activation(cfg: BenchConfig, result: HostResult): Promise<void> {
  const ext = vscode.extensions.getExtension<BenchApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed in this code-server`);
  const wasActive = ext.isActive;
  const startedAt = Date.now();
  await vscode.commands.executeCommand('workbench.view.extension.sessionTree');
  const api = ext.isActive ? ext.exports : await ext.activate();
  await api.ready;
  result.activation = { startedAt, wasActive, readyMs: Date.now() - startedAt };
  if (wasActive) result.notes.push('Session Tree was already active when the bench asked for its view: the activation time is not measured from its start');
  for (const until = Date.now() + 120_000; Date.now() < until && !existsSync(cfg.treeSeenFile ?? ''); ) await sleep(50);
  // A user's window stays open longer than this: long enough to keep the tree's first paint for
  // the next start (written 2.5 s after the tree last painted, src/vscode/paintCache.ts).
  await sleep(4000);
}

export async function run(): Promise<void> {
  const since = performance.now();
  const cfg = readConfig();
  const progress = (line: string) => appendFileSync(cfg.progressFile, `${line}\n`);
  const result: HostResult = { mode: cfg.mode, beginTurn: false, memory: [], ops: [], reads: [], notes: [] };
  const stall = new StallMonitor();
  stall.start();
  try {
    if (cfg.mode === 'baseline') await baseline(cfg, result, since);
    else if (cfg.mode === 'activation') await activation(cfg, result);
    else await sessionTree(cfg, result, since, stall, progress);
  } catch (e) {
    result.error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    progress(`failed: ${result.error}`);
  } finally {
    stall.stop();
    writeFileSync(cfg.resultFile, JSON.stringify(result, null, 1));
  }
}
