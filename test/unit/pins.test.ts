// A restore opens and validates each folder once (restore/dirs.ts FolderPins), and every later file
// in it re-checks the folder before each operation: a folder moved or swapped for a link between
// two of its files is caught, nothing is written outside, and folders the restore removes and needs
// again are created afresh.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { proxyFs } from './faultfs';
import { diffSnapshots, makeFixture, snapshotDir } from './helpers';

describe('a restore opens each folder once', () => {
  it('twenty files in one folder: the folder is opened once, every file restored byte for byte', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`deep/er/f${i}.txt`] = `v1 ${i}\n`;
    const px = proxyFs();
    const fx = await makeFixture(files, { fs: px.fs });
    try {
      const root = fx.engine.activeSession()!.rootId;
      const v2: Record<string, string> = {};
      for (let i = 0; i < 20; i++) v2[`deep/er/f${i}.txt`] = `v2 ${i}\n`;
      fx.commit(v2);
      const opened: string[] = [];
      px.onCall = (call) => {
        if (call.op === 'openSync' && /(^|\/)er$/.test(call.paths[0] ?? '')) opened.push(call.paths[0]!);
      };
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      px.onCall = undefined;
      assert.deepEqual(r.files.map((f) => f.status), new Array(20).fill('restored'));
      assert.equal(opened.length, 1, `deep/er opened ${opened.length} times`);
      for (let i = 0; i < 20; i++) assert.equal(fs.readFileSync(fx.abs(`deep/er/f${i}.txt`), 'utf8'), `v1 ${i}\n`);
    } finally {
      await fx.cleanup();
    }
  });

  it('a folder moved out and swapped for a link between two of its files: the second is never written outside', async () => {
    const px = proxyFs();
    const fx = await makeFixture({ 'a/x.txt': 'x1\n', 'a/y.txt': 'y1\n' }, { fs: px.fs });
    const outside = path.join(fx.dir, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'y.txt'), 'outside y\n');
    const before = snapshotDir(outside);
    try {
      const root = fx.engine.activeSession()!.rootId;
      fx.commit({ 'a/x.txt': 'x2\n', 'a/y.txt': 'y2\n' });
      let armed = false;
      let fired = false;
      // Right after the first file's rename (at the next call): the folder is pinned, and the next
      // file would reuse it.
      px.onCall = (call) => {
        if (fired) return;
        if (armed) {
          fired = true;
          fs.renameSync(fx.abs('a'), fx.abs('a.moved'));
          fs.symlinkSync(outside, fx.abs('a'));
          return;
        }
        if (call.op === 'renameSync' && (call.paths[1] ?? '').endsWith('/x.txt')) armed = true;
      };
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      px.onCall = undefined;
      assert.ok(fired, 'the hook fired');
      const x = r.files.find((f) => f.key === 'ws/a/x.txt')!;
      const y = r.files.find((f) => f.key === 'ws/a/y.txt')!;
      assert.equal(x.status, 'restored');
      assert.equal(y.status, 'failed');
      assert.match(y.reason!, /symbolic link/);
      assert.deepEqual(diffSnapshots(snapshotDir(outside), before), [], 'nothing outside changed');
      assert.equal(fs.readFileSync(fx.abs('a.moved/x.txt'), 'utf8'), 'x1\n', 'the first file, restored before the move');
      assert.equal(fs.readFileSync(fx.abs('a.moved/y.txt'), 'utf8'), 'y2\n', 'the moved folder keeps its second file as it was');
    } finally {
      await fx.cleanup();
    }
  });

  it('more folders than it keeps open, and a folder it removes then needs again: every file byte for byte', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`p${i % 10}/q${i}/f.txt`] = `v1 ${i}\n`;
    files['gone/old.txt'] = 'old\n';
    const fx = await makeFixture(files);
    try {
      const first = fx.engine.activeSession()!.rootId;
      const v2: Record<string, string | null> = { 'gone/old.txt': null, 'gone2/new.txt': 'n\n' };
      for (let i = 0; i < 300; i++) v2[`p${i % 10}/q${i}/f.txt`] = `v2 ${i}\n`;
      const second = fx.commit(v2)!;
      // Back to the first: gone/ comes back; then to the second: gone/ is emptied and removed.
      const r1 = await fx.engine.restore({ kind: 'rewind', checkpointId: first });
      assert.equal(r1.files.filter((f) => f.status === 'failed').length, 0, JSON.stringify(r1.files.filter((f) => f.status === 'failed')));
      const snap1 = fx.snapshot();
      assert.equal(snap1.get('gone/old.txt')?.toString(), 'old\n');
      assert.equal(snap1.get('p3/q123/f.txt')?.toString(), 'v1 123\n');
      assert.ok(!snap1.has('gone2/new.txt'));
      const r2 = await fx.engine.restore({ kind: 'rewind', checkpointId: second.id });
      assert.equal(r2.files.filter((f) => f.status === 'failed').length, 0);
      const snap2 = fx.snapshot();
      assert.ok(!fs.existsSync(fx.abs('gone')), 'the emptied folder is removed');
      assert.equal(snap2.get('gone2/new.txt')?.toString(), 'n\n');
      for (let i = 0; i < 300; i++) assert.equal(snap2.get(`p${i % 10}/q${i}/f.txt`)?.toString(), `v2 ${i}\n`);
    } finally {
      await fx.cleanup();
    }
  });
});
