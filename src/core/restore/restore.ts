// A restore, end to end: plan → safety checkpoint → unsaved-editor check → journal → apply →
// record (head, branch, working changes, the restore record, the history) → save → journal
// dropped. Every operation that writes workspace files (rewind, roll back, checkout, file restore,
// revert, undo, redo) is one.
import * as path from 'node:path';
import { removeQuietly } from '../../storage/files';
import { type EngineContext, isSaveFailure } from '../context';
import { ioError } from '../ioErrors';
import { type Ver, sameVer } from '../model';
import { seal } from '../seal';
import { EngineError, type RestoreFileResult, type RestoreHistory, type RestoreOptions, type RestoreResult, type RestoreTarget } from '../types';
import { applyOne } from './apply';
import { FolderPins } from './dirs';
import { type Journal, journalFile, removeJournal, writeJournal } from './journal';
import { type Planned, type ResolvedTarget, buildPlan, resolveTarget } from './plan';
import { type RestoreRecord, history as restoreHistory, lastRecord, markRedone, markUndone, publicResult, saveRecord } from './records';
import { newToken } from './workspaceWrite';

export async function restore(ctx: EngineContext, target: RestoreTarget, options: RestoreOptions): Promise<RestoreResult> {
  const { history, mirror, meta } = ctx;
  const resolved = resolveTarget(ctx, target);
  const s = history.session();
  const undoBranch = s.activeBranch;
  // 1. Safety: the workspace as it is now becomes a checkpoint (if it differs from head).
  let safetyId: number | undefined;
  let planned: Planned[] = [];
  const previousHead = history.head;
  // Checking out the branch one is on moves nothing: its head becomes the safety checkpoint.
  const sameBranch = target.kind === 'checkout' && target.branch === s.activeBranch;
  try {
    ctx.mutate(() => {
      const entries = buildPlan(ctx, target, resolved.targetId, true, true);
      if (!sameBranch) planned = entries;
      if (mirror.pending.size > 0) safetyId = seal(ctx, { source: 'safety', label: `Before restoring ${resolved.label}` });
      if (sameBranch) resolved.targetId = history.head;
    });
  } catch (e) {
    // No file is written unless the safety checkpoint is safely on disk.
    if (e instanceof EngineError && e.code === 'io') throw new EngineError('io', `The restore was not started. ${e.message}`);
    throw e;
  }
  const undoHead = safetyId ?? previousHead;
  // 2. Conflicts: files with unsaved editor changes are never written.
  const toWrite = planned.filter((e) => e.out.action !== 'skip');
  let dirty = new Set<string>();
  if (options.isDirty && toWrite.length) {
    try {
      dirty = new Set((await options.isDirty(toWrite.map((e) => e.out.path))).map((p) => path.resolve(p)));
    } catch (e) {
      // If we cannot tell, assume every file may be dirty: skipping is safe, overwriting is not.
      ctx.log('warn', `Could not ask which files have unsaved changes: ${(e as Error).message}`);
      dirty = new Set(toWrite.map((x) => path.resolve(x.out.path)));
    }
  }
  // 3. Journal, then write.
  const restoreId = meta.nextId('restores');
  // This restore's temp names carry a random token, kept in the journal: recovery removes exactly
  // the temps it left, never a file that merely looks like one.
  const token = newToken();
  const journal: Journal = {
    id: restoreId,
    token,
    entries: toWrite.filter((e) => !dirty.has(path.resolve(e.out.path))).map((e) => ({ path: e.out.path, before: meta.verOut(e.cur), after: meta.verOut(e.tgt) })),
  };
  try {
    ctx.objects.flush();
    writeJournal(ctx, journal);
  } catch (e) {
    removeQuietly(ctx.fs, journalFile(ctx) + '.tmp');
    throw ioError(e, 'Could not start the restore', 'No file was changed.');
  }
  const results: RestoreFileResult[] = [];
  const written = new Map<number, Ver>();
  // Removals first, deepest first, then writes: a file can then take the place of a folder the
  // restore empties, and a folder the place of a file it removes.
  const applyOrder = [...planned].sort((a, b) => {
    const ra = a.out.action === 'remove';
    const rb = b.out.action === 'remove';
    if (ra !== rb) return ra ? -1 : 1;
    return ra ? b.out.key.localeCompare(a.out.key) : a.out.key.localeCompare(b.out.key);
  });
  let stored = '';
  // Each folder is opened and validated once in this restore, not once per file in it.
  const pins = new FolderPins(ctx.fs);
  try {
    for (const e of applyOrder) {
      const base: RestoreFileResult = { path: e.out.path, key: e.out.key, status: 'skipped', before: e.out.current, after: e.out.current };
      if (e.out.action === 'skip') {
        base.status = e.out.failed ? 'failed' : 'skipped';
        base.reason = e.out.reason;
        results.push(base);
        continue;
      }
      if (dirty.has(path.resolve(e.out.path))) {
        base.reason = 'the file has unsaved changes in an editor';
        results.push(base);
        continue;
      }
      const r = applyOne(ctx, e, token, pins);
      if (r.status === 'restored' || r.status === 'removed') written.set(e.p, e.tgt);
      results.push(r);
    }
  } finally {
    pins.close();
    // 4. Record where the workspace now is, then drop the journal.
    results.sort((a, b) => a.key.localeCompare(b.key));
    for (const r of results) addSizes(ctx, r);
    const recordRestore = () => {
      afterApply(ctx, target, resolved, written, planned);
      // A revert is recorded as a checkpoint of its own (when it changed anything).
      const revertId = target.kind === 'revert' ? seal(ctx, { source: 'manual', label: `Revert "${history.cps.get(resolved.targetId)?.label ?? resolved.targetId}"` }) : undefined;
      const record: RestoreRecord = {
        id: String(restoreId), target, targetId: String(resolved.targetId), targetLabel: resolved.label,
        safetyCheckpointId: safetyId !== undefined ? String(safetyId) : undefined, previousHeadId: String(previousHead),
        files: results, at: ctx.clock(), sessionId: String(s.id), undoBranch, undoHeadId: String(undoHead),
        ...(revertId !== undefined ? { checkpointId: String(revertId) } : {}),
      };
      stored = saveRecord(meta, record);
      // The history: an undo sets where the redo of what it undid goes, a redo where its next undo goes.
      if (resolved.step?.kind === 'undo') markUndone(meta, resolved.step.rec, undoBranch, String(undoHead));
      else if (resolved.step?.kind === 'redo') markRedone(meta, resolved.step.rec, undoBranch, String(undoHead));
    };
    try {
      ctx.mutate(recordRestore);
      ctx.saveNow();
      removeJournal(ctx);
    } catch (e) {
      if (!isSaveFailure(e)) throw e;
      // The files are written and the engine knows it; the disk does not yet. The journal stays
      // until a save succeeds, so a stop before then undoes the restore at the next start.
      ctx.journalAwaitingSave = true;
      throw new EngineError('io', `The restore was done but could not be saved. ${(e as Error).message} If VS Code stops before a save succeeds, the restore is undone when the workspace opens again.`);
    }
  }
  // Returned as it was stored (its JSON), so a caller sees what a later `lastRestore` sees.
  return publicResult(JSON.parse(stored) as RestoreRecord);
}

