// Revert one checkpoint's changes (issue 16): only what that checkpoint changed is undone; later
// changes stay. Real files, real sql.js, the real engine.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { merge3 } from '../../src/core/restore/merge';
import { makeFixture } from './helpers';

const lines = (...ls: string[]) => ls.map((l) => l + '\n').join('');
const TEN = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`);

describe('revert: three-way merge of text', () => {
  it('combines changes to different lines and keeps bytes exactly (CRLF, no final newline, latin1)', () => {
    const base = Buffer.from('a\r\nb\r\nc\r\nd\r\ne');
    const ours = Buffer.from('A\r\nb\r\nc\r\nd\r\ne');
    const theirs = Buffer.from('a\r\nb\r\nc\r\nd\r\nE\xff', 'latin1');
    const r = merge3(base, ours, theirs);
    assert.ok(r.ok);
    assert.deepEqual(r.merged, Buffer.from('A\r\nb\r\nc\r\nd\r\nE\xff', 'latin1'));
  });

  it('reports a conflict when both sides change the same line differently, and takes an identical change once', () => {
    const base = Buffer.from(lines('x', 'y', 'z'));
    const r = merge3(base, Buffer.from(lines('x', 'Y1', 'z')), Buffer.from(lines('x', 'Y2', 'z')));
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /same lines \(line 2/);
    const same = merge3(base, Buffer.from(lines('x', 'Y', 'z')), Buffer.from(lines('x', 'Y', 'z')));
    assert.ok(same.ok);
    assert.equal(same.merged.toString(), lines('x', 'Y', 'z'));
  });

  it('merges insertions at the start and the end, and a deletion elsewhere', () => {
    const base = Buffer.from(lines(...TEN));
    const ours = Buffer.from(lines('top', ...TEN.slice(0, 4), ...TEN.slice(5)));
    const theirs = Buffer.from(lines(...TEN, 'bottom'));
    const r = merge3(base, ours, theirs);
    assert.ok(r.ok);
    assert.equal(r.merged.toString(), lines('top', ...TEN.slice(0, 4), ...TEN.slice(5), 'bottom'));
  });
});

describe('revert: one checkpoint', () => {
  it('undoes only that checkpoint: a later edit to the same file is merged, other files and later checkpoints stay', async () => {
    const fx = await makeFixture({ 'a.txt': lines(...TEN), 'b.txt': 'b1\n' });
    try {
      const c1 = fx.commit({ 'a.txt': lines('line 1 (c1)', ...TEN.slice(1)), 'c.txt': 'added by c1\n' }, { label: 'c1' })!;
      fx.commit({ 'a.txt': lines('line 1 (c1)', ...TEN.slice(1, 9), 'line 10 (c2)'), 'b.txt': 'b2\n' }, { label: 'c2' });
      const plan = fx.engine.plan({ kind: 'revert', checkpointId: c1.id });
      assert.deepEqual(plan.entries.map((e) => [e.key, e.action]), [['ws/a.txt', 'write'], ['ws/c.txt', 'remove']]);
      const headBefore = fx.engine.activeSession()!.headId;
      const r = await fx.engine.restore({ kind: 'revert', checkpointId: c1.id });
      assert.deepEqual(r.files.map((f) => [f.key, f.status]), [['ws/a.txt', 'restored'], ['ws/c.txt', 'removed']]);
      assert.equal(fx.read('a.txt')!.toString(), lines(...TEN.slice(0, 9), 'line 10 (c2)'), "c1's line undone, c2's kept");
      assert.equal(fx.read('b.txt')!.toString(), 'b2\n', 'another file changed later is untouched');
      assert.equal(fx.read('c.txt'), undefined, 'the file c1 added is removed');
      // Recorded as a checkpoint of its own on top of head; no working changes are left.
      const s = fx.engine.activeSession()!;
      assert.ok(r.checkpointId);
      assert.equal(s.headId, r.checkpointId);
      const rc = fx.engine.checkpoint(r.checkpointId);
      assert.equal(rc.parentId, headBefore);
      assert.equal(rc.label, 'Revert "c1"');
      assert.deepEqual(fx.engine.workingChanges(), []);
    } finally {
      await fx.cleanup();
    }
  });

  it("the plan's merged version can be read for the Preview before anything is written", async () => {
    const fx = await makeFixture({ 'a.txt': lines(...TEN) });
    try {
      const c1 = fx.commit({ 'a.txt': lines('one', ...TEN.slice(1)) }, { label: 'c1' })!;
      fx.commit({ 'a.txt': lines('one', ...TEN.slice(1, 9), 'ten') }, { label: 'c2' });
      const plan = fx.engine.plan({ kind: 'revert', checkpointId: c1.id });
      assert.equal(plan.entries.length, 1);
      assert.equal(plan.entries[0].action, 'write');
      assert.equal(Buffer.from(fx.engine.readContent(plan.entries[0].target!.hash)).toString(), lines(...TEN.slice(0, 9), 'ten'));
      assert.equal(fx.read('a.txt')!.toString(), lines('one', ...TEN.slice(1, 9), 'ten'), 'nothing written by the plan');
      assert.equal(fx.engine.verify().ok, true);
    } finally {
      await fx.cleanup();
    }
  });

  it("every checkpoint an undo or redo returns to is listed for compaction to keep", async () => {
    const fx = await makeFixture({ 'a.txt': 'v0' });
    try {
      const { checkpointsUndoNeeds } = await import('../../src/core/restore/records');
      const c1 = fx.commit({ 'a.txt': 'v1' })!;
      const c2 = fx.commit({ 'a.txt': 'v2' })!;
      await fx.engine.restore({ kind: 'rewind', checkpointId: c1.id });
      await fx.engine.restore({ kind: 'undo' });
      const meta = (fx.engine as unknown as { ctx: { meta: Parameters<typeof checkpointsUndoNeeds>[0] } }).ctx.meta;
      const needed = checkpointsUndoNeeds(meta);
      assert.ok(needed.has(Number(c2.id)), 'the undo target');
      assert.ok(needed.has(Number(c1.id)), 'the redo target');
    } finally {
      await fx.cleanup();
    }
  });

  it('a conflicting later edit is skipped naming the checkpoint that made it; the clean files are still reverted', async () => {
    const fx = await makeFixture({ 'a.txt': lines('x', 'y', 'z'), 'b.txt': 'b1\n' });
    try {
      const c1 = fx.commit({ 'a.txt': lines('x', 'Y1', 'z'), 'b.txt': 'b2\n' }, { label: 'first edit' })!;
      const c2 = fx.commit({ 'a.txt': lines('x', 'Y2', 'z') }, { label: 'second edit' })!;
      const r = await fx.engine.restore({ kind: 'revert', checkpointId: c1.id });
      const a = r.files.find((f) => f.key === 'ws/a.txt')!;
      assert.equal(a.status, 'skipped');
      assert.match(a.reason!, new RegExp(`changed since by checkpoint "second edit" \\(#${c2.id}\\).*same lines.*left as it is`));
      assert.equal(fx.read('a.txt')!.toString(), lines('x', 'Y2', 'z'), 'left as it is');
      assert.equal(r.files.find((f) => f.key === 'ws/b.txt')!.status, 'restored');
      assert.equal(fx.read('b.txt')!.toString(), 'b1\n');
    } finally {
      await fx.cleanup();
    }
  });

  it('an unsealed edit since is named as such in the plan', async () => {
    const fx = await makeFixture({ 'a.txt': lines('x', 'y', 'z') });
    try {
      const c1 = fx.commit({ 'a.txt': lines('x', 'Y1', 'z') }, { label: 'c1' })!;
      fx.write('a.txt', lines('x', 'Y3', 'z'));
      fx.engine.rescan();
      const plan = fx.engine.plan({ kind: 'revert', checkpointId: c1.id });
      assert.equal(plan.entries[0].action, 'skip');
      assert.match(plan.entries[0].reason!, /by edits not yet in a checkpoint/);
    } finally {
      await fx.cleanup();
    }
  });

  it('binary files: restored when untouched since, skipped when changed since', async () => {
    const bin = (n: number) => Buffer.from([0, 1, 2, n, 0, 255]);
    const fx = await makeFixture({ 'same.bin': bin(1), 'later.bin': bin(1) });
    try {
      const c1 = fx.commit({ 'same.bin': bin(2), 'later.bin': bin(2) }, { label: 'c1' })!;
      const c2 = fx.commit({ 'later.bin': bin(3) }, { label: 'c2' })!;
      const r = await fx.engine.restore({ kind: 'revert', checkpointId: c1.id });
      assert.equal(r.files.find((f) => f.key === 'ws/same.bin')!.status, 'restored');
      assert.deepEqual(fx.read('same.bin'), bin(1));
      const later = r.files.find((f) => f.key === 'ws/later.bin')!;
      assert.equal(later.status, 'skipped');
      assert.match(later.reason!, new RegExp(`binary file changed since by checkpoint "c2" \\(#${c2.id}\\)`));
      assert.deepEqual(fx.read('later.bin'), bin(3));
    } finally {
      await fx.cleanup();
    }
  });

  it('a file the checkpoint added and that was edited since is left, with the reason', async () => {
    const fx = await makeFixture({ 'a.txt': 'a\n' });
    try {
      const c1 = fx.commit({ 'new.txt': 'new\n' }, { label: 'add' })!;
      const c2 = fx.commit({ 'new.txt': 'new, edited\n' }, { label: 'edit' })!;
      const r = await fx.engine.restore({ kind: 'revert', checkpointId: c1.id });
      assert.equal(r.files.length, 1);
      assert.equal(r.files[0].status, 'skipped');
      assert.match(r.files[0].reason!, new RegExp(`created it and it was changed since by checkpoint "edit" \\(#${c2.id}\\)`));
      assert.equal(fx.read('new.txt')!.toString(), 'new, edited\n');
      assert.equal(r.checkpointId, undefined, 'nothing changed: no checkpoint');
    } finally {
      await fx.cleanup();
    }
  });

  it('a file the checkpoint deleted comes back (with its mode); one created again since is left', async () => {
    const fx = await makeFixture({ 'gone.sh': '#!/bin/sh\n', 'again.txt': 'v1\n' });
    try {
      fx.write('gone.sh', '#!/bin/sh\n', 0o755);
      fx.commit({}, { label: 'chmod' });
      const c1 = fx.commit({ 'gone.sh': null, 'again.txt': null }, { label: 'delete' })!;
      fx.commit({ 'again.txt': 'v2\n' }, { label: 'recreate' });
      const r = await fx.engine.restore({ kind: 'revert', checkpointId: c1.id });
      assert.equal(r.files.find((f) => f.key === 'ws/gone.sh')!.status, 'restored');
      assert.equal(fx.read('gone.sh')!.toString(), '#!/bin/sh\n');
      if (process.platform !== 'win32') assert.equal((await import('node:fs')).statSync(fx.abs('gone.sh')).mode & 0o777, 0o755);
      const again = r.files.find((f) => f.key === 'ws/again.txt')!;
      assert.equal(again.status, 'skipped');
      assert.match(again.reason!, /deleted it and it was created again since by checkpoint "recreate"/);
      assert.equal(fx.read('again.txt')!.toString(), 'v2\n');
    } finally {
      await fx.cleanup();
    }
  });

  it('is undone (files and head back, the revert checkpoint stays in the tree) and redone', async () => {
    const fx = await makeFixture({ 'a.txt': lines(...TEN) });
    try {
      const c1 = fx.commit({ 'a.txt': lines('one', ...TEN.slice(1)) }, { label: 'c1' })!;
      const c2 = fx.commit({ 'a.txt': lines('one', ...TEN.slice(1, 9), 'ten') }, { label: 'c2' })!;
      const r = await fx.engine.restore({ kind: 'revert', checkpointId: c1.id });
      assert.equal(fx.read('a.txt')!.toString(), lines(...TEN.slice(0, 9), 'ten'));
      const u = await fx.engine.restore({ kind: 'undo' });
      assert.equal(u.target.kind, 'undo');
      assert.equal(fx.read('a.txt')!.toString(), lines('one', ...TEN.slice(1, 9), 'ten'));
      assert.equal(fx.engine.activeSession()!.headId, c2.id);
      assert.ok(fx.engine.checkpoint(r.checkpointId!), 'the revert checkpoint is still reachable');
      await fx.engine.restore({ kind: 'redo' });
      assert.equal(fx.read('a.txt')!.toString(), lines(...TEN.slice(0, 9), 'ten'));
      assert.equal(fx.engine.activeSession()!.headId, r.checkpointId);
    } finally {
      await fx.cleanup();
    }
  });

  it('refuses the start of a session and a checkpoint of another session, changing nothing', async () => {
    const fx = await makeFixture({ 'a.txt': 'a\n' });
    try {
      const s1 = fx.engine.activeSession()!;
      const c1 = fx.commit({ 'a.txt': 'b\n' })!;
      assert.throws(() => fx.engine.plan({ kind: 'revert', checkpointId: s1.rootId }), /start of the session/);
      fx.engine.newSession({ title: 'other' });
      await assert.rejects(fx.engine.restore({ kind: 'revert', checkpointId: c1.id }), /another session/);
      await assert.rejects(fx.engine.restore({ kind: 'revert', checkpointId: '999999' }), /not found|no checkpoint|does not exist/i);
      assert.equal(fx.read('a.txt')!.toString(), 'b\n');
    } finally {
      await fx.cleanup();
    }
  });

  it("a checkpoint's files carry their sizes before and after", async () => {
    const fx = await makeFixture({ 'a.txt': '12345' });
    try {
      const c = fx.commit({ 'a.txt': '1234567890', 'new.txt': 'xy' })!;
      const a = c.files.find((f) => f.key === 'ws/a.txt')!;
      assert.equal(a.beforeSize, 5);
      assert.equal(a.afterSize, 10);
      const n = c.files.find((f) => f.key === 'ws/new.txt')!;
      assert.equal(n.beforeSize, undefined);
      assert.equal(n.afterSize, 2);
    } finally {
      await fx.cleanup();
    }
  });
});
