// Storage (issue 14) in a real extension host: the sizes the engine reports against the store's
// folder on disk, Delete Sessions… and Compact Store… as commands (with arguments: no prompts), and
// every checkpoint that remains after a compaction restored byte for byte.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SessionTreeApi } from '../../src/api';
import type { CompactPlan, StorageReport } from '../../src/core/storageTypes';
import { Commands } from '../../src/vscode/ids';
import { sessionTreeApi } from './support';

describe('Session Tree storage', function () {
  this.timeout(120_000);
  let api: SessionTreeApi;
  let root: string;
  const dir = () => path.join(root, 'storage-it');

  const report = () => vscode.commands.executeCommand<StorageReport>(Commands.showStorage, {});

  async function turn(label: string, files: Record<string, string | Buffer>) {
    const uris = Object.keys(files).map((rel) => vscode.Uri.file(path.join(dir(), rel)));
    await api.willEdit(uris);
    for (const [rel, content] of Object.entries(files)) writeFileSync(path.join(dir(), rel), content);
    const cp = await api.createCheckpoint({ label });
    assert.ok(cp, `turn "${label}" made no checkpoint`);
    return cp;
  }

  /** The files of the test's folder, name → bytes. */
  const files = () => new Map(readdirSync(dir()).sort().map((n) => [n, readFileSync(path.join(dir(), n))] as const));

  before(async () => {
    api = await sessionTreeApi();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    mkdirSync(dir(), { recursive: true });
  });

  it('reports the store size as it is on disk, and Delete Sessions frees what only the deleted session held', async () => {
    const old = await api.newSession({ title: 'storage: old session' });
    await turn('big file', { 'big.bin': randomBytes(300_000) });
    await turn('big file gone', { 'big.bin': 'small now' });
    const before = await report();
    const du = Number(execFileSync('du', ['-s', '-b', before.folder]).toString().split(/\s/)[0]);
    const folders = Number(execFileSync('sh', ['-c', `find "${before.folder}" -type d | wc -l`]).toString().trim());
    assert.ok(Math.abs(du - before.totalBytes) <= folders * 4096 + 64 * 1024, `reported ${before.totalBytes}, du ${du}`);
    const mine = before.sessions.find((s) => s.id === old.id)!;
    assert.ok(mine.ownBytes >= 250_000, `the old session alone holds the big file (${mine.ownBytes})`);

    // The active session is refused with the reason, and nothing is deleted.
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand(Commands.deleteSessions, { sessionIds: [old.id] })),
      /is the active session.*Switch to another session first/,
    );
    await api.newSession({ title: 'storage: current' });
    const r = await vscode.commands.executeCommand<{ deleted: number; freed: number }>(Commands.deleteSessions, { sessionIds: [old.id] });
    assert.equal(r.deleted, 1);
    assert.ok(r.freed >= 250_000, `freed ${r.freed}`);
    const after = await report();
    assert.ok(after.snapshotBytes <= before.snapshotBytes - 250_000, `snapshots ${before.snapshotBytes} → ${after.snapshotBytes}`);
    assert.ok(!(await api.sessions()).some((s) => s.id === old.id));
  });

  it('Show Storage lists the files left out for their size', async () => {
    writeFileSync(path.join(dir(), 'too-large.bin'), randomBytes(6 * 1024 * 1024));
    try {
      const r = await vscode.commands.executeCommand<StorageReport & { leftOutForSize: { limit: number; files: { path: string; size: number }[] } }>(Commands.showStorage, {});
      assert.equal(r.leftOutForSize.limit, 5 * 1024 * 1024);
      assert.ok(r.leftOutForSize.files.some((f) => f.path === path.join(dir(), 'too-large.bin')), JSON.stringify(r.leftOutForSize));
    } finally {
      rmSync(path.join(dir(), 'too-large.bin'));
    }
  });

  it('Compact Store squashes old unlabelled history; every remaining checkpoint restores byte for byte', async () => {
    const states = new Map<string, Map<string, Buffer>>();
    for (let i = 1; i <= 6; i++) {
      const cp = await turn(`step ${i}`, { 'a.txt': `version ${i}\n${randomBytes(2000).toString('hex')}\n`, [`f${i}.txt`]: `file ${i}\n` });
      states.set(cp.id, files());
    }
    const plan = await vscode.commands.executeCommand<CompactPlan>(Commands.compactStore, { keepDays: 0 });
    assert.ok(plan.checkpoints >= 4, `compacted ${plan.checkpoints}`);
    const remaining = new Set((await api.checkpoints({ limit: 1000 })).map((c) => c.id));
    const kept = [...states.keys()].filter((id) => remaining.has(id));
    assert.ok(kept.length < states.size, 'some steps were squashed');
    assert.ok(kept.length >= 1, 'the head stays');
    for (const id of kept) {
      await api.rewind(id);
      assert.deepEqual(files(), states.get(id), `checkpoint ${id} restores exactly`);
    }
    const check = await vscode.commands.executeCommand<{ ok: boolean; notes: string[] }>(Commands.verifyStore, {});
    assert.equal(check.ok, true);
    assert.ok(check.notes.some((n) => /^The store holds \d/.test(n)), 'Verify Store reports the sizes');
  });
});
