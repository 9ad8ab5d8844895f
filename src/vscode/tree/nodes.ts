// The Sessions tree's nodes: plain data, one kind per row. Ids are paths (session → branch →
// checkpoint → line → checkpoint…) so that a row keeps its id, and its expansion, across refreshes.
import type { SessionUsage, StorageReport } from '../../core/storageTypes';
import type { BranchInfo, CheckpointSummary, FileChange, SessionInfo } from '../../core/types';

interface NodeBase {
  /** Stable tree-item id: unique in the tree, the same across refreshes (keeps expansion). */
  readonly id: string;
}
export interface SessionNode extends NodeBase {
  readonly kind: 'session';
  readonly session: SessionInfo;
  /** Its share of the store, when known. */
  readonly usage?: SessionUsage;
  /** While the tree is filtered: how many of its checkpoints match. */
  readonly matches?: number;
}
/** The store's size, at the top of the view. */
export interface StorageNode extends NodeBase {
  readonly kind: 'storage';
  readonly report: StorageReport;
}
export interface BranchNode extends NodeBase {
  readonly kind: 'branch';
  readonly session: SessionInfo;
  readonly branch: BranchInfo;
  /** The branch's newest checkpoint (absent when it could not be read). */
  readonly head?: CheckpointSummary;
  /** While the tree is filtered: how many checkpoints on the branch match. */
  readonly matches?: number;
}
export interface WorkingNode extends NodeBase {
  readonly kind: 'working';
  readonly session: SessionInfo;
  readonly changes: FileChange[];
}
export interface WorkingFileNode extends NodeBase {
  readonly kind: 'workingFile';
  readonly session: SessionInfo;
  readonly change: FileChange;
}
/** Where a checkpoint's history divides: the children that are not the next row of its list. */
export interface Forks {
  /** Lines of checkpoints no branch leads to (set aside by a rewind), each shown under the checkpoint. */
  readonly setAside: { childId: string; tipId: string }[];
  /** Branches that grow from here; each has its own row, so they are only named. */
  readonly branches: string[];
}
export interface CheckpointNode extends NodeBase {
  readonly kind: 'checkpoint';
  readonly session: SessionInfo;
  readonly checkpoint: CheckpointSummary;
  /** The child that continues the list this node is shown in. */
  readonly lineChildId?: string;
  readonly isHead: boolean;
  /** Names of branches whose head is this checkpoint (other than the one being listed). */
  readonly branchNames: string[];
  /** Absent: none known (a node built outside the tree, e.g. by the graph). */
  readonly forks?: Forks;
  /** Shown only because matches of the filter grow from it (it does not match itself). */
  readonly dimmed?: boolean;
}
/** Checkpoints set aside by a rewind, growing from `forkId`. */
export interface LineNode extends NodeBase {
  readonly kind: 'line';
  readonly session: SessionInfo;
  /** The checkpoint the line grows from. */
  readonly forkId: string;
  /** Newest checkpoint of the line; the line is listed by walking parents from here to `forkId`. */
  readonly tip: CheckpointSummary;
  /** How many checkpoints the line holds (at least, when `more`). */
  readonly count: number;
  readonly more?: boolean;
}
export interface FileNode extends NodeBase {
  readonly kind: 'file';
  readonly session: SessionInfo;
  readonly checkpointId: string;
  readonly checkpointLabel: string;
  readonly change: FileChange;
}
export interface MoreNode extends NodeBase {
  readonly kind: 'more';
  /** Id of the list's parent node, whose page count grows. */
  readonly listId: string;
  readonly shown: number;
}
export type SessionsNode =
  | SessionNode
  | BranchNode
  | WorkingNode
  | WorkingFileNode
  | CheckpointNode
  | LineNode
  | FileNode
  | MoreNode
  | StorageNode;

export function isSessionsNode(x: unknown): x is SessionsNode {
  return typeof x === 'object' && x !== null && typeof (x as { kind?: unknown }).kind === 'string' && typeof (x as { id?: unknown }).id === 'string';
}

export const NO_FORKS: Forks = { setAside: [], branches: [] };

// The active flag is in the ids so a session or branch that becomes active gets its default
// (expanded) state instead of the collapsed one VS Code remembers for the old id.
export const sessionNodeId = (s: SessionInfo) => `s/${s.id}${s.active ? '*' : ''}`;
export const branchNodeId = (sessionNodeId: string, b: BranchInfo) => `${sessionNodeId}/b/${b.name}${b.active ? '*' : ''}`;
export const checkpointNodeId = (listId: string, checkpointId: string) => `${listId}/c/${checkpointId}`;
export const lineNodeId = (checkpointNodeId: string, childId: string) => `${checkpointNodeId}/l/${childId}`;
