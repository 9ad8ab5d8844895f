// Storage (issue 14): compaction, incremental gc, the budget, deleting sessions, sizes.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { humanBytes, parseSize } from '../../src/core/bytes';
import { diffSnapshots, type Fixture, makeFixture } from './helpers';

const DAY = 24 * 60 * 60 * 1000;

/** A fixture whose clock the test moves. */
async function clocked(files: Record<string, string> = {}) {
  const t = { now: Date.UTC(2026, 0, 1) };
  const fx = await makeFixture(files, { clock: () => t.now });
  return { fx, t };
}

/** Every checkpoint's state, by restoring it (id → workspace files). */
async function statesOf(fx: Fixture, ids: string[]): Promise<Map<string, Map<string, Buffer>>> {
  const out = new Map<string, Map<string, Buffer>>();
  for (const id of ids) {
    const cp = fx.engine.checkpoint(id);
    if (fx.engine.activeSession()!.id !== cp.sessionId) fx.engine.switchSession(cp.sessionId);
    await fx.engine.restore({ kind: 'rewind', checkpointId: id });
    out.set(id, fx.snapshot());
  }
  return out;
}

function allIds(fx: Fixture): string[] {
  return fx.engine.sessions().flatMap((s) => fx.engine.checkpoints({ sessionId: s.id, limit: 100000 }).map((c) => c.id).concat(
    s.branches.flatMap((b) => fx.engine.checkpoints({ sessionId: s.id, branch: b.name, limit: 100000 }).map((c) => c.id)),
  )).filter((v, i, a) => a.indexOf(v) === i);
}

