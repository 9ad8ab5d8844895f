// The Sessions tree's commands in a real extension host: a session's summary through the API and
// Show Session Summary (a document opens), Filter Sessions… and Clear Filter, and Reveal in Sessions
// View for a checkpoint a rewind set aside.
import assert from 'node:assert/strict';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SessionTreeApi } from '../../src/api';
import type { SessionSummary } from '../../src/core/sessionSummary';
import { Commands } from '../../src/vscode/ids';
import { agentTurn, sessionTreeApi, until } from './support';

let api: SessionTreeApi;
let root: string;

const turn = (label: string, files: Record<string, string>, meta: { tools?: string[] } = {}) => agentTurn(api, root, label, files, meta);

describe('Sessions tree: summary, filter, reveal', function () {
  this.timeout(120_000);

  before(async () => {
    api = await sessionTreeApi();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    await vscode.commands.executeCommand(Commands.newSession, { title: 'tree summary' });
  });

  after(async () => {
    await vscode.commands.executeCommand(Commands.clearFilter);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('the API and Show Session Summary tell what a session did: files created and modified, tools', async () => {
    await turn('tree s1', { 'treesum/a.txt': 'a1\n' }, { tools: ['edit'] });
    await turn('tree s2', { 'treesum/a.txt': 'a2\n', 'treesum/b.txt': 'b\n' }, { tools: ['edit', 'grep'] });
    const s = await api.sessionSummary();
    assert.deepEqual(s.files.created.map((u) => path.relative(root, u.fsPath)).sort(), ['treesum/a.txt', 'treesum/b.txt'].map((p) => p.split('/').join(path.sep)));
    assert.deepEqual(s.tools, [{ name: 'edit', count: 2 }, { name: 'grep', count: 1 }]);
    const active = (await api.activeSession())!;
    const byCommand = (await vscode.commands.executeCommand(Commands.showSessionSummary, { sessionId: active.id })) as SessionSummary;
    assert.equal(byCommand.files.created.length, 2, 'with an arguments object the command returns the summary');
    await vscode.commands.executeCommand(Commands.showSessionSummary, { sessionId: active.id, show: true });
    await until('a summary tab is open', () => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => /summary/i.test(t.label))));
  });

  it('Filter Sessions counts the matches; Reveal finds a checkpoint a rewind set aside, also when the filter hides it', async () => {
    const keep = await turn('tree keep', { 'treesum/c.txt': 'c1\n' });
    const aside = await turn('tree set aside', { 'treesum/unique-aside.txt': 'x\n' });
    await api.rewind(keep.id);
    await turn('tree after rewind', { 'treesum/c.txt': 'c2\n' });
    const r = (await vscode.commands.executeCommand(Commands.filterSessions, { text: 'unique-aside' })) as { total: number };
    assert.equal(r.total, 1);
    await vscode.commands.executeCommand(Commands.revealInTree, { checkpointId: aside.id });
    await vscode.commands.executeCommand(Commands.filterSessions, { text: 'file:c.txt' });
    // Not a match of this filter: Reveal clears it and still finds the row.
    await vscode.commands.executeCommand(Commands.revealInTree, { checkpointId: aside.id });
    await vscode.commands.executeCommand(Commands.clearFilter);
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand(Commands.revealInTree, { checkpointId: '99999999' })), /not in the session|gone|no longer/i);
  });
});
