// How each row of the Sessions tree looks: label, icon, description (key facts first, so a narrow
// side bar still shows them), contextValue. Pure functions of a node; no engine calls.
import * as vscode from 'vscode';
import { humanBytes } from '../../core/bytes';
import { changeDescription, checkpointDescription, checkpointIcon, fromNow, plural, splitDisplayPath } from '../format';
import { Commands, contextValue } from '../ids';
import { storageItem } from '../storageItem';
import { NO_FORKS } from './nodes';
import type { BranchNode, CheckpointNode, FileNode, LineNode, MoreNode, SessionNode, SessionsNode, WorkingFileNode, WorkingNode } from './nodes';
import { decorateTerminalCheckpoint, decorateTerminalSession } from '../terminal/treeDecor';
import { branchTooltip, lineTooltip } from './tooltips';

export const PAGE_SIZE = 100;
const C = vscode.TreeItemCollapsibleState;

/** The row of a node; a session's and a checkpoint's hovers are filled in when they open (`resolveTreeItem`). */
export function treeItem(node: SessionsNode, multiRoot: boolean): vscode.TreeItem {
  const item = build(node, multiRoot);
  item.id = node.id;
  return item;
}

function build(node: SessionsNode, multiRoot: boolean): vscode.TreeItem {
  switch (node.kind) {
    case 'session':
      return sessionItem(node);
    case 'branch':
      return branchItem(node);
    case 'working':
      return workingItem(node);
    case 'workingFile':
    case 'file':
      return fileItem(node, multiRoot);
    case 'checkpoint':
      return checkpointItem(node);
    case 'line':
      return lineItem(node);
    case 'storage':
      return storageItem(node.report);
    case 'more':
      return moreItem(node);
  }
}

/** A session's row: the one place it is built (its icon and state words are decided here). */
export function sessionItem(node: SessionNode): vscode.TreeItem {
  const s = node.session;
  const item = new vscode.TreeItem(s.title, s.active || node.matches !== undefined ? C.Expanded : C.Collapsed);
  item.iconPath = new vscode.ThemeIcon(s.active ? 'debug-stackframe' : 'history');
  item.description = [
    s.active ? 'active' : undefined,
    node.matches !== undefined ? plural(node.matches, 'match', 'matches') : plural(s.checkpointCount, 'checkpoint'),
    node.usage ? humanBytes(node.usage.bytes) : undefined,
    fromNow(s.createdAt),
    s.parentSessionId ? 'forked' : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  item.contextValue = contextValue('session', { active: s.active, forked: !!s.parentSessionId });
  decorateTerminalSession(item, s);
  return item;
}

function branchItem(node: BranchNode): vscode.TreeItem {
  const { session: s, branch: b, head } = node;
  const current = s.active && b.active;
  const item = new vscode.TreeItem(b.name, current || node.matches !== undefined ? C.Expanded : C.Collapsed);
  item.iconPath = current ? new vscode.ThemeIcon('git-branch', new vscode.ThemeColor('charts.green')) : new vscode.ThemeIcon('git-branch');
  item.description = [
    b.active ? (s.active ? '✓ active' : 'last active') : undefined,
    node.matches ? plural(node.matches, 'match', 'matches') : undefined,
    head ? `at "${head.label}"` : undefined,
    head ? fromNow(head.createdAt) : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  item.tooltip = branchTooltip(node);
  item.contextValue = contextValue('branch', { active: b.active, activeSession: s.active });
  return item;
}

function workingItem(node: WorkingNode): vscode.TreeItem {
  const item = new vscode.TreeItem(`Working changes (${plural(node.changes.length, 'file')})`, C.Collapsed);
  item.iconPath = new vscode.ThemeIcon('pencil');
  item.description = 'not yet in a checkpoint';
  item.tooltip = 'Changes since the head checkpoint, not yet sealed into a checkpoint.';
  item.contextValue = contextValue('working');
  return item;
}

function fileItem(node: FileNode | WorkingFileNode, multiRoot: boolean): vscode.TreeItem {
  const c = node.change;
  const { name, dir } = splitDisplayPath(c.key, multiRoot);
  const item = new vscode.TreeItem(name, C.None);
  item.resourceUri = vscode.Uri.file(c.path);
  const sealed = node.kind === 'file';
  item.description = changeDescription(c, dir, sealed);
  const shown = [dir, name].filter(Boolean).join('/');
  item.tooltip = `${shown}\n${c.change}${!sealed ? '' : c.binary ? ' (binary)' : `, +${c.added} −${c.removed} lines`}`;
  item.command = { command: Commands.openDiff, title: 'Open Changes', arguments: [node] };
  item.contextValue = contextValue(node.kind, { [c.change]: true, activeSession: node.session.active });
  return item;
}

/** The plain-words notes of a checkpoint row: head, the branches here, where history divides. */
export function checkpointNotes(node: Pick<CheckpointNode, 'isHead' | 'branchNames' | 'forks'>): { first: string[]; last: string[] } {
  const forks = node.forks ?? NO_FORKS;
  const first = node.isHead ? ['head'] : [];
  const last = [
    ...node.branchNames.map((b) => `head of ${b}`),
    ...forks.branches.map((b) => `branch ${b} forks here`),
    ...(forks.setAside.length ? ['rewound here'] : []),
  ];
  return { first, last };
}

function checkpointItem(node: CheckpointNode): vscode.TreeItem {
  const c = node.checkpoint;
  const forks = node.forks ?? NO_FORKS;
  const hasChildren = c.fileCount > 0 || forks.setAside.length > 0;
  const item = new vscode.TreeItem(c.label, hasChildren ? C.Collapsed : C.None);
  item.iconPath = node.dimmed ? new vscode.ThemeIcon(checkpointIcon(c).id, new vscode.ThemeColor('disabledForeground')) : checkpointIcon(c);
  const notes = checkpointNotes(node);
  // A dimmed row says so first: at 250 px the end of the description is cut off.
  item.description = checkpointDescription(c, node.dimmed ? ['no match', ...notes.first] : notes.first, notes.last);
  // A click (or Enter) opens what it changed; the twistie expands it.
  if (c.fileCount > 0) item.command = { command: Commands.openChanges, title: 'Open Changes', arguments: [node] };
  item.contextValue = contextValue('checkpoint', {
    head: node.isHead,
    root: !c.parentId,
    changes: c.fileCount > 0,
    fork: forks.setAside.length + forks.branches.length > 0,
    activeSession: node.session.active,
  });
  decorateTerminalCheckpoint(item, node.session, c);
  return item;
}

/** "2 newer checkpoints set aside by a rewind". */
export function lineLabel(count: number, more = false): string {
  return `${count}${more ? '+' : ''} newer ${count === 1 && !more ? 'checkpoint' : 'checkpoints'} set aside by a rewind`;
}

function lineItem(node: LineNode): vscode.TreeItem {
  const t = node.tip;
  const item = new vscode.TreeItem(lineLabel(node.count, node.more), C.Collapsed);
  item.iconPath = new vscode.ThemeIcon('debug-step-back');
  item.description = `newest "${t.label}" · ${fromNow(t.createdAt)}`;
  item.tooltip = lineTooltip(node);
  item.contextValue = contextValue('line', { activeSession: node.session.active });
  return item;
}

function moreItem(node: MoreNode): vscode.TreeItem {
  const item = new vscode.TreeItem(`Load ${PAGE_SIZE} more…`, C.None);
  item.iconPath = new vscode.ThemeIcon('ellipsis');
  item.command = { command: Commands.loadMore, title: 'Load More', arguments: [node] };
  item.contextValue = contextValue('more');
  return item;
}
