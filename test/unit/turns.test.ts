// Agent turns and exact capture in the engine: a turn begins by sealing what is pending into its
// own checkpoint, and a seal that walks holds every write that completed before it — bursts into
// new nested folders nobody reported included.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { makeFixture } from './helpers';

const rels = (ws: string, files: { path: string }[]) => files.map((f) => path.relative(ws, f.path).split(path.sep).join('/')).sort();

describe('agent turns', () => {
  it("a person's save still waiting to be sealed is its own checkpoint before the agent's turn, and rewinding before the turn gives it back", async () => {
    const fx = await makeFixture({ 'a.txt': 'v1\n', 'b.txt': 'b\n' });
    try {
      // The person saves v2 (the editor reported it); its quiet-time seal has not run yet.
      fx.write('a.txt', 'v2 by the person\n');
      fx.engine.notifyChanged([fx.abs('a.txt')]);
      // The agent announces a.txt: its turn begins.
      const before = fx.engine.beginTurn({ before: { source: 'editor', label: 'Saved a.txt' }, rescan: true, paths: [fx.abs('a.txt')] })!;
      assert.equal(before.source, 'editor');
      assert.deepEqual(before.files.map((f) => f.change), ['modified']);
      fx.write('a.txt', 'v3 by the agent\n');
      const turn = fx.engine.createCheckpoint({ source: 'agent', label: 'turn' })!;
      assert.equal(turn.parentId, before.id);
      assert.deepEqual(rels(fx.ws, turn.files), ['a.txt']);
      const version = await fx.engine.fileAt(before.id, fx.abs('a.txt'));
      assert.equal(Buffer.from(fx.engine.readContent(version!.hash)).toString(), 'v2 by the person\n');
      await fx.engine.restore({ kind: 'rewind', checkpointId: turn.id, before: true });
      assert.equal(fx.read('a.txt')!.toString(), 'v2 by the person\n');
    } finally {
      await fx.cleanup();
    }
  });

  it("another tool's write nobody reported is sealed before the turn, as external", async () => {
    const fx = await makeFixture({ 'a.txt': 'v1\n', 'gen/out.txt': 'old\n' });
    try {
      fx.write('gen/out.txt', 'new\n');
      fx.write('gen/new/deep/x.txt', 'x\n');
      const before = fx.engine.beginTurn({ rescan: true })!;
      assert.equal(before.source, 'external');
      assert.deepEqual(rels(fx.ws, before.files), ['gen/new/deep/x.txt', 'gen/out.txt']);
      fx.write('a.txt', 'agent\n');
      const turn = fx.engine.createCheckpoint({ source: 'agent', rescan: true })!;
      assert.deepEqual(rels(fx.ws, turn.files), ['a.txt']);
    } finally {
      await fx.cleanup();
    }
  });

  it('a turn with nothing pending makes no checkpoint first, and re-reads the files it announced when it ends', async () => {
    const fx = await makeFixture({ 'a.txt': 'v1\n' });
    try {
      assert.equal(fx.engine.beginTurn({ rescan: true, paths: [fx.abs('a.txt')] }), undefined);
      fx.write('a.txt', 'v2\n'); // no report: the announcement is enough
      const turn = fx.engine.createCheckpoint({ source: 'agent' })!;
      assert.deepEqual(rels(fx.ws, turn.files), ['a.txt']);
      assert.equal(turn.parentId, fx.engine.activeSession()!.rootId);
    } finally {
      await fx.cleanup();
    }
  });

  it('refuses an unknown source for the checkpoint before a turn, and stores nothing', async () => {
    const fx = await makeFixture({ 'a.txt': 'v1\n' });
    try {
      fx.write('a.txt', 'v2\n');
      fx.engine.notifyChanged([fx.abs('a.txt')]);
      assert.throws(() => fx.engine.beginTurn({ before: { source: 'nope' as never } }), /Unknown checkpoint source/);
      assert.equal(fx.engine.checkpoints().length, 1);
      assert.equal(fx.engine.workingChanges().length, 1);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('exact capture: reconciling with what is on disk', () => {
  it('a checkpoint that walks holds every file of a burst into new nested folders nobody reported, and nothing written after it', async () => {
    const fx = await makeFixture({ 'keep.txt': 'k\n' });
    try {
      const expected: string[] = [];
      for (let d = 0; d < 60; d++) {
        for (let f = 0; f < 25; f++) {
          const rel = `burst/d${d}/n${d % 7}/f${f}.txt`;
          fx.write(rel, `${d}/${f}\n`);
          expected.push(rel);
        }
      }
      const cp = fx.engine.createCheckpoint({ source: 'agent', rescan: true })!;
      assert.deepEqual(rels(fx.ws, cp.files), expected.sort());
      assert.ok(cp.files.every((f) => f.change === 'added'));
      // Written after: the next checkpoint's, not this one's.
      fx.write('burst/d0/late.txt', 'late\n');
      fx.write('keep.txt', 'changed\n');
      const next = fx.engine.createCheckpoint({ source: 'agent', rescan: true })!;
      assert.deepEqual(rels(fx.ws, next.files), ['burst/d0/late.txt', 'keep.txt']);
      assert.equal((await fx.engine.checkpoint(cp.id)).files.length, expected.length);
    } finally {
      await fx.cleanup();
    }
  });

  it('a reported new folder is listed to its depth: files in folders below it count though no event named them', async () => {
    const fx = await makeFixture({});
    try {
      for (let d = 0; d < 20; d++) fx.write(`top/a${d}/b/c/f.txt`, `${d}\n`);
      // The watcher reported only the top folder (it is blind below folders created in one go).
      fx.engine.notifyChanged([fx.abs('top')]);
      const cp = fx.engine.createCheckpoint({ source: 'agent' })!;
      assert.equal(cp.files.length, 20);
    } finally {
      await fx.cleanup();
    }
  });

  it('a same-size rewrite nobody reported is found by the walk (content, not size, tells it)', async () => {
    const fx = await makeFixture({ 'a.txt': 'v1\n' });
    try {
      fx.write('a.txt', 'v2\n');
      const cp = fx.engine.createCheckpoint({ source: 'agent', rescan: true })!;
      assert.deepEqual(rels(fx.ws, cp.files), ['a.txt']);
      fx.write('a.txt', 'v3\n');
      const cp2 = fx.engine.createCheckpoint({ source: 'agent', rescan: true })!;
      assert.deepEqual(rels(fx.ws, cp2.files), ['a.txt']);
    } finally {
      await fx.cleanup();
    }
  });
});
