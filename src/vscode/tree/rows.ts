// The checkpoint rows of one list (a branch, or a line a rewind set aside): plain data built from
// the list and where each checkpoint's other children lead; under a filter, only the rows that
// match or lead to matches.
import type { BranchInfo, CheckpointSummary, SessionInfo } from '../../core/types';
import { branchesAt, type Lineage, setAsideTip, tipsUnder, withAncestors } from './lineage';
import { type CheckpointNode, checkpointNodeId, type Forks, NO_FORKS, type SessionsNode } from './nodes';

/** Checkpoint rows for a newest-first list; `tips` finds where each checkpoint's other children lead. */
export async function checkpointRows(
  listId: string,
  session: SessionInfo,
  list: CheckpointSummary[],
  listedBranch: string | undefined,
  tips: (id: string) => Promise<string[]> | string[],
): Promise<CheckpointNode[]> {
  const heads = headsByCheckpoint(session.branches, listedBranch);
  const headIds = new Set(session.branches.map((b) => b.headId));
  return Promise.all(
    list.map(async (checkpoint, i): Promise<CheckpointNode> => {
      const lineChildId = i > 0 ? list[i - 1].id : undefined;
      const others = checkpoint.childIds.filter((c) => c !== lineChildId);
      const forks = others.length === 0 ? NO_FORKS : await forksOf(others, tips, headIds, session.branches, listedBranch);
      return checkpointNode(listId, session, checkpoint, lineChildId, heads, forks);
    }),
  );
}

/** Under a filter: the rows of a list that match, or from which set-aside lines with matches grow (dimmed). */
export function filteredRows(g: Lineage, session: SessionInfo, list: CheckpointSummary[], matches: ReadonlySet<string>, listedBranch: string | undefined): CheckpointNode[] {
  const marked = withAncestors(g, matches);
  const heads = headsByCheckpoint(session.branches, listedBranch);
  const headIds = new Set(session.branches.map((b) => b.headId));
  const out: CheckpointNode[] = [];
  list.forEach((checkpoint, i) => {
    if (!marked.has(checkpoint.id)) return;
    const lineChildId = i > 0 ? list[i - 1].id : undefined;
    const others = checkpoint.childIds.filter((c) => c !== lineChildId);
    const all = forksSync(others, (id) => tipsUnder(g, id), headIds, session.branches, listedBranch);
    const forks: Forks = { branches: all.branches, setAside: all.setAside.filter((l) => marked.has(l.childId)) };
    const isMatch = matches.has(checkpoint.id);
    if (!isMatch && forks.setAside.length === 0) return;
    const node = checkpointNode('__LIST__', session, checkpoint, lineChildId, heads, forks);
    out.push(isMatch ? node : { ...node, dimmed: true });
  });
  return out;
}

function checkpointNode(
  listId: string,
  session: SessionInfo,
  checkpoint: CheckpointSummary,
  lineChildId: string | undefined,
  heads: ReadonlyMap<string, string[]>,
  forks: Forks,
): CheckpointNode {
  return {
    kind: 'checkpoint',
    id: checkpointNodeId(listId, checkpoint.id),
    session,
    checkpoint,
    ...(lineChildId !== undefined ? { lineChildId } : {}),
    isHead: session.active && checkpoint.id === session.headId,
    branchNames: heads.get(checkpoint.id) ?? [],
    forks,
  };
}

/** Filtered rows get their list's id (they are built before it is known), then a page of them. */
export function page(listId: string, rows: CheckpointNode[], shown: number): SessionsNode[] {
  const out: SessionsNode[] = rows.slice(0, shown).map((r) => ({ ...r, id: checkpointNodeId(listId, r.checkpoint.id) }));
  if (rows.length > shown) out.push({ kind: 'more', id: `${listId}/more`, listId, shown });
  return out;
}

/** Names of the branches whose head is each checkpoint, leaving out the branch being listed. */
function headsByCheckpoint(branches: readonly BranchInfo[], listedBranch: string | undefined): Map<string, string[]> {
  const heads = new Map<string, string[]>();
  for (const b of branches) {
    if (b.name === listedBranch) continue;
    heads.set(b.headId, [...(heads.get(b.headId) ?? []), b.name]);
  }
  return heads;
}

async function forksOf(
  others: string[],
  tips: (id: string) => Promise<string[]> | string[],
  headIds: ReadonlySet<string>,
  branches: readonly BranchInfo[],
  listedBranch: string | undefined,
): Promise<Forks> {
  const tipLists = await Promise.all(others.map(async (childId) => ({ childId, tips: await tips(childId) })));
  return classify(tipLists, headIds, branches, listedBranch);
}

function forksSync(
  others: string[],
  tips: (id: string) => string[],
  headIds: ReadonlySet<string>,
  branches: readonly BranchInfo[],
  listedBranch: string | undefined,
): Forks {
  return classify(others.map((childId) => ({ childId, tips: tips(childId) })), headIds, branches, listedBranch);
}

/** Each other child leads to branches (named only: they have rows of their own) and/or to a set-aside line. */
function classify(tipLists: { childId: string; tips: string[] }[], headIds: ReadonlySet<string>, branches: readonly BranchInfo[], listedBranch: string | undefined): Forks {
  const setAside: Forks['setAside'] = [];
  const names = new Set<string>();
  for (const { childId, tips } of tipLists) {
    const tipId = setAsideTip(tips, headIds);
    if (tipId !== undefined) setAside.push({ childId, tipId });
    for (const b of branchesAt(tips, branches)) if (b !== listedBranch) names.add(b);
  }
  return setAside.length === 0 && names.size === 0 ? NO_FORKS : { setAside, branches: [...names].sort((a, b) => a.localeCompare(b)) };
}

