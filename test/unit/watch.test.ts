// The engine's own watcher (src/core/scan/watch.ts): a seal nobody declared paths for re-stats what
// the watcher marked instead of walking, and is exactly as exact as the walk — for bursts of files
// and of new nested folders written just before the call (no sleeps), folders moved in and out,
// with the CPUs kept busy, and when the kernel's queue overflows or the watch limit is reached
// (then it walks). Real files, the real engine, its real worker thread.
import * as assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { EngineContext } from '../../src/core/context';
import type { Engine } from '../../src/core/engine';
import { barrier, type DirtyWatch, watcherOf } from '../../src/core/scan/watch';
import { startEngine } from '../../src/host/client';
import { makeFixture, tempDir } from './helpers';

const linux = process.platform === 'linux';
const workerPath = path.join(__dirname, '../../src/host/worker.js');

const watcher = (e: Engine): DirtyWatch => watcherOf((e as unknown as { ctx: EngineContext }).ctx)!;

/** Writes `files` (rel → content) under `root` from a child process, which has exited when this returns. */
function writeFromChild(root: string, files: Record<string, string>): void {
  const script = `const fs=require('fs'),path=require('path');const [root,json]=process.argv.slice(1);` +
    `for(const [rel,c] of Object.entries(JSON.parse(json))){const p=path.join(root,rel);fs.mkdirSync(path.dirname(p),{recursive:true});fs.writeFileSync(p,c);}`;
  const r = spawnSync(process.execPath, ['-e', script, root, JSON.stringify(files)], { stdio: 'inherit' });
  assert.equal(r.status, 0);
}

/** `n` files in `dirs` new nested folders (each four deep: mkdir -p a/b/c/d), plus their content. */
function nestedBurst(tag: string, dirs: number, perDir: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let d = 0; d < dirs; d++) for (let f = 0; f < perDir; f++) out[`${tag}${d}/b/c/d/f${f}.txt`] = `${tag} ${d} ${f}\n`;
  return out;
}

