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
});
