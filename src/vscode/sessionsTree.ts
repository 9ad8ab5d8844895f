// The Sessions tree: session → branches → checkpoints (newest first) → changed files, with the
// other lines growing from a checkpoint shown under it. Returns data only; commands own the UI.
import * as vscode from 'vscode';
import { humanBytes } from '../core/bytes';
import type { EngineApi } from '../core/engineApi';
import type { SessionUsage, StorageReport } from '../core/storageTypes';
import type { BranchInfo, CheckpointSummary, FileChange, SessionInfo } from '../core/types';
import type { EngineHost } from './engineHost';
import {
  changeDescription,
  checkpointDescription,
  checkpointIcon,
  checkpointTooltip,
  forkedFrom,
  escapeMarkdown,
  fromNow,
  plural,
  splitDisplayPath,
} from './format';
import { Commands, contextValue } from './ids';
import { Debouncer, Disposable } from './lifecycle';
import type { Log } from './log';
import { storageItem } from './storageItem';
import { decorateTerminalCheckpoint, decorateTerminalSession } from './terminal/treeDecor';

export const PAGE_SIZE = 100;
const REFRESH_DELAY_MS = 150;
// The report walks every checkpoint's changes: read again at most twice a minute, and at once after
// a delete, a compaction or a maintenance pass (`invalidateStorage`).
const STORAGE_MAX_AGE_MS = 30_000;

interface NodeBase {
  /** Stable tree-item id: unique in the tree, the same across refreshes (keeps expansion). */
  readonly id: string;
}
export interface SessionNode extends NodeBase {
  readonly kind: 'session';
  readonly session: SessionInfo;
  /** Its share of the store, when known. */
  readonly usage?: SessionUsage;
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
export interface CheckpointNode extends NodeBase {
  readonly kind: 'checkpoint';
  readonly session: SessionInfo;
  readonly checkpoint: CheckpointSummary;
  /** The child that continues the list this node is shown in (not shown as another line). */
  readonly lineChildId?: string;
  readonly isHead: boolean;
  /** Names of branches whose head is this checkpoint (other than the one being listed). */
  readonly branchNames: string[];
}
export interface LineNode extends NodeBase {
  readonly kind: 'line';
  readonly session: SessionInfo;
  /** The checkpoint the line grows from. */
  readonly forkId: string;
  /** Newest checkpoint of the line; the line is listed by walking parents from here to `forkId`. */
  readonly tip: CheckpointSummary;
  readonly branchName?: string;
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

export class SessionsTreeProvider extends Disposable implements vscode.TreeDataProvider<SessionsNode> {
  private readonly emitter = this.register(new vscode.EventEmitter<SessionsNode | undefined>());
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly refresher = this.register(new Debouncer(() => REFRESH_DELAY_MS, () => this.emitter.fire(undefined)));
  /** How many checkpoints each list shows (grows with "Load more"). */
  private readonly pages = new Map<string, number>();
  private usage: { report: StorageReport; at: number } | undefined;
  /** Session titles by id, for "Forked from …" (read with the session list). */
  private titles = new Map<string, string>();

  constructor(
    private readonly host: EngineHost,
    private readonly log: Log,
  ) {
    super();
    this.register(host.onDidChange(() => this.refresh()));
    this.register(host.onDidChangeState(() => this.refresh()));
  }

  /** Debounced: a burst of engine changes repaints once. */
  refresh(): void {
    this.refresher.schedule();
  }

  refreshNow(): void {
    this.refresher.cancel();
    this.emitter.fire(undefined);
  }

  loadMore(node: MoreNode): void {
    this.pages.set(node.listId, node.shown + PAGE_SIZE);
    this.refreshNow();
  }

