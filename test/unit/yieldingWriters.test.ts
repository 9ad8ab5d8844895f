// gc, import and the start-up scan are long writers that let the engine's thread answer reads while they work (issue 11):
// a read sent during one returns before it ends, and both results are right. A real worker thread.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { startEngine } from '../../src/host/client';
import { makeFixture, tempDir } from './helpers';

const workerPath = path.join(__dirname, '../../src/host/worker.js');

/** The store checks out whole, then closes. */
async function verifyAndClose(engine: ReturnType<typeof startEngine>): Promise<void> {
  const check = await engine.verify();
  assert.equal(check.ok, true, JSON.stringify(check));
  await engine.close();
}

/** `p`, and the order in which it and the others settled, by name. */
const noting = <T>(order: string[], name: string, p: Promise<T>): Promise<T> => p.then((v) => {
  order.push(name);
  return v;
});

describe('long writers that let reads through', () => {
  it('a read sent during a gc returns before the gc ends; the gc frees all garbage and the read sees the sessions', async () => {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws);
    const files = Array.from({ length: 300 }, (_, i) => path.join(ws, `f${i}.txt`));
    files.forEach((f, i) => fs.writeFileSync(f, `first ${i}\n`.repeat(60 + i)));
    const engine = startEngine({ workerPath, storageDir: path.join(dir, 'store'), roots: [{ name: 'ws', path: ws }] });
    try {
      await engine.open();
      // Versions that were recorded, then replaced before any checkpoint held them: garbage.
      files.forEach((f, i) => fs.writeFileSync(f, `second ${i}\n`.repeat(60 + i)));
      await engine.notifyChanged(files);
      files.forEach((f, i) => fs.writeFileSync(f, `third ${i}\n`.repeat(60 + i)));
      await engine.notifyChanged(files);
      await engine.createCheckpoint({ label: 'third' });
      const before = await engine.storageReport();
      assert.ok(before.garbageBytes > 0, 'there is garbage to free');
      const order: string[] = [];
      const collected = noting(order, 'gc', engine.gc());
      const read = noting(order, 'sessions', engine.sessions());
      const [g, sessions] = await Promise.all([collected, read]);
      assert.deepEqual(order, ['sessions', 'gc'], 'the read returned before the gc ended');
      assert.equal(sessions.length, 1);
      assert.equal(sessions[0].checkpointCount, 2);
      assert.ok(g.removed >= 300, `the replaced versions were removed (${g.removed})`);
      const after = await engine.storageReport();
      assert.equal(after.garbageBytes, 0);
      assert.equal(after.snapshots, before.snapshots - g.removed);
      await verifyAndClose(engine);
    } finally {
      await engine.terminate();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a read sent during an import returns before the import ends and does not see a half-imported session', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 400; i++) files[`src/f${i}.txt`] = `file ${i}\n`.repeat(40 + i);
    const source = await makeFixture(files);
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws);
    fs.writeFileSync(path.join(ws, 'a.txt'), 'a\n');
    const engine = startEngine({ workerPath, storageDir: path.join(dir, 'store'), roots: [{ name: 'ws', path: ws }] });
    try {
      source.commit({ 'src/f1.txt': 'changed\n' }, { label: 'second' });
      const exported = source.engine.exportSession(source.engine.activeSession()!.id, path.join(dir, 'in.stexport'));
      await engine.open();
      const order: string[] = [];
      const imported = noting(order, 'import', engine.importSession(exported.file, {}));
      const read = noting(order, 'sessions', engine.sessions());
      const [s, sessions] = await Promise.all([imported, read]);
      assert.deepEqual(order, ['sessions', 'import'], 'the read returned before the import ended');
      assert.equal(sessions.length, 1, 'the read saw the store as it was before the import');
      assert.equal(s.checkpointCount, 2);
      const now = await engine.sessions();
      assert.deepEqual(now.map((x) => x.id).sort(), [sessions[0].id, s.id].sort());
      const cps = await engine.checkpoints({ sessionId: s.id });
      const root = cps.find((c) => c.label !== 'second')!;
      const bytes = await engine.readContent((await engine.checkpoint(cps.find((c) => c.label === 'second')!.id)).files[0].after!.hash);
      assert.equal(Buffer.from(bytes).toString(), 'changed\n');
      assert.ok(root, 'the root came along');
      await verifyAndClose(engine);
    } finally {
      await engine.terminate();
      await source.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it('reads sent during the start-up scan return before it ends: the history as opened, then the scan\'s result whole', async () => {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    const files = Array.from({ length: 2500 }, (_, i) => path.join(ws, `d${i % 25}`, `f${i}.txt`));
    for (const f of files) fs.mkdirSync(path.dirname(f), { recursive: true });
    files.forEach((f, i) => fs.writeFileSync(f, `first ${i}\n`.repeat(30 + (i % 50))));
    const options = { workerPath, storageDir: path.join(dir, 'store'), roots: [{ name: 'ws', path: ws }] };
    // A first run records the workspace; then, while no window has the store, 600 files change.
    let engine = startEngine(options);
    try {
      const first = await engine.open({ deferScan: true });
      assert.equal(first.scanned, 0, 'a deferred open scans nothing');
      const order: string[] = [];
      const scan = noting(order, 'scan', engine.startupScan());
      const read = noting(order, 'sessions', engine.sessions());
      const [report, during] = await Promise.all([scan, read]);
      assert.deepEqual(order, ['sessions', 'scan'], 'the read returned before the first scan ended');
      assert.equal(during.length, 0, 'the read saw the store as opened: no session yet');
      assert.equal(report.scanned, files.length);
      assert.equal((await engine.sessions()).length, 1);
      await engine.close();
    } finally {
      await engine.terminate();
    }
    files.slice(0, 600).forEach((f, i) => fs.writeFileSync(f, `second ${i}\n`.repeat(40)));
    engine = startEngine(options);
    try {
      await engine.open({ deferScan: true });
      const [session] = await engine.sessions();
      const order: string[] = [];
      const scan = noting(order, 'scan', engine.startupScan());
      const reads = noting(order, 'reads', Promise.all([engine.sessions(), engine.checkpoints({ sessionId: session.id }), engine.workingChanges()]));
      const [report, [sessions, checkpoints, working]] = await Promise.all([scan, reads]);
      assert.deepEqual(order, ['reads', 'scan'], 'the reads returned before the scan ended');
      assert.equal(sessions[0].checkpointCount, session.checkpointCount, 'no checkpoint half-made: the history as opened');
      assert.equal(checkpoints.length, session.checkpointCount);
      assert.ok(working.length <= 600, `working changes found so far, never more than changed (${working.length})`);
      // The scan's result is whole: one checkpoint of the 600 changed files, each with its new bytes.
      assert.ok(report.externalCheckpointId, 'the changes made while closed were sealed');
      const cp = await engine.checkpoint(report.externalCheckpointId!);
      assert.equal(cp.files.length, 600);
      const f0 = cp.files.find((f) => f.path.endsWith('/f0.txt'))!;
      assert.equal(Buffer.from(await engine.readContent(f0.after!.hash)).toString(), 'second 0\n'.repeat(40));
      assert.equal((await engine.workingChanges()).length, 0);
      await verifyAndClose(engine);
    } finally {
      await engine.terminate();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
