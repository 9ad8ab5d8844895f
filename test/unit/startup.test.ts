// A deferred open (`open({ deferScan: true })`): what a first paint reads is there at once, the rest
// (snapshot indexes, mirror, journal recovery, the scan for changes made while closed) runs in
// `startupScan` — or before the first call that changes anything.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Engine } from '../../src/core/engine';
import { makeFixture } from './helpers';

describe('deferred open', () => {
  it('serves sessions, checkpoints and working changes as saved, then the start-up scan records changes made while closed', async () => {
    const fx = await makeFixture({ 'a.txt': 'a1\n', 'd/b.txt': 'b1\n' });
    try {
      fx.write('a.txt', 'a2\n');
      fx.engine.rescan();
      const cp = fx.engine.createCheckpoint({ label: 'first' })!;
      fx.write('d/b.txt', 'b2\n'); // a working change, saved with the store
      fx.engine.notifyChanged([fx.abs('d/b.txt')]);
      await fx.engine.close();
      fx.write('a.txt', 'a3 while closed\n');
      fx.engine = new Engine({ storageDir: fx.store, roots: [{ name: 'ws', path: fx.ws }], racyWindowMs: 0 });
      const opened = await fx.engine.open({ deferScan: true });
      assert.equal(opened.scanned, 0);
      const s = fx.engine.activeSession()!;
      assert.equal(s.headId, cp.id);
      assert.deepEqual(fx.engine.checkpoints({ limit: 5 }).map((c) => c.label), ['first', 'Session start']);
      const wc = fx.engine.workingChanges();
      assert.deepEqual(wc.map((f) => [f.key, f.change]), [['ws/d/b.txt', 'modified']]);
      assert.equal(fx.engine.readContent(wc[0].after!.hash).toString(), 'b2\n');
      assert.equal(fx.engine.readContent(wc[0].before!.hash).toString(), 'b1\n');
      const report = await fx.engine.startupScan();
      assert.equal(report.scanned, 2);
      assert.equal(report.tracked, 2);
      assert.ok(report.externalCheckpointId);
      const labels = fx.engine.checkpoints({ limit: 5 }).map((c) => c.label);
      assert.deepEqual(labels, ['Changed outside VS Code', 'Working changes from the last run', 'first', 'Session start']);
      assert.deepEqual(fx.engine.workingChanges(), []);
      assert.equal((await fx.engine.startupScan()).externalCheckpointId, undefined, 'a second call has nothing to do');
    } finally {
      await fx.cleanup();
    }
  });

  it('a change before the start-up scan runs it first, so the scan does not fold into that change', async () => {
    const fx = await makeFixture({ 'a.txt': 'a1\n' });
    try {
      await fx.engine.close();
      fx.write('a.txt', 'a2 while closed\n');
      fx.engine = new Engine({ storageDir: fx.store, roots: [{ name: 'ws', path: fx.ws }], racyWindowMs: 0 });
      await fx.engine.open({ deferScan: true });
      const cp = fx.engine.createCheckpoint({ label: 'manual', allowEmpty: true })!;
      assert.deepEqual(cp.files, [], 'the change made while closed is not this checkpoint\'s');
      const line = fx.engine.checkpoints({ limit: 3 });
      assert.deepEqual(line.map((c) => c.label), ['manual', 'Changed outside VS Code', 'Session start']);
      assert.deepEqual(fx.engine.checkpoint(line[1].id).files.map((f) => f.key), ['ws/a.txt']);
    } finally {
      await fx.cleanup();
    }
  });

  it('closing right after a deferred open leaves the store as it was', async () => {
    const fx = await makeFixture({ 'a.txt': 'a1\n' });
    try {
      fx.write('a.txt', 'a2\n');
      fx.engine.rescan();
      const cp = fx.engine.createCheckpoint()!;
      await fx.engine.close();
      fx.engine = new Engine({ storageDir: fx.store, roots: [{ name: 'ws', path: fx.ws }], racyWindowMs: 0 });
      await fx.engine.open({ deferScan: true });
      await fx.engine.close();
      await fx.reopen();
      assert.equal(fx.engine.activeSession()!.headId, cp.id);
      assert.equal(fx.engine.verify().ok, true);
      await fx.engine.restore({ kind: 'rewind', checkpointId: fx.engine.activeSession()!.rootId });
      assert.equal(fx.read('a.txt')!.toString(), 'a1\n');
    } finally {
      await fx.cleanup();
    }
  });
});

describe('scans with a helper thread', () => {
  it('a large scan that stats part of the files on a helper thread finds exactly the changes a plain one finds', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 5000; i++) files[`d${i % 37}/f${i}.txt`] = `file ${i}\n`.repeat(1 + (i % 5));
    const fx = await makeFixture(files, { helperThreads: true });
    try {
      // A change in every folder: both this thread's part of the listing and the helper's.
      const want: string[] = [];
      for (let d = 0; d < 37; d++) {
        if (d === 2) continue;
        fx.write(`d${d}/f${d + 37}.txt`, `changed ${d}\n`);
        want.push(`modified ws/d${d}/f${d + 37}.txt`);
      }
      fx.rm('d2/f2.txt');
      want.push('deleted ws/d2/f2.txt');
      fx.write('new/added.txt', 'new\n');
      want.push('added ws/new/added.txt');
      fx.engine.rescan();
      const changes = fx.engine.workingChanges().map((f) => `${f.change} ${f.key}`);
      assert.deepEqual(changes.sort(), want.sort());
      const cp = fx.engine.createCheckpoint()!;
      assert.equal(cp.fileCount, 38);
      fx.engine.rescan();
      assert.deepEqual(fx.engine.workingChanges(), [], 'an unchanged tree has no changes');
      await fx.engine.restore({ kind: 'rewind', checkpointId: fx.engine.activeSession()!.rootId });
      assert.equal(fx.read('d1/f38.txt')!.toString(), 'file 38\nfile 38\nfile 38\nfile 38\n');
      assert.equal(fx.read('new/added.txt'), undefined);
    } finally {
      await fx.cleanup();
    }
  });
});
