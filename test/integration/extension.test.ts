// The VS Code layer in a real extension host: the API an agent uses, capture from external writes,
// editor saves, deletes, renames and terminal commands, restores that respect unsaved buffers,
// commands run with arguments, and diffs served from the `session-tree` scheme.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { CheckpointInfo, SessionTreeApi } from '../../src/api';
import { Commands, SNAPSHOT_SCHEME } from '../../src/vscode/ids';
import { EXTENSION_ID, setSetting, until } from './support';


let api: SessionTreeApi;
let root: string;

function file(relative: string): string {
  return path.join(root, relative);
}

function uri(relative: string): vscode.Uri {
  return vscode.Uri.file(file(relative));
}

function write(relative: string, content: string): void {
  mkdirSync(path.dirname(file(relative)), { recursive: true });
  writeFileSync(file(relative), content);
}

function read(relative: string): string | undefined {
  return existsSync(file(relative)) ? readFileSync(file(relative), 'utf8') : undefined;
}

/** An agent turn the way the README shows it: willEdit, write, createCheckpoint. */
async function agentTurn(label: string, files: Record<string, string>): Promise<CheckpointInfo> {
  const uris = Object.keys(files).map(uri);
  await api.willEdit(uris);
  for (const [rel, content] of Object.entries(files)) write(rel, content);
  const checkpoint = await api.createCheckpoint({ label, tools: ['write_file'], prompt: `prompt for ${label}` });
  assert.ok(checkpoint, `agent turn “${label}” made no checkpoint`);
  return checkpoint;
}

function changeOf(checkpoint: CheckpointInfo, relative: string) {
  return checkpoint.files.find((f) => f.uri.fsPath === file(relative));
}

async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