/** Moves head / branch after the files are written, and recomputes working changes for the touched paths. */
function afterApply(ctx: EngineContext, target: RestoreTarget, resolved: ResolvedTarget, written: Map<number, Ver>, planned: Planned[]): void {
  const { history, mirror } = ctx;
  const s = history.session();
  let headVersionOf: (e: Planned) => Ver;
  if (target.kind === 'restoreFiles' || target.kind === 'revert') {
    // Head stays; the restored files become working changes against it (a revert's are sealed next).
    headVersionOf = (e) => e.cur;
  } else {
    if (resolved.step) {
      const ub = resolved.step.branch;
      if (!history.branchesOf(s.id).has(ub)) history.setBranchHead(s.id, ub, resolved.targetId);
      history.setActiveBranch(s, ub);
      history.setBranchHead(s.id, ub, resolved.targetId);
    } else if (resolved.branch) {
      history.setActiveBranch(s, resolved.branch);
    } else {
      history.setBranchHead(s.id, s.activeBranch, resolved.targetId);
    }
    headVersionOf = (e) => e.tgt;
  }
  for (const e of planned) {
    // Skipped because its folder is not open: nothing here to differ from head.
    if (!ctx.roots.rootOfKey(e.out.key)) {
      mirror.setPending(e.p, undefined);
      continue;
    }
    const m = mirror.get(e.p);
    if (m?.untracked) continue;
    const cur: Ver = written.has(e.p) ? written.get(e.p)! : mirror.version(e.p);
    const hv = headVersionOf(e);
    if (sameVer(cur, hv)) mirror.setPending(e.p, undefined);
    else mirror.setPending(e.p, hv);
  }
}

/** Each file's size before and after, from the snapshot index (cosmetic: left out when not known). */
function addSizes(ctx: EngineContext, r: RestoreFileResult): void {
  try {
    const b = r.before && ctx.objects.rawSize(r.before.hash);
    const a = r.after && ctx.objects.rawSize(r.after.hash);
    if (b !== undefined) r.beforeSize = b;
    if (a !== undefined) r.afterSize = a;
  } catch {
    /* sizes are cosmetic */
  }
}

/** The active session's restore history: what Undo and Redo walk over. */
export function restoreHistoryOf(ctx: EngineContext, limit = 50): RestoreHistory {
  return restoreHistory(ctx.meta, ctx.history.activeId, limit);
}

/** The active session's last restore, as the API returns it. */
export function lastRestore(ctx: EngineContext): RestoreResult | undefined {
  const r = lastRecord(ctx.meta, ctx.history.activeId);
  return r ? publicResult(r) : undefined;
}
