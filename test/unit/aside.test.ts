// The second name a restore keeps of each file it replaces (restore/aside.ts): made in the store's
// aside folder on the same file system (no extra name in the user's folders), unlinked after the
// restore returned, put back when another program wrote the file meanwhile, left-overs removed at
// the next open; beside the file where the store is on another file system.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ASIDE_DIR, Aside } from '../../src/core/restore/aside';
import type { RestoreFileResult } from '../../src/core/types';
import { proxyFs } from './faultfs';
import { makeFixture, tempDir } from './helpers';

const byKey = (files: RestoreFileResult[], key: string) => files.find((f) => f.key === key)!;
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};
/** Names anywhere under `dir` that are not among `expected` (rel paths). */
const extraNames = (dir: string, expected: string[]) =>
  fs.readdirSync(dir, { recursive: true }).map(String).filter((n) => !expected.includes(n) && !fs.statSync(path.join(dir, n)).isDirectory());

describe('restore: the second name of a replaced file is kept in the store', () => {
  it('a rewind links each replaced file into the aside folder, never beside it, and unlinks them after it returned', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`src/m${i % 4}/f${i}.ts`] = `v1 ${i}\n`;
    const px = proxyFs();
    const fx = await makeFixture(files, { fs: px.fs });
    try {
      const root = fx.engine.activeSession()!.rootId;
      fx.commit(Object.fromEntries(Object.keys(files).map((k) => [k, `v2 ${k}\n`])));
      const links: string[] = [];
      px.onCall = (call) => {
        if (call.op === 'linkSync') links.push(call.paths[1]!);
      };
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      px.onCall = undefined;
      for (const k of Object.keys(files)) assert.equal(byKey(r.files, `ws/${k}`).status, 'restored');
      assert.equal(links.length, 20, 'one second name per replaced file');
      const asideDir = path.join(fx.store, ASIDE_DIR);
      for (const l of links) assert.equal(path.dirname(l), asideDir, `${l} is in the store's aside folder`);
      // Nothing but the files in the workspace, at once.
      assert.deepEqual(extraNames(fx.ws, Object.keys(files)), []);
      for (const [k, v] of Object.entries(files)) {
        assert.equal(fx.read(k)!.toString(), v);
        assert.equal(fs.statSync(fx.abs(k)).nlink, 1, `${k} has no second name left`);
      }
      await turns(20);
      assert.deepEqual(fs.readdirSync(asideDir), [], 'unlinked after the restore returned');
    } finally {
      await fx.cleanup();
    }
  });

  it('an in-place write by another program right as the rename happens is put back from the aside folder: skipped, no byte lost', async () => {
    const px = proxyFs();
    const fx = await makeFixture({ 'a.txt': 'a1\n', 'b.txt': 'b1\n' }, { fs: px.fs });
    try {
      const root = fx.engine.activeSession()!.rootId;
      fx.commit({ 'a.txt': 'a2\n', 'b.txt': 'b2\n' });
      let armed = true;
      let linkedInto = '';
      px.onCall = (call) => {
        if (call.op === 'linkSync' && call.paths[0]?.endsWith('a.txt')) linkedInto = path.dirname(call.paths[1]!);
        if (armed && call.op === 'renameSync' && call.paths[1] === fx.abs('a.txt')) {
          armed = false;
          fs.appendFileSync(fx.abs('a.txt'), 'agent bytes, in place\n');
        }
      };
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      px.onCall = undefined;
      assert.equal(armed, false, 'the hook fired');
      assert.equal(linkedInto, path.join(fx.store, ASIDE_DIR));
      const a = byKey(r.files, 'ws/a.txt');
      assert.equal(a.status, 'skipped', a.reason);
      assert.match(a.reason!, /changed by another program while it was being restored/);
      assert.equal(fx.read('a.txt')!.toString(), 'a2\nagent bytes, in place\n');
      assert.equal(byKey(r.files, 'ws/b.txt').status, 'restored');
      assert.deepEqual(extraNames(fx.ws, ['a.txt', 'b.txt']), []);
    } finally {
      await fx.cleanup();
    }
  });

  it('second names an earlier engine left in the aside folder are removed at the next open; the files stay as they are', async () => {
    const fx = await makeFixture({ 'a.txt': 'a1\n' });
    try {
      await fx.engine.close();
      const asideDir = path.join(fx.store, ASIDE_DIR);
      fs.mkdirSync(asideDir, { recursive: true });
      fs.linkSync(fx.abs('a.txt'), path.join(asideDir, '0123456789ab-1'));
      assert.equal(fs.statSync(fx.abs('a.txt')).nlink, 2);
      await fx.reopen();
      assert.deepEqual(fs.readdirSync(asideDir), []);
      assert.equal(fs.statSync(fx.abs('a.txt')).nlink, 1);
      assert.equal(fx.read('a.txt')!.toString(), 'a1\n');
    } finally {
      await fx.cleanup();
    }
  });

  it('on another file system than the store (another device) no second name is made in the store', () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'f.txt');
      fs.writeFileSync(file, 'x');
      const aside = new Aside(fs, path.join(dir, ASIDE_DIR));
      const st = fs.statSync(file);
      assert.equal(aside.link(file, { dev: st.dev + 1 }, 'tok'), undefined, 'another device: the caller links beside the file');
      const p = aside.link(file, st, 'tok');
      assert.ok(p && aside.holds(p) && fs.statSync(file).nlink === 2, 'the same device: linked in the folder');
      aside.release(p!);
      assert.equal(aside.waiting, 1, 'not unlinked while the caller waits');
      aside.drain();
      assert.equal(fs.statSync(file).nlink, 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
