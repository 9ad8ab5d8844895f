// Planning a restore: which checkpoint's state a target moves to (validated before anything
// changes), and which files differ from it now — each to write, remove or skip with the reason.
import * as path from 'node:path';
import type { EngineContext } from '../context';
import { type Ver, sameVer } from '../model';
import { notOpenReason } from '../exchange/folders';
import { refreshPath } from '../scan/file';
import { EngineError, type PlanEntry, type RestorePlan, type RestoreTarget, type RootFolder } from '../types';
import { type RestoreRecord, redoable, undoable } from './records';
import { planRevert, revertable, revertPaths } from './revert';

/** Guards the walk of a roll back through a damaged (looping) history. */
const MAX_ROLLBACK_SCAN = 1_000_000;

export interface ResolvedTarget {
  targetId: number;
  label: string;
  branch?: string;
  /** An undo or a redo: the restore walked over, and the branch it returns to. */
  step?: { kind: 'undo' | 'redo'; rec: RestoreRecord; branch: string };
}

/** A file in a plan: its path id, what the plan says, its version now and in the target. */
export interface Planned {
  p: number;
  out: PlanEntry & { failed?: boolean };
  cur: Ver;
  tgt: Ver;
}

/** Resolves a restore target to the checkpoint whose state it moves to. Validates before anything changes. */
export function resolveTarget(ctx: EngineContext, t: RestoreTarget): ResolvedTarget {
  if (!t || typeof t !== 'object') throw new EngineError('invalid-argument', 'A restore needs a target.');
  const { history } = ctx;
  const s = history.session();
  switch (t.kind) {
    case 'rewind': {
      const c = history.node(t.checkpointId);
      if (c.session !== s.id) throw new EngineError('invalid-argument', `Checkpoint ${t.checkpointId} belongs to another session; switch to it first.`);
      if (t.before) {
        if (!c.parent) throw new EngineError('invalid-argument', `Checkpoint ${c.id} is the start of the session; there is nothing before it.`);
        return { targetId: c.parent, label: `before "${c.label}"` };
      }
      return { targetId: c.id, label: `"${c.label}"` };
    }
    case 'rollback': {
      const n = t.count;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new EngineError('invalid-argument', `Roll back needs a whole number of checkpoints, 1 or more (got ${String(n)}).`);
      let c = history.cps.get(history.headOf(s))!;
      let i = 0;
      for (; i < n && i < MAX_ROLLBACK_SCAN; i++) {
        if (!c.parent) break;
        c = history.cps.get(c.parent)!;
      }
      if (i < n) throw new EngineError('invalid-argument', `The active branch has only ${i} checkpoint${i === 1 ? '' : 's'} before head; cannot roll back ${n}.`);
      return { targetId: c.id, label: `${n} checkpoint${n === 1 ? '' : 's'} back ("${c.label}")` };
    }
    case 'checkout': {
      const m = history.branchesOf(s.id);
      if (typeof t.branch === 'string' && !m.has(t.branch) && m.has(t.branch.normalize('NFC'))) t.branch = t.branch.normalize('NFC');
      const b = m.get(t.branch);
      if (!b) throw new EngineError('not-found', `No branch named "${t.branch}" in this session.`);
      return { targetId: b.head, label: `branch "${t.branch}"`, branch: t.branch };
    }
    case 'restoreFiles': {
      const c = history.node(t.checkpointId);
      if (c.session !== s.id) throw new EngineError('invalid-argument', `Checkpoint ${t.checkpointId} belongs to another session; switch to it first.`);
      if (!Array.isArray(t.paths) || t.paths.length === 0) throw new EngineError('invalid-argument', 'Restore needs at least one file.');
      for (const p of t.paths) {
        if (typeof p !== 'string' || !ctx.roots.locate(p)) throw new EngineError('outside-workspace', `${String(p)} is outside the workspace folders.`);
      }
      return { targetId: c.id, label: `"${c.label}"` };
    }
    case 'undo': {
      const rec = undoable(ctx.meta, s.id);
      if (!rec) throw new EngineError('not-found', 'There is no restore to undo in this session.');
      const c = history.cps.get(Number(rec.undoHeadId));
      if (!c) throw new EngineError('not-found', 'The checkpoint to return to no longer exists.');
      return { targetId: c.id, label: `the state before ${describeRecord(rec)}`, step: { kind: 'undo', rec, branch: rec.undoBranch } };
    }
    case 'redo': {
      const rec = redoable(ctx.meta, s.id);
      if (!rec || rec.redoHeadId === undefined || rec.redoBranch === undefined) throw new EngineError('not-found', 'There is no undone restore to redo in this session.');
      const c = history.cps.get(Number(rec.redoHeadId));
      if (!c) throw new EngineError('not-found', 'The checkpoint to return to no longer exists.');
      return { targetId: c.id, label: `the state after ${describeRecord(rec)}`, step: { kind: 'redo', rec, branch: rec.redoBranch } };
    }
    case 'revert': {
      const c = revertable(ctx, t.checkpointId);
      return { targetId: c.id, label: `the changes of "${c.label}"` };
    }
    default:
      throw new EngineError('invalid-argument', `Unknown restore kind "${(t as { kind: string }).kind}".`);
  }
}

