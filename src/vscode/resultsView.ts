// "Last Restore": every file the last rewind/rollback/checkout/restore/undo touched, with its status
// and reason. Clicking a file opens its diff before ↔ after.
import * as vscode from 'vscode';
import type { RestoreFileResult, RestoreResult } from '../core/types';
import { setContext } from './contextKeys';
import type { EngineHost } from './engineHost';
import { describeTarget, fromNow, splitDisplayPath, STATUS_ICONS } from './format';
import { Commands, ContextKeys, contextValue, Views } from './ids';
import { Debouncer, Disposable } from './lifecycle';
import type { Log } from './log';

export interface ResultFileNode {
  readonly kind: 'resultFile';
  readonly id: string;
  readonly result: RestoreResult;
  readonly file: RestoreFileResult;
}

export function isResultFileNode(x: unknown): x is ResultFileNode {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'resultFile';
}

const ORDER: Record<RestoreFileResult['status'], number> = { failed: 0, skipped: 1, restored: 2, removed: 3 };

export function summarize(result: RestoreResult): string {
  const counts = new Map<string, number>();
  for (const f of result.files) counts.set(f.status, (counts.get(f.status) ?? 0) + 1);
  const parts = (['restored', 'removed', 'skipped', 'failed'] as const)
    .filter((s) => counts.get(s))
    .map((s) => `${counts.get(s)} ${s}`);
  return parts.length ? parts.join(', ') : 'no files needed changing';
}

class ResultsProvider implements vscode.TreeDataProvider<ResultFileNode> {
  readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.emitter.event;
  result: RestoreResult | undefined;

  getTreeItem(node: ResultFileNode): vscode.TreeItem {
    const f = node.file;
    const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
    const { name, dir } = splitDisplayPath(f.key, multiRoot);
    const item = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.resourceUri = vscode.Uri.file(f.path);
    item.iconPath = STATUS_ICONS[f.status];
    item.description = [f.status + (f.reason ? `: ${f.reason}` : ''), dir].filter(Boolean).join(' · ');
    const retry = f.status === 'skipped' || f.status === 'failed' ? '\nResolve it (save or close the file…), then "Try This File Again".' : '';
    item.tooltip = `${f.path}\n${f.status}${f.reason ? ` — ${f.reason}` : ''}${retry}`;
    item.command = { command: Commands.openDiff, title: 'Open Changes', arguments: [node] };
    item.contextValue = contextValue('resultFile', { [f.status]: true });
    return item;
  }

  getChildren(node?: ResultFileNode): ResultFileNode[] {
    const r = this.result;
    if (node || !r) return [];
    return [...r.files]
      .sort((a, b) => ORDER[a.status] - ORDER[b.status] || a.key.localeCompare(b.key))
      .map((file) => ({ kind: 'resultFile', id: `${r.id}/${file.key}`, result: r, file }));
  }
}

export class ResultsView extends Disposable {
  private readonly provider = new ResultsProvider();
  private readonly view: vscode.TreeView<ResultFileNode>;
  private readonly reloader = this.register(new Debouncer(() => 200, () => void this.reload()));

  constructor(
    private readonly host: EngineHost,
    private readonly log: Log,
  ) {
    super();
    this.register(this.provider.emitter);
    this.view = this.register(vscode.window.createTreeView(Views.results, { treeDataProvider: this.provider }));
    this.register(host.onDidChange(() => this.reloader.schedule()));
  }

  get result(): RestoreResult | undefined {
    return this.provider.result;
  }

  /** Shows a result at once (the engine's `lastRestore` catches up through `reload`). */
  show(result: RestoreResult | undefined): void {
    const same = this.provider.result?.id === result?.id && this.provider.result?.files.length === result?.files.length;
    this.provider.result = result;
    setContext(ContextKeys.hasRestore, !!result);
    setContext(ContextKeys.canUndo, !!result);
    this.view.message = result ? `${describeTarget(result)} — ${summarize(result)}.` : undefined;
    this.view.description = result ? fromNow(result.at) : undefined;
    if (!same) this.provider.emitter.fire();
  }

  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${Views.results}.focus`);
  }

  async reload(): Promise<void> {
    const engine = this.host.current;
    if (!engine) {
      this.show(undefined);
      return;
    }
    try {
      this.show(await engine.lastRestore());
    } catch (e) {
      this.log.error('Reading the last restore failed', e);
    }
  }
}

export function resultsSummaryMessage(result: RestoreResult): string {
  const safety = result.safetyCheckpointId ? ' Your previous state is kept in a safety checkpoint.' : '';
  return `${describeTarget(result)}: ${summarize(result)}.${safety}`;
}
