// How engine data reads in the UI: times, counts, icons, tooltips. Pure functions of the data.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CheckpointInfo, CheckpointSource, CheckpointSummary, FileChange, FileStatus, FolderInfo, RestoreTarget } from '../core/types';
import { Commands } from './ids';
import { fromNow, plural } from './words';

export { fromNow, plural } from './words';

export function lineCounts(c: { added: number; removed: number }): string {
  return `+${c.added} −${c.removed}`;
}

export const SOURCE_NAMES: Record<CheckpointSource, string> = {
  start: 'session start',
  editor: 'editor saves',
  agent: 'agent turn',
  terminal: 'terminal command',
  manual: 'manual checkpoint',
  safety: 'safety checkpoint',
  external: 'changed outside VS Code',
};

export function checkpointIcon(c: Pick<CheckpointSummary, 'source' | 'exitCode'>): vscode.ThemeIcon {
  switch (c.source) {
    case 'start':
      return new vscode.ThemeIcon('debug-start');
    case 'editor':
      return new vscode.ThemeIcon('edit');
    case 'agent':
      return new vscode.ThemeIcon('sparkle');
    case 'terminal':
      if (c.exitCode === undefined) return new vscode.ThemeIcon('terminal');
      return c.exitCode === 0
        ? new vscode.ThemeIcon('terminal', new vscode.ThemeColor('testing.iconPassed'))
        : new vscode.ThemeIcon('terminal', new vscode.ThemeColor('testing.iconFailed'));
    case 'manual':
      return new vscode.ThemeIcon('bookmark');
    case 'safety':
      return new vscode.ThemeIcon('shield');
    case 'external':
      return new vscode.ThemeIcon('globe');
  }
}

/**
 * Key facts first, so a narrow side bar still shows them: `first` (e.g. "head"), a failed command's
 * exit code, what changed, when; then `last` (where branches fork, and so on).
 */
export function checkpointDescription(c: CheckpointSummary, first: string[] = [], last: string[] = []): string {
  const parts = [...first];
  if (c.source === 'terminal' && c.exitCode !== undefined && c.exitCode !== 0) parts.push(`exit ${c.exitCode}`);
  parts.push(c.fileCount > 0 ? `${plural(c.fileCount, 'file')} ${lineCounts(c)}` : 'no changes');
  parts.push(fromNow(c.createdAt), ...last);
  return parts.join(' · ');
}

const changeLetter: Record<FileChange['change'], string> = { added: 'A', modified: 'M', deleted: 'D' };

/** `counts: false` for working changes, whose line counts are not computed until they are sealed. */
export function changeDescription(c: FileChange, relDir: string, counts = true): string {
  const what = !counts ? changeLetter[c.change] : `${changeLetter[c.change]} ${c.binary ? 'binary' : lineCounts(c)}`;
  return [what, relDir].filter(Boolean).join(' · ');
}

/**
 * The display name of each open folder by its store key. A key is assigned once and may be an old
 * name of the folder (or `app (2)`): the UI shows the folder's current name instead. Set by the
 * engine host at each open.
 */
let folderLabels = new Map<string, string>();

export function setFolderLabels(folders: readonly FolderInfo[] | undefined): void {
  folderLabels = new Map((folders ?? []).map((f) => [f.key, f.label]));
}

/** The key without its folder when there is a single root; with the folder's current name otherwise. */
export function displayPath(key: string, multiRoot: boolean): string {
  const slash = key.indexOf('/');
  if (slash < 0) return key;
  if (!multiRoot) return key.slice(slash + 1);
  const label = folderLabels.get(key.slice(0, slash));
  return label === undefined ? key : `${label}${key.slice(slash)}`;
}

export function splitDisplayPath(key: string, multiRoot: boolean): { name: string; dir: string } {
  const p = displayPath(key, multiRoot);
  const dir = path.posix.dirname(p);
  return { name: path.posix.basename(p), dir: dir === '.' ? '' : dir };
}

export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

