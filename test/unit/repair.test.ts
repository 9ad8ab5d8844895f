// Verify Store and Repair Store: every snapshot's hash, every checkpoint's references, orphaned
// records, reported in plain words; Repair keeps everything sound and reports what it could not
// keep. Damage is made for real: bytes flipped in packs, records cut off, rows changed in the
// database with sql.js while the store is closed. Neither ever writes a workspace file.
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Engine } from '../../src/core/engine';
import { startEngine } from '../../src/host/client';
import { loadSqlJs } from '../../src/storage/db';
import { type Fixture, diffSnapshots, makeFixture, snapshotDir } from './helpers';

const sha = (b: string | Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** root: a=a1, b=b1, c=c1 · cp1: a=a2 · cp2: b=b2 · cp3: c deleted. Branch "side" at cp1. */
async function history(): Promise<{ fx: Fixture; ids: string[] }> {
  const fx = await makeFixture({ 'a.txt': 'a1 '.repeat(40) + '\n', 'b.txt': 'b1\n', 'c.txt': 'c1 keep me\n' });
  const ids = [fx.engine.activeSession()!.rootId];
  fx.write('a.txt', 'a2\n');
  fx.engine.rescan();
  ids.push(fx.engine.createCheckpoint({ label: 'one' })!.id);
  fx.engine.createBranch('side');
  fx.write('b.txt', 'b2\n');
  fx.engine.rescan();
  ids.push(fx.engine.createCheckpoint({ label: 'two' })!.id);
  fx.rm('c.txt');
  fx.engine.rescan();
  ids.push(fx.engine.createCheckpoint({ label: 'three' })!.id);
  return { fx, ids };
}

async function reopen(fx: Fixture) {
  await fx.engine.close();
  fx.engine = new Engine({ storageDir: fx.store, roots: [{ name: 'ws', path: fx.ws }], racyWindowMs: 0 });
  return fx.engine.open();
}

/** Flips bytes of the stored record of `content` in every pack holding it. */
function damage(store: string, content: string | Buffer, { only }: { only?: string } = {}): number {
  const hash = Buffer.from(sha(content), 'hex');
  const dir = path.join(store, 'objects');
  let n = 0;
  for (const name of fs.readdirSync(dir).filter((x) => x.endsWith('.pack') && (!only || x === only)).sort()) {
    const file = path.join(dir, name);
    const b = fs.readFileSync(file);
    for (let pos = 0; pos + 48 <= b.length; ) {
      const stored = b.readUInt32LE(pos + 36);
      if (b.subarray(pos, pos + 32).equals(hash)) {
        for (let i = pos + 48; i < pos + 48 + stored; i += 2) b[i] ^= 0xa5;
        n++;
      }
      pos += 48 + stored;
    }
    fs.writeFileSync(file, b);
  }
  return n;
}

async function tamper(fx: Fixture, sql: string): Promise<void> {
  await fx.engine.close();
  const SQL = await loadSqlJs();
  const file = path.join(fx.store, 'state.db');
  const db = new SQL.Database(fs.readFileSync(file));
  db.exec(sql);
  fs.writeFileSync(file, db.export());
  fs.writeFileSync(file + '.bak', db.export());
  db.close();
  fx.engine = new Engine({ storageDir: fx.store, roots: [{ name: 'ws', path: fx.ws }], racyWindowMs: 0 });
  await fx.engine.open();
}

describe('Verify Store and Repair Store', () => {
  it('a sound store: verify says so in plain words, repair finds nothing to do', async () => {
    const { fx } = await history();
    try {
      const v = fx.engine.verify();
      assert.equal(v.ok, true);
      assert.deepEqual(v.problems, []);
      assert.match(v.summary, /^The store is sound: checked \d+ snapshots, 4 checkpoints in 1 session\.$/);
      const before = snapshotDir(fx.ws);
      const r = fx.engine.repair();
      assert.deepEqual(r.fixed, []);
      assert.deepEqual(r.lost, []);
      assert.match(r.summary, /^Nothing needed repair\. The store is sound/);
      assert.deepEqual(diffSnapshots(snapshotDir(fx.ws), before), []);
    } finally {
      await fx.cleanup();
    }
  });

  it('orphaned snapshots (a version no checkpoint holds) are a note, not a problem, and compacting frees them', async () => {
    const { fx } = await history();
    try {
      const s = fx.engine.newSession({ title: 'scratch' });
      fx.write('tmp.txt', 'scratch content\n');
      fx.engine.rescan();
      fx.engine.createCheckpoint();
      fx.rm('tmp.txt');
      fx.engine.rescan();
      fx.engine.createCheckpoint();
      fx.engine.switchSession(fx.engine.sessions().find((x) => x.id !== s.id)!.id);
      fx.engine.deleteSession(s.id); // frees what only it held, at once
      fx.write('transient.txt', 'never checkpointed\n');
      fx.engine.rescan();
      fx.rm('transient.txt');
      fx.engine.rescan();
      const v = fx.engine.verify();
      assert.equal(v.ok, true);
      assert.match(v.notes.join('\n'), /snapshots? \(.*\) no checkpoint refers to any more; they are freed in the background/);
      fx.engine.gc();
      assert.deepEqual(fx.engine.verify().notes.filter((n) => !n.startsWith('The store holds')), []);
    } finally {
      await fx.cleanup();
    }
  });

  it('a damaged snapshot whose content is still in the workspace: named by verify, recovered by repair', async () => {
    const { fx, ids } = await history();
    try {
      await fx.engine.close();
      assert.equal(damage(fx.store, 'b2\n'), 1);
      await reopen(fx);
      const v = fx.engine.verify();
      assert.equal(v.ok, false);
      assert.match(v.problems.join('\n'), /The content of ws\/b\.txt at checkpoint \d+ \("two"\).* is damaged \(snapshot [0-9a-f]{12}\)/);
      assert.match(v.summary, /problems? found.*Repair Store keeps everything that is sound/);
      const before = snapshotDir(fx.ws);
      const r = fx.engine.repair();
      assert.match(r.fixed.join('\n'), /Recovered 1 damaged or missing snapshot from files in the workspace/);
      assert.deepEqual(r.lost, []);
      assert.equal(r.check.ok, true, r.check.problems.join('\n'));
      assert.deepEqual(diffSnapshots(snapshotDir(fx.ws), before), [], 'repair never writes the workspace');
      await fx.engine.restore({ kind: 'rewind', checkpointId: ids[0] });
      await fx.engine.restore({ kind: 'rewind', checkpointId: ids[2] });
      assert.equal(fx.read('b.txt')!.toString(), 'b2\n');
      await reopen(fx);
      assert.equal(fx.engine.verify().ok, true);
    } finally {
      await fx.cleanup();
    }
  });

  it('a damaged snapshot with no copy anywhere: repair reports exactly what it could not keep; restores mark that file failed', async () => {
    const { fx, ids } = await history();
    try {
      await fx.engine.close();
      damage(fx.store, 'c1 keep me\n'); // c.txt is deleted in the workspace: no other copy
      await reopen(fx);
      const r = fx.engine.repair();
      assert.equal(r.lost.length, 1);
      assert.match(r.lost[0], /The content of ws\/c\.txt at the start of session "Session 1".*no undamaged copy exists; restoring it marks the file failed/);
      assert.equal(r.check.ok, true, 'what is left is sound');
      assert.match(r.check.notes.join('\n'), /ws\/c\.txt.*lost before the last Repair/);
      const res = await fx.engine.restore({ kind: 'rewind', checkpointId: ids[0] });
      const byKey = Object.fromEntries(res.files.map((f) => [f.key, f]));
      assert.equal(byKey['ws/c.txt'].status, 'failed');
      assert.match(byKey['ws/c.txt'].reason!, /missing/);
      assert.equal(byKey['ws/a.txt'].status, 'restored');
      assert.equal(byKey['ws/b.txt'].status, 'restored');
      assert.equal(fx.read('c.txt'), undefined);
      assert.doesNotThrow(() => fx.engine.gc(), 'compacting works again after repair');
      await reopen(fx);
      assert.equal(fx.engine.verify().ok, true);
    } finally {
      await fx.cleanup();
    }
  });

  it('a damaged snapshot with a good duplicate in another pack: repair uses the duplicate', async () => {
    const { fx, ids } = await history();
    try {
      await fx.engine.close();
      const dir = path.join(fx.store, 'objects');
      // A duplicate pack, as a compaction cut short leaves behind.
      fs.copyFileSync(path.join(dir, 'pack-000001.pack'), path.join(dir, 'pack-000009.pack'));
      fs.copyFileSync(path.join(dir, 'pack-000001.idx'), path.join(dir, 'pack-000009.idx'));
      damage(fx.store, 'c1 keep me\n', { only: 'pack-000009.pack' }); // the newest copy, the one opened
      await reopen(fx);
      assert.equal(fx.engine.verify().ok, false);
      const r = fx.engine.repair();
      assert.match(r.fixed.join('\n'), /Recovered 1 damaged or missing snapshot from other copies in the store/);
      assert.deepEqual(r.lost, []);
      await fx.engine.restore({ kind: 'rewind', checkpointId: ids[0] });
      assert.equal(fx.read('c.txt')!.toString(), 'c1 keep me\n');
      await reopen(fx);
      assert.equal(fx.engine.verify().ok, true);
    } finally {
      await fx.cleanup();
    }
  });

  it('a missing snapshot (record cut off the pack) for a current file: open reads it again and says so', async () => {
    const { fx } = await history();
    try {
      await fx.engine.close();
      const dir = path.join(fx.store, 'objects');
      const pack = path.join(dir, 'pack-000001.pack');
      const b = fs.readFileSync(pack);
      const want = Buffer.from(sha('b2\n'), 'hex');
      let pos = 0;
      let idx = 0;
      while (!b.subarray(pos, pos + 32).equals(want)) {
        pos += 48 + b.readUInt32LE(pos + 36);
        idx++;
      }
      fs.truncateSync(pack, pos);
      fs.truncateSync(path.join(dir, 'pack-000001.idx'), idx * 48);
      const report = await reopen(fx);
      assert.match(report.diagnostics.join('\n'), /saved copies of \d+ current files? (was|were) missing.*read again from the workspace/);
      const r = fx.engine.repair();
      assert.equal(r.check.ok, true, r.check.problems.join('\n'));
      assert.equal(fx.engine.readContent(sha('b2\n')).toString(), 'b2\n');
    } finally {
      await fx.cleanup();
    }
  });

  it('a checkpoint whose parent is gone: it and its line cannot be restored; repair removes them and moves branches to the start', async () => {
    const { fx, ids } = await history();
    try {
      const before = snapshotDir(fx.ws);
      await tamper(fx, `DELETE FROM checkpoints WHERE id = ${ids[1]}`);
      const v = fx.engine.verify();
      assert.match(v.problems.join('\n'), new RegExp(`Checkpoint ${ids[2]} \\("two"\\) has lost its parent checkpoint ${ids[1]}: it and 1 later checkpoint cannot be restored`));
      assert.match(v.problems.join('\n'), /Branch "side" of session "Session 1" points to a checkpoint that no longer exists/);
      const r = fx.engine.repair();
      assert.match(r.lost.join('\n'), new RegExp(`Checkpoint ${ids[2]} \\("two"\\) has lost its parent checkpoint ${ids[1]}; it and 1 later checkpoint could not be kept`));
      assert.match(r.fixed.join('\n'), /Branch "side" .* now points to the start of the session/);
      assert.equal(r.check.ok, true, r.check.problems.join('\n'));
      assert.deepEqual(diffSnapshots(snapshotDir(fx.ws), before), [], 'the workspace is untouched');
      const s = fx.engine.activeSession()!;
      assert.equal(s.headId, ids[0], 'the active branch moved to the start');
      assert.deepEqual(fx.engine.workingChanges().map((f) => f.key).sort(), ['ws/a.txt', 'ws/b.txt', 'ws/c.txt'], 'the files stay as they are, as working changes');
      const cp = fx.engine.createCheckpoint({ label: 'after repair' })!;
      await fx.engine.restore({ kind: 'rewind', checkpointId: ids[0] });
      assert.equal(fx.read('c.txt')!.toString(), 'c1 keep me\n');
      await fx.engine.restore({ kind: 'rewind', checkpointId: cp.id });
      assert.deepEqual(diffSnapshots(snapshotDir(fx.ws), before), []);
    } finally {
      await fx.cleanup();
    }
  });

  it('a branch pointing at a checkpoint that does not exist: moved to the start of its session', async () => {
    const { fx } = await history();
    try {
      await tamper(fx, `UPDATE branches SET head = 9999 WHERE name = 'side'`);
      assert.match(fx.engine.verify().problems.join('\n'), /Branch "side" of session "Session 1" points to a checkpoint that no longer exists \(9999\)/);
      const r = fx.engine.repair();
      assert.equal(r.check.ok, true);
      assert.equal(fx.engine.activeSession()!.branches.find((b) => b.name === 'side')!.headId, fx.engine.activeSession()!.rootId);
    } finally {
      await fx.cleanup();
    }
  });

  it('a damaged list of changed files: that checkpoint and its line go, the rest stays', async () => {
    const { fx, ids } = await history();
    try {
      await tamper(fx, `UPDATE checkpoints SET changes = X'05FF' WHERE id = ${ids[3]}`);
      assert.match(fx.engine.verify().problems.join('\n'), new RegExp(`The list of files changed by checkpoint ${ids[3]} \\("three"\\) is damaged: it cannot be restored`));
      const r = fx.engine.repair();
      assert.equal(r.lost.length, 1);
      assert.equal(r.check.ok, true);
      assert.equal(fx.engine.activeSession()!.headId, ids[0]);
      assert.ok(fx.engine.checkpoint(ids[2]), 'checkpoint "two" is kept');
      await fx.engine.restore({ kind: 'rewind', checkpointId: ids[2] });
      assert.equal(fx.read('b.txt')!.toString(), 'b2\n');
      assert.equal(fx.read('c.txt')!.toString(), 'c1 keep me\n');
    } finally {
      await fx.cleanup();
    }
  });

  it('checkpoints of a session that no longer exists: orphaned records, removed by repair', async () => {
    const { fx } = await history();
    try {
      const other = fx.engine.newSession({ title: 'other' });
      fx.write('o.txt', 'o\n');
      fx.engine.rescan();
      fx.engine.createCheckpoint();
      fx.engine.switchSession(fx.engine.sessions().find((s) => s.id !== other.id)!.id);
      await tamper(fx, `DELETE FROM sessions WHERE id = ${other.id}`);
      assert.match(fx.engine.verify().problems.join('\n'), /belongs to a session that no longer exists/);
      const r = fx.engine.repair();
      assert.equal(r.check.ok, true, r.check.problems.join('\n'));
      assert.equal(fx.engine.sessions().length, 1);
    } finally {
      await fx.cleanup();
    }
  });

  it('the starting state of the only session is lost: repair starts a new session at the workspace as it is, touching no file', async () => {
    const { fx, ids } = await history();
    try {
      const before = snapshotDir(fx.ws);
      await tamper(fx, `UPDATE checkpoints SET manifest = X'${'00'.repeat(32)}' WHERE id = ${ids[0]}`);
      assert.match(fx.engine.verify().problems.join('\n'), /The starting state of session "Session 1" .* is missing/);
      const r = fx.engine.repair();
      assert.match(r.lost.join('\n'), /Session "Session 1" and its 4 checkpoints/);
      assert.match(r.fixed.join('\n'), /new one starts at the workspace as it is now/);
      assert.equal(r.check.ok, true, r.check.problems.join('\n'));
      assert.deepEqual(diffSnapshots(snapshotDir(fx.ws), before), []);
      assert.equal(fx.engine.activeSession()!.title, 'Recovered session');
      assert.deepEqual(fx.engine.workingChanges(), []);
    } finally {
      await fx.cleanup();
    }
  });

  it('verify and repair work through the engine worker thread (as the extension calls them)', async () => {
    const { fx, ids } = await history();
    await fx.engine.close();
    damage(fx.store, 'b2\n');
    const client = startEngine({ workerPath: path.join(__dirname, '../../src/host/worker.js'), storageDir: fx.store, roots: [{ name: 'ws', path: fx.ws }] });
    try {
      await client.open();
      const v = await client.verify();
      assert.equal(v.ok, false);
      assert.match(v.problems.join('\n'), /ws\/b\.txt.*damaged/);
      const r = await client.repair();
      assert.equal(r.check.ok, true);
      assert.match(r.summary, /Repair kept everything that is sound, fixed 1 thing/);
      await client.restore({ kind: 'rewind', checkpointId: ids[2] });
      assert.equal(fx.read('b.txt')!.toString(), 'b2\n');
      await client.close();
    } finally {
      await client.terminate();
      fs.rmSync(fx.dir, { recursive: true, force: true });
    }
  });

  it('repair on a read-only store is refused and says why', async () => {
    const { fx } = await history();
    try {
      const second = new Engine({ storageDir: fx.store, roots: [{ name: 'ws', path: fx.ws }] });
      await second.open();
      assert.throws(() => second.repair(), /read-only/);
      assert.equal(second.verify().ok, true, 'verify works read-only');
      await second.close();
    } finally {
      await fx.cleanup();
    }
  });
});
