// Opens a terminal session's command record, or one command's output, in a read-only editor (a
// virtual document, read from the engine when it opens; never in a tree label).
import * as vscode from 'vscode';
import type { EngineHost } from '../engineHost';
import { Disposable } from '../lifecycle';
import { outputText, recordText } from './recordText';

export const RECORD_SCHEME = 'session-tree-terminal';

export class CommandRecordView extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly changed = this.register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  private readonly open = new Set<string>();

  constructor(private readonly host: EngineHost) {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(RECORD_SCHEME, this));
    // A record that is open follows the session's new commands.
    this.register(host.onDidChange(() => this.open.forEach((u) => u.includes('/record/') && this.changed.fire(vscode.Uri.parse(u)))));
    this.register(vscode.workspace.onDidCloseTextDocument((d) => this.open.delete(d.uri.toString())));
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    this.open.add(uri.toString());
    const engine = await this.host.get();
    const [, kind, id] = uri.path.split('/');
    if (kind === 'record') {
      const session = (await engine.sessions()).find((s) => s.id === id);
      if (!session) return `Session ${id} no longer exists.`;
      return recordText(session, await engine.commandRecord(id));
    }
    const sessionId = new URLSearchParams(uri.query).get('session') ?? '';
    const record = (await engine.commandRecord(sessionId)).find((r) => r.id === id);
    if (!record) return `Command ${id} is no longer recorded.`;
    return outputText(record, await engine.commandOutput(id));
  }

  async showRecord(sessionId: string, title: string): Promise<vscode.TextEditor> {
    return show(vscode.Uri.from({ scheme: RECORD_SCHEME, path: `/record/${sessionId}/${safe(title)} commands.log` }));
  }

  async showOutput(sessionId: string, commandId: string, command: string): Promise<vscode.TextEditor> {
    return show(vscode.Uri.from({ scheme: RECORD_SCHEME, path: `/output/${commandId}/${safe(command).slice(0, 40)}.log`, query: `session=${sessionId}` }));
  }
}

async function show(uri: vscode.Uri): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(doc, { preview: true });
}

function safe(name: string): string {
  return name.replace(/[\\/:*?"<>|\s]+/g, ' ').trim() || 'command';
}
