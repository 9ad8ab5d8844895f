// The Sessions tree: session → branches → checkpoints (newest first) → changed files, with the
// checkpoints a rewind set aside shown under the checkpoint they grow from. Lists rows (data only;
// commands own the UI), filters them the way Find Checkpoint searches, and reveals a checkpoint.
// Rows are drawn by tree/items.ts, hovers by tree/tooltips.ts, the layout rules are tree/lineage.ts.
import * as vscode from 'vscode';
import type { EngineApi } from '../core/engineApi';
import type { StorageReport } from '../core/storageTypes';
import type { CheckpointSummary, FileChange } from '../core/types';
import { setContext } from './contextKeys';
import type { EngineHost } from './engineHost';
import { checkpointTooltip } from './format';
import { ContextKeys } from './ids';
import { Debouncer, Disposable } from './lifecycle';
import type { Log } from './log';
import { PAGE_SIZE, treeItem } from './tree/items';
import { type Lineage, lineage, pathFrom, route } from './tree/lineage';
import {
  type BranchNode,
  branchNodeId,
  type CheckpointNode,
  type FileNode,
  type LineNode,
  lineNodeId,
  type MoreNode,
  type SessionNode,
  sessionNodeId,
  type SessionsNode,
} from './tree/nodes';
import { checkpointRows, filteredRows, page } from './tree/rows';
import { SummaryDocuments } from './tree/summaryDoc';
import { sessionTooltip } from './tree/tooltips';

export { PAGE_SIZE } from './tree/items';
export * from './tree/nodes';

const REFRESH_DELAY_MS = 150;
// The report walks every checkpoint's changes: read again at most twice a minute, and at once after
// a delete, a compaction or a maintenance pass (`invalidateStorage`).
const STORAGE_MAX_AGE_MS = 30_000;
/** A set-aside line is counted up to this many checkpoints ("1000+"). */
const LINE_COUNT_CAP = 1000;
/** Reveal walks down again when a repaint raced it, at most this many times in all. */
const REVEAL_ATTEMPTS = 4;

/** The filter on: its text and, per session, the ids of the checkpoints that match. */
interface Filter {
  text: string;
  /** Which Filter Sessions… this is (one per text set): part of the rows' ids. */
  generation: number;
  matches: Map<string, Set<string>>;
  total: number;
}

export class SessionsTreeProvider extends Disposable implements vscode.TreeDataProvider<SessionsNode> {
  private readonly emitter = this.register(new vscode.EventEmitter<SessionsNode | undefined>());
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly refresher = this.register(new Debouncer(() => REFRESH_DELAY_MS, () => this.emitter.fire(undefined)));
  readonly summaries = this.register(new SummaryDocuments());
  /** How many checkpoints each list shows (grows with "Load more"). */
  private readonly pages = new Map<string, number>();
  private usage: { report: StorageReport; at: number } | undefined;
  /** Session titles by id, for "Forked from …" (read with the session list). */
  private titles = new Map<string, string>();
  /** The parent of every row listed since the last full repaint (for `getParent` and Reveal). */
  private readonly parents = new Map<string, SessionsNode | undefined>();
  private view: vscode.TreeView<SessionsNode> | undefined;
  private filter: Filter | undefined;
  private filterGeneration = 0;
  /** Each session's whole history, read once per repaint while filtering or revealing. */
  private graphs = new Map<string, Promise<Lineage>>();

  constructor(
    private readonly host: EngineHost,
    private readonly log: Log,
  ) {
    super();
    this.register(host.onDidChange(() => this.refresh()));
    this.register(host.onDidChangeState(() => this.refresh()));
  }

