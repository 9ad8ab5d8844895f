// "Last Restore": every file the last rewind/rollback/checkout/restore/revert/undo/redo touched, with
// its status, reason and size before → after. Clicking a file opens its diff before ↔ after. It also
// keeps the context keys of the active session's restore history (Undo / Redo enabled).
import * as vscode from 'vscode';
import type { RestoreFileResult, RestoreHistory, RestoreResult } from '../core/types';
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

/** "1.2 KB → 1.5 KB", "absent → 12 bytes": a file's size before and after a restore (undefined when not known). */
export function sizeChange(f: { before?: unknown; after?: unknown; beforeSize?: number; afterSize?: number }): string | undefined {
  const one = (v: unknown, n: number | undefined) => (v === undefined ? 'absent' : n === undefined ? undefined : formatSize(n));
  const b = one(f.before, f.beforeSize);
  const a = one(f.after, f.afterSize);
  return b && a ? `Size: ${b} → ${a}` : undefined;
}

export function formatSize(n: number): string {
  if (n < 1024) return `${n} byte${n === 1 ? '' : 's'}`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  for (; v >= 1024 && i < units.length - 1; i++) v /= 1024;
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
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
    const sizes = sizeChange(f);
    item.tooltip = `${f.path}\n${f.status}${f.reason ? ` — ${f.reason}` : ''}${sizes ? `\n${sizes}` : ''}${retry}`;
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
    void this.reloadHistory();
    this.view.message = result ? `${describeTarget(result)} — ${summarize(result)}.` : undefined;
    this.view.description = result ? fromNow(result.at) : undefined;
    if (!same) this.provider.emitter.fire();
  }

  /** Undo / Redo enabled as the active session's restore history says. */
  private async reloadHistory(): Promise<void> {
    let h: RestoreHistory | undefined;
    try {
      h = await this.host.current?.restoreHistory({ limit: 1 });
    } catch (e) {
      this.log.error('Reading the restore history failed', e);
    }
    setContext(ContextKeys.canUndo, !!h?.undo);
    setContext(ContextKeys.canRedo, !!h?.redo);
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
