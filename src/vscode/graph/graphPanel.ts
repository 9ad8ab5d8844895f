// The history graph's panel: one webview showing one session's whole history (src/webview/graph.ts
// draws it). It sends the session's graph and a checkpoint's files when asked, and turns what the
// page asks for into the tree's own commands, run with a checkpoint node so they confirm, preview
// and prompt as they do from the tree. Every message from the page is checked (parseFromGraph).
import * as vscode from 'vscode';
import type { EngineApi } from '../../core/engineApi';
import type { CheckpointInfo, CheckpointSummary, SessionInfo } from '../../core/types';
import { type FromGraph, type GraphAction, type GraphDetails, parseFromGraph, type ToGraph } from '../../webview/graphProtocol';
import { openCheckpointChange } from '../diffs';
import type { EngineHost } from '../engineHost';
import { displayPath } from '../format';
import { Commands } from '../ids';
import { Debouncer } from '../lifecycle';
import type { Log } from '../log';
import type { CheckpointNode } from '../sessionsTree';
import { graphHtml } from './graphHtml';

export const GRAPH_VIEW_TYPE = 'sessionTree.graph';
const REFRESH_DELAY_MS = 300;
/** Checkpoints the filter marks at most (the count says how many matched). */
const FILTER_LIMIT = 10_000;

const ACTION_COMMANDS: Record<GraphAction, string> = {
  openChanges: Commands.openChanges,
  compareWithCurrent: Commands.compareWithCurrent,
  rewindHere: Commands.rewindHere,
  rewindBefore: Commands.rewindBefore,
  branchFromHere: Commands.branchFromHere,
  labelCheckpoint: Commands.labelCheckpoint,
  forkSession: Commands.forkSession,
  revealInTree: Commands.revealInTree,
};

export class GraphPanel {
  private panel: vscode.WebviewPanel | undefined;
  private subscriptions: vscode.Disposable[] = [];
  private sessionId: string | undefined;
  private pendingSelect: string | undefined;
  /** The page has loaded and asked for the graph (false again while it is hidden and discarded). */
  private ready = false;
  private readonly refresher = new Debouncer(() => REFRESH_DELAY_MS, () => void this.sendGraph());

  constructor(
    private readonly host: EngineHost,
    private readonly log: Log,
    private readonly extensionUri: vscode.Uri,
  ) {}

  /** The session shown, while the panel is open. */
  get shownSessionId(): string | undefined {
    return this.panel ? this.sessionId : undefined;
  }

  /** Opens (or brings forward) the graph of a session (default: the active one), selecting `select`. */
  async show(sessionId?: string, select?: string): Promise<void> {
    const engine = await this.host.get();
    const session = sessionId ? (await engine.sessions()).find((s) => s.id === sessionId) : await engine.activeSession();
    if (!session) throw Object.assign(new Error(sessionId ? `No session with id "${sessionId}".` : 'There is no active session.'), { code: 'not-found' });
    const same = this.panel && this.sessionId === session.id;
    this.sessionId = session.id;
    this.pendingSelect = select;
    if (!this.panel) this.create();
    this.panel!.title = `History: ${session.title}`;
    this.panel!.reveal(undefined, false);
    if (!this.ready) return; // the page asks for the graph once it has loaded
    if (same && select) await this.post({ type: 'select', id: select });
    else await this.sendGraph();
  }

  dispose(): void {
    this.panel?.dispose();
  }

