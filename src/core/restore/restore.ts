// A restore, end to end: plan → safety checkpoint → unsaved-editor check → journal → apply →
// record (head, branch, working changes, the restore record) → save → journal dropped. Every
// operation that writes workspace files (rewind, roll back, checkout, file restore, undo) is one.
import * as path from 'node:path';
import { removeQuietly } from '../../storage/files';
import { type EngineContext, isSaveFailure } from '../context';
import { ioError } from '../ioErrors';
import { type Ver, sameVer } from '../model';
import { seal } from '../seal';
import { EngineError, type RestoreFileResult, type RestoreOptions, type RestoreResult, type RestoreTarget } from '../types';
import { applyOne } from './apply';
import { type Journal, journalFile, removeJournal, writeJournal } from './journal';
import { type Planned, type ResolvedTarget, buildPlan, resolveTarget } from './plan';
import { type RestoreRecord, lastRecord, publicResult, saveRecord } from './records';
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
      const entries = buildPlan(ctx, target, resolved.targetId, true);
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
      const r = applyOne(ctx, e, token);
      if (r.status === 'restored' || r.status === 'removed') written.set(e.p, e.tgt);
      results.push(r);
    }
  } finally {
    // 4. Record where the workspace now is, then drop the journal.
    results.sort((a, b) => a.key.localeCompare(b.key));
    const recordRestore = () => {
      afterApply(ctx, target, resolved, written, planned);
      const record: RestoreRecord = {
        id: String(restoreId), target, targetId: String(resolved.targetId), targetLabel: resolved.label,
        safetyCheckpointId: safetyId !== undefined ? String(safetyId) : undefined, previousHeadId: String(previousHead),
        files: results, at: ctx.clock(), sessionId: String(s.id), undoBranch, undoHeadId: String(undoHead),
      };
      stored = saveRecord(meta, record);
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
  if (target.kind === 'restoreFiles') {
    // Head stays; the restored files become working changes against it.
    headVersionOf = (e) => e.cur;
  } else {
    if (resolved.undo) {
      const ub = resolved.undo.undoBranch;
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

/** The active session's last restore, as the API returns it. */
export function lastRestore(ctx: EngineContext): RestoreResult | undefined {
  const r = lastRecord(ctx.meta, ctx.history.activeId);
  return r ? publicResult(r) : undefined;
}
