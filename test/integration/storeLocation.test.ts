// The store location (`sessionTree.storage.location`) in a real extension host: changing the setting
// moves the store (copied, verified, switched, the old folder removed), the sessions and every
// recorded version come along, and clearing it moves the store back.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SessionTreeApi } from '../../src/api';
import type { StorageReport } from '../../src/core/storageTypes';
import { Commands } from '../../src/vscode/ids';
import { sessionTreeApi, setSetting, until } from './support';

describe('Session Tree store location', function () {
  this.timeout(120_000);
  let api: SessionTreeApi;
  let root: string;
  const location = path.join(tmpdir(), `st-location-it-${process.pid}`);

  /** The store's report once the engine answers (a restart in progress: not yet). */
  const report = async () => {
    try {
      return await vscode.commands.executeCommand<StorageReport>(Commands.showStorage, {});
    } catch {
      return undefined;
    }
  };

  before(async () => {
    api = await sessionTreeApi();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
  });

  after(async () => {
    await setSetting('storage.location', undefined);
    rmSync(location, { recursive: true, force: true });
  });

  it('changing the setting moves the store there with its sessions, removes the old folder, and clearing it moves the store back', async () => {
    const dir = path.join(root, 'location-it');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'kept.txt');
    await api.willEdit([vscode.Uri.file(file)]);
    writeFileSync(file, 'recorded before the move\n');
    const cp = await api.createCheckpoint({ label: 'before the move' });
    assert.ok(cp);
    const before = (await report())!;
    const sessions = (await api.sessions()).map((s) => `${s.id}:${s.title}:${s.headId}`).sort();
    const oldFolder = before.folder;
    const expected = path.join(location, path.basename(path.dirname(oldFolder)));

    // A folder inside the workspace is refused (nothing is written there); the valid one set next wins.
    await setSetting('storage.location', path.join(root, 'not-here'));
    await setSetting('storage.location', location);
    const moved = await until('the store to be open in its new place', async () => {
      const r = await report();
      return r?.folder === expected && r;
    }, 60_000);
    assert.ok(!existsSync(path.join(root, 'not-here')), 'nothing was written into the workspace');
    assert.ok(existsSync(path.join(expected, 'state.db')));
    assert.ok(!existsSync(path.join(oldFolder, 'state.db')) && !existsSync(path.join(oldFolder, 'objects')), 'the old store is gone');
    assert.equal(moved.checkpoints, before.checkpoints);
    assert.equal(moved.snapshots, before.snapshots);
    assert.deepEqual((await api.sessions()).map((s) => `${s.id}:${s.title}:${s.headId}`).sort(), sessions);

    // Recording goes on in the new place, and the old version restores byte for byte from it.
    await api.willEdit([vscode.Uri.file(file)]);
    writeFileSync(file, 'recorded after the move\n');
    const next = await api.createCheckpoint({ label: 'after the move' });
    assert.ok(next);
    await api.rewind(cp.id);
    assert.equal(readFileSync(file, 'utf8'), 'recorded before the move\n');

    await setSetting('storage.location', undefined);
    const back = await until('the store to be back in workspace storage', async () => {
      const r = await report();
      return r?.folder === oldFolder && r;
    }, 60_000);
    assert.ok(!existsSync(expected), 'the folder it was moved to is removed after the move back');
    assert.ok(back.checkpoints >= moved.checkpoints + 1, `${back.checkpoints} checkpoints after the move back`);
    await api.rewind(next.id);
    assert.equal(readFileSync(file, 'utf8'), 'recorded after the move\n', 'what was recorded in the new place came back');
    rmSync(dir, { recursive: true, force: true });
  });
});
