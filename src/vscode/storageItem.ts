// The Storage line at the bottom of the Sessions view: the store's size in human units, its parts,
// and (tooltip) each session's share. Pure function of the engine's report.
import * as vscode from 'vscode';
import { humanBytes } from '../core/bytes';
import type { StorageReport } from '../core/storageTypes';
import { escapeMarkdown, plural } from './format';
import { Commands, contextValue } from './ids';

export function storageItem(r: StorageReport): vscode.TreeItem {
  const item = new vscode.TreeItem(`Storage: ${humanBytes(r.totalBytes)}`, vscode.TreeItemCollapsibleState.None);
  item.iconPath = new vscode.ThemeIcon('database');
  item.description = [
    `snapshots ${humanBytes(r.snapshotBytes)}`,
    `database ${humanBytes(r.databaseBytes)}`,
    r.garbageBytes > 0 ? `${humanBytes(r.garbageBytes)} to free` : undefined,
  ].filter(Boolean).join(' · ');
  item.tooltip = new vscode.MarkdownString([
    `**Session Tree store: ${humanBytes(r.totalBytes)}** on disk, in ${escapeMarkdown(r.folder)}`,
    `Snapshots: ${humanBytes(r.snapshotBytes)} (${plural(r.snapshots, 'snapshot')})`,
    `Database: ${humanBytes(r.databaseBytes)} (${plural(r.checkpoints, 'checkpoint')})`,
    `Nothing refers to: ${humanBytes(r.garbageBytes)} (freed in the background)`,
    ...r.sessions.map((s) => `${escapeMarkdown(s.title)}: ${humanBytes(s.bytes)}, ${humanBytes(s.ownBytes)} its own`),
    'Compact Store… and Delete Sessions… (view menu) free more; Show Storage lists files too large to track.',
    `[Move the store…](command:workbench.action.openSettings?${encodeURIComponent(JSON.stringify(['sessionTree.storage.location']))}) (the setting sessionTree.storage.location)`,
  ].join('  \n'));
  item.tooltip.isTrusted = { enabledCommands: ['workbench.action.openSettings'] };
  item.command = { command: Commands.showStorage, title: 'Show Storage' };
  item.contextValue = contextValue('storage');
  return item;
}