  private get multiRoot(): boolean {
    return (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
  }

  getTreeItem(node: SessionsNode): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    switch (node.kind) {
      case 'session': {
        const s = node.session;
        const item = new vscode.TreeItem(s.title, s.active ? C.Expanded : C.Collapsed);
        item.iconPath = new vscode.ThemeIcon(s.active ? 'debug-stackframe' : 'history');
        item.description = [
          s.active ? 'active' : undefined,
          s.parentSessionId ? 'fork' : undefined,
          s.activeBranch,
          plural(s.checkpointCount, 'checkpoint'),
          node.usage ? humanBytes(node.usage.bytes) : undefined,
          fromNow(s.createdAt),
        ]
          .filter(Boolean)
          .join(' · ');
        item.tooltip = new vscode.MarkdownString(
          [
            `**${escapeMarkdown(s.title)}**${s.active ? ' (active)' : ''}`,
            `Started ${new Date(s.createdAt).toLocaleString()}`,
            `Branches: ${escapeMarkdown(s.branches.map((b) => (b.active ? `${b.name} (active)` : b.name)).join(', '))}`,
            `${plural(s.checkpointCount, 'checkpoint')}`,
            ...(node.usage
              ? [`Holds ${humanBytes(node.usage.bytes)} of snapshots; deleting it frees ${humanBytes(node.usage.ownBytes)} (the rest is shared)`]
              : []),
            ...(s.tags.length ? [`Tags: ${escapeMarkdown(s.tags.join(', '))}`] : []),
            ...(s.parentSessionId ? [forkedFrom(s.parentSessionId, this.titles.get(s.parentSessionId))] : []),
          ].join('  \n'),
        );
        item.tooltip.isTrusted = { enabledCommands: [Commands.switchSession] };
        item.contextValue = contextValue('session', { active: s.active, forked: !!s.parentSessionId });
        decorateTerminalSession(item, s);
        return withId(item, node);
      }
      case 'branch': {
        const { session: s, branch: b } = node;
        const current = s.active && b.active;
        const item = new vscode.TreeItem(b.name, current ? C.Expanded : C.Collapsed);
        item.iconPath = current
          ? new vscode.ThemeIcon('git-branch', new vscode.ThemeColor('charts.green'))
          : new vscode.ThemeIcon('git-branch');
        item.description = b.active ? (s.active ? '✓ active' : 'last active') : undefined;
        item.tooltip = `Branch ${b.name}${b.active ? ' (active)' : ''} of session "${s.title}"\nCreated ${new Date(b.createdAt).toLocaleString()}`;
        item.contextValue = contextValue('branch', { active: b.active, activeSession: s.active });
        return withId(item, node);
      }
      case 'working': {
        const n = node.changes.length;
        const item = new vscode.TreeItem(`Working changes (${plural(n, 'file')})`, C.Collapsed);
        item.iconPath = new vscode.ThemeIcon('pencil');
        item.description = 'not yet in a checkpoint';
        item.tooltip = 'Changes since the head checkpoint, not yet sealed into a checkpoint.';
        item.contextValue = contextValue('working');
        return withId(item, node);
      }
      case 'workingFile':
      case 'file': {
        const c = node.change;
        const { name, dir } = splitDisplayPath(c.key, this.multiRoot);
        const item = new vscode.TreeItem(name, C.None);
        item.resourceUri = vscode.Uri.file(c.path);
        const sealed = node.kind === 'file';
        item.description = changeDescription(c, dir, sealed);
        item.tooltip = `${c.path}\n${c.change}${!sealed ? '' : c.binary ? ' (binary)' : `, +${c.added} −${c.removed}`}`;
        item.command = { command: Commands.openDiff, title: 'Open Changes', arguments: [node] };
        item.contextValue = contextValue(node.kind, {
          [c.change]: true,
          activeSession: node.session.active,
        });
        return withId(item, node);
      }
      case 'checkpoint': {
        const c = node.checkpoint;
        const hasChildren = c.fileCount > 0 || otherLines(node).length > 0;
        const item = new vscode.TreeItem(c.label, hasChildren ? C.Collapsed : C.None);
        item.iconPath = checkpointIcon(c);
        const extra = [
          ...(node.isHead ? ['head'] : []),
          ...node.branchNames.map((b) => `branch ${b}`),
          ...(otherLines(node).length > 0 ? [plural(otherLines(node).length, 'other line')] : []),
        ];
        item.description = checkpointDescription(c, extra);
        // A click (or Enter) opens what it changed; the twistie expands it.
        if (c.fileCount > 0) item.command = { command: Commands.openChanges, title: 'Open Changes', arguments: [node] };
        item.contextValue = contextValue('checkpoint', {
          head: node.isHead,
          root: !c.parentId,
          changes: c.fileCount > 0,
          fork: otherLines(node).length > 0,
          activeSession: node.session.active,
        });
        decorateTerminalCheckpoint(item, node.session, c);
        return withId(item, node);
      }
      case 'line': {
        const t = node.tip;
        const item = new vscode.TreeItem(node.branchName ?? 'Rewound line', C.Collapsed);
        item.iconPath = new vscode.ThemeIcon(node.branchName ? 'git-branch' : 'repo-forked');
        item.description = `up to "${t.label}" · ${fromNow(t.createdAt)}`;
        item.tooltip = node.branchName
          ? `Branch ${node.branchName} grows from here; its newest checkpoint is "${t.label}".`
          : `Checkpoints left by a rewind, growing from here; the newest is "${t.label}". They stay restorable.`;
        item.contextValue = contextValue('line', { branch: !!node.branchName, activeSession: node.session.active });
        return withId(item, node);
      }
      case 'storage': {
        const item = storageItem(node.report);
        return withId(item, node);
      }
      case 'more': {
        const item = new vscode.TreeItem(`Load ${PAGE_SIZE} more…`, C.None);
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: Commands.loadMore, title: 'Load More', arguments: [node] };
        item.contextValue = contextValue('more');
        return withId(item, node);
      }
    }
  }