function fence(text: string): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}text\n${text}\n${ticks}`;
}

const MAX_TOOLTIP_FILES = 25;
const MAX_PROMPT = 600;

export function checkpointTooltip(c: CheckpointInfo, multiRoot: boolean): vscode.MarkdownString {
  const md = new vscode.MarkdownString('', true);
  md.supportThemeIcons = true;
  md.appendMarkdown(`**${escapeMarkdown(c.label)}**\n\n`);
  const rows: string[] = [
    `$(${checkpointIcon(c).id}) ${escapeMarkdown(SOURCE_NAMES[c.source])} · ${escapeMarkdown(new Date(c.createdAt).toLocaleString())}`,
  ];
  if (c.tools?.length) rows.push(`Tools: ${escapeMarkdown(c.tools.join(', '))}`);
  if (c.command !== undefined) rows.push(`Command: \`${c.command.replace(/`/g, "'")}\``);
  if (c.cwd) rows.push(`Cwd: ${escapeMarkdown(c.cwd)}`);
  if (c.exitCode !== undefined) rows.push(`Exit code: ${c.exitCode}`);
  if (c.durationMs !== undefined) rows.push(`Duration: ${(c.durationMs / 1000).toFixed(1)} s`);
  md.appendMarkdown(rows.join('  \n') + '\n\n');
  const extra = metadataLines(c.metadata);
  if (extra.length) md.appendMarkdown(`${extra.join('  \n')}\n\n`);
  if (c.prompt) {
    const prompt = c.prompt.length > MAX_PROMPT ? `${c.prompt.slice(0, MAX_PROMPT)}…` : c.prompt;
    md.appendMarkdown('Prompt:\n\n');
    md.appendMarkdown(fence(prompt) + '\n\n');
  }
  if (c.files.length === 0) {
    md.appendMarkdown('No files changed.');
  } else {
    md.appendMarkdown(`${plural(c.files.length, 'file')} ${lineCounts(c)}:  \n`);
    const shown = c.files.slice(0, MAX_TOOLTIP_FILES).map(
      (f) => `${changeLetter[f.change]} ${escapeMarkdown(displayPath(f.key, multiRoot))} ${f.binary ? '(binary)' : lineCounts(f)}`,
    );
    if (c.files.length > MAX_TOOLTIP_FILES) shown.push(`… and ${c.files.length - MAX_TOOLTIP_FILES} more`);
    md.appendMarkdown(shown.join('  \n'));
  }
  return md;
}

/** How many of an agent's metadata fields a tooltip shows, and how long each value may be. */
const MAX_METADATA_FIELDS = 8;
const MAX_METADATA_VALUE = 120;

/** An agent's `metadata` as "key: value" lines (the `source` the API adds for custom sources is shown as the source already). */
function metadataLines(metadata: Record<string, unknown> | undefined): string[] {
  if (!metadata || typeof metadata !== 'object') return [];
  const entries = Object.entries(metadata).filter(([k]) => k !== 'source');
  const lines = entries.slice(0, MAX_METADATA_FIELDS).map(([k, v]) => {
    const text = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
    const short = text.length > MAX_METADATA_VALUE ? `${text.slice(0, MAX_METADATA_VALUE)}…` : text;
    return `${escapeMarkdown(k)}: ${escapeMarkdown(short)}`;
  });
  if (entries.length > MAX_METADATA_FIELDS) lines.push(`… and ${entries.length - MAX_METADATA_FIELDS} more fields`);
  return lines;
}

export const STATUS_ICONS: Record<FileStatus, vscode.ThemeIcon> = {
  restored: new vscode.ThemeIcon('check', new vscode.ThemeColor('testing.iconPassed')),
  removed: new vscode.ThemeIcon('trash'),
  skipped: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground')),
};

/** "Rewind to "first"", "Check out branch "x""…: the engine's target label says what the state is. */
export function describeTarget(r: { target: RestoreTarget; targetLabel: string }): string {
  switch (r.target.kind) {
    case 'rewind':
      return `Rewind to ${r.targetLabel}`;
    case 'rollback':
      return `Roll back: ${r.targetLabel}`;
    case 'checkout':
      return `Check out ${r.targetLabel}`;
    case 'restoreFiles':
      return `Restore ${plural(r.target.paths.length, 'file')} from ${r.targetLabel}`;
    case 'undo':
      return `Undo: back to ${r.targetLabel}`;
    case 'redo':
      return `Redo: forward to ${r.targetLabel}`;
    case 'revert':
      return `Revert ${r.targetLabel}`;
  }
}

/** "Forked from "title"" with a link that switches to it (by id when that session is gone). */
export function forkedFrom(id: string, title: string | undefined): string {
  if (title === undefined) return 'Forked from a session that was deleted since';
  const args = encodeURIComponent(JSON.stringify([{ sessionId: id }]));
  return `Forked from **${escapeMarkdown(title)}** ([Switch to it](command:${Commands.switchSession}?${args}))`;
}
