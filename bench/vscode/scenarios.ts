// The timed rows of the end-to-end bench, run inside the extension host through Session Tree's
// public API, each followed by the same step done the shadow-git way on an identical copy of the
// workspace. Every result is checked while it is timed: a checkpoint must hold exactly the files
// written for it, a rewind must put back exactly those files with their old bytes. A wrong result
// is recorded with what was wrong and is not counted as a timing.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { CheckpointInfo, RestoreResult, SessionTreeApi } from '../../src/api';
import type { ShadowGit } from '../shadowGit';
import { Rng, chooseFiles, editText } from '../workspace';
import { sleep, type StallMonitor } from './probe';
import type { BenchConfig, OpSample, RowKind } from './types';

/** Session Tree's API, with `beginTurn` where this version has it (feature-detected). */
export type BenchApi = SessionTreeApi & { beginTurn?: () => unknown };

/** Before each step: let the previous step's background work (watcher events, writeback, git) settle. */
const SETTLE_MS = 100;

interface Plan {
  rels: string[];
  /** Content before the step, per side (they are identical unless a step went wrong). */
  before: { st: Map<string, string>; git: Map<string, string> };
  after: Map<string, string>;
}

const toRel = (root: string, fsPath: string) => path.relative(root, fsPath).split(path.sep).join('/');

function sample(text: string[]): string {
  return text.slice(0, 3).join(', ') + (text.length > 3 ? ', …' : '');
}

/** What is wrong with a checkpoint that should hold exactly `rels`, each modified; undefined when right. */
export function checkCheckpoint(cp: CheckpointInfo | undefined, root: string, rels: string[]): string | undefined {
  if (!cp) return `no checkpoint was made (createCheckpoint returned undefined) for ${rels.length} files written`;
  const got = new Map(cp.files.map((f) => [toRel(root, f.uri.fsPath), f.change]));
  const want = new Set(rels);
  const missing = rels.filter((r) => !got.has(r));
  const extra = [...got.keys()].filter((r) => !want.has(r));
  const kind = rels.filter((r) => got.has(r) && got.get(r) !== 'modified');
  const problems: string[] = [];
  if (missing.length) problems.push(`holds ${rels.length - missing.length} of the ${rels.length} files written (missing ${sample(missing)})`);
  if (extra.length) problems.push(`holds ${extra.length} files not written for it (${sample(extra)})`);
  if (kind.length) problems.push(`${kind.length} files not marked modified (${sample(kind)})`);
  return problems.length ? problems.join('; ') : undefined;
}

/** What is wrong with a rewind that should have put back exactly `rels`; undefined when right. */
export function checkRestore(result: RestoreResult, root: string, rels: string[]): string | undefined {
  const want = new Set(rels);
  const status = new Map(result.files.map((f) => [toRel(root, f.uri.fsPath), f]));
  const notRestored = rels.filter((r) => status.get(r)?.status !== 'restored');
  const extra = [...status.keys()].filter((r) => !want.has(r) && status.get(r)!.status !== 'skipped');
  const problems: string[] = [];
  if (notRestored.length) {
    const first = status.get(notRestored[0]);
    problems.push(`${notRestored.length} of ${rels.length} files not restored (${sample(notRestored)}${first ? `: ${first.status}${first.reason ? ` ${first.reason}` : ''}` : ''})`);
  }
  if (extra.length) problems.push(`touched ${extra.length} other files (${sample(extra)})`);
  if (result.safetyCheckpointId) problems.push('sealed a safety checkpoint: working changes were pending that the previous checkpoint missed');
  return problems.length ? problems.join('; ') : undefined;
}

/** Files whose bytes on disk are not `expected`. */
async function differing(root: string, expected: Map<string, string>): Promise<string[]> {
  const wrong: string[] = [];
  for (const [rel, text] of expected) {
    const now = await fsp.readFile(path.join(root, rel), 'utf8').catch(() => undefined);
    if (now !== text) wrong.push(rel);
  }
  return wrong;
}