describe('compaction', () => {
  it('squashes old unlabelled runs into their net change and keeps what is protected; every remaining checkpoint restores exactly', async () => {
    const { fx, t } = await clocked({ 'a.txt': 'a0', 'b.txt': 'b0' });
    try {
      const ids: string[] = [];
      const before = new Map<string, Map<string, Buffer>>();
      for (let i = 1; i <= 6; i++) {
        t.now += 60_000;
        ids.push(fx.commit({ 'a.txt': `a${i} ${randomBytes(3000).toString('base64')}`, [`tmp${i}.txt`]: `temp ${i}` }, { source: 'agent' })!.id);
        before.set(ids[i - 1], fx.snapshot());
      }
      fx.engine.labelCheckpoint(ids[2], 'Kept by name');
      t.now += 30 * DAY;
      const recent = fx.commit({ 'b.txt': 'b1' }, { source: 'agent' })!.id; // inside the keep window
      before.set(recent, fx.snapshot());
      const plan = fx.engine.compactPlan({ keepDays: 7 });
      // Runs: ids[0..1] (below the root, up to the labelled one) and ids[3..5]… ids[5] has one child (recent).
      assert.deepEqual(plan.runs.map((r) => [r.firstId, r.intoId, r.count]), [[ids[0], ids[1], 2], [ids[3], ids[5], 3]]);
      assert.equal(plan.checkpoints, 3);
      assert.ok(plan.freedBytes > 0, 'the squashed versions of a.txt are freed');
      const objects = fx.engine.stats().objects;
      const done = fx.engine.compact({ keepDays: 7 });
      assert.equal(done.checkpoints, 3);
      assert.ok(done.freed > 0);
      assert.ok(fx.engine.stats().objects < objects);
      const remaining = allIds(fx);
      for (const gone of [ids[0], ids[3], ids[4]]) assert.ok(!remaining.includes(gone), `${gone} was squashed`);
      for (const kept of [ids[1], ids[2], ids[5], recent]) assert.ok(remaining.includes(kept), `${kept} remains`);
      assert.equal(fx.engine.checkpoint(ids[2]).label, 'Kept by name');
      assert.equal(fx.engine.verify().ok, true, fx.engine.verify().problems.join('\n'));
      const after = await statesOf(fx, [ids[1], ids[2], ids[5], recent]);
      for (const [id, files] of after) assert.deepEqual(diffSnapshots(files, before.get(id)!), [], `checkpoint ${id} restores exactly`);
      // The squashed checkpoint's change list is the run's net change.
      const into = fx.engine.checkpoint(ids[5]);
      assert.deepEqual(into.files.map((f) => f.path.split('/').pop()).sort(), ['a.txt', 'tmp4.txt', 'tmp5.txt', 'tmp6.txt']);
      // Survives a reopen.
      await fx.reopen();
      assert.equal(fx.engine.verify().ok, true);
      assert.deepEqual(diffSnapshots((await statesOf(fx, [ids[5]])).get(ids[5])!, before.get(ids[5])!), []);
    } finally {
      await fx.cleanup();
    }
  });

  it('never touches branch heads, fork points, the checkpoints an undo needs, or anything in the keep window', async () => {
    const { fx, t } = await clocked({ 'a.txt': 'a0' });
    try {
      const ids: string[] = [];
      const before = new Map<string, Map<string, Buffer>>();
      for (let i = 1; i <= 8; i++) {
        t.now += 60_000;
        ids.push(fx.commit({ 'a.txt': `a${i}` }, { source: 'agent' })!.id);
        before.set(ids[i - 1], fx.snapshot());
      }
      fx.engine.createBranch('side', { from: ids[1] }); // ids[1] is a branch head
      await fx.engine.restore({ kind: 'rewind', checkpointId: ids[4] }); // a restore record: its target and safety stay
      t.now += 30 * DAY;
      const plan = fx.engine.compactPlan({ keepDays: 7 });
      assert.ok(plan.runs.length > 0);
      const squashed = new Set(plan.runs.flatMap((r) => ids.slice(ids.indexOf(r.firstId), ids.indexOf(r.intoId))));
      for (const id of [ids[1], ids[4], ids[7]]) assert.ok(!squashed.has(id), `${id} is protected`);
      assert.equal(fx.engine.compactPlan({ keepDays: 365 }).runs.length, 0, 'nothing older than a year');
      fx.engine.compact({ keepDays: 7 });
      const remaining = allIds(fx).filter((id) => ids.includes(id));
      for (const [id, files] of await statesOf(fx, remaining)) assert.deepEqual(diffSnapshots(files, before.get(id)!), [], `checkpoint ${id}`);
      assert.equal(fx.engine.verify().ok, true);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('deleting sessions', () => {
  it('frees what only the deleted sessions held at once, and refuses the active session with the reason', async () => {
    const fx = await makeFixture({ 'a.txt': 'base' });
    try {
      const first = fx.engine.activeSession()!;
      fx.commit({ 'big.bin': randomBytes(200_000) });
      fx.commit({ 'big.bin': null });
      const second = fx.engine.newSession({ title: 'Second' });
      assert.throws(() => fx.engine.deleteSessions([first.id, second.id]), /"Second" is the active session.*Switch to another session first/);
      assert.equal(fx.engine.sessions().length, 2, 'nothing was deleted');
      const report = fx.engine.storageReport();
      const own = report.sessions.find((s) => s.id === first.id)!.ownBytes;
      assert.ok(own > 100_000, `the first session alone holds the big file (${own})`);
      const disk = fx.engine.stats().packBytes;
      const r = fx.engine.deleteSessions([first.id]);
      assert.equal(r.deleted, 1);
      assert.ok(r.freed > 100_000, `freed ${r.freed}`);
      assert.ok(fx.engine.stats().packBytes < disk - 100_000);
      assert.equal(fx.engine.verify().ok, true);
      assert.equal(fx.engine.storageReport().garbageBytes, 0);
      // Delete Session (one, the active one) frees at once too.
      fx.commit({ 'c.bin': randomBytes(100_000) });
      fx.commit({ 'c.bin': null });
      const before = fx.engine.stats().packBytes;
      fx.engine.deleteSession(fx.engine.activeSession()!.id);
      assert.ok(fx.engine.stats().packBytes < before - 90_000, 'deleting the active session freed its content');
      assert.equal(fx.engine.verify().ok, true);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('storage sizes and the budget', () => {
  it('reports the store folder as du counts it, with each part and each session', async () => {
    const fx = await makeFixture({ 'a.txt': 'a'.repeat(10_000) });
    try {
      fx.commit({ 'b.txt': 'b'.repeat(5000) });
      fx.engine.saveNow();
      const r = fx.engine.storageReport();
      const du = Number(execFileSync('du', ['-s', '-b', fx.store]).toString().split(/\s/)[0]);
      const dirs = Number(execFileSync('sh', ['-c', `find "${fx.store}" -type d | wc -l`]).toString().trim());
      // du -b counts folders too (their own entry size); the report counts files only.
      assert.ok(Math.abs(du - r.totalBytes) <= dirs * 4096, `report ${r.totalBytes} vs du ${du}`);
      assert.ok(r.snapshotBytes > 0 && r.databaseBytes > 0 && r.snapshotBytes + r.databaseBytes <= r.totalBytes);
      assert.equal(r.sessions.length, 1);
      assert.equal(r.sessions[0].active, true);
      assert.ok(r.sessions[0].bytes > 0);
    } finally {
      await fx.cleanup();
    }
  });

  it('gc runs in steps, pack by pack, freeing only what nothing refers to', async () => {
    const fx = await makeFixture({ 'a.txt': 'keep' });
    try {
      // A version no checkpoint ever held: garbage once the file changes again.
      fx.write('x.bin', randomBytes(50_000));
      fx.engine.rescan();
      fx.write('x.bin', 'small');
      fx.engine.rescan();
      fx.engine.createCheckpoint();
      const garbage = fx.engine.storageReport().garbageBytes;
      assert.ok(garbage > 10_000, `garbage ${garbage}`);
      const m = fx.engine.maintain({ maxSize: 0, keepDays: 7 });
      assert.ok(m.gcSteps >= 1 && m.freedBytes > 0);
      assert.equal(fx.engine.storageReport().garbageBytes, 0);
      assert.equal(fx.engine.maintain({ maxSize: 0, keepDays: 7 }).gcSteps, 0, 'nothing left to do');
      assert.equal(fx.engine.verify().ok, true);
      await fx.reopen();
      assert.equal(fx.engine.verify().ok, true);
    } finally {
      await fx.cleanup();
    }
  });

  it('over the budget, old history is compacted; when protected states alone exceed it, it says so with the numbers', async () => {
    const { fx, t } = await clocked({ 'a.txt': 'a0' });
    try {
      for (let i = 1; i <= 6; i++) {
        t.now += 60_000;
        fx.commit({ 'a.txt': randomBytes(20_000) }, { source: 'agent' });
      }
      t.now += 30 * DAY;
      const m = fx.engine.maintain({ maxSize: 1024, keepDays: 7 });
      assert.ok(m.compacted > 0, 'compacted');
      assert.ok(m.overBudget, 'a 1 KiB budget cannot be met');
      assert.equal(m.overBudget.maxSize, 1024);
      assert.ok(m.overBudget.totalBytes > 1024);
      assert.equal(fx.engine.verify().ok, true);
      const roomy = fx.engine.maintain({ maxSize: 1024 ** 3, keepDays: 7 });
      assert.equal(roomy.overBudget, undefined);
      assert.equal(roomy.compacted, 0);
    } finally {
      await fx.cleanup();
    }
  });

  it('lists the files left out for their size, largest first, and not those other rules exclude', async () => {
    const fx = await makeFixture(
      { 'small.txt': 'x', 'big.bin': randomBytes(3000), 'd/bigger.bin': randomBytes(5000), 'ignored/huge.bin': randomBytes(9000), '.gitignore': 'ignored/\n' },
      { maxFileSize: 2000 },
    );
    try {
      const r = fx.engine.filesLeftOutForSize();
      assert.equal(r.limit, 2000);
      assert.deepEqual(r.files.map((f) => [f.path.slice(fx.ws.length + 1), f.size]), [['d/bigger.bin', 5000], ['big.bin', 3000]]);
      assert.equal(fx.engine.fileAt(fx.engine.activeSession()!.rootId, fx.abs('big.bin')), undefined, 'not recorded');
    } finally {
      await fx.cleanup();
    }
  });

  it('size settings accept bytes and human units', () => {
    assert.equal(parseSize(5242880), 5242880);
    assert.equal(parseSize('2 GB'), 2 * 1024 ** 3);
    assert.equal(parseSize('500MB'), 500 * 1024 ** 2);
    assert.equal(parseSize('1.5 GiB'), Math.round(1.5 * 1024 ** 3));
    assert.equal(parseSize('10 parsecs'), undefined);
    assert.equal(parseSize(-1), undefined);
    assert.equal(humanBytes(1536), '1.5 KiB');
    assert.equal(humanBytes(3 * 1024 ** 3), '3.0 GiB');
  });
});
