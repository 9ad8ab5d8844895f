// The worker boundary: only listed engine methods are served, and a function inside a call's
// options (a restore's isDirty) runs on the caller's side through callback messages.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, it } from 'node:test';
import { startEngine, type EngineClient } from '../../src/host/client';
import { ENGINE_METHODS, type FromWorker } from '../../src/host/protocol';
import { Engine } from '../../src/core/engine';
import type { EngineEvent } from '../../src/core/engineApi';
import type { RestoreOptions, RestoreResult } from '../../src/core/types';
import { tempDir } from './helpers';

const workerPath = path.join(__dirname, '../../src/host/worker.js');

/** A workspace with a.txt, b.txt and c.txt changed after the root checkpoint, sealed as one checkpoint. */
async function threeChanged(engine: Pick<EngineClient, 'open' | 'activeSession' | 'notifyChanged' | 'createCheckpoint'>, ws: string): Promise<string> {
  await engine.open();
  const root = (await engine.activeSession())!.rootId;
  const files = ['a.txt', 'b.txt', 'c.txt'].map((f) => path.join(ws, f));
  for (const f of files) fs.writeFileSync(f, `${path.basename(f)} 2`);
  await engine.notifyChanged(files);
  assert.equal((await engine.createCheckpoint({ label: 'changed' }))?.files.length, 3);
  return root;
}

function workspace(): { dir: string; ws: string; store: string } {
  const dir = tempDir();
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(ws);
  for (const f of ['a.txt', 'b.txt', 'c.txt']) fs.writeFileSync(path.join(ws, f), `${f} 1`);
  return { dir, ws, store: path.join(dir, 'store') };
}

const statuses = (r: RestoreResult) => r.files.map((f) => `${f.key}:${f.status}`);
const contents = (ws: string) => ['a.txt', 'b.txt', 'c.txt'].map((f) => fs.readFileSync(path.join(ws, f), 'utf8'));

