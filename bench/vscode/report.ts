// The end-to-end bench's table, from the two result files (with and without Session Tree): medians
// with min – max, ratios against shadow git, targets of issue 11, and every wrong result counted.
import type { HostResult, OpSample, RowKind } from './types';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;

/** "1/12" below a tenth (as BENCHMARKS.md writes ratios), "0.45×" above. */
export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return '—';
  return r < 0.1 ? `1/${Math.round(1 / r)}` : `${r.toFixed(2)}×`;
}

function spread(xs: number[]): string {
  if (!xs.length) return '—';
  return `${fmtMs(median(xs))} (${fmtMs(Math.min(...xs))} – ${fmtMs(Math.max(...xs))})`;
}

const ROWS: { row: RowKind; what: string; git: string; target: number; targetText: string }[] = [
  { row: 'willEdit', what: '`createCheckpoint` after `willEdit` + writes', git: '`git add -A && git commit`', target: 1 / 20, targetText: '≤ 1/20 of git' },
  { row: 'noWillEdit', what: '`createCheckpoint` after writes without `willEdit`', git: '`git add -A && git commit`', target: 1 / 5, targetText: '≤ 1/5 of git' },
  { row: 'rewind', what: '`rewind` of the files written', git: '`git clean -fd && git reset --hard <sha>`', target: 1 / 10, targetText: '≤ 1/10 of git' },
];

/** The activation row's runs (the runner measures it: the tree is painted in the browser). */
export interface Activation {
  checkpoints: number;
  /** `askedAt`: when the view was asked for (epoch ms), to read beside the extension host's log. */
  runs: { treeMs?: number; readyMs?: number; askedAt?: number; firstRow?: string; problem?: string }[];
}

function activationTable(a: Activation | undefined): string[] {
  if (!a) return ['Activation to a visible tree: not measured in this run (`--no-activation`, or the bench window failed).'];
  const tree = a.runs.filter((r) => r.treeMs !== undefined && !r.problem).map((r) => r.treeMs!);
  const ready = a.runs.filter((r) => r.readyMs !== undefined && !r.problem).map((r) => r.readyMs!);
  const problems = a.runs.filter((r) => r.problem).map((r) => r.problem);
  const first = a.runs.find((r) => r.firstRow)?.firstRow;
  const cps = a.checkpoints.toLocaleString('en-US');
  const met = tree.length ? (median(tree) <= 200 ? 'yes' : '**no**') : '—';
  return [
    '| activation | runs | median (min – max) | target | met |',
    '| --- | --- | --- | --- | --- |',
    `| view asked for → the Sessions tree painted with the newest checkpoint, ${cps} checkpoints <br><sub>the newest checkpoint's row: ${first ?? '—'}${problems.length ? `; failed runs: ${problems.join('; ')}` : ''}</sub> | ${tree.length} of ${a.runs.length} | ${spread(tree)} | ≤ 200 ms | ${met} |`,
    `|   … to \`api.ready\` (store open and the start-up scan done) | ${ready.length} | ${spread(ready)} | | |`,
  ];
}

export interface ReportContext {
  files: number;
  runs: number;
  warmup: number;
  machine: string;
  small: boolean;
}