  private create(): void {
    const panel = vscode.window.createWebviewPanel(GRAPH_VIEW_TYPE, 'History', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    });
    this.panel = panel;
    this.ready = false;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'session-tree.svg');
    panel.webview.html = graphHtml(panel.webview, this.extensionUri);
    this.subscriptions = [
      panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      this.host.onDidChange(() => this.refresher.schedule()),
      panel.onDidChangeViewState(() => {
        // A hidden webview's page is discarded: it loads again when shown and says 'ready'.
        if (!panel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => {
        this.panel = undefined;
        this.refresher.cancel();
        for (const d of this.subscriptions.splice(0)) d.dispose();
      }),
    ];
  }

  private async post(m: ToGraph): Promise<void> {
    await this.panel?.webview.postMessage(m);
  }

  private async sendGraph(): Promise<void> {
    const panel = this.panel;
    // Hidden: the page asks again ('ready') when it is shown.
    if (!panel || !this.ready || !panel.visible) return;
    try {
      const engine = await this.host.get();
      const g = await engine.sessionGraph(this.sessionId);
      const select = this.pendingSelect;
      this.pendingSelect = undefined;
      panel.title = `History: ${g.session.title}`;
      await this.post(graphMessage(g.session, g.checkpoints, select));
    } catch (e) {
      this.log.warn(`History graph: ${e instanceof Error ? e.message : String(e)}`);
      await this.post({ type: 'error', message: `The history could not be read: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  private async receive(raw: unknown): Promise<void> {
    const m = parseFromGraph(raw);
    if (!m) {
      this.log.warn('History graph: ignored a malformed message from the page.');
      return;
    }
    try {
      await this.handle(m);
    } catch (e) {
      // The commands report their own errors; this is for the panel's own reads.
      this.log.error('History graph', e);
      await this.post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  }

  private async handle(m: FromGraph): Promise<void> {
    const engine = await this.host.get();
    switch (m.type) {
      case 'ready':
        this.ready = true;
        return this.sendGraph();
      case 'select':
        return this.post({ type: 'details', details: details(await engine.checkpoint(m.id), multiRoot()) });
      case 'openFile': {
        const info = await engine.checkpoint(m.id);
        const change = info.files.find((f) => f.key === m.key);
        if (change) await openCheckpointChange(change, info.label);
        return;
      }
      case 'action':
        return this.runAction(engine, m.action, m.id);
      case 'filter': {
        const text = m.text.trim();
        if (!text) return this.post({ type: 'filtered', text: m.text, ids: null, total: 0 });
        const r = await engine.searchCheckpoints({ text, sessionId: this.sessionId, limit: FILTER_LIMIT });
        return this.post({ type: 'filtered', text: m.text, ids: r.hits.map((h) => h.checkpoint.id), total: r.total });
      }
    }
  }

  private async runAction(engine: EngineApi, action: GraphAction, id: string): Promise<void> {
    const session = (await engine.sessions()).find((s) => s.id === this.sessionId);
    const checkpoint = (await engine.checkpoints({ sessionId: this.sessionId, fromId: id, limit: 1 }))[0];
    if (!session || !checkpoint || checkpoint.sessionId !== session.id) return;
    await vscode.commands.executeCommand(ACTION_COMMANDS[action], checkpointNode(session, checkpoint));
  }
}

/** The node a command gets from the tree for this checkpoint, so it behaves as it does there. */
export function checkpointNode(session: SessionInfo, checkpoint: CheckpointSummary): CheckpointNode {
  return {
    kind: 'checkpoint',
    id: `graph/${session.id}/${checkpoint.id}`,
    session,
    checkpoint,
    isHead: session.active && checkpoint.id === session.headId,
    branchNames: session.branches.filter((b) => b.headId === checkpoint.id).map((b) => b.name),
  };
}

function multiRoot(): boolean {
  return (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
}

function graphMessage(session: SessionInfo, checkpoints: CheckpointSummary[], select: string | undefined): ToGraph {
  return {
    type: 'graph',
    sessionId: session.id,
    title: session.title,
    active: session.active,
    headId: session.headId,
    branches: session.branches.map((b) => ({ name: b.name, headId: b.headId, active: b.active })),
    checkpoints: checkpoints.map((c) => ({
      id: c.id, parentId: c.parentId, createdAt: c.createdAt, label: c.label, source: c.source, exitCode: c.exitCode,
      fileCount: c.fileCount, added: c.added, removed: c.removed,
    })),
    ...(select ? { select } : {}),
  };
}

function details(c: CheckpointInfo, multi: boolean): GraphDetails {
  return {
    id: c.id, label: c.label, source: c.source, createdAt: c.createdAt, tools: c.tools, prompt: c.prompt, command: c.command,
    exitCode: c.exitCode,
    files: [...c.files]
      .sort((a, b) => a.key.localeCompare(b.key))
      .map((f) => ({ key: f.key, display: displayPath(f.key, multi), change: f.change, added: f.added, removed: f.removed, binary: f.binary })),
  };
}