/** Rewinds to the root through the worker with these options; the result, the log and the files after. */
async function rewindInWorker(options: RestoreOptions) {
  const { dir, ws, store } = workspace();
  const engine = startEngine({ workerPath, storageDir: store, roots: [{ name: 'ws', path: ws }] });
  const logs: string[] = [];
  engine.onEvent((e: EngineEvent) => e.type === 'log' && logs.push(`${e.level}: ${e.message}`));
  try {
    const root = await threeChanged(engine, ws);
    const result = await engine.restore({ kind: 'rewind', checkpointId: root }, options);
    await engine.close();
    return { result, logs, files: contents(ws) };
  } finally {
    await engine.terminate();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The same, on the engine in this thread: what the worker must reproduce. */
async function rewindInProcess(options: RestoreOptions) {
  const { dir, ws, store } = workspace();
  const engine = new Engine({ storageDir: store, roots: [{ name: 'ws', path: ws }], savePolicy: 'always' });
  const logs: string[] = [];
  engine.onEvent((e) => e.type === 'log' && logs.push(`${e.level}: ${e.message}`));
  try {
    const root = await threeChanged({
      open: async () => engine.open(),
      activeSession: async () => engine.activeSession(),
      notifyChanged: async (p) => engine.notifyChanged(p),
      createCheckpoint: async (m) => engine.createCheckpoint(m),
    }, ws);
    const result = await engine.restore({ kind: 'rewind', checkpointId: root }, options);
    await engine.close();
    return { result, logs, files: contents(ws) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('worker boundary', () => {
  it('serves only the listed engine methods, whatever else the engine object has', async () => {
    const { dir, ws, store } = workspace();
    // Raw messages: the client cannot even name these.
    const worker = new Worker(workerPath);
    const replies = new Map<number, (m: FromWorker) => void>();
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'result' || m.type === 'error') replies.get(m.id)?.(m);
    });
    let nextId = 1;
    const send = (method: unknown, args: unknown[] = []) =>
      new Promise<FromWorker>((resolve) => {
        const id = nextId++;
        replies.set(id, resolve);
        worker.postMessage({ type: 'call', id, method, args });
      });
    try {
      worker.postMessage({ type: 'init', options: { storageDir: store, roots: [{ name: 'ws', path: ws }] } });
      assert.equal((await send('open')).type, 'result');
      const refused = [
        'frobnicate', // no such member
        'options', 'storageDir', // fields (options is the constructor's parameter property)
        'constructor', 'emit', 'log', 'ensureOpen', 'acquireLock', // the constructor and private methods
        'onEvent', 'lastSave', // public members that are not served
        'toString', 'hasOwnProperty', '__proto__', '_x', '', 42, undefined,
      ];
      for (const name of refused) {
        const reply = await send(name, [{ title: 'x' }]);
        assert.equal(reply.type, 'error', `${String(name)} is refused`);
        assert.equal(reply.type === 'error' && reply.error.message, `Unknown engine method "${String(name)}".`);
      }
      assert.ok(!ENGINE_METHODS.includes('options' as never) && !ENGINE_METHODS.includes('onEvent' as never));
      // Still serving after the refusals, and nothing refused had an effect.
      const sessions = await send('sessions');
      assert.equal(sessions.type === 'result' && (sessions.value as unknown[]).length, 1);
      assert.equal((await send('close')).type, 'result');
      // The client is made of the list and nothing else.
      const client = startEngine({ workerPath, storageDir: store, roots: [{ name: 'ws', path: ws }] });
      assert.deepEqual(Object.keys(client).sort(), [...ENGINE_METHODS, 'onEvent', 'terminate'].sort());
      await client.terminate();
    } finally {
      await worker.terminate();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs an isDirty callback on the caller side during a real restore: files it names are skipped', async () => {
    const asked: string[][] = [];
    const { result, files } = await rewindInWorker({
      isDirty: async (paths) => {
        asked.push(paths);
        await new Promise((r) => setTimeout(r, 5));
        return paths.filter((p) => p.endsWith('b.txt'));
      },
    });
    assert.equal(asked.length, 1);
    assert.deepEqual(asked[0].map((p) => path.basename(p)).sort(), ['a.txt', 'b.txt', 'c.txt']);
    assert.ok(asked[0].every((p) => path.isAbsolute(p)));
    assert.deepEqual(statuses(result), ['ws/a.txt:restored', 'ws/b.txt:skipped', 'ws/c.txt:restored']);
    assert.deepEqual(files, ['a.txt 1', 'b.txt 2', 'c.txt 1']);
  });

  it('a throwing isDirty skips every file, as the engine does in its own thread, with the thrown message', async () => {
    const throwing = (): string[] => {
      throw new Error('editor state unavailable');
    };
    const inWorker = await rewindInWorker({ isDirty: throwing });
    const inProcess = await rewindInProcess({ isDirty: throwing });
    assert.deepEqual(statuses(inWorker.result), ['ws/a.txt:skipped', 'ws/b.txt:skipped', 'ws/c.txt:skipped']);
    assert.deepEqual(statuses(inWorker.result), statuses(inProcess.result));
    assert.deepEqual(inWorker.result.files.map((f) => f.reason), inProcess.result.files.map((f) => f.reason));
    assert.deepEqual(inWorker.files, ['a.txt 2', 'b.txt 2', 'c.txt 2']);
    const warning = 'warn: Could not ask which files have unsaved changes: editor state unavailable';
    assert.ok(inWorker.logs.includes(warning), inWorker.logs.join('\n'));
    assert.ok(inProcess.logs.includes(warning));
    // A rejected promise is the same as a throw.
    const rejecting = await rewindInWorker({ isDirty: async () => Promise.reject(new Error('editor state unavailable')) });
    assert.deepEqual(statuses(rejecting.result), statuses(inProcess.result));
    assert.ok(rejecting.logs.includes(warning));
  });
});
