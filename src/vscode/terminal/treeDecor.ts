// How a terminal session and its command checkpoints look in the Sessions view (sessionsTree.ts
// calls these on the items it builds): a terminal icon, the state (running / ended), "no shell
// integration" when its terminal reported none, and context flags for the menus.
import * as vscode from 'vscode';
import type { CheckpointSummary, SessionInfo } from '../../core/types';

export function decorateTerminalSession(item: vscode.TreeItem, s: SessionInfo): void {
  if (!s.terminal) return;
  const { state, shellIntegration } = s.terminal;
  item.iconPath = new vscode.ThemeIcon(
    'terminal',
    new vscode.ThemeColor(state === 'ended' ? 'disabledForeground' : shellIntegration ? 'charts.green' : 'charts.yellow'),
  );
  const words = [`terminal ${state}`, ...(shellIntegration ? [] : ['no shell integration'])];
  item.description = [...words, item.description].filter(Boolean).join(' · ');
  if (item.tooltip instanceof vscode.MarkdownString) {
    item.tooltip.appendMarkdown(
      `  \nTerminal session, ${state === 'running' ? 'bound to an open terminal' : 'ended (Reopen Terminal Session continues it)'}` +
        (shellIntegration ? '' : '  \n$(warning) Its terminal has no shell integration: commands are not recorded one by one; file changes are recorded as external changes.'),
    );
    item.tooltip.supportThemeIcons = true;
  }
  item.contextValue = `${item.contextValue ?? ''}+terminal+${state}`;
}

/** A checkpoint of a terminal session made by a command, or one recorded from a terminal session: its output can be opened. */
export function decorateTerminalCheckpoint(item: vscode.TreeItem, s: SessionInfo, c: CheckpointSummary): void {
  if (c.source !== 'terminal' || (!s.terminal && !c.label.includes(' · from “'))) return;
  item.contextValue = `${item.contextValue ?? ''}+terminalCommand`;
}
