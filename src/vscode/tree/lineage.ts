// How the tree lays a session's history out, as pure functions of its checkpoints (no `vscode`):
// which line a set-aside part is listed along, which checkpoints a filter keeps, and the way from a
// branch row down to any checkpoint (for Reveal). The provider lists rows with the same rules, so a
// checkpoint found here is the row the tree shows.
import type { CheckpointSummary } from '../../core/types';

export interface Lineage {
  readonly byId: ReadonlyMap<string, CheckpointSummary>;
}

export function lineage(checkpoints: readonly CheckpointSummary[]): Lineage {
  return { byId: new Map(checkpoints.map((c) => [c.id, c])) };
}

/** Newest first: `fromId` and its parents, stopping before `stopId` (or at the root). */
export function pathFrom(g: Lineage, fromId: string, stopId?: string): CheckpointSummary[] {
  const out: CheckpointSummary[] = [];
  for (let c = g.byId.get(fromId); c && c.id !== stopId; c = c.parentId ? g.byId.get(c.parentId) : undefined) out.push(c);
  return out;
}

/** The checkpoints with no children under `id` (itself included), newest first — as the engine's `tipsUnder`. */
export function tipsUnder(g: Lineage, id: string): string[] {
  const tips: CheckpointSummary[] = [];
  const stack = [id];
  while (stack.length) {
    const c = g.byId.get(stack.pop()!);
    if (!c) continue;
    if (c.childIds.length === 0) tips.push(c);
    stack.push(...c.childIds);
  }
  return tips.sort((a, b) => b.createdAt - a.createdAt || Number(b.id) - Number(a.id)).map((c) => c.id);
}

/**
 * The tip a set-aside line is listed from: the newest tip under the child that no branch leads to.
 * None when every tip is a branch head (those checkpoints are listed under the branches' own rows).
 */
export function setAsideTip(tips: readonly string[], branchHeads: ReadonlySet<string>): string | undefined {
  return tips.find((t) => !branchHeads.has(t));
}

/** Branches whose head is among these tips, sorted by name. */
export function branchesAt(tips: readonly string[], branches: readonly { name: string; headId: string }[]): string[] {
  const set = new Set(tips);
  return branches.filter((b) => set.has(b.headId)).map((b) => b.name).sort((a, b) => a.localeCompare(b));
}

/** The matches and every checkpoint they grow from: a row is worth showing under a filter iff it is in here. */
export function withAncestors(g: Lineage, matches: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const m of matches) {
    for (let c = g.byId.get(m); c && !out.has(c.id); c = c.parentId ? g.byId.get(c.parentId) : undefined) out.add(c.id);
  }
  return out;
}

/** One step down from a list to a set-aside line growing from one of its checkpoints. */
export interface Hop {
  forkId: string;
  childId: string;
  tipId: string;
}

/** The way to a checkpoint: the branch row it is listed under, then the set-aside lines to open. */
export interface Route {
  branch: string;
  hops: Hop[];
}

/**
 * The rows leading to `targetId`: the first of `branches` (in the order the tree shows them) whose
 * list holds it, else the branch holding the nearest checkpoint it grows from, then one set-aside
 * line per fork below that. Undefined when the checkpoint is not in this history.
 */
export function route(g: Lineage, branches: readonly { name: string; headId: string }[], targetId: string): Route | undefined {
  if (!g.byId.has(targetId)) return undefined;
  const heads = new Set(branches.map((b) => b.headId));
  const lists = branches.map((b) => ({ name: b.name, ids: new Set(pathFrom(g, b.headId).map((c) => c.id)) }));
  const ancestors = pathFrom(g, targetId); // target first
  const onBranch = ancestors.findIndex((a) => lists.some((l) => l.ids.has(a.id)));
  if (onBranch < 0) return undefined;
  const branch = lists.find((l) => l.ids.has(ancestors[onBranch].id))!.name;
  const hops: Hop[] = [];
  let listed = onBranch; // index in `ancestors` of the nearest checkpoint on the list opened so far
  while (listed > 0) {
    const forkId = ancestors[listed].id;
    const childId = ancestors[listed - 1].id;
    const tipId = setAsideTip(tipsUnder(g, childId), heads);
    if (tipId === undefined) return undefined;
    hops.push({ forkId, childId, tipId });
    const line = new Set(pathFrom(g, tipId, forkId).map((c) => c.id));
    let next = -1;
    for (let i = 0; i < listed; i++) {
      if (line.has(ancestors[i].id)) {
        next = i;
        break;
      }
    }
    if (next < 0) return undefined;
    listed = next;
  }
  return { branch, hops };
}
