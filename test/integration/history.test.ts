// History in a real extension host: Find Checkpoint over every session (past the 500 newest), Show
// File History across branches and a restore of one of its versions (checked on disk), and the
// history graph's panel opening for a session.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SessionTreeApi } from '../../src/api';
import type { FileHistoryEntry, SearchResult } from '../../src/core/queries';
import { Commands, EXTENSION_ID } from '../../src/vscode/ids';
import { agentTurn } from './support';

let api: SessionTreeApi;
let root: string;

const file = (relative: string) => path.join(root, relative);
const uri = (relative: string) => vscode.Uri.file(file(relative));
const read = (relative: string) => (existsSync(file(relative)) ? readFileSync(file(relative), 'utf8') : undefined);

const turn = (label: string, files: Record<string, string>, meta: { tools?: string[]; prompt?: string } = {}) => agentTurn(api, root, label, files, meta);

describe('History: file history, Find Checkpoint, the graph', function () {
  this.timeout(120_000);

  before(async () => {
    api = await vscode.extensions.getExtension<SessionTreeApi>(EXTENSION_ID)!.activate();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    await vscode.workspace.getConfiguration('sessionTree').update('editorQuietTime', 600_000, vscode.ConfigurationTarget.Global);
    await api.ready;
    await vscode.commands.executeCommand(Commands.newSession, {});
  });

  after(async () => {
    await vscode.workspace.getConfiguration('sessionTree').update('editorQuietTime', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Show File History lists the checkpoints that changed a file on every branch, and Restore This File brings one version back', async () => {
    const v1 = await turn('history v1', { 'hist/f.txt': 'v1\n' });
    await turn('history other file', { 'hist/g.txt': 'g\n' });
    const v2 = await turn('history v2', { 'hist/f.txt': 'v2\n' });
    await vscode.commands.executeCommand(Commands.branchFromHere, { checkpointId: v1.id, name: 'hist-side' });
    await vscode.commands.executeCommand(Commands.checkout, { branch: 'hist-side' });
    assert.equal(read('hist/f.txt'), 'v1\n');
    const side = await turn('history side', { 'hist/f.txt': 'side\n' });
    await vscode.commands.executeCommand(Commands.checkout, { branch: 'main' });
    assert.equal(read('hist/f.txt'), 'v2\n');

    const entries = (await vscode.commands.executeCommand(Commands.showFileHistory, { uri: uri('hist/f.txt') })) as FileHistoryEntry[];
    assert.deepEqual(
      entries.map((e) => e.checkpoint.id),
      [side.id, v2.id, v1.id],
      'newest first, the other branch included, the checkpoint that changed another file left out',
    );
    await vscode.commands.executeCommand(Commands.restoreFile, { checkpointId: side.id, uris: [uri('hist/f.txt')] });
    assert.equal(read('hist/f.txt'), 'side\n', 'the version of the other branch is back on disk');
  });

  // Past the newest 500 (the old picker's limit) is pinned by the unit test (test/unit/queries.test.ts).
  it('Find Checkpoint finds by prompt, tool and file across sessions, older ones included', async () => {
    const needle = await turn('needle turn', { 'find/needle.ts': 'n\n' }, { tools: ['apply_patch'], prompt: 'Refactor the haystack' });
    for (let i = 0; i < 20; i++) await turn(`filler ${i}`, { 'find/filler.txt': `${i}\n` });
    await vscode.commands.executeCommand(Commands.newSession, {});
    const find = async (text: string) => ((await vscode.commands.executeCommand(Commands.findCheckpoint, { text })) as SearchResult).hits.map((h) => h.checkpoint.id);
    assert.deepEqual(await find('haystack'), [needle.id], 'by prompt, from another session');
    assert.deepEqual(await find('tool:apply_patch'), [needle.id]);
    assert.deepEqual(await find('needle.ts'), [needle.id]);
    assert.equal(((await vscode.commands.executeCommand(Commands.findCheckpoint, { text: 'filler' })) as SearchResult).total, 20);
  });

  it('Show History Graph opens the graph of a session in a webview panel', async () => {
    const session = await api.activeSession();
    assert.ok(session);
    await vscode.commands.executeCommand(Commands.showHistoryGraph, { sessionId: session.id });
    const graphTab = () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('sessionTree.graph'));
    // The tab list is updated by the workbench after the panel is created.
    for (const started = Date.now(); !graphTab() && Date.now() - started < 15_000; ) await new Promise((r) => setTimeout(r, 100));
    const tab = graphTab();
    assert.ok(tab, `a History Graph tab is open among ${JSON.stringify(vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => [t.label, (t.input as { viewType?: string })?.viewType]))}`);
    assert.match(tab.label, /^History: /);
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand(Commands.showHistoryGraph, { sessionId: '999999' })),
      /No session/,
    );
  });
});