async function writeAll(root: string, contents: Map<string, string>): Promise<void> {
  await Promise.all([...contents].map(([rel, text]) => fsp.writeFile(path.join(root, rel), text)));
}

export class Scenarios {
  private readonly rng: Rng;
  private readonly uri: (rel: string) => vscode.Uri;
  private step = 0;

  constructor(
    private readonly api: BenchApi,
    private readonly git: ShadowGit,
    private readonly cfg: BenchConfig,
    private readonly stall: StallMonitor,
    private readonly out: OpSample[],
    private readonly progress: (line: string) => void,
  ) {
    this.rng = new Rng(cfg.seed ^ 0x5eed);
    this.uri = (rel) => vscode.Uri.file(path.join(cfg.workspace, rel));
  }

  /** Every row, `warmup` untimed runs then `runs` timed ones; sizes interleaved within a run. */
  async runAll(): Promise<void> {
    for (let run = -this.cfg.warmup; run < this.cfg.runs; run++) {
      for (const n of this.cfg.counts) {
        await this.withWillEditThenRewind(run, n);
        await this.withoutWillEdit(run, n);
      }
      const done = this.out.filter((s) => s.run === run);
      const wrong = done.filter((s) => !s.ok).length;
      this.progress(`run ${run < 0 ? `warm-up ${run + this.cfg.warmup + 1}` : `${run + 1}/${this.cfg.runs}`}: ${done.length} steps${wrong ? `, ${wrong} WRONG` : ''}`);
    }
  }

  private async plan(n: number): Promise<Plan> {
    const rels = chooseFiles(this.rng, this.cfg.files, n);
    const st = new Map<string, string>();
    const git = new Map<string, string>();
    const after = new Map<string, string>();
    const tag = `bench${++this.step}`;
    for (const rel of rels) {
      const text = await fsp.readFile(path.join(this.cfg.workspace, rel), 'utf8');
      st.set(rel, text);
      git.set(rel, await fsp.readFile(path.join(this.cfg.gitWorkTree, rel), 'utf8'));
      after.set(rel, editText(this.rng, text, tag));
    }
    return { rels, before: { st, git }, after };
  }

  private record(row: RowKind, n: number, run: number, side: OpSample['side'], ms: number, problem: string | undefined, stallMs?: number): void {
    this.out.push({ row, n, run, side, ms, ok: problem === undefined, ...(problem ? { problem } : {}), ...(stallMs !== undefined ? { stallMs } : {}) });
    if (problem) this.progress(`WRONG ${side} ${row} ${n} (run ${run + 1}): ${problem}`);
  }

  /**
   * Times `fn` on the Session Tree side, with the thread's longest stall during it — or, with
   * `stallFromBegun`, since the stall window begun before the step's writes (the watcher's events
   * for them are handled on the same thread).
   */
  private async timed<T>(fn: () => Promise<T>, stallFromBegun = false): Promise<{ ms: number; stallMs: number; value?: T; error?: string }> {
    if (!stallFromBegun) this.stall.begin();
    const t0 = performance.now();
    try {
      const value = await fn();
      return { ms: performance.now() - t0, stallMs: this.stall.end(), value };
    } catch (e) {
      return { ms: performance.now() - t0, stallMs: this.stall.end(), error: e instanceof Error ? e.message : String(e) };
    }
  }

  private async gitTimed(fn: () => Promise<void>): Promise<{ ms: number; error?: string }> {
    const t0 = performance.now();
    try {
      await fn();
      return { ms: performance.now() - t0 };
    } catch (e) {
      return { ms: performance.now() - t0, error: e instanceof Error ? e.message : String(e) };
    }
  }

  private async beginTurn(): Promise<void> {
    if (typeof this.api.beginTurn === 'function') await this.api.beginTurn();
  }