/** A restore of the history in words, for the label of its undo or redo ("rewind to "x""). */
function describeRecord(r: RestoreRecord): string {
  switch (r.target.kind) {
    case 'rewind':
      return `the rewind to ${r.targetLabel}`;
    case 'rollback':
      return `the roll back of ${r.targetLabel}`;
    case 'checkout':
      return `the checkout of ${r.targetLabel}`;
    case 'restoreFiles':
      return `the file restore from ${r.targetLabel}`;
    case 'revert':
      return `the revert of ${r.targetLabel.replace(/^the changes of /, '')}`;
    default:
      return 'the last restore';
  }
}

/** `plan()`: what a restore would do, without writing anything. */
export function plan(ctx: EngineContext, target: RestoreTarget): RestorePlan {
  const r = resolveTarget(ctx, target);
  if (target.kind === 'checkout' && target.branch === ctx.history.session().activeBranch) {
    return { target, targetId: String(r.targetId), targetLabel: r.label, entries: [] };
  }
  const entries = buildPlan(ctx, target, r.targetId, false, false);
  return { target, targetId: String(r.targetId), targetLabel: r.label, entries: entries.map((e) => e.out) };
}

/**
 * Which files a restore writes. `refresh` re-stats them first (the mirror may lag the disk).
 * For restoreFiles only the given paths take part, for a revert the checkpoint's; head does not
 * move. `store`: a revert's merged versions go into the store (a restore, in its transaction).
 */
