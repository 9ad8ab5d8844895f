import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { startEngine } from '../../src/host/client';
import { EngineError } from '../../src/core/types';
import { tempDir } from './helpers';

const workerPath = path.join(__dirname, '../../src/host/worker.js');

describe('engine in its worker thread', () => {
  it('serves calls, events, errors with codes and the unsaved-editor callback across the thread boundary', async () => {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws);
    fs.writeFileSync(path.join(ws, 'a.txt'), 'a1');
    fs.writeFileSync(path.join(ws, 'b.txt'), 'b1');
    const engine = startEngine({ workerPath, storageDir: path.join(dir, 'store'), roots: [{ name: 'ws', path: ws }] });
    const events: string[] = [];
    engine.onEvent((e) => events.push(e.type));
    try {
      const report = await engine.open();
      assert.equal(report.tracked, 2);
      const root = (await engine.activeSession())!.rootId;
      fs.writeFileSync(path.join(ws, 'a.txt'), 'a2');
      fs.writeFileSync(path.join(ws, 'b.txt'), 'b2');
      await engine.notifyChanged([path.join(ws, 'a.txt'), path.join(ws, 'b.txt')]);
      const cp = await engine.createCheckpoint({ label: 'two' });
      assert.equal(cp?.files.length, 2);
      assert.ok(events.includes('checkpoint') && events.includes('changed'));
      const asked: string[][] = [];
      const r = await engine.restore({ kind: 'rewind', checkpointId: root }, {
        isDirty: (paths) => {
          asked.push(paths);
          return paths.filter((p) => p.endsWith('b.txt'));
        },
      });
      assert.equal(asked.length, 1);
      assert.deepEqual(r.files.map((f) => `${f.key}:${f.status}`), ['ws/a.txt:restored', 'ws/b.txt:skipped']);
      const bytes = await engine.readContent(cp!.files[0].after!.hash);
      assert.equal(Buffer.from(bytes).toString(), 'a2');
      await assert.rejects(engine.checkpoint('12345'), (e: unknown) => e instanceof EngineError && e.code === 'not-found');
      await engine.close();
    } finally {
      await engine.terminate();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers reads while a long export runs; a write sent during it waits for it, and a read sent after that write sees it', async () => {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws);
    // Enough snapshots that the export lets the event loop turn many times.
    for (let i = 0; i < 400; i++) fs.writeFileSync(path.join(ws, `f${i}.txt`), `file ${i}\n`.repeat(40 + i));
    const engine = startEngine({ workerPath, storageDir: path.join(dir, 'store'), roots: [{ name: 'ws', path: ws }] });
    try {
      await engine.open();
      const session = (await engine.activeSession())!;
      const exportFile = path.join(dir, 'session.stexport');
      const order: string[] = [];
      const exported = engine.exportSession(session.id, exportFile).then((r) => {
        order.push('export');
        return r;
      });
      const read = engine.sessions().then((r) => {
        order.push('sessions');
        return r;
      });
      fs.writeFileSync(path.join(ws, 'f0.txt'), 'changed during the export\n');
      // Sent at once, without waiting: each starts after the ones before it.
      const noticed = engine.notifyChanged([path.join(ws, 'f0.txt')]);
      const written = engine.createCheckpoint({ label: 'after' });
      const tree = engine.checkpoints({});
      const [r, sessions] = await Promise.all([exported, read]);
      assert.equal(order[0], 'sessions', `the read returned before the export ended (${order.join(', ')})`);
      assert.equal(sessions.length, 1);
      assert.equal(sessions[0].id, session.id);
      assert.equal(r.checkpoints, 1, 'the export holds the store as it was when it started');
      assert.equal(r.snapshots, 400);
      assert.equal(fs.statSync(exportFile).size, r.bytes);
      const cp = await written;
      assert.equal(cp?.label, 'after');
      assert.deepEqual(cp?.files.map((f) => f.key), ['ws/f0.txt']);
      await noticed;
      assert.ok((await tree).some((c) => c.label === 'after'), 'the read sent after the checkpoint sees it');
      assert.equal(order.length, 2);
      await engine.close();
    } finally {
      await engine.terminate();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