  /** Git's checkpoint of the same edit, checked with `git diff --name-only` (untimed). */
  private async gitCheckpoint(row: RowKind, n: number, run: number, plan: Plan): Promise<string> {
    await sleep(SETTLE_MS);
    const base = await this.git.head();
    await writeAll(this.cfg.gitWorkTree, plan.after);
    const t = await this.gitTimed(() => this.git.checkpoint(`${row} ${n} run ${run}`));
    let problem = t.error;
    if (!problem) {
      const changed = (await this.git.run(['diff', '--name-only', `${base}`, 'HEAD'])).split('\n').filter(Boolean).sort();
      const want = [...plan.rels].sort();
      if (changed.join('\n') !== want.join('\n')) problem = `the commit holds ${changed.length} files, ${want.length} were written`;
    }
    this.record(row, n, run, 'git', t.ms, problem);
    return base;
  }

  /** `willEdit` + writes + `createCheckpoint`; then a rewind to the checkpoint before, both ways. */
  private async withWillEditThenRewind(run: number, n: number): Promise<void> {
    const plan = await this.plan(n);
    await sleep(SETTLE_MS);
    const baseId = (await this.api.activeSession())?.headId;
    this.stall.begin();
    await this.beginTurn();
    await this.api.willEdit(plan.rels.map(this.uri));
    await writeAll(this.cfg.workspace, plan.after);
    const cp = await this.timed(() => this.api.createCheckpoint({ label: `bench willEdit ${n}`, tools: ['bench'] }), true);
    const cpProblem = cp.error ?? checkCheckpoint(cp.value, this.cfg.workspace, plan.rels);
    this.record('willEdit', n, run, 'session-tree', cp.ms, cpProblem, cp.stallMs);
    const gitBase = await this.gitCheckpoint('willEdit', n, run, plan);

    // Rewind: the n files go back to their content at the checkpoint before.
    await sleep(SETTLE_MS);
    if (!baseId) {
      this.record('rewind', n, run, 'session-tree', 0, 'no active session to rewind');
    } else {
      const rw = await this.timed(() => this.api.rewind(baseId));
      // The rewind is judged on its own: it must put back what the checkpoint holds (the files
      // written, unless the checkpoint was already wrong and reported as such).
      const held = cp.value ? cp.value.files.map((f) => toRel(this.cfg.workspace, f.uri.fsPath)) : [];
      let problem = rw.error ?? checkRestore(rw.value!, this.cfg.workspace, [...new Set([...plan.rels, ...held])]);
      if (!rw.error) {
        const wrong = await differing(this.cfg.workspace, plan.before.st);
        if (wrong.length) problem = [problem, `${wrong.length} files do not hold their old bytes after it (${sample(wrong)})`].filter(Boolean).join('; ');
      }
      // After a checkpoint that missed files, the state rewound to is not what was on disk then.
      if (problem && cpProblem) problem = `after the wrong checkpoint above: ${problem}`;
      this.record('rewind', n, run, 'session-tree', rw.ms, problem, rw.stallMs);
    }
    await sleep(SETTLE_MS);
    const gt = await this.gitTimed(() => this.git.resetHard(gitBase));
    let gitProblem = gt.error;
    if (!gitProblem) {
      const wrong = await differing(this.cfg.gitWorkTree, plan.before.git);
      if (wrong.length) gitProblem = `${wrong.length} files do not hold their old bytes after it (${sample(wrong)})`;
    }
    this.record('rewind', n, run, 'git', gt.ms, gitProblem);
  }

  /** Writes the way a tool that never calls `willEdit` does, then `createCheckpoint` at once. */
  private async withoutWillEdit(run: number, n: number): Promise<void> {
    const plan = await this.plan(n);
    await sleep(SETTLE_MS);
    this.stall.begin();
    await this.beginTurn();
    await writeAll(this.cfg.workspace, plan.after);
    const cp = await this.timed(() => this.api.createCheckpoint({ label: `bench no willEdit ${n}` }), true);
    this.record('noWillEdit', n, run, 'session-tree', cp.ms, cp.error ?? checkCheckpoint(cp.value, this.cfg.workspace, plan.rels), cp.stallMs);
    await this.gitCheckpoint('noWillEdit', n, run, plan);
  }
}
