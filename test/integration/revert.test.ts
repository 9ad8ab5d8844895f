// Issue 16 in a real extension host: revert one checkpoint with later edits to the same and to
// other files, undo/redo chains across session switches, editable tags and file sizes — through
// the API and through the commands with arguments, each result checked on disk.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { CheckpointInfo, SessionTreeApi } from '../../src/api';
import type { RestoreResult as CoreResult } from '../../src/core/types';
import { Commands } from '../../src/vscode/ids';
import { EXTENSION_ID } from './support';


let api: SessionTreeApi;
let root: string;

const file = (rel: string) => path.join(root, rel);
const uri = (rel: string) => vscode.Uri.file(file(rel));
const read = (rel: string) => (existsSync(file(rel)) ? readFileSync(file(rel), 'utf8') : undefined);
const lines = (...ls: string[]) => ls.map((l) => `${l}\n`).join('');
const TEN = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`);

async function turn(label: string, files: Record<string, string>): Promise<CheckpointInfo> {
  await api.willEdit(Object.keys(files).map(uri));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(file(rel)), { recursive: true });
    writeFileSync(file(rel), content);
  }
  const cp = await api.createCheckpoint({ label });
  assert.ok(cp, `turn "${label}" made no checkpoint`);
  return cp;
}

const statusOf = (r: { files: { uri: vscode.Uri; status: string; reason?: string }[] }, rel: string) => r.files.find((f) => f.uri.fsPath === file(rel));

describe('Issue 16: revert one checkpoint, undo and redo, tags', function () {
  this.timeout(60_000);

  before(async () => {
    const extension = vscode.extensions.getExtension<SessionTreeApi>(EXTENSION_ID);
    assert.ok(extension);
    api = await extension.activate();
    await api.ready;
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    await vscode.workspace.getConfiguration('sessionTree').update('editorQuietTime', 600_000, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('sessionTree').update('editorQuietTime', undefined, vscode.ConfigurationTarget.Global);
  });

  it('the new commands are contributed with their titles', () => {
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string; title: string }[] } };
    const titles = new Map(manifest.contributes.commands.map((c) => [c.command, c.title]));
    assert.equal(titles.get(Commands.revertCheckpoint), "Revert This Checkpoint's Changes");
    assert.equal(titles.get(Commands.redoLastRestore), 'Redo Last Restore');
    assert.equal(titles.get(Commands.editSessionTags), 'Edit Tags…');
  });

  it('reverts one checkpoint: a later edit to the same file is merged, a conflicting one skipped naming its checkpoint, other files kept', async () => {
    await turn('rv: base', { 'rv/a.txt': lines(...TEN), 'rv/b.txt': 'b1\n', 'rv/k.txt': lines('x', 'y', 'z') });
    const target = await turn('rv: the change to revert', {
      'rv/a.txt': lines('line 1 (reverted)', ...TEN.slice(1)),
      'rv/k.txt': lines('x', 'Y1', 'z'),
      'rv/added.txt': 'added by it\n',
    });
    const later = await turn('rv: later work', {
      'rv/a.txt': lines('line 1 (reverted)', ...TEN.slice(1, 9), 'line 10 (later)'),
      'rv/k.txt': lines('x', 'Y2', 'z'),
      'rv/b.txt': 'b2\n',
    });
    const result = await api.revertCheckpoint(target.id);
    assert.equal(read('rv/a.txt'), lines(...TEN.slice(0, 9), 'line 10 (later)'), 'its change undone, the later one kept');
    assert.equal(read('rv/added.txt'), undefined, 'the file it added is removed');
    assert.equal(read('rv/b.txt'), 'b2\n', 'another file changed later is untouched');
    assert.equal(read('rv/k.txt'), lines('x', 'Y2', 'z'), 'a conflicting file is left as it is');
    assert.equal(statusOf(result, 'rv/a.txt')?.status, 'restored');
    assert.equal(statusOf(result, 'rv/added.txt')?.status, 'removed');
    const k = statusOf(result, 'rv/k.txt');
    assert.equal(k?.status, 'skipped');
    assert.match(k!.reason!, new RegExp(`changed since by checkpoint "rv: later work" \\(#${later.id}\\)`));
    assert.equal(statusOf(result, 'rv/b.txt'), undefined, 'files the checkpoint did not change are not part of it');
    // A checkpoint records the revert.
    const [newest] = await api.checkpoints({ limit: 1 });
    assert.equal(newest.label, 'Revert "rv: the change to revert"');
    assert.equal(newest.parentId, later.id);

    // Undo, redo, undo: each checked on disk.
    await api.undoLastRestore();
    assert.equal(read('rv/a.txt'), lines('line 1 (reverted)', ...TEN.slice(1, 9), 'line 10 (later)'));
    assert.equal(read('rv/added.txt'), 'added by it\n');
    await api.redoLastRestore();
    assert.equal(read('rv/a.txt'), lines(...TEN.slice(0, 9), 'line 10 (later)'));
    assert.equal(read('rv/added.txt'), undefined);
    await api.undoLastRestore();
    assert.equal(read('rv/added.txt'), 'added by it\n');
    assert.equal((await api.activeSession())?.headId, later.id);
  });

  it('the command with arguments reverts without prompting; the undo and redo commands walk it', async () => {
    const a = await turn('rvc: one', { 'rvc/x.txt': 'x1\n', 'rvc/y.txt': 'y1\n' });
    await turn('rvc: two', { 'rvc/y.txt': 'y2\n' });
    const result = (await vscode.commands.executeCommand(Commands.revertCheckpoint, { checkpointId: a.id })) as CoreResult;
    assert.equal(result.target.kind, 'revert');
    assert.deepEqual(result.files.map((f) => [path.relative(root, f.path), f.status]).sort(), [
      [path.join('rvc', 'x.txt'), 'removed'],
      [path.join('rvc', 'y.txt'), 'skipped'],
    ]);
    assert.equal(read('rvc/x.txt'), undefined);
    assert.equal(read('rvc/y.txt'), 'y2\n');
    await vscode.commands.executeCommand(Commands.undoLastRestore, {});
    assert.equal(read('rvc/x.txt'), 'x1\n');
    await vscode.commands.executeCommand(Commands.redoLastRestore, {});
    assert.equal(read('rvc/x.txt'), undefined);
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand(Commands.redoLastRestore, {})), /no undone restore to redo/);
  });

  it('undo and redo chains stay with the session they were made in, across switches', async () => {
    const home = (await api.activeSession())!;
    const h1 = await turn('ur: home 1', { 'ur/f.txt': 'home 1\n' });
    await turn('ur: home 2', { 'ur/f.txt': 'home 2\n' });
    await api.rewind(h1.id); // home: 2 → 1
    assert.equal(read('ur/f.txt'), 'home 1\n');
    await api.rollback(1); // home: 1 → before home 1
    const beforeHome = read('ur/f.txt');
    assert.notEqual(beforeHome, 'home 1\n');
    await api.undoLastRestore(); // home: back to 1, redo pending
    assert.equal(read('ur/f.txt'), 'home 1\n');

    const other = await api.newSession({ title: 'ur: other' });
    await assert.rejects(() => api.redoLastRestore(), /no undone restore to redo/, "the home session's redo is not the other's");
    await assert.rejects(() => api.undoLastRestore(), /no restore to undo/);
    const o1 = await turn('ur: other 1', { 'ur/f.txt': 'other 1\n' });
    await turn('ur: other 2', { 'ur/f.txt': 'other 2\n' });
    await api.rewind(o1.id);
    assert.equal(read('ur/f.txt'), 'other 1\n');
    await api.undoLastRestore();
    assert.equal(read('ur/f.txt'), 'other 2\n');

    await api.switchSession(home.id);
    await api.redoLastRestore(); // home: forward again over the roll back
    assert.equal(read('ur/f.txt'), beforeHome);
    await api.undoLastRestore(); // the roll back
    await api.undoLastRestore(); // the rewind
    assert.equal(read('ur/f.txt'), 'home 2\n');

    await api.switchSession(other.id);
    await api.redoLastRestore(); // other: forward over its rewind
    assert.equal(read('ur/f.txt'), 'other 1\n');
    await api.switchSession(home.id);
  });

  it('tags are set through the API and the Edit Tags command; files carry their sizes', async () => {
    const s = (await api.activeSession())!;
    await api.setSessionTags(s.id, ['review', 'agent', 'review']);
    assert.deepEqual((await api.activeSession())!.tags, ['review', 'agent']);
    await vscode.commands.executeCommand(Commands.editSessionTags, { sessionId: s.id, tags: ['done'] });
    assert.deepEqual((await api.activeSession())!.tags, ['done']);
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand(Commands.editSessionTags, { sessionId: s.id, tags: 'not a list' })), /list of strings/);
    await api.setSessionTags(s.id, []);

    await turn('sz: base', { 'sz/f.txt': '12345' });
    const cp = await turn('sz: grow', { 'sz/f.txt': '1234567890' });
    const f = cp.files.find((x) => x.uri.fsPath === file('sz/f.txt'))!;
    assert.equal(f.beforeSize, 5);
    assert.equal(f.afterSize, 10);
  });
});