  /** The view showing this tree: its description and message say when a filter is on. */
  attach(view: vscode.TreeView<SessionsNode>): void {
    this.view = view;
    this.showFilterState();
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

  // ── filter ──

  get filterText(): string | undefined {
    return this.filter?.text;
  }

  /** Shows only the checkpoints matching `text` (Find Checkpoint's syntax) and the rows leading to them. */
  async setFilter(text: string): Promise<{ total: number }> {
    const trimmed = text.trim();
    if (!trimmed) {
      this.clearFilter();
      return { total: 0 };
    }
    const engine = await this.host.get();
    this.filter = await this.match(engine, trimmed, ++this.filterGeneration);
    this.pages.clear();
    this.showFilterState();
    this.refreshNow();
    return { total: this.filter.total };
  }

  clearFilter(): void {
    if (!this.filter) return;
    this.filter = undefined;
    this.pages.clear();
    this.showFilterState();
    this.refreshNow();
  }

  private async match(engine: EngineApi, text: string, generation: number): Promise<Filter> {
    const r = await engine.searchCheckpoints({ text, limit: Number.MAX_SAFE_INTEGER });
    const matches = new Map<string, Set<string>>();
    for (const h of r.hits) {
      const set = matches.get(h.checkpoint.sessionId) ?? new Set<string>();
      set.add(h.checkpoint.id);
      matches.set(h.checkpoint.sessionId, set);
    }
    return { text, generation, matches, total: r.total };
  }

  private showFilterState(): void {
    const f = this.filter;
    setContext(ContextKeys.filtered, !!f);
    if (!this.view) return;
    this.view.description = f ? `Filtered: ${f.text}` : undefined;
    this.view.message = !f
      ? undefined
      : f.total === 0
        ? `No checkpoint matches "${f.text}". Clear the filter to see every session.`
        : `Filtered by "${f.text}": ${f.total} matching ${f.total === 1 ? 'checkpoint' : 'checkpoints'} in ${f.matches.size} ${f.matches.size === 1 ? 'session' : 'sessions'}. Rows that do not match are hidden or dimmed.`;
  }

  private graph(engine: EngineApi, sessionId: string): Promise<Lineage> {
    let g = this.graphs.get(sessionId);
    if (!g) {
      g = engine.sessionGraph(sessionId).then((r) => lineage(r.checkpoints));
      g.catch(() => this.graphs.delete(sessionId));
      this.graphs.set(sessionId, g);
    }
    return g;
  }

  // ── reveal ──

  /** Selects a checkpoint's row, opening the rows above it (and the page it is on). A filter it does not match is cleared. */
  async reveal(sessionId: string, checkpointId: string): Promise<void> {
    if (!this.view) throw new Error('The Sessions view is not open.');
    const view = this.view;
    const engine = await this.host.get();
    if (this.filter && !this.filter.matches.get(sessionId)?.has(checkpointId)) this.clearFilter();
    // A repaint (an engine change, the filter just cleared) can drop VS Code's rows while it walks
    // down to the target: the way is found again from the new rows.
    for (let attempt = 1; ; attempt++) {
      const target = await this.revealTarget(engine, sessionId, checkpointId);
      try {
        await view.reveal(target, { select: true, focus: true, expand: false });
        return;
      } catch (e) {
        if (attempt >= REVEAL_ATTEMPTS) throw e;
        this.log.warn(`Revealing checkpoint ${checkpointId} raced a repaint; trying again: ${e instanceof Error ? e.message : String(e)}`);
        await new Promise((resolve) => setTimeout(resolve, REFRESH_DELAY_MS * attempt));
      }
    }
  }

  /** The row of a checkpoint, listing the rows above it as the tree does (so `getParent` knows them). */
  private async revealTarget(engine: EngineApi, sessionId: string, checkpointId: string): Promise<CheckpointNode> {
    this.refresher.cancel();
    const roots = await this.children(engine);
    const session = roots.find((n): n is SessionNode => n.kind === 'session' && n.session.id === sessionId);
    if (!session) throw new Error('That session is not in this workspace any more.');
    const g = await this.graph(engine, sessionId);
    const branches = (await this.children(engine, session)).filter((n): n is BranchNode => n.kind === 'branch');
    const way = route(g, branches.map((b) => b.branch), checkpointId);
    const branch = way && branches.find((b) => b.branch.name === way.branch);
    if (!way || !branch) throw new Error('That checkpoint is not in the session any more.');
    let list: SessionsNode = branch;
    let path = pathFrom(g, branch.branch.headId);
    for (const hop of way.hops) {
      const fork = await this.findCheckpoint(engine, list, path, hop.forkId);
      const kids = await this.children(engine, fork);
      const line = kids.find((n) => n.kind === 'line' && n.id === lineNodeId(fork.id, hop.childId));
      if (!line) throw new Error('That checkpoint is not in the session any more.');
      list = line;
      path = pathFrom(g, hop.tipId, hop.forkId);
    }
    return this.findCheckpoint(engine, list, path, checkpointId);
  }

  /** The row of `id` in a list, growing the list's page to reach it. */
  private async findCheckpoint(engine: EngineApi, list: SessionsNode, path: CheckpointSummary[], id: string): Promise<CheckpointNode> {
    const index = path.findIndex((c) => c.id === id);
    const shown = this.pages.get(list.id) ?? PAGE_SIZE;
    if (index >= shown) this.pages.set(list.id, Math.ceil((index + 1) / PAGE_SIZE) * PAGE_SIZE);
    const kids = await this.children(engine, list);
    const found = kids.find((n): n is CheckpointNode => n.kind === 'checkpoint' && n.checkpoint.id === id);
    if (!found) throw new Error('That checkpoint is not in the session any more.');
    return found;
  }

  getParent(node: SessionsNode): SessionsNode | undefined {
    return this.parents.get(node.id);
  }

  // ── rows ──

  private get multiRoot(): boolean {
    return (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
  }

  getTreeItem(node: SessionsNode): vscode.TreeItem {
    return treeItem(node, this.multiRoot);
  }

  async resolveTreeItem(item: vscode.TreeItem, node: SessionsNode): Promise<vscode.TreeItem> {
    if (item.tooltip || (node.kind !== 'checkpoint' && node.kind !== 'session')) return item;
    const engine = this.host.current;
    if (!engine) return item;
    try {
      if (node.kind === 'checkpoint') item.tooltip = checkpointTooltip(await engine.checkpoint(node.checkpoint.id), this.multiRoot);
      else {
        const summary = await engine.sessionSummary(node.session.id).catch((e: unknown) => {
          this.log.warn(`Reading the summary of session ${node.session.title} failed: ${e instanceof Error ? e.message : String(e)}`);
          return undefined;
        });
        item.tooltip = sessionTooltip(node, this.titles.get(node.session.parentSessionId ?? ''), summary, this.multiRoot);
      }
    } catch (e) {
      this.log.error(`Reading the hover of ${node.id} failed`, e);
    }
    return item;
  }

  async getChildren(node?: SessionsNode): Promise<SessionsNode[]> {
    // Until the store is open, the rows come from the last run's record (paintCache.ts).
    const real = this.host.current;
    const cache = this.host.paintCache;
    const engine = real ? cache.recording(real) : cache.early;
    if (!engine) return [];
    if (real && !node) cache.reset();
    try {
      const kids = await this.children(engine, node);
      if (real) cache.schedule(this.host.storeFolder);
      return kids;
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

  private async children(engine: EngineApi, node?: SessionsNode): Promise<SessionsNode[]> {
    const kids = await this.list(engine, node);
    for (const k of kids) this.parents.set(k.id, node);
    return kids;
  }

  private async list(engine: EngineApi, node?: SessionsNode): Promise<SessionsNode[]> {
    if (!node) return this.roots(engine);
    switch (node.kind) {
      case 'session':
        return this.branches(engine, node);
      case 'branch':
        return this.branchList(engine, node);
      case 'working':
        return sortChanges(node.changes).map((change) => ({ kind: 'workingFile', id: `${node.id}/${change.key}`, session: node.session, change }));
      case 'checkpoint': {
        // Files first: a line growing from here can be long.
        const result: SessionsNode[] = [];
        if (node.checkpoint.fileCount > 0) {
          const info = await engine.checkpoint(node.checkpoint.id);
          result.push(
            ...sortChanges(info.files).map(
              (change): FileNode => ({ kind: 'file', id: `${node.id}/f/${change.key}`, session: node.session, checkpointId: info.id, checkpointLabel: info.label, change }),
            ),
          );
        }
        result.push(...(await this.lines(engine, node)));
        return result;
      }
      case 'line':
        return this.lineList(engine, node);
      case 'workingFile':
      case 'file':
      case 'more':
      case 'storage':
        return [];
    }
  }

  private async roots(engine: EngineApi): Promise<SessionsNode[]> {
    // A full repaint: histories and matches are read again (new checkpoints may match).
    this.graphs = new Map();
    this.parents.clear();
    let sessions = await engine.sessions();
    this.titles = new Map(sessions.map((x) => [x.id, x.title]));
    sessions.sort((a, b) => Number(b.active) - Number(a.active) || b.createdAt - a.createdAt);
    const asked = this.filter;
    if (asked) {
      const fresh = await this.match(engine, asked.text, asked.generation);
      // Cleared or replaced by another filter meanwhile: that repaint lists the tree. (Another
      // listing of the same filter — VS Code's repaint beside a reveal — refreshed it too: fine.)
      if (this.filter?.generation !== asked.generation) return [];
      this.filter = fresh;
      this.showFilterState();
      const m = fresh.matches;
      sessions = sessions.filter((s) => (m.get(s.id)?.size ?? 0) > 0);
      return sessions.map((session) => ({ kind: 'session', id: sessionNodeId(session), session, matches: m.get(session.id)?.size ?? 0 }));
    }
    // The first paint after the store opens shows only what it holds; sizes come with the next.
    const report = this.host.paint.done && this.host.current ? await this.storage(engine) : this.usage?.report;
    if (sessions.length === 0) this.host.paint.notePainted();
    const usage = new Map(report?.sessions.map((u) => [u.id, u]));
    const nodes: SessionsNode[] = sessions.map((session) => ({ kind: 'session', id: sessionNodeId(session), session, usage: usage.get(session.id) }));
    return report ? [...nodes, { kind: 'storage', id: 'storage', report }] : nodes;
  }

  private async branches(engine: EngineApi, node: SessionNode): Promise<SessionsNode[]> {
    const s = node.session;
    const branches = [...s.branches].sort((a, b) => Number(b.active) - Number(a.active) || a.name.localeCompare(b.name));
    if (this.filter) {
      const g = await this.graph(engine, s.id);
      const matches = this.filter.matches.get(s.id) ?? new Set<string>();
      const out: SessionsNode[] = [];
      for (const branch of branches) {
        const onPath = pathFrom(g, branch.headId);
        const shown = filteredRows(g, s, onPath, matches, branch.name);
        if (shown.length === 0) continue;
        out.push({ kind: 'branch', id: branchNodeId(node.id, branch), session: s, branch, head: g.byId.get(branch.headId), matches: onPath.filter((c) => matches.has(c.id)).length });
      }
      return out;
    }
    return Promise.all(
      branches.map(async (branch): Promise<SessionsNode> => {
        const [head] = await engine.checkpoints({ sessionId: s.id, fromId: branch.headId, limit: 1 }).catch(() => []);
        return { kind: 'branch', id: branchNodeId(node.id, branch), session: s, branch, ...(head ? { head } : {}) };
      }),
    );
  }

  private async branchList(engine: EngineApi, node: BranchNode): Promise<SessionsNode[]> {
    const { session, branch } = node;
    const shown = this.pages.get(node.id) ?? PAGE_SIZE;
    if (this.filter) {
      const g = await this.graph(engine, session.id);
      const rows = filteredRows(g, session, pathFrom(g, branch.headId), this.filter.matches.get(session.id) ?? new Set(), branch.name);
      return page(node.id, rows, shown);
    }
    const result: SessionsNode[] = [];
    if (session.active && branch.active) {
      const changes = await engine.workingChanges();
      if (changes.length > 0) result.push({ kind: 'working', id: `${node.id}/w`, session, changes });
    }
    const list = await engine.checkpoints({ sessionId: session.id, branch: branch.name, limit: shown + 1 });
    const rows = await checkpointRows(node.id, session, list.slice(0, shown), branch.name, (id) => engine.tipsUnder(id));
    result.push(...rows);
    if (list.length > shown) result.push({ kind: 'more', id: `${node.id}/more`, listId: node.id, shown });
    if (session.active && branch.active) this.host.paint.notePainted(); // the start-up scan may go (see firstPaint.ts)
    return result;
  }

  private async lineList(engine: EngineApi, node: LineNode): Promise<SessionsNode[]> {
    const shown = this.pages.get(node.id) ?? PAGE_SIZE;
    if (this.filter) {
      const g = await this.graph(engine, node.session.id);
      const rows = filteredRows(g, node.session, pathFrom(g, node.tip.id, node.forkId), this.filter.matches.get(node.session.id) ?? new Set(), undefined);
      return page(node.id, rows, shown);
    }
    const list = await engine.checkpoints({ sessionId: node.session.id, fromId: node.tip.id, limit: shown + 1 });
    const stop = list.findIndex((c) => c.id === node.forkId);
    const line = stop >= 0 ? list.slice(0, stop) : list;
    const rows: SessionsNode[] = await checkpointRows(node.id, node.session, line.slice(0, shown), undefined, (id) => engine.tipsUnder(id));
    if (line.length > shown) rows.push({ kind: 'more', id: `${node.id}/more`, listId: node.id, shown });
    return rows;
  }

  /** The set-aside lines under a checkpoint row, each with its newest checkpoint and its length. */
  private async lines(engine: EngineApi, node: CheckpointNode): Promise<LineNode[]> {
    const g = this.filter ? await this.graph(engine, node.session.id) : undefined;
    const result: LineNode[] = [];
    for (const { childId, tipId } of node.forks?.setAside ?? []) {
      let line: CheckpointSummary[];
      let more = false;
      if (g) line = pathFrom(g, tipId, node.checkpoint.id);
      else {
        const list = await engine.checkpoints({ sessionId: node.session.id, fromId: tipId, limit: LINE_COUNT_CAP + 1 });
        const stop = list.findIndex((c) => c.id === node.checkpoint.id);
        line = stop >= 0 ? list.slice(0, stop) : list.slice(0, LINE_COUNT_CAP);
        more = stop < 0 && list.length > LINE_COUNT_CAP;
      }
      if (line.length === 0) continue;
      result.push({
        kind: 'line',
        id: lineNodeId(node.id, childId),
        session: node.session,
        forkId: node.checkpoint.id,
        tip: line[0],
        count: line.length,
        ...(more ? { more: true } : {}),
      });
    }
    return result;
  }
}

function sortChanges(changes: FileChange[]): FileChange[] {
  return [...changes].sort((a, b) => a.key.localeCompare(b.key));
}
