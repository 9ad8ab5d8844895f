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
  item.contextValue = `${item.contextValue ?? ''}+terminal+${state}`;
}

/** The lines a terminal session's hover adds: what the terminal is bound to, and a missing shell integration. */
export function terminalTooltipLines(s: SessionInfo): string[] {
  if (!s.terminal) return [];
  const { state, shellIntegration } = s.terminal;
  return [
    `Terminal session, ${state === 'running' ? 'bound to an open terminal' : 'ended (Reopen Terminal Session continues it)'}`,
    ...(shellIntegration ? [] : ['$(warning) Its terminal has no shell integration: commands are not recorded one by one; file changes are recorded as external changes.']),
  ];
}

/** A checkpoint of a terminal session made by a command, or one recorded from a terminal session: its output can be opened. */
export function decorateTerminalCheckpoint(item: vscode.TreeItem, s: SessionInfo, c: CheckpointSummary): void {
  if (c.source !== 'terminal' || (!s.terminal && !c.label.includes(' · from “'))) return;
  item.contextValue = `${item.contextValue ?? ''}+terminalCommand`;
}
