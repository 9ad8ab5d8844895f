// Hovers of the Sessions tree's session, branch and set-aside rows, in the user's terms (names,
// relative paths, no internal ids), with the common actions as links.
import * as vscode from 'vscode';
import { humanBytes } from '../../core/bytes';
import type { SessionSummary } from '../../core/sessionSummary';
import { escapeMarkdown, forkedFrom, plural } from '../format';
import { Commands } from '../ids';
import { terminalTooltipLines } from '../terminal/treeDecor';
import type { BranchNode, LineNode, SessionNode } from './nodes';

function link(title: string, command: string, args: unknown): string {
  return `[${title}](command:${command}?${encodeURIComponent(JSON.stringify([args]))})`;
}

/** The session's hover; `summary` (read when the hover opens) adds what it did. */
export function sessionTooltip(node: SessionNode, parentTitle: string | undefined, summary?: SessionSummary, multiRoot = false): vscode.MarkdownString {
  const s = node.session;
  const rows = [
    `**${escapeMarkdown(s.title)}**${s.active ? ' (active)' : ''}`,
    `Started ${new Date(s.createdAt).toLocaleString()} · ${plural(s.checkpointCount, 'checkpoint')}`,
    `Branches: ${escapeMarkdown(s.branches.map((b) => (b.active ? `${b.name} (active)` : b.name)).join(', '))}`,
    ...(node.usage
      ? [`Holds ${humanBytes(node.usage.bytes)} of snapshots; deleting it frees ${humanBytes(node.usage.ownBytes)} (the rest is shared)`]
      : []),
    ...(s.tags.length ? [`Tags: ${escapeMarkdown(s.tags.join(', '))}`] : []),
    ...(s.parentSessionId ? [forkedFrom(s.parentSessionId, parentTitle)] : []),
    ...terminalTooltipLines(s),
  ];
  if (summary) rows.push('', ...summaryLines(summary, multiRoot));
  const actions = [
    link('Show Session Summary', Commands.showSessionSummary, { sessionId: s.id, show: true }),
    ...(s.active ? [] : [link('Switch to It', Commands.switchSession, { sessionId: s.id })]),
  ];
  rows.push('', actions.join(' · '));
  const md = new vscode.MarkdownString(rows.join('  \n'));
  md.isTrusted = { enabledCommands: [Commands.switchSession, Commands.showSessionSummary] };
  md.supportThemeIcons = true;
  return md;
}

const MAX_TOOLTIP_NAMES = 5;

function names(list: string[], toName: (p: string) => string): string {
  const shown = list.slice(0, MAX_TOOLTIP_NAMES).map((p) => escapeMarkdown(toName(p)));
  return list.length > MAX_TOOLTIP_NAMES ? `${shown.join(', ')} and ${list.length - MAX_TOOLTIP_NAMES} more` : shown.join(', ');
}

/** What a session did, in a few lines of markdown: files, tools, commands. */
export function summaryLines(s: SessionSummary, multiRoot: boolean): string[] {
  const rel = (abs: string) => relativePath(abs, multiRoot);
  const f = s.files;
  const counts = [
    f.created.length ? `${f.created.length} created` : '',
    f.modified.length ? `${f.modified.length} modified` : '',
    f.deleted.length ? `${f.deleted.length} deleted` : '',
    f.createdAndDeleted.length ? `${f.createdAndDeleted.length} created and deleted again` : '',
  ].filter(Boolean);
  const rows = [counts.length ? `Files: ${counts.join(', ')}` : 'Files: none changed'];
  if (f.created.length) rows.push(`Created: ${names(f.created, rel)}`);
  if (f.modified.length) rows.push(`Modified: ${names(f.modified, rel)}`);
  if (f.deleted.length) rows.push(`Deleted: ${names(f.deleted, rel)}`);
  if (s.tools.length) rows.push(`Tools: ${escapeMarkdown(s.tools.slice(0, 8).map((t) => `${t.name} (${t.count})`).join(', '))}${s.tools.length > 8 ? ` and ${s.tools.length - 8} more` : ''}`);
  if (s.commandCount) {
    const failed = s.failedCommands ? `, ${s.failedCommands} failed` : '';
    rows.push(`Commands: ${s.commandCount} run${failed}; newest \`${s.commands[0].command.replace(/`/g, "'").slice(0, 80)}\``);
  }
  return rows;
}

/** A workspace file as the person sees it: relative to its folder (with the folder's name in a multi-root window). */
export function relativePath(abs: string, multiRoot: boolean): string {
  return vscode.workspace.asRelativePath(vscode.Uri.file(abs), multiRoot);
}

export function branchTooltip(node: BranchNode): vscode.MarkdownString {
  const { session: s, branch: b, head } = node;
  const rows = [
    `**${escapeMarkdown(b.name)}**${b.active ? (s.active ? ' (active)' : ' (last active)') : ''} — a branch of ${escapeMarkdown(s.title)}`,
    `Created ${new Date(b.createdAt).toLocaleString()}`,
    ...(head ? [`Newest checkpoint: ${escapeMarkdown(head.label)}, ${new Date(head.createdAt).toLocaleString()}`] : []),
  ];
  if (s.active && !b.active) rows.push('', link('Check Out', Commands.checkout, { branch: b.name, interactive: true }));
  const md = new vscode.MarkdownString(rows.join('  \n'));
  md.isTrusted = { enabledCommands: [Commands.checkout] };
  return md;
}

export function lineTooltip(node: LineNode): string {
  const n = `${node.count}${node.more ? '+' : ''}`;
  return (
    `${n} ${node.count === 1 && !node.more ? 'checkpoint' : 'checkpoints'} newer than this one that no branch leads to any more ` +
    `(left by a rewind, or by a branch deleted since); the newest is "${node.tip.label}". ` +
    'They stay restorable: rewind to one, or create a branch from it.'
  );
}