/** Two children keeping the CPUs busy until stopped. */
function busyCpus(): { stop(): void } {
  const kids: ChildProcess[] = [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
  return { stop: () => kids.forEach((k) => k.kill('SIGKILL')) };
}

const keysOf = (cp: { files: { key: string }[] } | undefined) => new Set((cp?.files ?? []).map((f) => f.key));

describe('engine watcher: exact seals without a walk', { skip: !linux && 'the engine watcher is Linux only' }, () => {
  it('a burst of new nested folders and files written just before the seal is all in it, without a walk; a write after is in the next', async () => {
    const fx = await makeFixture({ 'a.txt': 'a' }, { watch: true });
    try {
      const w = watcher(fx.engine);
      assert.equal(w.uncertain, undefined, 'the start-up walk set the baseline');
      const files = nestedBurst('n', 200, 10);
      for (const [rel, c] of Object.entries(files)) fx.write(rel, c);
      fx.write('a.txt', 'a2');
      await barrier();
      const cp = fx.engine.createCheckpoint({ rescan: true });
      fx.write('late.txt', 'late');
      const keys = keysOf(cp);
      assert.equal(keys.size, 2001);
      for (const rel of Object.keys(files)) assert.ok(keys.has(`ws/${rel}`), rel);
      assert.ok(!keys.has('ws/late.txt'));
      assert.deepEqual({ trusted: w.stats.trusted, walked: w.stats.walked }, { trusted: 1, walked: 0 });
      // The new folders are watched: a write deep in one is seen by the next seal.
      fx.write('n7/b/c/d/f3.txt', 'changed');
      await barrier();
      const next = fx.engine.createCheckpoint({ rescan: true });
      assert.deepEqual([...keysOf(next)].sort(), ['ws/late.txt', 'ws/n7/b/c/d/f3.txt']);
      assert.equal(w.stats.walked, 0);
    } finally {
      await fx.cleanup();
    }
  });

  it('folders moved within, out of and into the workspace, and deleted: the seal matches the disk, and later writes in them are seen', async () => {
    const fx = await makeFixture({ 'x/y/1.txt': '1', 'x/y/2.txt': '2', 'gone/g.txt': 'g', 'out/o.txt': 'o' }, { watch: true });
    const outside = path.join(fx.dir, 'outside');
    fs.mkdirSync(path.join(outside, 'deep'), { recursive: true });
    fs.writeFileSync(path.join(outside, 'deep', 'i.txt'), 'in');
    try {
      fs.renameSync(fx.abs('x'), fx.abs('z'));
      fs.renameSync(fx.abs('out'), path.join(fx.dir, 'moved-out'));
      fs.renameSync(outside, fx.abs('came-in'));
      fs.rmSync(fx.abs('gone'), { recursive: true });
      await barrier();
      const cp = fx.engine.createCheckpoint({ rescan: true })!;
      const byKey = new Map(cp.files.map((f) => [f.key, f]));
      assert.deepEqual([...byKey.keys()].sort(), ['ws/came-in/deep/i.txt', 'ws/gone/g.txt', 'ws/out/o.txt', 'ws/x/y/1.txt', 'ws/x/y/2.txt', 'ws/z/y/1.txt', 'ws/z/y/2.txt']);
      assert.equal(byKey.get('ws/x/y/1.txt')!.after, undefined);
      assert.equal(byKey.get('ws/out/o.txt')!.after, undefined);
      assert.ok(byKey.get('ws/z/y/1.txt')!.after);
      // The watch that followed x's inode to z must not hide writes in z; the moved-out folder is not watched.
      fx.write('z/y/3.txt', '3');
      fx.write('came-in/deep/j.txt', 'j');
      fs.writeFileSync(path.join(fx.dir, 'moved-out', 'o2.txt'), 'not ours');
      fx.write('x/y/new.txt', 'a new x');
      await barrier();
      const next = fx.engine.createCheckpoint({ rescan: true });
      assert.deepEqual([...keysOf(next)].sort(), ['ws/came-in/deep/j.txt', 'ws/x/y/new.txt', 'ws/z/y/3.txt']);
      assert.equal(watcher(fx.engine).stats.walked, 0);
    } finally {
      await fx.cleanup();
    }
  });

  it('a real overflow of the kernel queue (the loop blocked while events for 1.5 full queues arrive) is detected: that seal walks, and is exact', async () => {
    const fx = await makeFixture({}, { watch: true });
    try {
      const w = watcher(fx.engine);
      for (let d = 0; d < 50; d++) fx.write(`d${d}/f.txt`, '');
      await barrier(); // the folders are watched
      // Written on the engine's own thread: its loop cannot read the queue meanwhile. Appends taking
      // turns between the 50 files (so the kernel merges no two events): 1.5 queues of events; then
      // new files, whose events the kernel drops (the queue is full) — only the walk can find them.
      const before = w.stats.events;
      const queue = Number(fs.readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8'));
      const appends = Math.ceil(queue * 1.5);
      for (let i = 0; i < appends; i++) fs.appendFileSync(fx.abs(`d${i % 50}/f.txt`), 'x');
      for (let d = 0; d < 50; d += 5) fx.write(`d${d}/dropped.txt`, `new ${d}`);
      await barrier();
      assert.ok(w.stats.events - before < appends, 'the kernel dropped events: the queue really overflowed');
      assert.ok(w.stats.overflows >= 1, 'a turn with a full queue of events');
      assert.ok(w.uncertain);
      const cp = fx.engine.createCheckpoint({ rescan: true });
      assert.equal(cp?.files.length, 60);
      for (let d = 0; d < 50; d += 5) assert.ok(keysOf(cp).has(`ws/d${d}/dropped.txt`));
      assert.equal(w.stats.walked, 1);
      assert.equal(w.uncertain, undefined, 'the walk set a new baseline');
      fx.write('d3/after.txt', 'after');
      await barrier();
      assert.deepEqual([...keysOf(fx.engine.createCheckpoint({ rescan: true }))], ['ws/d3/after.txt']);
      assert.equal(w.stats.trusted, 1);
    } finally {
      await fx.cleanup();
    }
  });

  it('a possible overflow (a lowered threshold) makes the next seal walk, exact either way', async () => {
    const fx = await makeFixture({ 'k.txt': 'k' }, { watch: { overflowAt: 50 } });
    try {
      const w = watcher(fx.engine);
      for (let i = 0; i < 100; i++) fx.write(`f${i}.txt`, String(i));
      await barrier();
      assert.ok(w.uncertain?.includes('overflow'));
      assert.equal(fx.engine.createCheckpoint({ rescan: true })?.files.length, 100);
      assert.equal(w.stats.walked, 1);
    } finally {
      await fx.cleanup();
    }
  });

  it('the watch limit reached (ENOSPC): logged once, every seal walks from then on, and stays exact', async () => {
    let watches = 0;
    const watch = (dir: string, listener: (event: string, name: string | null) => void) => {
      if (++watches > 3) throw Object.assign(new Error(`ENOSPC: System limit for number of file watchers reached, watch '${dir}'`), { code: 'ENOSPC' });
      return fs.watch(dir, { persistent: false }, listener);
    };
    const fx = await makeFixture({ 'a/1.txt': '1', 'b/2.txt': '2', 'c/3.txt': '3', 'd/4.txt': '4' }, { watch: { watch } });
    const logs: string[] = [];
    fx.engine.onEvent((e) => e.type === 'log' && logs.push(e.message));
    try {
      const w = watcher(fx.engine);
      assert.match(w.uncertain ?? '', /limit of file watches/);
      for (let round = 0; round < 3; round++) {
        fx.write(`d/new${round}/f.txt`, String(round));
        fx.write('a/1.txt', `1.${round}`);
        await barrier();
        const cp = fx.engine.createCheckpoint({ rescan: true });
        assert.deepEqual([...keysOf(cp)].sort(), ['ws/a/1.txt', `ws/d/new${round}/f.txt`]);
      }
      assert.equal(w.stats.trusted, 0);
      assert.equal(w.size, 0, 'its watches were closed');
      assert.equal(logs.filter((m) => m.includes('limit of file watches')).length, 0, 'logged once (at open), not again at each seal');
    } finally {
      await fx.cleanup();
    }
  });

  it('through the worker thread, with the CPUs kept busy: bursts written by another process just before createCheckpoint are all in it', async () => {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws);
    fs.writeFileSync(path.join(ws, 'seed.txt'), 'seed');
    const engine = startEngine({ workerPath, storageDir: path.join(dir, 'store'), roots: [{ name: 'ws', path: ws }] });
    const busy = busyCpus();
    try {
      await engine.open();
      for (let round = 0; round < 3; round++) {
        // 50 new nested folders with two files each, then 1,500 files in a few folders; then at once the seal.
        const files = { ...nestedBurst(`r${round}-`, 50, 2) };
        for (let i = 0; i < 1500; i++) files[`flat${round}/g${i % 7}/h${i}.txt`] = `${round} ${i}`;
        writeFromChild(ws, files);
        const cp = await engine.createCheckpoint({ label: `round ${round}`, rescan: true });
        const keys = keysOf(cp);
        const missing = Object.keys(files).filter((rel) => !keys.has(`ws/${rel}`));
        assert.deepEqual(missing, [], `round ${round}: ${missing.length} of ${Object.keys(files).length} missing`);
        assert.equal(keys.size, Object.keys(files).length);
      }
      // Written after the call returned: not in it, in the next.
      fs.writeFileSync(path.join(ws, 'seed.txt'), 'seed 2');
      const next = await engine.createCheckpoint({ rescan: true });
      assert.deepEqual([...keysOf(next)], ['ws/seed.txt']);
      await engine.close();
    } finally {
      busy.stop();
      await engine.terminate();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
