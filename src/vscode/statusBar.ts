import * as vscode from 'vscode';
import type { EngineHost } from './engineHost';
import { Commands } from './ids';
import { Debouncer, Disposable } from './lifecycle';
import type { Log } from './log';

/**
 * Current session and branch; a click opens the checkout quick pick. While the store is read-only
 * in this window it says so (a lock, the reason in the tooltip and as the Sessions view's message).
 */
export class StatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('sessionTree.status', vscode.StatusBarAlignment.Left, 0));
  private readonly updater = this.register(new Debouncer(() => 200, () => void this.update()));

  constructor(
    private readonly host: EngineHost,
    private readonly log: Log,
    private readonly view?: vscode.TreeView<unknown>,
  ) {
    super();
    this.item.name = 'Session Tree';
    this.register(host.onDidChange(() => this.updater.schedule()));
    this.register(host.onDidChangeState(() => void this.update()));
    this.register(host.onDidChangeReadOnly(() => void this.update()));
    void this.update();
  }

  /** The read-only reason as the status bar's and the Sessions view's words, or undefined. */
  private readOnlyWords(): { tooltip: string; message: string } | undefined {
    const ro = this.host.readOnly;
    if (!ro) return undefined;
    const then = ro.lockedOut ? ' It starts recording here by itself once that window closes.' : '';
    return {
      tooltip: `Session Tree is read-only in this window: ${ro.reason}. Changes are not recorded here.${then}`,
      message: `Read-only: ${ro.reason}.${then}`,
    };
  }

  private async update(): Promise<void> {
    const state = this.host.state;
    if (state === 'noFolder') {
      this.item.hide();
      return;
    }
    if (state === 'loading') {
      this.item.text = '$(sync~spin) Session Tree';
      this.item.tooltip = 'Session Tree is scanning the workspace…';
      this.item.command = Commands.showLog;
      this.item.show();
      return;
    }
    if (state === 'error') {
      this.item.text = '$(error) Session Tree';
      this.item.tooltip = 'Session Tree could not open its store. Click to show the log.';
      this.item.command = Commands.showLog;
      this.item.show();
      return;
    }
    const engine = this.host.current;
    if (!engine) return;
    const readOnly = this.readOnlyWords();
    if (this.view) this.view.message = readOnly?.message;
    try {
      const session = await engine.activeSession();
      if (readOnly) {
        this.item.text = `$(lock) ${session ? `${session.title} $(git-branch) ${session.activeBranch} · ` : ''}read-only`;
        this.item.tooltip = readOnly.tooltip;
        this.item.command = Commands.showLog;
      } else if (!session) {
        this.item.text = '$(history) No session';
        this.item.tooltip = 'Session Tree: no session yet. Click to start one.';
        this.item.command = Commands.newSession;
      } else {
        this.item.text = `$(history) ${session.title} $(git-branch) ${session.activeBranch}`;
        this.item.tooltip = `Session Tree: session "${session.title}", branch ${session.activeBranch}. Click to check out another branch.`;
        this.item.command = Commands.checkout;
      }
      this.item.show();
    } catch (e) {
      this.log.error('Updating the status bar failed', e);
    }
  }
}