  async resolveTreeItem(item: vscode.TreeItem, node: SessionsNode): Promise<vscode.TreeItem> {
    if (node.kind !== 'checkpoint' || item.tooltip) return item;
    const engine = this.host.current;
    if (!engine) return item;
    try {
      item.tooltip = checkpointTooltip(await engine.checkpoint(node.checkpoint.id), this.multiRoot);
    } catch (e) {
      this.log.error(`Reading checkpoint ${node.checkpoint.id} failed`, e);
    }
    return item;
  }

  async getChildren(node?: SessionsNode): Promise<SessionsNode[]> {
    const engine = this.host.current;
    if (!engine) return [];
    try {
      return await this.children(engine, node);
    } catch (e) {
      // A refresh racing a deleted session or branch; the next refresh repaints.
      this.log.warn(`Listing the tree under ${node?.id ?? 'root'} failed: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
  }

  /** The store's sizes (see STORAGE_MAX_AGE_MS). */
  private async storage(engine: EngineApi): Promise<StorageReport | undefined> {
    if (this.usage && Date.now() - this.usage.at < STORAGE_MAX_AGE_MS) return this.usage.report;
    try {
      this.usage = { report: await engine.storageReport(), at: Date.now() };
    } catch (e) {
      this.log.warn(`Reading the store's size failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    return this.usage?.report;
  }

  /** Sizes are read again at the next repaint (after a delete, a compaction or a gc pass). */
  invalidateStorage(): void {
    this.usage = undefined;
    this.refresh();
  }

  getParent(): undefined {
    return undefined;
  }

  private async children(engine: EngineApi, node?: SessionsNode): Promise<SessionsNode[]> {
    if (!node) {
      const sessions = await engine.sessions();
      this.titles = new Map(sessions.map((x) => [x.id, x.title]));
      sessions.sort((a, b) => Number(b.active) - Number(a.active) || b.createdAt - a.createdAt);
      // The first paint after the store opens shows only what it holds; sizes come with the next.
      const report = this.host.firstPaintDone ? await this.storage(engine) : this.usage?.report;
      if (sessions.length === 0) this.host.notePainted();
      const usage = new Map(report?.sessions.map((u) => [u.id, u]));
      // The active flag is in the ids so a session or branch that becomes active gets its default
      // (expanded) state instead of the collapsed one VS Code remembers for the old id.
      const nodes: SessionsNode[] = sessions.map((session) => ({ kind: 'session', id: `s/${session.id}${session.active ? '*' : ''}`, session, usage: usage.get(session.id) }));
      return report ? [...nodes, { kind: 'storage', id: 'storage', report }] : nodes;
    }
    switch (node.kind) {
      case 'session': {
        const branches = [...node.session.branches].sort(
          (a, b) => Number(b.active) - Number(a.active) || a.name.localeCompare(b.name),
        );
        return branches.map((branch) => ({
          kind: 'branch',
          id: `${node.id}/b/${branch.name}${branch.active ? '*' : ''}`,
          session: node.session,
          branch,
        }));
      }
      case 'branch': {
        const { session, branch } = node;
        const current = session.active && branch.active;
        const result: SessionsNode[] = [];
        if (current) {
          const changes = await engine.workingChanges();
          if (changes.length > 0) result.push({ kind: 'working', id: `${node.id}/w`, session, changes });
        }
        const shown = this.pages.get(node.id) ?? PAGE_SIZE;
        const list = await engine.checkpoints({ sessionId: session.id, branch: branch.name, limit: shown + 1 });
        result.push(...this.checkpointList(node.id, session, list, shown, current ? 0 : -1, branch.name));
        if (current) this.host.notePainted(); // the start-up scan may go (see EngineHost.firstPaint)
        return result;
      }
      case 'working':
        return sortChanges(node.changes).map((change) => ({
          kind: 'workingFile',
          id: `${node.id}/${change.key}`,
          session: node.session,
          change,
        }));
      case 'checkpoint': {
        // Files first: a line growing from here can be long.
        const result: SessionsNode[] = [];
        if (node.checkpoint.fileCount > 0) {
          const info = await engine.checkpoint(node.checkpoint.id);
          result.push(
            ...sortChanges(info.files).map(
              (change): FileNode => ({
                kind: 'file',
                id: `${node.id}/f/${change.key}`,
                session: node.session,
                checkpointId: info.id,
                checkpointLabel: info.label,
                change,
              }),
            ),
          );
        }
        const others = otherLines(node);
        if (others.length > 0) result.push(...(await this.lines(engine, node, others)));
        return result;
      }
      case 'line': {
        const shown = this.pages.get(node.id) ?? PAGE_SIZE;
        const list = await engine.checkpoints({ sessionId: node.session.id, fromId: node.tip.id, limit: shown + 1 });
        const stop = list.findIndex((c) => c.id === node.forkId);
        const line = stop >= 0 ? list.slice(0, stop) : list;
        return this.checkpointList(node.id, node.session, line, shown, -1, node.branchName);
      }
      case 'workingFile':
      case 'file':
      case 'more':
      case 'storage':
        return [];
    }
  }

  /** Checkpoint nodes for a newest-first list fetched with `limit: shown + 1`. */
  private checkpointList(
    listId: string,
    session: SessionInfo,
    list: CheckpointSummary[],
    shown: number,
    headIndex: number,
    listedBranch: string | undefined,
  ): SessionsNode[] {
    const heads = new Map<string, string[]>();
    for (const b of session.branches) {
      if (b.name === listedBranch) continue;
      heads.set(b.headId, [...(heads.get(b.headId) ?? []), b.name]);
    }
    const nodes: SessionsNode[] = list.slice(0, shown).map((checkpoint, i) => ({
      kind: 'checkpoint',
      id: `${listId}/c/${checkpoint.id}`,
      session,
      checkpoint,
      lineChildId: i > 0 ? list[i - 1].id : undefined,
      isHead: i === headIndex,
      branchNames: heads.get(checkpoint.id) ?? [],
    }));
    if (list.length > shown) nodes.push({ kind: 'more', id: `${listId}/more`, listId, shown });
    return nodes;
  }

  private async lines(engine: EngineApi, node: CheckpointNode, childIds: string[]): Promise<LineNode[]> {
    const result: LineNode[] = [];
    for (const childId of childIds) {
      const tips = await engine.tipsUnder(childId);
      const tipId = tips[0] ?? childId;
      const [tip] = await engine.checkpoints({ sessionId: node.session.id, fromId: tipId, limit: 1 });
      if (!tip) continue;
      const tipSet = new Set(tips.length ? tips : [childId]);
      const branch = node.session.branches.find((b) => b.headId === tipId) ?? node.session.branches.find((b) => tipSet.has(b.headId));
      result.push({
        kind: 'line',
        id: `${node.id}/l/${childId}`,
        session: node.session,
        forkId: node.checkpoint.id,
        tip,
        ...(branch ? { branchName: branch.name } : {}),
      });
    }
    return result;
  }
}

function withId(item: vscode.TreeItem, node: SessionsNode): vscode.TreeItem {
  item.id = node.id;
  return item;
}

function otherLines(node: CheckpointNode): string[] {
  return node.checkpoint.childIds.filter((c) => c !== node.lineChildId);
}

function sortChanges(changes: FileChange[]): FileChange[] {
  return [...changes].sort((a, b) => a.key.localeCompare(b.key));
}
