// Persistence (issue 11) in a real extension host: a checkpoint made through the API reaches the
// store's database log (state.db.log), and the store's files as they stand — what a kill would
// leave — open to a database that holds it. The kills themselves are the crash trials' (test/unit/crash.test.ts).
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SessionTreeApi } from '../../src/api';
import type { StorageReport } from '../../src/core/storageTypes';
import { StoreDb, loadSqlJs } from '../../src/storage/db';
import { HEADER_BYTES } from '../../src/storage/log';
import { Commands } from '../../src/vscode/ids';
import { EXTENSION_ID, sessionTreeApi, until } from './support';

describe('Session Tree persistence', function () {
  this.timeout(120_000);
  let api: SessionTreeApi;

  before(async () => {
    api = await sessionTreeApi();
  });

  it('a checkpoint reaches the database log, and the store as a kill would leave it opens with it', async () => {
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const dir = path.join(root, 'persistence-it');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'note.txt');
    await api.willEdit([vscode.Uri.file(file)]);
    writeFileSync(file, `durable ${Date.now()}\n`);
    const label = `persistence ${Date.now()}`;
    const cp = await api.createCheckpoint({ label });
    assert.ok(cp, 'a checkpoint was made');
    const store = (await vscode.commands.executeCommand<StorageReport>(Commands.showStorage, {})).folder;
    const wasm = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'sql-wasm.wasm');
    const SQL = await loadSqlJs(wasm);
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'st-persistence-'));
    try {
      // The save follows the save policy (debounced by default): wait for it, never for a time.
      const labels = await until('the checkpoint to be in the store on disk', () => {
        const copy = path.join(scratch, String(Date.now()));
        mkdirSync(copy);
        // The log first: a fold between the two copies leaves a new base (which holds everything) with an old log (not applied).
        const log = path.join(store, 'state.db.log');
        if (existsSync(log)) copyFileSync(log, path.join(copy, 'state.db.log'));
        copyFileSync(path.join(store, 'state.db'), path.join(copy, 'state.db'));
        const opened = new StoreDb(copy, SQL).open();
        try {
          const found = (opened.db.exec('SELECT label FROM checkpoints')[0]?.values ?? []).map((r) => String(r[0]));
          return found.includes(label) ? found : undefined;
        } finally {
          opened.db.close();
        }
      });
      assert.ok(labels.includes(label));
      const log = path.join(store, 'state.db.log');
      assert.ok(existsSync(log) && statSync(log).size > HEADER_BYTES, 'the extension appends to the database log');
      assert.equal(readFileSync(log).subarray(0, 8).toString('latin1'), 'STLOG001');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
