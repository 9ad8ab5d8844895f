// A restore's preview that keeps the decision in view until it is taken: the plan opens in the
// multi-file diff editor, and Apply / Cancel stay on the editor's title bar and in the status bar
// (a notification can vanish while the diffs are being read). Closing the preview's tab cancels.
// Whatever the decision, the preview tab is closed afterwards, so no stale preview stays open.
import * as vscode from 'vscode';
import type { RestorePlan } from '../core/types';
import { setContext } from './contextKeys';
import { openPlan } from './diffs';
import { Commands, ContextKeys } from './ids';
import { Disposable } from './lifecycle';

interface Pending {
  title: string;
  resolve(apply: boolean): void;
}

export class RestorePreview extends Disposable {
  private pending: Pending | undefined;
  private readonly apply = this.register(vscode.window.createStatusBarItem('sessionTree.previewApply', vscode.StatusBarAlignment.Left, 1000));
  private readonly cancel = this.register(vscode.window.createStatusBarItem('sessionTree.previewCancel', vscode.StatusBarAlignment.Left, 999));

  constructor() {
    super();
    this.apply.name = 'Session Tree: apply the previewed restore';
    this.apply.command = Commands.applyPreview;
    this.apply.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    this.cancel.name = 'Session Tree: cancel the previewed restore';
    this.cancel.command = Commands.cancelPreview;
    this.cancel.text = '$(close) Cancel';
    this.register(
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        const p = this.pending;
        if (p && e.closed.some((t) => isTabOf(t, p.title)) && !this.tabsOf(p.title).length) this.decide(false);
      }),
    );
  }

  /** Whether a preview waits for its decision. */
  get open(): boolean {
    return this.pending !== undefined;
  }

  /**
   * Opens the plan and resolves with the decision: true to apply. A second preview while one waits
   * cancels the first.
   */
  async show(plan: RestorePlan, what: string, verb: string): Promise<boolean> {
    this.decide(false);
    const title = await openPlan(plan, what);
    if (!title) return false;
    const decision = new Promise<boolean>((resolve) => (this.pending = { title, resolve }));
    this.apply.text = `$(check) ${verb}`;
    this.apply.tooltip = `${what}: apply the previewed changes`;
    this.cancel.tooltip = `${what}: cancel (nothing is written)`;
    this.apply.show();
    this.cancel.show();
    setContext(ContextKeys.previewOpen, true);
    void vscode.window.showInformationMessage(`Preview of "${what}": apply it or cancel from the preview's title bar or the status bar.`, verb, 'Cancel').then((choice) => {
      if (choice === verb) this.decide(true);
      else if (choice === 'Cancel') this.decide(false);
    });
    return decision;
  }

  /** Takes the waiting preview's decision (nothing happens when none waits). */
  decide(apply: boolean): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    this.apply.hide();
    this.cancel.hide();
    setContext(ContextKeys.previewOpen, false);
    const tabs = this.tabsOf(p.title);
    if (tabs.length) void vscode.window.tabGroups.close(tabs);
    p.resolve(apply);
  }

  private tabsOf(title: string): vscode.Tab[] {
    return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => isTabOf(t, title));
  }

  override dispose(): void {
    this.decide(false);
    super.dispose();
  }
}

/** The multi-file diff editor's tab: its title, with " (N files)" added by VS Code. */
function isTabOf(tab: vscode.Tab, title: string): boolean {
  return tab.label === title || tab.label.startsWith(`${title} (`);
}
