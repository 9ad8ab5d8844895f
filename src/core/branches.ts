// Branch operations in the active session. A branch is a named pointer to a checkpoint: creating
// one copies nothing.
import type { EngineContext } from './context';
import type { SessionRow } from './model';
import { cleanBranchName } from './names';
import { type BranchInfo, EngineError } from './types';

export function createBranch(ctx: EngineContext, name: string, options: { from?: string }): BranchInfo {
  const { history } = ctx;
  const s = history.session();
  const n = cleanBranchName(name);
  if (history.branchesOf(s.id).has(n)) throw new EngineError('conflict', `A branch named "${n}" already exists in this session.`);
  const at = resolveFrom(ctx, s, options.from);
  history.setBranchHead(s.id, n, at);
  return { name: n, headId: String(at), active: false, createdAt: history.branchesOf(s.id).get(n)!.createdAt };
}

export function renameBranch(ctx: EngineContext, oldName: string, newName: string): void {
  const { history } = ctx;
  const s = history.session();
  const m = history.branchesOf(s.id);
  if (!m.has(oldName)) throw new EngineError('not-found', `No branch named "${oldName}" in this session.`);
  const n = cleanBranchName(newName);
  if (n === oldName) return;
  if (m.has(n)) throw new EngineError('conflict', `A branch named "${n}" already exists in this session.`);
  history.renameBranch(s, oldName, n);
}

export function deleteBranch(ctx: EngineContext, name: string): void {
  const { history } = ctx;
  const s = history.session();
  if (!history.branchesOf(s.id).has(name)) throw new EngineError('not-found', `No branch named "${name}" in this session.`);
  if (s.activeBranch === name) throw new EngineError('conflict', `"${name}" is the active branch; check out another branch before deleting it.`);
  history.deleteBranch(s.id, name);
}

/** `from`: a branch name or a checkpoint id of the session (default: head). */
function resolveFrom(ctx: EngineContext, s: SessionRow, from: string | undefined): number {
  const { history } = ctx;
  if (from === undefined || from === '') return history.headOf(s);
  const b = history.branchesOf(s.id).get(from);
  if (b) return b.head;
  const cp = history.cps.get(Number(from));
  if (/^\d+$/.test(from) && cp) {
    if (cp.session !== s.id) throw new EngineError('invalid-argument', `Checkpoint ${from} belongs to another session.`);
    return cp.id;
  }
  throw new EngineError('not-found', `"${from}" is neither a branch of session "${s.title}" nor one of its checkpoints.`);
}