function opsTable(st: HostResult, ctx: ReportContext): string[] {
  const lines = [
    '| what the caller waits for | files written | Session Tree: median (min – max) | shadow git: median (min – max) | Session Tree / git | target | met | exact | longest stall (ext host) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const timed = st.ops.filter((s) => s.run >= 0);
  const counts = [...new Set(timed.map((s) => s.n))].sort((a, b) => a - b);
  let worstStall = 0;
  for (const r of ROWS) {
    for (const n of counts) {
      const of = (side: OpSample['side']) => timed.filter((s) => s.row === r.row && s.n === n && s.side === side);
      const stOps = of('session-tree');
      const gitOps = of('git');
      const stOk = stOps.filter((s) => s.ok).map((s) => s.ms);
      const gitOk = gitOps.filter((s) => s.ok).map((s) => s.ms);
      const ratio = median(stOk) / median(gitOk);
      const wrong = stOps.length - stOk.length;
      const gitWrong = gitOps.length - gitOk.length;
      const stalls = stOps.map((s) => s.stallMs ?? 0);
      const stall = stalls.length ? Math.max(...stalls) : NaN;
      if (Number.isFinite(stall)) worstStall = Math.max(worstStall, stall);
      const exact = `${stOk.length} of ${stOps.length}${wrong ? ' — **WRONG: ' + wrong + '**' : ''}${gitWrong ? ` (git wrong: ${gitWrong})` : ''}`;
      const met = Number.isFinite(ratio) ? (ratio <= r.target && wrong === 0 ? 'yes' : '**no**') : '—';
      lines.push(`| ${r.what} | ${n} | ${spread(stOk)} | ${spread(gitOk)} ${r.git} | ${fmtRatio(ratio)} | ${r.targetText} | ${met} | ${exact} | ${fmtMs(stall)} |`);
    }
  }
  lines.push(`| longest stall of the extension host's thread during these calls (5 ms timer's longest gap) | | ${fmtMs(worstStall)} | | | ≤ 50 ms | ${worstStall <= 50 ? 'yes' : '**no**'} | | |`);
  return lines;
}

function readsTable(st: HostResult): string[] {
  const lines = ['| API reads while … | the operation took | reads | read latency: median (min – max) | longest read | target | met | longest stall (ext host) |', '| --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const s of st.reads) {
    const longest = s.latencies.length ? Math.max(...s.latencies) : NaN;
    const met = s.latencies.length ? (longest <= 50 && s.errors === 0 ? 'yes' : '**no**') : '—';
    const errs = s.errors ? ` (${s.errors} failed: ${s.firstError})` : '';
    lines.push(`| ${s.during}${s.detail ? ` <br><sub>${s.detail}</sub>` : ''} | ${fmtMs(s.opMs)} | ${s.latencies.length}${errs} | ${spread(s.latencies)} | ${fmtMs(longest)} | ≤ 50 ms | ${met} | ${fmtMs(s.stallMs)} |`);
  }
  return lines;
}

function memoryTable(st: HostResult, base: HostResult | undefined, ctx: ReportContext): string[] {
  const limit = ctx.files >= 100_000 ? 120 : 60;
  const lines = ['| extension host memory (RSS, worker threads included) | with Session Tree | without | added by Session Tree | target | met |', '| --- | --- | --- | --- | --- | --- |'];
  for (const m of st.memory) {
    const b = base?.memory.find((x) => x.at === m.at) ?? (m.at.startsWith('after the bench') ? base?.memory.find((x) => x.at === 'at rest') : undefined);
    const added = b ? m.rss - b.rss : NaN;
    const targeted = m.at === 'after the first snapshot' || m.at === 'at rest';
    const met = targeted && b ? (added <= limit * 1048576 ? 'yes' : '**no**') : '';
    lines.push(`| ${m.at} <br><sub>heap ${mib(m.heapUsed)}, external ${mib(m.external)}</sub> | ${mib(m.rss)} | ${b ? mib(b.rss) : '—'} | ${Number.isFinite(added) ? (added >= 0 ? '+' : '') + mib(added) : '—'} | ${targeted ? `≤ ${limit} MiB` : ''} | ${met} |`);
  }
  return lines;
}

export function report(st: HostResult, base: HostResult | undefined, activation: Activation | undefined, ctx: ReportContext): string {
  const out: string[] = [];
  out.push(
    `End-to-end bench: ${ctx.files.toLocaleString('en-US')} files, ${ctx.runs} timed runs per row (after ${ctx.warmup} warm-up), Session Tree ${st.extensionVersion ?? '?'}, beginTurn ${st.beginTurn ? 'used' : 'not in this API'}.`,
    `Machine: ${ctx.machine}`,
  );
  if (ctx.small) out.push('SMALL workspace: a quick check. Git\'s fixed costs dominate at this size, so the ratios are not the ones the targets are about.');
  if (st.error) out.push(`\nTHE SESSION TREE RUN FAILED: ${st.error}`);
  if (base?.error) out.push(`\nthe baseline run failed: ${base.error}`);
  out.push('', ...opsTable(st, ctx), '', ...readsTable(st), '', ...memoryTable(st, base, ctx));
  out.push('', ...activationTable(activation));
  const notes = [...st.notes, ...(base?.notes ?? [])];
  if (notes.length) out.push('', ...notes.map((n) => `note: ${n}`));
  const wrong = st.ops.filter((s) => !s.ok);
  if (wrong.length) {
    out.push('', `WRONG results (${wrong.length}; warm-up runs included, not timed as successes):`);
    for (const s of wrong.slice(0, 30)) out.push(`  ${s.side} ${s.row} ${s.n} files, run ${s.run < 0 ? 'warm-up' : s.run + 1}: ${s.problem}`);
    if (wrong.length > 30) out.push(`  … and ${wrong.length - 30} more (see the result file)`);
  }
  return out.join('\n');
}
