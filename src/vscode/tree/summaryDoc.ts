// Show Session Summary: what a session did as a read-only markdown document (files created /
// modified / deleted, tools used, commands run), opened in VS Code's markdown preview.
import * as vscode from 'vscode';
import type { SessionSummary } from '../../core/sessionSummary';
import type { SessionInfo } from '../../core/types';
import { Disposable } from '../lifecycle';
import { fromNow } from '../words';
import { relativePath } from './tooltips';

export const SUMMARY_SCHEME = 'session-tree-summary';

export class SummaryDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly emitter = this.register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.emitter.event;

  constructor() {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(SUMMARY_SCHEME, this));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '# Session summary\n\nRun "Show Session Summary" again to read it.\n';
  }

  /** Opens (or refreshes) the summary of a session in the markdown preview; the source when there is no preview. */
  async show(session: SessionInfo, summary: SessionSummary): Promise<vscode.Uri> {
    const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
    const uri = vscode.Uri.from({ scheme: SUMMARY_SCHEME, path: `/${safeName(session.title)} summary.md`, query: `session=${session.id}` });
    this.texts.set(uri.toString(), summaryMarkdown(session, summary, multiRoot));
    this.emitter.fire(uri);
    try {
      await vscode.commands.executeCommand('markdown.showPreview', uri);
    } catch {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
    }
    return uri;
  }
}

function safeName(title: string): string {
  return title.replace(/[\\/:*?"<>|#%]/g, '_').slice(0, 80) || 'Session';
}

function esc(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

function code(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.includes('`') ? `\`\` ${t} \`\`` : `\`${t}\``;
}

/** The summary as markdown: headings a person can scan, relative paths, no internal ids. */
export function summaryMarkdown(session: SessionInfo, s: SessionSummary, multiRoot: boolean): string {
  const rel = (p: string) => esc(relativePath(p, multiRoot));
  const out: string[] = [`# ${esc(session.title)}`, ''];
  out.push(
    `Started ${new Date(session.createdAt).toLocaleString()} · ${s.checkpoints} checkpoints · branches: ${esc(session.branches.map((b) => b.name).join(', '))}`,
    '',
  );
  const f = s.files;
  const total = f.created.length + f.modified.length + f.deleted.length + f.createdAndDeleted.length;
  out.push(`## Files (${total})`, '');
  if (total === 0) out.push('No file changed.', '');
  const section = (title: string, list: string[]) => {
    if (!list.length) return;
    out.push(`### ${title} (${list.length})`, '', ...list.map((p) => `- ${rel(p)}`), '');
  };
  section('Created', f.created);
  section('Modified', f.modified);
  section('Deleted', f.deleted);
  section('Created and deleted again', f.createdAndDeleted);
  out.push(`## Tools used (${s.tools.length})`, '');
  out.push(...(s.tools.length ? s.tools.map((t) => `- ${esc(t.name)} — in ${t.count} ${t.count === 1 ? 'checkpoint' : 'checkpoints'}`) : ['No agent turn reported tools.']), '');
  out.push(`## Commands run (${s.commandCount}${s.failedCommands ? `, ${s.failedCommands} failed` : ''})`, '');
  if (!s.commandCount) out.push('No terminal command was recorded.', '');
  for (const c of s.commands) {
    const exit = c.exitCode === undefined ? '' : c.exitCode === 0 ? ' — ok' : ` — **exit ${c.exitCode}**`;
    out.push(`- ${code(c.command)}${exit} · ${fromNow(c.createdAt)}${c.cwd ? ` · in ${esc(relativePath(c.cwd, multiRoot))}` : ''}`);
  }
  if (s.commandCount > s.commands.length) out.push(`- … and ${s.commandCount - s.commands.length} older`);
  out.push('', 'Files count by their first and newest change over every branch of the session and the checkpoints a rewind set aside.', '');
  return out.join('\n');
}
