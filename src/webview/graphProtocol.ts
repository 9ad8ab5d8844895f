// Messages between the history graph's webview (src/webview/graph.ts) and its panel in the extension
// host (src/vscode/graph/graphPanel.ts). Each side checks every message it receives with the guards
// here before acting on it: the webview is a page, and a page's messages are input.
import type { CheckpointSource, CheckpointSummary } from '../core/types';

/** A checkpoint as the graph draws it (a CheckpointSummary without what the row does not show). */
export type GraphCheckpoint = Omit<CheckpointSummary, 'sessionId' | 'childIds'>;

export interface GraphBranch {
  name: string;
  headId: string;
  active: boolean;
}

export interface GraphFile {
  key: string;
  /** What a person reads: the path without the root name in a single-root workspace. */
  display: string;
  change: 'added' | 'modified' | 'deleted';
  added: number;
  removed: number;
  binary: boolean;
}

export interface GraphDetails {
  id: string;
  label: string;
  source: CheckpointSource;
  createdAt: number;
  tools?: string[];
  prompt?: string;
  command?: string;
  exitCode?: number;
  files: GraphFile[];
}

/** What the graph's menu and buttons offer: each runs the tree's command of the same name. */
export const GRAPH_ACTIONS = [
  'openChanges', 'compareWithCurrent', 'rewindHere', 'rewindBefore', 'branchFromHere', 'labelCheckpoint', 'forkSession',
  'revealInTree',
] as const;
export type GraphAction = (typeof GRAPH_ACTIONS)[number];

export type ToGraph =
  | {
      type: 'graph';
      sessionId: string;
      title: string;
      /** The active session's graph: restores are offered. */
      active: boolean;
      headId: string;
      branches: GraphBranch[];
      checkpoints: GraphCheckpoint[];
      /** Select this checkpoint (Find Checkpoint's "open in graph"). */
      select?: string;
    }
  | { type: 'details'; details: GraphDetails }
  | { type: 'filtered'; text: string; ids: string[] | null; total: number }
  | { type: 'select'; id: string }
  | { type: 'error'; message: string };

export type FromGraph =
  | { type: 'ready' }
  | { type: 'select'; id: string }
  | { type: 'openFile'; id: string; key: string }
  | { type: 'action'; action: GraphAction; id: string }
  | { type: 'filter'; text: string };

const ID = /^\d{1,15}$/;
const MAX_TEXT = 2000;

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isId = (x: unknown): x is string => typeof x === 'string' && ID.test(x);
const isStr = (x: unknown, max = MAX_TEXT): x is string => typeof x === 'string' && x.length <= max;

/** A message from the webview, or undefined when it is not one the panel knows (then it is ignored). */
export function parseFromGraph(x: unknown): FromGraph | undefined {
  if (!isObj(x)) return undefined;
  switch (x.type) {
    case 'ready':
      return { type: 'ready' };
    case 'select':
      return isId(x.id) ? { type: 'select', id: x.id } : undefined;
    case 'openFile':
      return isId(x.id) && isStr(x.key) && x.key !== '' ? { type: 'openFile', id: x.id, key: x.key } : undefined;
    case 'action':
      return isId(x.id) && (GRAPH_ACTIONS as readonly unknown[]).includes(x.action)
        ? { type: 'action', action: x.action as GraphAction, id: x.id }
        : undefined;
    case 'filter':
      return isStr(x.text) ? { type: 'filter', text: x.text } : undefined;
    default:
      return undefined;
  }
}

const SOURCES = ['start', 'editor', 'agent', 'terminal', 'manual', 'safety', 'external'];
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function isCheckpoint(x: unknown): x is GraphCheckpoint {
  return (
    isObj(x) && isId(x.id) && (x.parentId === undefined || isId(x.parentId)) && isNum(x.createdAt) && isStr(x.label) &&
    SOURCES.includes(x.source as string) && (x.exitCode === undefined || isNum(x.exitCode)) &&
    isNum(x.fileCount) && isNum(x.added) && isNum(x.removed)
  );
}

function isFile(x: unknown): x is GraphFile {
  return (
    isObj(x) && isStr(x.key) && isStr(x.display) && ['added', 'modified', 'deleted'].includes(x.change as string) &&
    isNum(x.added) && isNum(x.removed) && typeof x.binary === 'boolean'
  );
}

/** A message from the panel, or undefined when it is malformed (the webview then ignores it). */
export function parseToGraph(x: unknown): ToGraph | undefined {
  if (!isObj(x)) return undefined;
  switch (x.type) {
    case 'graph': {
      const ok =
        isId(x.sessionId) && isStr(x.title) && typeof x.active === 'boolean' && isId(x.headId) &&
        Array.isArray(x.branches) && x.branches.every((b) => isObj(b) && isStr(b.name) && isId(b.headId) && typeof b.active === 'boolean') &&
        Array.isArray(x.checkpoints) && x.checkpoints.every(isCheckpoint) && (x.select === undefined || isId(x.select));
      return ok ? (x as ToGraph) : undefined;
    }
    case 'details': {
      const d = x.details;
      const ok =
        isObj(d) && isId(d.id) && isStr(d.label) && SOURCES.includes(d.source as string) && isNum(d.createdAt) &&
        (d.tools === undefined || (Array.isArray(d.tools) && d.tools.every((t) => isStr(t)))) &&
        (d.prompt === undefined || isStr(d.prompt, 100_000)) && (d.command === undefined || isStr(d.command, 100_000)) &&
        (d.exitCode === undefined || isNum(d.exitCode)) && Array.isArray(d.files) && d.files.every(isFile);
      return ok ? (x as ToGraph) : undefined;
    }
    case 'filtered':
      return isStr(x.text) && isNum(x.total) && (x.ids === null || (Array.isArray(x.ids) && x.ids.every(isId))) ? (x as ToGraph) : undefined;
    case 'select':
      return isId(x.id) ? { type: 'select', id: x.id } : undefined;
    case 'error':
      return isStr(x.message, 10_000) ? { type: 'error', message: x.message } : undefined;
    default:
      return undefined;
  }
}