export function buildPlan(ctx: EngineContext, target: RestoreTarget, targetId: number, refresh: boolean, store: boolean): Planned[] {
  const { history, mirror, meta, roots, scan } = ctx;
  const head = history.head;
  let candidates: Map<number, Ver>;
  const headStays = target.kind === 'restoreFiles' || target.kind === 'revert';
  if (target.kind === 'revert') {
    candidates = revertPaths(ctx, history.cps.get(targetId)!);
  } else if (target.kind === 'restoreFiles') {
    candidates = new Map();
    for (const abs of target.paths) {
      const loc = roots.locate(abs)!;
      const p = meta.pathOf(loc.key) ?? meta.pathId(loc.key);
      candidates.set(p, ctx.states.versionAt(targetId, p));
    }
  } else {
    candidates = ctx.states.delta(head, targetId);
    for (const [p, headVer] of mirror.pending) if (!candidates.has(p)) candidates.set(p, headVer);
    // Files whose current bytes could not be captured may differ from what we know: report them.
    for (const p of scan.captureFailures.keys()) if (!candidates.has(p)) candidates.set(p, mirror.pending.get(p) ?? mirror.version(p));
    mapNestedKeys(ctx, candidates, targetId);
  }
  const failures = new Map<number, string>();
  if (refresh) {
    scan.startedAt = ctx.clock();
    for (const p of candidates.keys()) {
      const key = meta.keyOf(p);
      const r = roots.rootOfKey(key);
      if (!r) continue;
      const err = refreshPath(ctx, r.root, r.rel, key, false);
      if (err) failures.set(p, err);
    }
    if (!headStays) {
      // Refreshing may have found more working changes; they are part of the state we leave.
      for (const [p, headVer] of mirror.pending) if (!candidates.has(p)) candidates.set(p, headVer);
    }
  }
  // A revert's versions depend on the files as they are now: worked out once they are re-read.
  const revert = target.kind === 'revert' ? planRevert(ctx, history.cps.get(targetId)!, store) : undefined;
  if (revert) candidates = revert.targets;
  const entries: Planned[] = [];
  for (const [p, tgt] of candidates) {
    const key = meta.keyOf(p);
    const e = mirror.get(p);
    const cur = mirror.version(p);
    const loc = roots.rootOfKey(key);
    const out: Planned['out'] = { path: roots.absOf(key), key, action: 'skip', current: meta.verOut(cur), target: revert?.unstored.get(p) ?? meta.verOut(tgt) };
    if (!loc) {
      out.reason = notOpenReason(key.slice(0, key.indexOf('/')));
    } else if (target.kind !== 'revert' && tgt.blob === 0 && ctx.folders.addedAfter(loc.root.name, targetId)) {
      // A folder added to the workspace after the target was made: that state says nothing of it.
      if (sameVer(cur, tgt)) continue;
      out.reason = `its workspace folder "${loc.root.label ?? loc.root.name}" was not in the workspace at that checkpoint`;
    } else if (
      e?.untracked ||
      // Just refreshed, a tracked file is within the size limit: only the rules need asking.
      (refresh && e ? ctx.tracking.excludedWithAncestors(loc.root.path, loc.rel, false) : isExcludedNow(ctx, loc.root, loc.rel))
    ) {
      if (sameVer(cur, tgt) && !e?.untracked) continue;
      out.reason = isExcludedNow(ctx, loc.root, loc.rel) ?? 'not tracked now';
    } else if (failures.has(p)) {
      out.reason = `could not read the current file to keep it safe: ${failures.get(p)}`;
      out.failed = true;
    } else if (scan.captureFailures.has(p)) {
      out.reason = `its content before the last edit could not be saved (${scan.captureFailures.get(p)}), so it is not overwritten`;
    } else if (revert?.skips.has(p)) {
      out.reason = revert.skips.get(p);
    } else if (sameVer(cur, tgt)) {
      continue;
    } else {
      out.action = tgt.blob === 0 ? 'remove' : 'write';
      out.reason = undefined;
    }
    entries.push({ p, out, cur, tgt });
  }
  entries.sort((a, b) => a.out.key.localeCompare(b.out.key));
  return entries;
}

function isExcludedNow(ctx: EngineContext, root: RootFolder, rel: string): string | undefined {
  const why = ctx.tracking.excludedWithAncestors(root.path, rel, false);
  if (why) return why;
  try {
    const st = ctx.fs.lstatSync(path.join(root.path, rel));
    if (st.isFile()) return ctx.tracking.tooLarge(st.size);
  } catch {
    /* absent: not excluded by size */
  }
  return undefined;
}

/**
 * Nested workspace folders and a store from before the inner one was added: the target's state may
 * hold an inner folder's file under the outer folder's key. The inner key stands for the file (the
 * outer one is never written or removed), and where the target has no version under the inner key
 * its version under the outer key is the one to restore.
 */
function mapNestedKeys(ctx: EngineContext, candidates: Map<number, Ver>, targetId: number): void {
  const { roots, meta } = ctx;
  for (const [p, v] of [...candidates]) {
    const key = meta.keyOf(p);
    if (roots.shadowed(key)) {
      candidates.delete(p);
      continue;
    }
    if (v.blob !== 0) continue;
    for (const outer of roots.outerKeysOf(key)) {
      const op = meta.pathOf(outer);
      const ov = op === undefined ? undefined : ctx.states.versionAt(targetId, op);
      if (ov?.blob) {
        candidates.set(p, ov);
        break;
      }
    }
  }
}
