// Compaction: runs of old, unlabelled checkpoints squashed into one holding their net change, so
// the versions only they referred to can be freed by gc. What is protected is never touched:
// session roots, branch heads, labelled checkpoints and those made by Create Checkpoint, fork points (and the ends of sibling lines),
// checkpoints other sessions were forked from, anything a restore record (undo, redo, the results
// view) refers to, and everything newer than the keep window. A run keeps its newest checkpoint —
// its id, children and state — so every checkpoint that remains restores exactly as before.
import type { ChangeRecord } from '../encoding';
import type { EngineContext } from '../context';
import { lineStats } from '../lines';
import { type CpNode, safeJson, sameVer } from '../model';
import type { CompactPlan, CompactRun } from '../storageTypes';

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface CompactOptions {
  /** Checkpoints newer than this many days are kept as they are. */
  keepDays: number;
}

/** Every checkpoint compaction must not remove or change. */
export function protectedCheckpoints(ctx: EngineContext, options: CompactOptions): Set<number> {
  const { history } = ctx;
  const keep = new Set<number>();
  const cutoff = ctx.clock() - Math.max(0, options.keepDays) * DAY_MS;
  for (const c of history.cps.values()) {
    // Labelled by a person, or made by one on purpose (Create Checkpoint).
    const chosen = history.labelled.has(c.id) || c.source === 'manual';
    if (!c.parent || chosen || c.children.length !== 1 || c.createdAt >= cutoff) keep.add(c.id);
  }
  for (const s of history.sessions.values()) {
    keep.add(s.root);
    if (s.parentCheckpoint) keep.add(s.parentCheckpoint);
    for (const b of history.branchesOf(s.id).values()) keep.add(b.head);
  }
  // Restores done, undone and in progress: their targets, safety checkpoints, the heads undo and
  // redo return to, and a revert's own checkpoint (restore/records.ts).
  ctx.meta.forEachRow('SELECT record FROM restores', (r) => {
    const rec = safeJson<Record<string, unknown>>(String(r[0]), {});
    for (const k of ['targetId', 'safetyCheckpointId', 'previousHeadId', 'undoHeadId', 'redoHeadId', 'checkpointId']) {
      const v = rec[k];
      if (typeof v === 'string' && /^\d+$/.test(v)) keep.add(Number(v));
    }
  });
  return keep;
}

/** Lines of unprotected checkpoints (oldest first), two or more long. */
function findRuns(ctx: EngineContext, keep: Set<number>): CpNode[][] {
  const { history } = ctx;
  const runs: CpNode[][] = [];
  for (const c of history.cps.values()) {
    if (keep.has(c.id) || !keep.has(c.parent)) continue; // a run starts below a protected checkpoint
    const run: CpNode[] = [];
    for (let n: CpNode | undefined = c; n && !keep.has(n.id); n = history.cps.get(n.children[0])) run.push(n);
    if (run.length >= 2) runs.push(run);
  }
  return runs;
}

/** The run's net change: per path, its version before the first and after the last; unchanged ones dropped. */
function netChange(ctx: EngineContext, run: CpNode[]): ChangeRecord[] {
  const net = new Map<number, ChangeRecord>();
  for (const c of run) {
    for (const ch of ctx.history.changesOf(c.id)) {
      const had = net.get(ch.path);
      net.set(ch.path, had ? { ...had, afterBlob: ch.afterBlob, afterMode: ch.afterMode } : { ...ch });
    }
  }
  const out: ChangeRecord[] = [];
  for (const ch of net.values()) {
    if (sameVer({ blob: ch.beforeBlob, mode: ch.beforeMode }, { blob: ch.afterBlob, mode: ch.afterMode })) continue;
    out.push({ ...ch, ...countLines(ctx, ch) });
  }
  return out;
}

function countLines(ctx: EngineContext, ch: ChangeRecord): { added: number; removed: number; binary: boolean } {
  const read = (b: number) => (b ? ctx.objects.get(ctx.meta.hashOf(b), true) : undefined);
  try {
    return lineStats(read(ch.beforeBlob), read(ch.afterBlob));
  } catch {
    return { added: ch.added, removed: ch.removed, binary: ch.binary }; // a snapshot unreadable: the last step's counts
  }
}

/** How many places refer to each snapshot (checkpoints, session starts, the mirror). */
function referenceCounts(ctx: EngineContext): Map<string, number> {
  const { meta, history, mirror } = ctx;
  const counts = new Map<string, number>();
  const add = (h: string, d = 1) => counts.set(h, (counts.get(h) ?? 0) + d);
  const blob = (b: number) => b && add(meta.hashOf(b));
  for (const e of mirror.entries.values()) blob(e.blob);
  for (const v of mirror.pending.values()) blob(v.blob);
  for (const c of history.cps.values()) {
    for (const ch of history.changesOf(c.id)) {
      blob(ch.beforeBlob);
      blob(ch.afterBlob);
    }
    if (c.manifest) {
      add(c.manifest);
      for (const v of ctx.states.manifestOf(c.manifest).values()) add(v.hash);
    }
  }
  return counts;
}

interface Planned {
  runs: CpNode[][];
  nets: ChangeRecord[][];
  plan: CompactPlan;
}

function build(ctx: EngineContext, options: CompactOptions): Planned {
  const { history, meta } = ctx;
  const keep = protectedCheckpoints(ctx, options);
  const runs = findRuns(ctx, keep);
  const nets = runs.map((r) => netChange(ctx, r));
  // What would be freed: snapshots whose every reference goes with the squashed steps.
  const counts = referenceCounts(ctx);
  const shift = (b: number, d: number) => {
    if (!b) return;
    const h = meta.hashOf(b);
    counts.set(h, (counts.get(h) ?? 0) + d);
  };
  runs.forEach((run, i) => {
    for (const c of run) for (const ch of history.changesOf(c.id)) (shift(ch.beforeBlob, -1), shift(ch.afterBlob, -1));
    for (const ch of nets[i]) (shift(ch.beforeBlob, 1), shift(ch.afterBlob, 1));
  });
  let freedBytes = 0;
  for (const [h, n] of counts) if (n <= 0 && ctx.objects.has(h)) freedBytes += ctx.objects.storedSize(h) ?? 0;
  const described: CompactRun[] = runs.map((run, i) => {
    const s = history.sessions.get(run[0].session)!;
    return {
      sessionId: String(s.id), sessionTitle: s.title, count: run.length, intoId: String(run[run.length - 1].id),
      firstId: String(run[0].id), from: run[0].createdAt, to: run[run.length - 1].createdAt, files: nets[i].length,
    };
  });
  const removed = runs.reduce((n, r) => n + r.length - 1, 0);
  return { runs, nets, plan: { runs: described, checkpoints: removed, freedBytes, protectedCount: keep.size, keepDays: options.keepDays } };
}

/** What a compaction would squash and free; changes nothing. */
export function compactPlan(ctx: EngineContext, options: CompactOptions): CompactPlan {
  return build(ctx, options).plan;
}

/** Squashes the runs `compactPlan` finds (one transaction); the snapshots it frees go with the next gc. */
export function compactHistory(ctx: EngineContext, options: CompactOptions): CompactPlan {
  const { runs, nets, plan } = build(ctx, options);
  if (runs.length === 0) return plan;
  ctx.mutate(() => {
    runs.forEach((run, i) => {
      ctx.history.squash(run.map((c) => c.id), nets[i], { compacted: run.length, compactedFrom: run[0].createdAt });
    });
  });
  return plan;
}
