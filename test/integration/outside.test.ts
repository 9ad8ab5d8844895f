// Issue 12 through the extension as it runs: a rewind driven by the API never follows a temp-name
// link a repository planted beside a tracked file; the outside file stays byte for byte the same.
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SessionTreeApi } from '../../src/api';
import { EXTENSION_ID } from './support';


describe('Session Tree: never outside the workspace', function () {
  this.timeout(60_000);
  let api: SessionTreeApi;
  let root: string;
  const file = (rel: string) => path.join(root, rel);

  before(async () => {
    const extension = vscode.extensions.getExtension<SessionTreeApi>(EXTENSION_ID);
    assert.ok(extension);
    api = await extension.activate();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    await api.ready;
  });

  it('a rewind does not follow a planted README.md.st-tmp link to an outside file', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'st-outside-'));
    const bashrc = path.join(outside, 'bashrc');
    writeFileSync(bashrc, 'export PATH=$HOME/bin:$PATH\n');
    const readme = file('planted/README.md');
    try {
      mkdirSync(path.dirname(readme), { recursive: true });
      await api.willEdit([vscode.Uri.file(readme)]);
      writeFileSync(readme, 'v1\n');
      const v1 = await api.createCheckpoint({ label: 'planted v1' });
      assert.ok(v1);
      await api.willEdit([vscode.Uri.file(readme)]);
      writeFileSync(readme, 'v2\n');
      assert.ok(await api.createCheckpoint({ label: 'planted v2' }));
      // What a cloned repository can ship: the restore's old temp name, linked out.
      symlinkSync(bashrc, readme + '.st-tmp');
      await api.rewind(v1.id);
      assert.equal(readFileSync(readme, 'utf8'), 'v1\n');
      assert.equal(lstatSync(readme).isFile(), true, 'README.md is a regular file, not a link');
      assert.equal(lstatSync(readme + '.st-tmp').isSymbolicLink(), true, 'the planted link is left alone');
      assert.equal(readFileSync(bashrc, 'utf8'), 'export PATH=$HOME/bin:$PATH\n', 'the outside file is untouched');
    } finally {
      rmSync(path.dirname(readme), { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
      await api.createCheckpoint({ label: 'planted removed' });
    }
  });
});
