// A teammate's session, exported from their checkout (a folder with another name), imported into
// this workspace through the real extension: its folder maps onto the open one, a checkpoint made
// right after switching holds only the real differences, and every one of the teammate's
// checkpoints rewinds byte for byte into this folder. The teammate's store is a real engine over a
// real folder (a copy of this workspace), as their VS Code would have it.
import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SessionTreeApi } from '../../src/api';
import type { ImportedSession } from '../../src/core/exchange';
import { Engine } from '../../src/core/engine';
import { Commands } from '../../src/vscode/ids';
import { sessionTreeApi } from './support';

/** Every regular file under `root` but .git, relative path → bytes. */
function files(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name !== '.git') walk(r);
      } else if (e.isFile()) out.set(r, readFileSync(path.join(root, r)));
    }
  };
  walk('');
  return out;
}

function differences(actual: Map<string, Buffer>, expected: Map<string, Buffer>): string[] {
  const out: string[] = [];
  for (const [k, v] of expected) if (!actual.get(k)?.equals(v)) out.push(actual.has(k) ? `differs ${k}` : `missing ${k}`);
  for (const k of actual.keys()) if (!expected.has(k)) out.push(`unexpected ${k}`);
  return out;
}

describe('Import Session into a folder with another name', function () {
  this.timeout(120_000);
  let api: SessionTreeApi;
  let root: string;
  let dir: string;

  before(async () => {
    api = await sessionTreeApi();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    dir = mkdtempSync(path.join(os.tmpdir(), 'st-imports-'));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a session exported from checkout "myproj" rewinds byte for byte into this folder, and switching to it shows only the real differences', async () => {
    // Where this workspace is now, to come back to at the end.
    await api.createCheckpoint({ label: 'before the teammate' });
    const mine = (await api.activeSession())!;
    const myHead = mine.headId;

    // The teammate: a checkout named "myproj" with this workspace's files, and three checkpoints.
    const theirs = path.join(dir, 'myproj');
    cpSync(root, theirs, { recursive: true, filter: (src) => path.basename(src) !== '.git' });
    const engine = new Engine({ storageDir: path.join(dir, 'their-store'), roots: [{ name: 'myproj', path: theirs }], racyWindowMs: 0 });
    await engine.open();
    const states: Map<string, Buffer>[] = [files(theirs)];
    const step = (label: string, change: () => void) => {
      change();
      engine.rescan();
      assert.ok(engine.createCheckpoint({ label, source: 'agent' }), label);
      states.push(files(theirs));
    };
    step('teammate: add a module', () => {
      mkdirSync(path.join(theirs, 'teammate', 'deep'), { recursive: true });
      writeFileSync(path.join(theirs, 'teammate', 'deep', 'module.ts'), 'export const answer = 42;\n');
      writeFileSync(path.join(theirs, 'teammate', 'blob.bin'), Buffer.from([0, 255, 1, 254, 0, 0, 7]));
      writeFileSync(path.join(theirs, 'notes.txt'), 'one\ntwo (edited by the teammate)\nthree\n');
    });
    step('teammate: a script', () => {
      writeFileSync(path.join(theirs, 'teammate', 'run.sh'), '#!/bin/sh\necho hi\n');
      chmodSync(path.join(theirs, 'teammate', 'run.sh'), 0o755);
      writeFileSync(path.join(theirs, 'teammate', 'deep', 'module.ts'), 'export const answer = 43;\n');
    });
    step('teammate: remove the binary', () => rmSync(path.join(theirs, 'teammate', 'blob.bin')));
    const file = path.join(dir, 'teammate.stexport');
    engine.exportSession(engine.activeSession()!.id, file);
    const theirIds = engine.checkpoints({}).map((c) => c.id).reverse();
    await engine.close();
    assert.equal(theirIds.length, 4);

    const s = await vscode.commands.executeCommand<ImportedSession>(Commands.importSession, { file });
    const here = path.basename(root);
    assert.deepEqual(s.folders.map((f) => [f.from, f.to, f.how]), [['myproj', here, 'single']]);
    assert.deepEqual(differences(files(root), states[0]), [], 'importing touched no file');

    await api.switchSession(s.id);
    // Working changes are what differs from the teammate's last checkpoint — their changes, undone
    // here — not every file deleted in one folder and added in another.
    const sealed = await api.createCheckpoint({ label: 'what differs here' });
    assert.ok(sealed);
    const changed = sealed.files.map((f) => `${path.relative(root, f.uri.fsPath)} ${f.change}`).sort();
    assert.deepEqual(changed, ['notes.txt modified', 'teammate/deep/module.ts deleted', 'teammate/run.sh deleted']);

    // The teammate's checkpoints, oldest first, as imported here.
    const ids = (await api.checkpoints({ sessionId: s.id, limit: 100 })).map((c) => c.id).reverse().slice(0, 4);
    for (const n of [3, 0, 2, 1, 3]) {
      const r = await api.rewind(ids[n]);
      assert.ok(r.files.every((f) => f.status !== 'failed' && f.status !== 'skipped'), JSON.stringify(r.files));
      assert.deepEqual(differences(files(root), states[n]), [], `rewind to the teammate's checkpoint ${n}`);
      if (n >= 2) assert.equal(statSync(path.join(root, 'teammate', 'run.sh')).mode & 0o777, 0o755, 'the mode comes along');
    }

    // Back where this workspace was.
    await api.switchSession(mine.id);
    await api.rewind(myHead);
    assert.deepEqual(differences(files(root), states[0]), []);
  });

  it('a folder mapping that names a folder that is not open is refused and imports nothing', async () => {
    const other = path.join(dir, 'two');
    mkdirSync(path.join(other, 'a'), { recursive: true });
    mkdirSync(path.join(other, 'b'), { recursive: true });
    writeFileSync(path.join(other, 'a', 'x.txt'), 'a\n');
    writeFileSync(path.join(other, 'b', 'y.txt'), 'b\n');
    const engine = new Engine({ storageDir: path.join(dir, 'two-store'), roots: [{ name: 'a', path: path.join(other, 'a') }, { name: 'b', path: path.join(other, 'b') }], racyWindowMs: 0 });
    await engine.open();
    const file = path.join(dir, 'two.stexport');
    engine.exportSession(engine.activeSession()!.id, file);
    await engine.close();
    const before = (await api.sessions()).length;
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand(Commands.importSession, { file })),
      /"a", "b" match no open workspace folder.*Nothing was imported/,
    );
    await assert.rejects(
      api.importSession(vscode.Uri.file(file), { folders: { a: 'nowhere', b: null } }),
      /"nowhere", which is not an open workspace folder.*Nothing was imported/,
    );
    assert.equal((await api.sessions()).length, before);
    const s = await api.importSession(vscode.Uri.file(file), { folders: { a: path.basename(root), b: null } });
    assert.deepEqual(s.folders, [{ from: 'a', to: path.basename(root), how: 'chosen' }, { from: 'b', to: null, how: 'chosen' }]);
    await vscode.commands.executeCommand(Commands.deleteSession, { sessionId: s.id });
  });
});
