// Issue 17 in a real extension host: changes another program makes while VS Code runs become an
// "External changes: N files" checkpoint of their own after the quiet time, holding exactly those
// files, and never take what belongs to an open agent turn; Pause / Resume Recording: nothing is
// recorded while paused, restores still work, and on resume what changed while paused is one
// "Changes while paused" checkpoint.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { CheckpointInfo, SessionTreeApi } from '../../src/api';
import { sessionTreeApi, setSetting, until } from './support';

const DIR = 'recording-test';
/** Short, so the test does not wait long; the product's default is 5 s. */
const QUIET_MS = 400;

let api: SessionTreeApi;
let root: string;
const file = (rel: string) => path.join(root, DIR, ...rel.split('/'));
const read = (rel: string) => (existsSync(file(rel)) ? readFileSync(file(rel), 'utf8') : undefined);
const filesOf = (cp: CheckpointInfo) => cp.files.map((f) => path.relative(path.join(root, DIR), f.uri.fsPath).split(path.sep).join('/')).sort();

/** Another program writing files: a child process, as a build or a formatter would. */
function otherProgramWrites(files: Record<string, string>): Promise<void> {
  const script = `const fs=require('fs'),path=require('path');for(const [f,c] of Object.entries(${JSON.stringify(
    Object.fromEntries(Object.entries(files).map(([rel, content]) => [file(rel), content])),
  )})){fs.mkdirSync(path.dirname(f),{recursive:true});fs.writeFileSync(f,c);}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the writer exited with ${code}`))));
  });
}

/**
 * Lets the external quiet time pass several times over, for tests that check nothing was sealed.
 * A lower bound, never a race: on a slow machine the check only gets weaker, not flaky.
 */
const quietTimePasses = () => new Promise((r) => setTimeout(r, QUIET_MS * 6));

const newestId = async () => (await api.checkpoints({ limit: 1 }))[0]?.id;

describe('external changes and pause / resume recording', function () {
  this.timeout(90_000);

  before(async () => {
    api = await sessionTreeApi();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    mkdirSync(path.join(root, DIR), { recursive: true });
    await setSetting('editorQuietTime', 600_000);
    await setSetting('capture.externalQuietTime', QUIET_MS);
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('sessionTree.resumeRecording', {});
  });

  after(async () => {
    // The suite's own default (the harness's user settings): off, so other tests' writes wait for their checkpoints.
    await setSetting('capture.externalQuietTime', 0);
    await setSetting('editorQuietTime', undefined);
    rmSync(path.join(root, DIR), { recursive: true, force: true });
    await api.createCheckpoint({ label: 'recording: cleaned up' });
  });

  it('files another program writes become one "External changes: 3 files" checkpoint with exactly those files', async () => {
    await api.createCheckpoint({ label: 'recording: before external' });
    const before = await newestId();
    await otherProgramWrites({ 'ext/a.txt': 'a\n', 'ext/b.txt': 'b\n', 'ext/deep/c.txt': 'c\n' });
    const external = await until('the external checkpoint', async () => {
      const [newest] = await api.checkpoints({ limit: 1 });
      return newest && newest.id !== before ? newest : undefined;
    });
    assert.equal(external.source, 'external');
    assert.equal(external.label, 'External changes: 3 files');
    assert.equal(external.parentId, before);
    assert.deepEqual(filesOf(external), ['ext/a.txt', 'ext/b.txt', 'ext/deep/c.txt']);
  });

  it("an open agent turn keeps the files written during it: no external checkpoint takes them", async () => {
    await api.createCheckpoint({ label: 'recording: before turn' });
    await api.beginTurn();
    const opened = await newestId();
    await otherProgramWrites({ 'turn/one.txt': '1\n', 'turn/two.txt': '2\n' });
    await quietTimePasses();
    assert.equal(await newestId(), opened, 'nothing was sealed while the turn was open');
    const turn = await api.createCheckpoint({ label: 'recording: the agent turn', tools: ['write_file'] });
    assert.ok(turn, "the agent's turn made a checkpoint");
    assert.equal(turn.source, 'agent');
    assert.deepEqual(filesOf(turn), ['turn/one.txt', 'turn/two.txt']);
  });

  it('while paused nothing is recorded; Resume makes one "Changes while paused" checkpoint of what changed', async () => {
    await api.createCheckpoint({ label: 'recording: before pause' });
    const before = await newestId();
    assert.deepEqual(await vscode.commands.executeCommand('sessionTree.pauseRecording', {}), { paused: true });
    await otherProgramWrites({ 'paused/new.txt': 'made while paused\n', 'ext/a.txt': 'a, changed while paused\n' });
    assert.equal(await api.beginTurn(), undefined, 'no agent turn is recorded while paused');
    assert.equal(await api.createCheckpoint({ label: 'an agent checkpoint while paused' }), undefined);
    await quietTimePasses();
    assert.equal(await newestId(), before, 'no checkpoint while paused');

    const resumed = await vscode.commands.executeCommand<{ paused: boolean; checkpoint?: { id: string } }>('sessionTree.resumeRecording', {});
    assert.equal(resumed.paused, false);
    assert.ok(resumed.checkpoint, 'resume sealed what changed while paused');
    const [sealed] = await api.checkpoints({ limit: 1 });
    assert.equal(sealed.id, resumed.checkpoint.id);
    assert.equal(sealed.label, 'Changes while paused');
    assert.equal(sealed.parentId, before);
    assert.deepEqual(filesOf(sealed), ['ext/a.txt', 'paused/new.txt']);
    // Recording again: the next external change is sealed as usual.
    await otherProgramWrites({ 'paused/after.txt': 'after resume\n' });
    const next = await until('an external checkpoint after resume', async () => {
      const [newest] = await api.checkpoints({ limit: 1 });
      return newest && newest.id !== resumed.checkpoint!.id ? newest : undefined;
    });
    assert.equal(next.label, 'External changes: 1 file');
  });

  it('a rewind works while paused, and what changed while paused is kept in its safety checkpoint', async () => {
    writeFileSync(file('rewind.txt'), 'v1\n');
    const v1 = await api.createCheckpoint({ label: 'recording: rewind v1' });
    assert.ok(v1);
    await vscode.commands.executeCommand('sessionTree.pauseRecording', {});
    await otherProgramWrites({ 'rewind.txt': 'v2, while paused\n' });
    const result = await api.rewind(v1.id);
    assert.equal(read('rewind.txt'), 'v1\n');
    assert.ok(result.files.some((f) => f.uri.fsPath === file('rewind.txt') && f.status === 'restored'));
    // Nothing lost: undo brings back what was written while paused.
    await api.undoLastRestore();
    assert.equal(read('rewind.txt'), 'v2, while paused\n');
  });
});