describe('Session Tree extension', function () {
  this.timeout(60_000);

  before(async () => {
    const extension = vscode.extensions.getExtension<SessionTreeApi>(EXTENSION_ID);
    assert.ok(extension);
    api = await extension.activate();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    // Editor saves wait for an explicit checkpoint unless a test says otherwise.
    await setSetting('editorQuietTime', 600_000);
    await api.ready;
  });

  after(async () => {
    await setSetting('editorQuietTime', undefined);
    await closeAllEditors();
  });

  describe('manifest and commands', () => {
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: { commands: { command: string; title: string; category?: string }[] };
    };

    it('every contributed command is registered, and every declared command is contributed', async () => {
      const registered = new Set(await vscode.commands.getCommands(true));
      const contributed = manifest.contributes.commands.map((c) => c.command);
      for (const id of contributed) assert.ok(registered.has(id), `${id} is contributed but not registered`);
      for (const id of Object.values(Commands)) assert.ok(contributed.includes(id), `${id} is declared in ids.ts but not contributed`);
    });

    it('commands carry the titles people search for, in the "Session Tree" category', () => {
      const titles = new Map(manifest.contributes.commands.map((c) => [c.command, c.title]));
      const expected: Record<string, string> = {
        [Commands.createCheckpoint]: 'Create Checkpoint…',
        [Commands.rewind]: 'Rewind to Checkpoint…',
        [Commands.rewindHere]: 'Rewind to Here',
        [Commands.rewindBefore]: 'Rewind to Before This',
        [Commands.rollback]: 'Roll Back…',
        [Commands.checkout]: 'Check Out Branch…',
        [Commands.createBranch]: 'Create Branch…',
        [Commands.branchFromHere]: 'Branch from Here',
        [Commands.renameBranch]: 'Rename Branch…',
        [Commands.deleteBranch]: 'Delete Branch',
        [Commands.newSession]: 'New Session',
        [Commands.switchSession]: 'Switch Session…',
        [Commands.renameSession]: 'Rename Session…',
        [Commands.forkSession]: 'Fork Session from Here',
        [Commands.deleteSession]: 'Delete Session',
        [Commands.labelCheckpoint]: 'Label Checkpoint…',
        [Commands.compareWithCurrent]: 'Compare with Current',
        [Commands.restoreFile]: 'Restore This File',
        [Commands.openChanges]: 'Open Changes',
        [Commands.undoLastRestore]: 'Undo Last Restore',
        [Commands.refresh]: 'Refresh',
        [Commands.showLog]: 'Show Log',
      };
      for (const [id, title] of Object.entries(expected)) assert.equal(titles.get(id), title, id);
      for (const c of manifest.contributes.commands) assert.equal(c.category, 'Session Tree', c.command);
    });
  });

  describe('API', () => {
    it('is ready with an active session on branch main', async () => {
      const session = await api.activeSession();
      assert.ok(session);
      assert.equal(session.activeBranch, 'main');
      assert.ok(session.branches.some((b) => b.name === 'main' && b.active));
      const sessions = await api.sessions();
      assert.ok(sessions.some((s) => s.id === session.id));
      const [newest] = await api.checkpoints({ limit: 1 });
      assert.equal(newest.id, session.headId);
    });

    it('an agent turn (willEdit, write, createCheckpoint) becomes a checkpoint with its metadata and files', async () => {
      const changes = new Promise<void>((resolve) => {
        const d = api.onDidChange(() => {
          d.dispose();
          resolve();
        });
      });
      const checkpoint = await agentTurn('agent writes two files', {
        'agent/one.txt': 'one\n',
        'notes.txt': 'one\ntwo\nthree\nfour\n',
      });
      await changes;
      assert.equal(checkpoint.source, 'agent');
      assert.equal(checkpoint.label, 'agent writes two files');
      assert.deepEqual(checkpoint.tools, ['write_file']);
      assert.equal(checkpoint.prompt, 'prompt for agent writes two files');
      assert.equal(changeOf(checkpoint, 'agent/one.txt')?.change, 'added');
      const notes = changeOf(checkpoint, 'notes.txt');
      assert.equal(notes?.change, 'modified');
      assert.equal(notes?.added, 1);
      assert.equal(notes?.removed, 0);
      const [newest] = await api.checkpoints({ limit: 1 });
      assert.equal(newest.id, checkpoint.id);
      assert.ok(newest.files.every((f) => f.uri instanceof vscode.Uri));
    });

    it("an agent's metadata is returned with its checkpoint, by createCheckpoint and by checkpoints()", async () => {
      const target = uri('agent/meta.txt');
      await api.willEdit([target]);
      write('agent/meta.txt', 'with metadata\n');
      const metadata = { model: 'some-model', turn: 7, files: ['agent/meta.txt'] };
      const checkpoint = await api.createCheckpoint({ label: 'with metadata', metadata });
      assert.ok(checkpoint);
      assert.deepEqual(checkpoint.metadata, metadata);
      const [newest] = await api.checkpoints({ limit: 1 });
      assert.equal(newest.id, checkpoint.id);
      assert.deepEqual(newest.metadata, metadata);
    });

    it("a file row's Copy Path and Open File work on the file (and say so when it is gone)", async () => {
      write('rows/kept.txt', 'kept\n');
      await vscode.commands.executeCommand(Commands.copyFilePath, { path: file('rows/kept.txt') });
      assert.equal(await vscode.env.clipboard.readText(), file('rows/kept.txt'));
      await vscode.commands.executeCommand(Commands.openFile, { path: file('rows/kept.txt') });
      assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, file('rows/kept.txt'));
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand(Commands.openFile, { path: file('rows/gone.txt') })), /does not exist now/);
      // The file written here goes into a checkpoint of its own (the next test expects no changes).
      assert.ok(await api.createCheckpoint({ label: 'file rows' }));
    });

    it('createCheckpoint returns undefined when nothing changed', async () => {
      assert.equal(await api.createCheckpoint({ label: 'nothing' }), undefined);
    });

    it('a write no one announced is still found (file watcher)', async () => {
      write('external.txt', 'written by another tool\n');
      const checkpoint = await until('the external write to be recorded', async () => {
        return (await api.createCheckpoint({ label: 'after an external write', source: 'manual' })) ?? false;
      });
      assert.equal(checkpoint.source, 'manual');
      assert.equal(changeOf(checkpoint, 'external.txt')?.change, 'added');
    });

    it('rewind restores a checkpoint, reports every file, and undo brings the newer files back', async () => {
      const first = await agentTurn('rewind: first', { 'rw/a.txt': 'version 1\n' });
      await agentTurn('rewind: second', { 'rw/a.txt': 'version 2\n', 'rw/c.txt': 'new in second\n' });

      const result = await api.rewind(first.id);
      assert.equal(read('rw/a.txt'), 'version 1\n');
      assert.equal(read('rw/c.txt'), undefined);
      const status = new Map(result.files.map((f) => [f.uri.fsPath, f.status]));
      assert.equal(status.get(file('rw/a.txt')), 'restored');
      assert.equal(status.get(file('rw/c.txt')), 'removed');
      assert.equal((await api.activeSession())?.headId, first.id);

      const undo = await api.undoLastRestore();
      assert.ok(undo.files.length >= 2);
      assert.equal(read('rw/a.txt'), 'version 2\n');
      assert.equal(read('rw/c.txt'), 'new in second\n');
    });

    it('rewind before a checkpoint restores its parent state', async () => {
      await agentTurn('before: base', { 'rb/x.txt': 'base\n' });
      const change = await agentTurn('before: change', { 'rb/x.txt': 'changed\n' });
      await api.rewind(change.id, { before: true });
      assert.equal(read('rb/x.txt'), 'base\n');
      await api.undoLastRestore();
      assert.equal(read('rb/x.txt'), 'changed\n');
    });

    it('a restore never overwrites a file with unsaved editor changes: it is skipped', async () => {
      const base = await agentTurn('dirty: base', { 'dirty.txt': 'saved base\n' });
      await agentTurn('dirty: newer', { 'dirty.txt': 'saved newer\n' });
      const doc = await vscode.workspace.openTextDocument(uri('dirty.txt'));
      await vscode.window.showTextDocument(doc);
      const edit = new vscode.WorkspaceEdit();
      edit.insert(doc.uri, new vscode.Position(0, 0), 'UNSAVED ');
      assert.ok(await vscode.workspace.applyEdit(edit));
      assert.ok(doc.isDirty);
      try {
        const result = await api.rewind(base.id);
        const entry = result.files.find((f) => f.uri.fsPath === file('dirty.txt'));
        assert.equal(entry?.status, 'skipped');
        assert.ok(entry?.reason && /unsaved/i.test(entry.reason), `reason: ${entry?.reason}`);
        assert.equal(read('dirty.txt'), 'saved newer\n');
        assert.equal(doc.getText(), 'UNSAVED saved newer\n');
      } finally {
        await vscode.commands.executeCommand('workbench.action.files.revert');
        await closeAllEditors();
      }
      await api.undoLastRestore();
    });

    it('restoreFiles restores only the given files and leaves head alone', async () => {
      const base = await agentTurn('files: base', { 'rf/a.txt': 'a1\n', 'rf/b.txt': 'b1\n' });
      const newer = await agentTurn('files: newer', { 'rf/a.txt': 'a2\n', 'rf/b.txt': 'b2\n' });
      const result = await api.restoreFiles(base.id, [uri('rf/a.txt')]);
      assert.equal(read('rf/a.txt'), 'a1\n');
      assert.equal(read('rf/b.txt'), 'b2\n');
      assert.deepEqual(
        result.files.map((f) => [f.uri.fsPath, f.status]),
        [[file('rf/a.txt'), 'restored']],
      );
      assert.notEqual((await api.activeSession())?.headId, base.id);
      assert.ok(newer.id);
      await api.undoLastRestore();
      assert.equal(read('rf/a.txt'), 'a2\n');
    });

    it('branches: createBranch, checkout and rollback move between states', async () => {
      const start = await agentTurn('branch: start', { 'br/f.txt': 'main 1\n' });
      const branch = await api.createBranch('api-feature', { from: start.id });
      assert.equal(branch.headId, start.id);
      await agentTurn('branch: main 2', { 'br/f.txt': 'main 2\n' });
      await agentTurn('branch: main 3', { 'br/f.txt': 'main 3\n' });

      await api.checkout('api-feature');
      assert.equal(read('br/f.txt'), 'main 1\n');
      assert.equal((await api.activeSession())?.activeBranch, 'api-feature');
      await agentTurn('branch: feature work', { 'br/f.txt': 'feature\n' });

      await api.checkout('main');
      assert.equal(read('br/f.txt'), 'main 3\n');
      await api.rollback(1);
      assert.equal(read('br/f.txt'), 'main 2\n');
      await api.undoLastRestore();
      assert.equal(read('br/f.txt'), 'main 3\n');
    });

    it('sessions: newSession and switchSession do not touch files', async () => {
      const before = await api.activeSession();
      assert.ok(before);
      write('sess.txt', 'kept\n');
      const created = await api.newSession({ title: 'API session' });
      assert.equal(created.title, 'API session');
      assert.equal((await api.activeSession())?.id, created.id);
      assert.equal(read('sess.txt'), 'kept\n');
      await api.switchSession(before.id);
      assert.equal((await api.activeSession())?.id, before.id);
      assert.equal(read('sess.txt'), 'kept\n');
      await api.createCheckpoint({ label: 'sessions: settle' });
    });

    it('undo belongs to the session a restore was made in: restores in another session do not take it away', async () => {
      const home = (await api.activeSession())!;
      const base = await agentTurn('scoped undo: base', { 'su/x.txt': 'one\n' });
      await agentTurn('scoped undo: two', { 'su/x.txt': 'two\n' });
      await api.rewind(base.id);
      assert.equal(read('su/x.txt'), 'one\n');
      const other = await api.newSession({ title: 'Scoped undo: other' });
      await assert.rejects(() => api.undoLastRestore(), /no restore to undo in this session/);
      // More restores in the other session than a session keeps records of.
      const otherBase = (await api.activeSession())!.headId;
      await agentTurn('scoped undo: other work', { 'su/y.txt': 'y\n' });
      for (let i = 0; i < 6; i++) {
        await api.rewind(otherBase);
        await api.undoLastRestore();
      }
      assert.equal(read('su/y.txt'), 'y\n');
      await api.switchSession(home.id);
      assert.equal((await api.activeSession())?.id, home.id);
      await api.undoLastRestore();
      assert.equal(read('su/x.txt'), 'two\n');
      assert.ok(other.id !== home.id);
    });

    it('bad input is rejected with a clear error', async () => {
      await assert.rejects(() => api.rewind('no-such-checkpoint'), /./);
      await assert.rejects(() => api.rollback(0), /./);
      await assert.rejects(() => api.restoreFiles('x', [vscode.Uri.parse('untitled:foo')]), /file URI/);
      await api.willEdit([vscode.Uri.file('/definitely/not/here.txt')]); // never throws
    });
  });

  describe('capture hooks', () => {
    afterEach(closeAllEditors);

    it('editor saves are sealed into an editor checkpoint after the quiet time', async () => {
      write('edited.txt', 'line 1\n');
      await api.createCheckpoint({ label: 'editor: base' });
      await setSetting('editorQuietTime', 300);
      try {
        const doc = await vscode.workspace.openTextDocument(uri('edited.txt'));
        const editor = await vscode.window.showTextDocument(doc);
        await editor.edit((e) => e.insert(new vscode.Position(1, 0), 'line 2\n'));
        assert.ok(await doc.save());
        const checkpoint = await until('an editor checkpoint', async () => {
          const [newest] = await api.checkpoints({ limit: 1 });
          return newest.source === 'editor' && changeOf(newest, 'edited.txt') ? newest : false;
        });
        assert.match(checkpoint.label, /edited\.txt/);
        assert.equal(changeOf(checkpoint, 'edited.txt')?.added, 1);
      } finally {
        await setSetting('editorQuietTime', 600_000);
      }
    });

    it('deletes and renames through the workspace are captured and restorable', async () => {
      await agentTurn('fs ops: base', { 'ops/gone.txt': 'to be deleted\n', 'ops/old-name.txt': 'to be renamed\n' });
      const edit = new vscode.WorkspaceEdit();
      edit.deleteFile(uri('ops/gone.txt'));
      edit.renameFile(uri('ops/old-name.txt'), uri('ops/new-name.txt'));
      assert.ok(await vscode.workspace.applyEdit(edit));
      const checkpoint = await until('the delete and rename to be recorded', async () => {
        return (await api.createCheckpoint({ label: 'fs ops: delete and rename' })) ?? false;
      });
      assert.equal(changeOf(checkpoint, 'ops/gone.txt')?.change, 'deleted');
      assert.equal(changeOf(checkpoint, 'ops/old-name.txt')?.change, 'deleted');
      assert.equal(changeOf(checkpoint, 'ops/new-name.txt')?.change, 'added');
      await api.rewind(checkpoint.id, { before: true });
      assert.equal(read('ops/gone.txt'), 'to be deleted\n');
      assert.equal(read('ops/old-name.txt'), 'to be renamed\n');
      assert.equal(read('ops/new-name.txt'), undefined);
      await api.undoLastRestore();
      assert.equal(read('ops/new-name.txt'), 'to be renamed\n');
    });

    it('a terminal command that changes files becomes a checkpoint with command, cwd and exit code', async function () {
      await api.createCheckpoint({ label: 'terminal: before' });
      const terminal = vscode.window.createTerminal({ name: 'session-tree-test', cwd: root });
      try {
        terminal.show();
        const integration = await until(
          'terminal shell integration',
          () => terminal.shellIntegration,
          20_000,
        ).catch(() => undefined);
        if (!integration) {
          this.skip();
          return;
        }
        const ended = new Promise<number | undefined>((resolve) => {
          const d = vscode.window.onDidEndTerminalShellExecution((e) => {
            if (e.terminal !== terminal) return;
            d.dispose();
            resolve(e.exitCode);
          });
        });
        integration.executeCommand('echo from-terminal > term-output.txt');
        assert.equal(await ended, 0);
        const checkpoint = await until('a terminal checkpoint', async () => {
          const [newest] = await api.checkpoints({ limit: 1 });
          return newest.source === 'terminal' ? newest : false;
        });
        assert.match(checkpoint.command ?? '', /term-output\.txt/);
        assert.equal(checkpoint.exitCode, 0);
        assert.equal(checkpoint.cwd && path.resolve(checkpoint.cwd), path.resolve(root));
        assert.equal(changeOf(checkpoint, 'term-output.txt')?.change, 'added');
        assert.equal(checkpoint.files.length, 1);

        // A command that changes nothing makes no checkpoint.
        const quiet = new Promise<void>((resolve) => {
          const d = vscode.window.onDidEndTerminalShellExecution((e) => {
            if (e.terminal !== terminal) return;
            d.dispose();
            resolve();
          });
        });
        integration.executeCommand('true');
        await quiet;
        await new Promise((r) => setTimeout(r, 3000));
        const [newest] = await api.checkpoints({ limit: 1 });
        assert.equal(newest.id, checkpoint.id);
      } finally {
        terminal.dispose();
      }
    });

    it('excluded files are not tracked (sessionTree.exclude)', async () => {
      await setSetting('exclude', ['*.log']);
      try {
        await new Promise((r) => setTimeout(r, 500));
        write('ignored.log', 'noise\n');
        write('kept.md', 'kept\n');
        const checkpoint = await until('the tracked write to be recorded', async () => {
          return (await api.createCheckpoint({ label: 'exclude' })) ?? false;
        });
        assert.ok(changeOf(checkpoint, 'kept.md'));
        assert.equal(changeOf(checkpoint, 'ignored.log'), undefined);
      } finally {
        await setSetting('exclude', undefined);
        rmSync(file('ignored.log'), { force: true });
      }
    });
  });

  describe('commands with arguments (never prompt)', () => {
    it('create checkpoint, label, branch from a checkpoint, check out, roll back', async () => {
      write('cmd/file.txt', 'command 1\n');
      const first = await until('a checkpoint from the command', async () =>
        (await vscode.commands.executeCommand<{ id: string } | undefined>(Commands.createCheckpoint, { label: 'cmd: first' })) ?? false,
      );
      write('cmd/file.txt', 'command 2\n');
      await until('a second checkpoint from the command', async () =>
        (await vscode.commands.executeCommand<{ id: string } | undefined>(Commands.createCheckpoint, { label: 'cmd: second' })) ?? false,
      );
      await vscode.commands.executeCommand(Commands.labelCheckpoint, { checkpointId: first.id, label: 'cmd: first (labelled)' });
      const [, older] = await api.checkpoints({ limit: 2 });
      assert.equal(older.label, 'cmd: first (labelled)');

      await vscode.commands.executeCommand(Commands.branchFromHere, { checkpointId: first.id, name: 'cmd-branch' });
      await vscode.commands.executeCommand(Commands.checkout, { branch: 'cmd-branch' });
      assert.equal(read('cmd/file.txt'), 'command 1\n');
      await vscode.commands.executeCommand(Commands.checkout, 'main');
      assert.equal(read('cmd/file.txt'), 'command 2\n');
      await vscode.commands.executeCommand(Commands.rollback, { count: 1 });
      assert.equal(read('cmd/file.txt'), 'command 1\n');
      await vscode.commands.executeCommand(Commands.undoLastRestore, {});
      assert.equal(read('cmd/file.txt'), 'command 2\n');
      await vscode.commands.executeCommand(Commands.renameBranch, { branch: 'cmd-branch', newName: 'cmd-branch-2' });
      await vscode.commands.executeCommand(Commands.deleteBranch, { branch: 'cmd-branch-2' });
      const session = await api.activeSession();
      assert.ok(session && !session.branches.some((b) => b.name.startsWith('cmd-branch')));
    });

    it('errors reach a programmatic caller', async () => {
      await assert.rejects(() => Promise.resolve(vscode.commands.executeCommand(Commands.rewind, { checkpointId: 'nope' })));
      await assert.rejects(() => Promise.resolve(vscode.commands.executeCommand(Commands.rollback, { count: -2 })), /whole number/);
    });

    it('sessions: new, rename, fork, switch and delete', async () => {
      const original = await api.activeSession();
      assert.ok(original);
      const created = await vscode.commands.executeCommand<{ id: string }>(Commands.newSession, { title: 'cmd session' });
      await vscode.commands.executeCommand(Commands.renameSession, { sessionId: created.id, title: 'cmd session renamed' });
      assert.ok((await api.sessions()).some((s) => s.id === created.id && s.title === 'cmd session renamed'));
      const fork = await vscode.commands.executeCommand<{ id: string }>(Commands.forkSession, {
        checkpointId: original.headId,
        title: 'cmd fork',
      });
      await vscode.commands.executeCommand(Commands.switchSession, { sessionId: original.id });
      await vscode.commands.executeCommand(Commands.deleteSession, { sessionId: created.id });
      await vscode.commands.executeCommand(Commands.deleteSession, { sessionId: fork.id });
      const ids = (await api.sessions()).map((s) => s.id);
      assert.ok(ids.includes(original.id));
      assert.ok(!ids.includes(created.id) && !ids.includes(fork.id));
      assert.equal((await api.activeSession())?.id, original.id);
    });
  });

  describe('diffs', () => {
    afterEach(closeAllEditors);

    it('Compare with Current opens a diff whose left side is served from the session-tree scheme', async () => {
      const checkpoint = await agentTurn('diff: base', { 'diff/d.txt': 'stored version\n' });
      write('diff/d.txt', 'current version\n');
      await vscode.commands.executeCommand(Commands.compareWithCurrent, { checkpointId: checkpoint.id, uri: uri('diff/d.txt') });
      const tab = await until('a diff tab', () => {
        const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
        return input instanceof vscode.TabInputTextDiff ? input : false;
      });
      assert.equal(tab.original.scheme, SNAPSHOT_SCHEME);
      assert.equal(tab.modified.fsPath, file('diff/d.txt'));
      assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(tab.original)), 'stored version\n');
      assert.match(vscode.window.tabGroups.activeTabGroup.activeTab?.label ?? '', /diff: base/);
      await assert.rejects(() => Promise.resolve(vscode.workspace.fs.writeFile(tab.original, new Uint8Array([1]))));
      await api.createCheckpoint({ label: 'diff: settle' });
    });

    it('Open Changes of a checkpoint opens the multi-file diff editor', async () => {
      const checkpoint = await agentTurn('diff: two files', { 'diff/m1.txt': 'm1\n', 'diff/m2.txt': 'm2\n' });
      await vscode.commands.executeCommand(Commands.openChanges, { checkpointId: checkpoint.id });
      const label = await until('the multi-diff tab', () => {
        const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
        return tab && /diff: two files/.test(tab.label) ? tab.label : false;
      });
      assert.match(label, /Changes in/);
    });

    it('the results of the last restore open all at once', async () => {
      const base = await agentTurn('results: base', { 'res/r.txt': 'r1\n' });
      await agentTurn('results: newer', { 'res/r.txt': 'r2\n' });
      await api.rewind(base.id);
      await vscode.commands.executeCommand(Commands.openAllResults);
      await until('the results multi-diff tab', () => {
        const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
        return tab && /Rewind to "results: base"/.test(tab.label);
      });
      await api.undoLastRestore();
    });
  });
});
