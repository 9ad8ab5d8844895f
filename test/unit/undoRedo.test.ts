// Undo and redo of restores (issue 16): a history per session, walked any number of steps back and
// forward; a new restore drops the redo steps; each session keeps its own. Real files and sql.js.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeFixture } from './helpers';

describe('restore history: undo and redo', () => {
  it('undoes three restores one after another, then redoes them, each step checked on disk', async () => {
    const fx = await makeFixture({ 'a.txt': 'v0' });
    try {
      const s = fx.engine.activeSession()!;
      const c1 = fx.commit({ 'a.txt': 'v1' }, { label: 'c1' })!;
      const c2 = fx.commit({ 'a.txt': 'v2', 'b.txt': 'b2' }, { label: 'c2' })!;
      await fx.engine.restore({ kind: 'rewind', checkpointId: c1.id }); // → v1
      fx.write('a.txt', 'edited');
      fx.engine.rescan(); // sealed as a safety checkpoint by the next restore
      await fx.engine.restore({ kind: 'rewind', checkpointId: s.rootId }); // → v0
      await fx.engine.restore({ kind: 'restoreFiles', checkpointId: c2.id, paths: [fx.abs('b.txt')] }); // + b2
      const states = () => [fx.read('a.txt')?.toString(), fx.read('b.txt')?.toString()];
      assert.deepEqual(states(), ['v0', 'b2']);
      let h = fx.engine.restoreHistory();
      assert.equal(h.entries.length, 3);
      assert.equal(h.undo?.target.kind, 'restoreFiles');
      assert.equal(h.redo, undefined);

      await fx.engine.restore({ kind: 'undo' });
      assert.deepEqual(states(), ['v0', undefined]);
      await fx.engine.restore({ kind: 'undo' });
      assert.deepEqual(states(), ['edited', undefined], 'the edit kept in the safety checkpoint comes back');
      await fx.engine.restore({ kind: 'undo' });
      assert.deepEqual(states(), ['v2', 'b2'], 'back to before the first rewind');
      assert.equal(fx.engine.activeSession()!.headId, c2.id);
      await assert.rejects(fx.engine.restore({ kind: 'undo' }), /no restore to undo/);
      h = fx.engine.restoreHistory();
      assert.equal(h.undo, undefined);
      assert.equal(h.redo?.target.kind, 'rewind');
      assert.ok(h.entries.every((e) => e.undone));

      await fx.engine.restore({ kind: 'redo' });
      assert.deepEqual(states(), ['edited', undefined]);
      await fx.engine.restore({ kind: 'redo' });
      assert.deepEqual(states(), ['v0', undefined]);
      await fx.engine.restore({ kind: 'redo' });
      assert.deepEqual(states(), ['v0', 'b2']);
      await assert.rejects(fx.engine.restore({ kind: 'redo' }), /no undone restore to redo/);
      // And back again: undo after redo undoes the same restore.
      await fx.engine.restore({ kind: 'undo' });
      assert.deepEqual(states(), ['v0', undefined]);
      assert.equal(fx.engine.lastRestore()!.target.kind, 'undo', 'the results view shows the undo');
    } finally {
      await fx.cleanup();
    }
  });

  it('a new restore after undos drops the redo steps', async () => {
    const fx = await makeFixture({ 'a.txt': 'v0' });
    try {
      const s = fx.engine.activeSession()!;
      const c1 = fx.commit({ 'a.txt': 'v1' })!;
      fx.commit({ 'a.txt': 'v2' });
      await fx.engine.restore({ kind: 'rewind', checkpointId: c1.id });
      await fx.engine.restore({ kind: 'rewind', checkpointId: s.rootId });
      await fx.engine.restore({ kind: 'undo' });
      assert.equal(fx.read('a.txt')!.toString(), 'v1');
      assert.ok(fx.engine.restoreHistory().redo);
      await fx.engine.restore({ kind: 'rollback', count: 1 });
      assert.equal(fx.read('a.txt')!.toString(), 'v0');
      assert.equal(fx.engine.restoreHistory().redo, undefined);
      await assert.rejects(fx.engine.restore({ kind: 'redo' }), /no undone restore to redo/);
      await fx.engine.restore({ kind: 'undo' });
      assert.equal(fx.read('a.txt')!.toString(), 'v1', 'undo now undoes the roll back');
      await fx.engine.restore({ kind: 'undo' });
      assert.equal(fx.read('a.txt')!.toString(), 'v2', 'then the first rewind');
    } finally {
      await fx.cleanup();
    }
  });

  it('undo and redo chains belong to the session they were made in, across switches and a reopen', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0' });
    try {
      const s1 = fx.engine.activeSession()!;
      const a1 = fx.commit({ 'a.txt': 'a1' })!;
      fx.commit({ 'a.txt': 'a2' });
      await fx.engine.restore({ kind: 'rewind', checkpointId: a1.id }); // s1: a2 → a1
      await fx.engine.restore({ kind: 'rewind', checkpointId: s1.rootId }); // s1: a1 → a0
      await fx.engine.restore({ kind: 'undo' }); // s1: back to a1, redo pending
      const s2 = fx.engine.newSession({ title: 'two' });
      const b1 = fx.commit({ 'a.txt': 'b1' })!;
      fx.commit({ 'a.txt': 'b2' });
      await fx.engine.restore({ kind: 'rewind', checkpointId: b1.id }); // s2: b2 → b1
      assert.equal(fx.engine.restoreHistory().redo, undefined, "s1's redo is not s2's");
      assert.equal(fx.engine.restoreHistory().entries.length, 1);
      fx.engine.switchSession(s1.id);
      await fx.reopen();
      assert.equal(fx.engine.restoreHistory().entries.length, 2);
      await fx.engine.restore({ kind: 'redo' }); // s1: forward to a0
      assert.equal(fx.read('a.txt')!.toString(), 'a0');
      await fx.engine.restore({ kind: 'undo' });
      await fx.engine.restore({ kind: 'undo' });
      assert.equal(fx.read('a.txt')!.toString(), 'a2');
      // Switching leaves the files as they are (a2): s2's undo first keeps them in a safety checkpoint.
      fx.engine.switchSession(s2.id);
      const u = await fx.engine.restore({ kind: 'undo' }); // s2: back to b2
      assert.ok(u.safetyCheckpointId);
      assert.equal(fx.read('a.txt')!.toString(), 'b2');
      assert.equal(fx.engine.activeSession()!.id, s2.id);
      await fx.engine.restore({ kind: 'redo' }); // s2: forward to just before the undo
      assert.equal(fx.read('a.txt')!.toString(), 'a2');
      assert.equal(fx.engine.activeSession()!.headId, u.safetyCheckpointId);
    } finally {
      await fx.cleanup();
    }
  });

  it('walks back many steps (more than the ten records that keep their file lists)', async () => {
    const fx = await makeFixture({ 'a.txt': 'v0' });
    try {
      const ids: string[] = [fx.engine.activeSession()!.rootId];
      for (let i = 1; i <= 4; i++) ids.push(fx.commit({ 'a.txt': `v${i}` })!.id);
      const order: number[] = [];
      for (let k = 0; k < 25; k++) {
        const i = (k * 3) % 5;
        await fx.engine.restore({ kind: 'rewind', checkpointId: ids[i] });
        order.push(i);
      }
      for (let k = order.length - 1; k >= 0; k--) {
        assert.equal(fx.read('a.txt')!.toString(), `v${order[k]}`);
        await fx.engine.restore({ kind: 'undo' });
      }
      assert.equal(fx.read('a.txt')!.toString(), 'v4');
      for (const i of order) {
        await fx.engine.restore({ kind: 'redo' });
        assert.equal(fx.read('a.txt')!.toString(), `v${i}`);
      }
      const h = fx.engine.restoreHistory({ limit: 100 });
      assert.equal(h.entries.length, 25);
      assert.ok(h.entries.every((e) => e.fileCount >= 0 && !e.undone));
    } finally {
      await fx.cleanup();
    }
  });

  it('edits made after an undo are kept in a safety checkpoint by the redo, and the next undo returns to them', async () => {
    const fx = await makeFixture({ 'a.txt': 'v0', 'b.txt': 'b0' });
    try {
      const s = fx.engine.activeSession()!;
      fx.commit({ 'a.txt': 'v1' });
      await fx.engine.restore({ kind: 'rewind', checkpointId: s.rootId });
      await fx.engine.restore({ kind: 'undo' });
      fx.write('b.txt', 'edited after the undo');
      fx.engine.rescan();
      const r = await fx.engine.restore({ kind: 'redo' });
      assert.ok(r.safetyCheckpointId);
      assert.equal(fx.read('a.txt')!.toString(), 'v0');
      assert.equal(fx.read('b.txt')!.toString(), 'b0');
      await fx.engine.restore({ kind: 'undo' });
      assert.equal(fx.read('a.txt')!.toString(), 'v1');
      assert.equal(fx.read('b.txt')!.toString(), 'edited after the undo');
    } finally {
      await fx.cleanup();
    }
  });
});
