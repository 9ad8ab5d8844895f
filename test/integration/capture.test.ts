// Exact capture without willEdit, in a real VS Code: files written by another process in a burst of
// new nested folders (the case VS Code's own watcher reports late or never) are all in the next
// `createCheckpoint`, also with the CPUs kept busy — the engine's own watcher and its barrier
// (src/core/scan/watch.ts), or the walk where it cannot be trusted.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SessionTreeApi } from '../../src/api';
import { sessionTreeApi } from './support';

/** Node in a child process (the extension host's own binary, as Node). */
const nodeEnv = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };

/** 50 new nested folders with two files each under `root/tag`, written by a child process that has exited on return. */
function writeBurst(root: string, tag: string): string[] {
  const rels: string[] = [];
  for (let d = 0; d < 50; d++) for (const f of ['a.txt', 'b.txt']) rels.push(`${tag}/n${d}/x/y/${f}`);
  const script = `const fs=require('fs'),path=require('path');const [root,json]=process.argv.slice(1);` +
    `for(const rel of JSON.parse(json)){const p=path.join(root,rel);fs.mkdirSync(path.dirname(p),{recursive:true});fs.writeFileSync(p,rel+'\\n');}`;
  const r = spawnSync(process.execPath, ['-e', script, root, JSON.stringify(rels)], { env: nodeEnv, stdio: 'inherit' });
  assert.equal(r.status, 0, 'the writing child failed');
  return rels;
}

describe('Session Tree capture without willEdit', function () {
  this.timeout(120_000);
  let api: SessionTreeApi;
  let root: string;
  const made: string[] = [];

  before(async () => {
    api = await sessionTreeApi();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    await api.createCheckpoint({ label: 'before the capture tests' });
  });

  after(async () => {
    for (const tag of made) rmSync(path.join(root, tag), { recursive: true, force: true });
    await api.createCheckpoint({ label: 'capture tests cleaned up' });
  });

  const check = async (tag: string) => {
    made.push(tag);
    const rels = writeBurst(root, tag);
    const cp = await api.createCheckpoint({ label: `burst ${tag}` });
    const paths = new Set((cp?.files ?? []).map((f) => f.uri.fsPath));
    const missing = rels.filter((rel) => !paths.has(path.join(root, ...rel.split('/'))));
    assert.deepEqual(missing, [], `${missing.length} of ${rels.length} files missing from the checkpoint`);
    assert.equal(cp!.files.length, rels.length, 'nothing else in it');
  };

  it('100 files in 50 new nested folders written by another process are all in the next createCheckpoint', async () => {
    await check('burst-idle');
  });

  it('the same with two busy-loop processes keeping the CPUs busy', async () => {
    const busy: ChildProcess[] = [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;){}'], { env: nodeEnv, stdio: 'ignore' }));
    try {
      for (let round = 0; round < 3; round++) await check(`burst-busy-${round}`);
    } finally {
      busy.forEach((k) => k.kill('SIGKILL'));
    }
  });
});
