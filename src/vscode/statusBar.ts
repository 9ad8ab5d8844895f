import * as vscode from 'vscode';
import type { EngineHost } from './engineHost';
import { escapeMarkdown } from './format';
import { Commands } from './ids';
import { Debouncer, Disposable } from './lifecycle';
import type { Log } from './log';
import type { Recording } from './recording';

/**
 * Current session and branch, and how many files changed since the last checkpoint; a click opens
 * the menu of common actions, the tooltip has them as links. While the store is read-only
 * in this window it says so (a lock, the reason in the tooltip and as the Sessions view's message);
 * while recording is paused too (a pause icon, "paused", and the view's message).
 */
export class StatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('sessionTree.status', vscode.StatusBarAlignment.Left, 0));
  private readonly updater = this.register(new Debouncer(() => 200, () => void this.update()));

  constructor(
    private readonly host: EngineHost,
    private readonly log: Log,
    private readonly view?: vscode.TreeView<unknown>,
    private readonly recording?: Recording,
  ) {
    super();
    if (recording) this.register(recording.onDidChange(() => void this.update()));
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
    const paused = !readOnly && this.recording?.paused === true;
    if (this.view) this.view.message = readOnly?.message ?? (paused ? PAUSED_MESSAGE : undefined);
    try {
      const session = await engine.activeSession();
      if (readOnly) {
        this.item.text = `$(lock) ${session ? `${session.title} $(git-branch) ${session.activeBranch} · ` : ''}read-only`;
        this.item.tooltip = readOnly.tooltip;
        this.item.command = Commands.showLog;
      } else if (paused) {
        const working = session ? (await engine.workingChanges()).length : 0;
        this.item.text = `$(debug-pause) ${session ? `${session.title} $(git-branch) ${session.activeBranch} · ` : ''}paused`;
        this.item.tooltip = pausedTooltip(working);
        this.item.command = Commands.showMenu;
      } else if (!session) {
        this.item.text = '$(history) No session';
        this.item.tooltip = 'Session Tree: no session yet. Click to start one.';
        this.item.command = Commands.newSession;
      } else {
        const working = (await engine.workingChanges()).length;
        this.item.text = `$(history) ${session.title} $(git-branch) ${session.activeBranch}${working ? ` $(diff) ${working}` : ''}`;
        this.item.tooltip = statusTooltip(session.title, session.activeBranch, working);
        this.item.command = Commands.showMenu;
      }
      this.item.show();
    } catch (e) {
      this.log.error('Updating the status bar failed', e);
    }
  }
}

const PAUSED_MESSAGE = 'Recording is paused: changes are not recorded until you resume.';

/** The hover while paused: what that means, and Resume as a link. */
function pausedTooltip(working: number): vscode.MarkdownString {
  const tip = new vscode.MarkdownString(
    [
      '**Session Tree**: recording is **paused** in this workspace. Changes to files are not recorded; rewinds and other restores still work.',
      'On resume, what changed while paused becomes one checkpoint, "Changes while paused".' +
        (working ? ` ${working === 1 ? '1 file' : `${working} files`} changed before the pause and are not in a checkpoint yet.` : ''),
      [`[Resume Recording](command:${Commands.resumeRecording})`, `[More…](command:${Commands.showMenu})`].join(' · '),
    ].join('\n\n'),
  );
  tip.isTrusted = { enabledCommands: [Commands.resumeRecording, Commands.showMenu] };
  return tip;
}

/** The status bar's hover: what is recorded where, and the common actions as links. */
function statusTooltip(session: string, branch: string, working: number): vscode.MarkdownString {
  const link = (title: string, command: string) => `[${title}](command:${command})`;
  const tip = new vscode.MarkdownString(
    [
      `**Session Tree** is recording changes in session **${escapeMarkdown(session)}**, branch **${escapeMarkdown(branch)}**.`,
      working ? `${working === 1 ? '1 file has' : `${working} files have`} changed since the last checkpoint.` : 'No changes since the last checkpoint.',
      [link('Create Checkpoint', Commands.createCheckpoint), link('Rewind…', Commands.rewind), link('Check Out Branch…', Commands.checkout), link('Pause Recording', Commands.pauseRecording), link('More…', Commands.showMenu)].join(' · '),
    ].join('\n\n'),
  );
  tip.isTrusted = { enabledCommands: [Commands.createCheckpoint, Commands.rewind, Commands.checkout, Commands.pauseRecording, Commands.showMenu] };
  return tip;
}
