// Reads are answered while a long operation runs: the API's reads return while Export Session
// (run as a command with a file argument) is still writing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SessionTreeApi } from '../../src/api';
import { Commands } from '../../src/vscode/ids';
import { sessionTreeApi } from './support';

describe('Session Tree reads during a long operation', function () {
  this.timeout(120_000);
  let api: SessionTreeApi;
  let folder: string;
  let dir: string;

  before(async () => {
    api = await sessionTreeApi();
    folder = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'reads-during-export');
    dir = mkdtempSync(path.join(os.tmpdir(), 'st-integration-'));
  });

  after(async () => {
    rmSync(folder, { recursive: true, force: true });
    await api.createCheckpoint({ label: 'reads during export: cleaned up' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('API reads return while Export Session is still writing, and both results are right', async () => {
    mkdirSync(folder, { recursive: true });
    // ~16 MB that does not compress: an export long enough to be seen under way.
    const paths = Array.from({ length: 1000 }, (_, i) => path.join(folder, `f${i}.bin`));
    // Announced first, so the checkpoint holds every one of them whatever the watcher reports.
    await api.willEdit(paths.map((p) => vscode.Uri.file(p)));
    for (const p of paths) writeFileSync(p, randomBytes(16 * 1024));
    const cp = await api.createCheckpoint({ label: 'many snapshots' });
    assert.ok(cp);
    const file = path.join(dir, 'big.stexport');
    const order: string[] = [];
    const exported = Promise.resolve(vscode.commands.executeCommand<{ checkpoints: number; snapshots: number; bytes: number; file: string }>(Commands.exportSession, { file }))
      .then((r) => {
        order.push('export');
        return r;
      });
    // Once the export is writing (its temp file is there), read.
    let done = false;
    void exported.finally(() => (done = true));
    while (!existsSync(`${file}.st-export-tmp`) && !done) await new Promise((r) => setTimeout(r, 1));
    assert.equal(done, false, 'the export was seen under way');
    const read = api.sessions().then((s) => {
      order.push('sessions');
      return s;
    });
    const [r, sessions] = await Promise.all([exported, read]);
    assert.equal(order[0], 'sessions', `the read returned before the export ended (${order.join(', ')})`);
    assert.ok(sessions.length >= 1 && sessions.every((s) => typeof s.id === 'string'));
    assert.ok(existsSync(file));
    assert.equal(statSync(file).size, r.bytes);
    assert.ok(r.snapshots >= 1000, `the export holds every snapshot (${r.snapshots})`);
  });
});
