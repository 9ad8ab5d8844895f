// Verify Store, Repair Store, Export Session and Import Session as commands in a real extension
// host, run with arguments (the way tasks, keybindings and agents call them: no prompts, results
// returned, errors thrown).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SessionTreeApi } from '../../src/api';
import type { RepairReport, SessionInfo, StoreCheck } from '../../src/core/types';
import { Commands } from '../../src/vscode/ids';
import { sessionTreeApi } from './support';

describe('Session Tree store commands', function () {
  this.timeout(60_000);
  let api: SessionTreeApi;
  let root: string;
  let dir: string;

  before(async () => {
    api = await sessionTreeApi();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    dir = mkdtempSync(path.join(os.tmpdir(), 'st-integration-'));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('Verify Store returns a report in plain words; Repair Store finds the store sound', async () => {
    const check = await vscode.commands.executeCommand<StoreCheck>(Commands.verifyStore, {});
    assert.equal(check.ok, true, check.problems.join('\n'));
    assert.match(check.summary, /^The store is sound: checked \d+ snapshots?/);
    const report = await vscode.commands.executeCommand<RepairReport>(Commands.repairStore, {});
    assert.equal(report.check.ok, true);
    assert.deepEqual(report.lost, []);
  });

  it('Export Session writes one file; Import Session adds it as a new session without touching a file', async () => {
    writeFileSync(path.join(root, 'exported.txt'), 'in the export\n');
    await api.createCheckpoint({ label: 'before export' });
    const file = path.join(dir, 'session.stexport');
    const r = await vscode.commands.executeCommand<{ checkpoints: number; file: string }>(Commands.exportSession, { file });
    assert.ok(existsSync(file));
    assert.ok(r.checkpoints >= 2);
    const before = readFileSync(path.join(root, 'exported.txt'), 'utf8');
    const s = await vscode.commands.executeCommand<SessionInfo>(Commands.importSession, { file, title: 'imported copy' });
    assert.equal(s.title, 'imported copy');
    assert.equal(s.active, false);
    assert.equal(readFileSync(path.join(root, 'exported.txt'), 'utf8'), before);
    await vscode.commands.executeCommand(Commands.deleteSession, { sessionId: s.id });
  });

  it('Import Session refuses a damaged file with a clear error and adds nothing', async () => {
    const file = path.join(dir, 'damaged.stexport');
    writeFileSync(file, 'STEXPORT1\nthis is not really an export at all');
    const before = (await api.sessions()).length;
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand(Commands.importSession, { file })),
      /is not a valid Session Tree export: its end is missing.*Nothing was imported/,
    );
    assert.equal((await api.sessions()).length, before);
  });
});
