// The store lock and the store's folder under a running engine: two engines in one process, stale
// locks (a dead holder; a live pid with a silent heartbeat), racing openers (real processes, a
// bounded number of rounds) and a racing takeover injected at its moment, handing over when the
// holder closes, the store folder or a pack removed or replaced while open, and store files planted
// as links to outside files.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Engine, type EngineOptions } from '../../src/core/engine';
import type { EngineEvent } from '../../src/core/engineApi';
import { LOCK_FILE, lockAvailable } from '../../src/core/lock';
import { EngineError } from '../../src/core/types';
import { sharedStoreDir } from '../../src/vscode/storeFolder';
import { proxyFs } from './faultfs';
import { type Fixture, makeFixture, tempDir } from './helpers';

const ENGINE_JS = path.join(__dirname, '../../src/core/engine.js');
const lockOf = (fx: Fixture) => path.join(fx.store, LOCK_FILE);
const engineFor = (fx: Fixture, o: Partial<EngineOptions> = {}) =>
  new Engine({ storageDir: fx.store, roots: [{ name: 'ws', path: fx.ws }], racyWindowMs: 0, ...o });

/** A pid that is certainly not running: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

function plantLock(fx: Fixture, holder: object, ageMs = 0): void {
  fs.writeFileSync(lockOf(fx), JSON.stringify(holder));
  const t = (Date.now() - ageMs) / 1000;
  fs.utimesSync(lockOf(fx), t, t);
}

async function expectReadOnly(p: () => unknown, pattern?: RegExp): Promise<void> {
  let err: unknown;
  try {
    await p();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof EngineError, `a read-only error was expected, got ${String(err)}`);
  assert.equal((err as EngineError).code, 'read-only-store');
  if (pattern) assert.match((err as Error).message, pattern);
}

/** Every checkpoint restores to exactly what it recorded (content of a.txt per checkpoint id). */
async function assertRestorable(engine: Engine, fx: Fixture, expected: Map<string, string>): Promise<void> {
  for (const [id, content] of expected) {
    const r = await engine.restore({ kind: 'rewind', checkpointId: id });
    const failed = r.files.filter((f) => f.status === 'failed');
    assert.deepEqual(failed, [], `checkpoint ${id} restores`);
    assert.equal(fs.readFileSync(fx.abs('a.txt'), 'utf8'), content, `checkpoint ${id} content`);
  }
  assert.deepEqual(engine.verify().problems, []);
}

describe('store lock: two engines in one process', () => {
  it('same thread: the second opens read-only and says why; all 16 checkpoints of the first survive', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0\n' });
    try {
      const second = engineFor(fx);
      const rep = await second.open();
      assert.equal(second.readOnly, true);
      assert.match(second.readOnlyReason, /already open in this window/);
      assert.equal(rep.lockedOut, true, 'the open report says the lock is held elsewhere');
      assert.match(rep.readOnlyReason ?? '', /already open in this window/);
      const expected = new Map<string, string>();
      for (let i = 1; i <= 16; i++) {
        const a = `a${i}\n`;
        if (i % 2) expected.set(fx.commit({ 'a.txt': a })!.id, a);
        else await expectReadOnly(() => second.createCheckpoint({ allowEmpty: true }));
      }
      await second.close();
      const first = await fx.reopen();
      assert.equal(first.readOnly, false);
      await assertRestorable(first, fx, expected);
    } finally {
      await fx.cleanup();
    }
  });

  it('another worker thread of this process: read-only with the reason, writable once that one closes', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0\n' });
    await fx.engine.close();
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const { Engine } = require(${JSON.stringify(ENGINE_JS)});
       const e = new Engine({ storageDir: ${JSON.stringify(fx.store)}, roots: [{ name: 'ws', path: ${JSON.stringify(fx.ws)} }] });
       e.open().then(() => parentPort.postMessage(e.readOnly ? 'ro' : 'open'));
       parentPort.on('message', async () => { await e.close(); parentPort.postMessage('closed'); });`,
      { eval: true },
    );
    const next = () => new Promise<string>((resolve) => worker.once('message', resolve));
    try {
      assert.equal(await next(), 'open');
      const second = engineFor(fx);
      await second.open();
      assert.equal(second.readOnly, true, 'the same pid is no reason to take the lock');
      assert.match(second.readOnlyReason, /already open in this window/);
      assert.equal(lockAvailable(fs, fx.store), false);
      await second.close();
      worker.postMessage('close');
      assert.equal(await next(), 'closed');
      assert.equal(lockAvailable(fs, fx.store), true, 'free once the holder closed');
      fx.engine = engineFor(fx);
      await fx.engine.open();
      assert.equal(fx.engine.readOnly, false);
    } finally {
      await worker.terminate();
      await fx.cleanup();
    }
  });
});

describe('store lock: stale locks', () => {
  it('an opener killed after writing its lock but before linking it leaves no lock: the next open is writable, and the old temp file goes', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0\n' });
    try {
      await fx.engine.close();
      const leftover = `${lockOf(fx)}.new-killedopener`;
      fs.writeFileSync(leftover, JSON.stringify({ pid: deadPid(), startedAt: 1, id: 'killedopener' }));
      const t = (Date.now() - 5 * 60_000) / 1000;
      fs.utimesSync(leftover, t, t);
      await fx.engine.open();
      assert.equal(fx.engine.readOnly, false);
      assert.equal(fs.existsSync(leftover), false, 'the killed opener\'s temp file is removed');
      assert.deepEqual(fs.readdirSync(fx.store).filter((n) => n.startsWith(`${LOCK_FILE}.new-`)), [], 'no temp file of this opener is left');
    } finally {
      await fx.cleanup();
    }
  });

  it('the lock appears whole: at no moment of taking it is the lock file there without its holder', async () => {
    const px = proxyFs();
    const fx = await makeFixture({ 'a.txt': 'a0\n' });
    try {
      await fx.engine.close();
      // Every call the opener makes on the lock's name, seen at its moment: the name must be absent
      // until the link that brings the lock in with its whole text.
      const seen: string[] = [];
      px.onCall = (call) => {
        if (!call.paths.includes(lockOf(fx))) return;
        if (call.op === 'linkSync') seen.push(fs.readFileSync(String(call.args[0]), 'utf8').includes(`"pid":${process.pid}`) ? 'linked whole' : 'linked empty');
        else if (call.op === 'writeFileSync' || (call.op === 'openSync' && /w|a|\+/.test(call.flags ?? ''))) seen.push(`${call.op} in place`);
      };
      const engine = new Engine({ storageDir: fx.store, roots: [{ name: 'ws', path: fx.ws }], racyWindowMs: 0, fs: px.fs });
      await engine.open();
      assert.equal(engine.readOnly, false);
      assert.deepEqual(seen, ['linked whole']);
      await engine.close();
    } finally {
      await fx.cleanup();
    }
  });

  it('a lock whose process is gone is taken at once', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0\n' });
    try {
      await fx.engine.close();
      plantLock(fx, { pid: deadPid(), startedAt: 1, id: 'gone', heartbeatAt: Date.now() });
      await fx.engine.open();
      assert.equal(fx.engine.readOnly, false);
      assert.match(fs.readFileSync(lockOf(fx), 'utf8'), new RegExp(`"pid":${process.pid}`));
    } finally {
      await fx.cleanup();
    }
  });

  it('a lock planted as a link to an outside file: taken, and the outside file is untouched', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0\n' });
    const outside = tempDir('st-lock-outside-');
    try {
      await fx.engine.close();
      const victim = path.join(outside, 'victim');
      fs.writeFileSync(victim, JSON.stringify({ pid: process.pid, id: 'not a lock' }));
      fs.symlinkSync(victim, lockOf(fx));
      await fx.engine.open();
      assert.equal(fx.engine.readOnly, false);
      assert.ok(fs.lstatSync(lockOf(fx)).isFile(), 'a lock of its own in place of the link');
      assert.equal(fs.readFileSync(victim, 'utf8'), JSON.stringify({ pid: process.pid, id: 'not a lock' }));
    } finally {
      await fx.cleanup();
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('a live unrelated pid with an old heartbeat (pid reuse) is taken; with a fresh one it is respected', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0\n' });
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await fx.engine.close();
      plantLock(fx, { pid: other.pid, startedAt: 1, id: 'reused' }, 5 * 60_000);
      await fx.engine.open();
      assert.equal(fx.engine.readOnly, false, 'a pid alone does not hold a store forever');
      await fx.engine.close();
      plantLock(fx, { pid: other.pid, startedAt: 1, id: 'live' }, 1000);
      fx.engine = engineFor(fx);
      await fx.engine.open();
      assert.equal(fx.engine.readOnly, true);
      assert.match(fx.engine.readOnlyReason, new RegExp(`another VS Code window \\(process ${other.pid}\\)`));
      await fx.engine.close();
      assert.match(fs.readFileSync(lockOf(fx), 'utf8'), /"id":"live"/, 'a read-only opener leaves the lock alone');
      fs.rmSync(lockOf(fx));
    } finally {
      other.kill('SIGKILL');
      await fx.cleanup();
    }
  });

  it('a takeover racing another opener (injected at the moment it moves the stale lock): it puts the fresh lock back and opens read-only', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0\n' });
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await fx.engine.close();
      plantLock(fx, { pid: deadPid(), startedAt: 1, id: 'gone' });
      const fresh = JSON.stringify({ pid: other.pid, startedAt: 2, id: 'winner' });
      let raced = false;
      // Just before our rename: the other opener has already moved the stale lock and created its own.
      const racingFs = {
        ...fs,
        renameSync: (from: fs.PathLike, to: fs.PathLike) => {
          if (!raced && String(from) === lockOf(fx)) {
            raced = true;
            fs.rmSync(lockOf(fx));
            fs.writeFileSync(lockOf(fx), fresh, { flag: 'wx' });
          }
          return fs.renameSync(from, to);
        },
      } as typeof fs;
      fx.engine = engineFor(fx, { fs: racingFs });
      await fx.engine.open();
      assert.ok(raced);
      assert.equal(fx.engine.readOnly, true, 'only one of two racing openers is writable');
      assert.match(fx.engine.readOnlyReason, new RegExp(`process ${other.pid}`));
      assert.equal(fs.readFileSync(lockOf(fx), 'utf8'), fresh, 'the winner\'s lock is back in place');
      assert.deepEqual(fs.readdirSync(fx.store).filter((n) => n.startsWith(`${LOCK_FILE}.`)), [], 'nothing left aside');
      await fx.engine.close();
      fs.rmSync(lockOf(fx));
    } finally {
      other.kill('SIGKILL');
      await fx.cleanup();
    }
  });

  it('racing openers (two processes at once, 20 rounds, with and without a stale lock): exactly one is writable', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0\n' });
    await fx.engine.close();
    const child = `
      const { Engine } = require(${JSON.stringify(ENGINE_JS)});
      const { loadSqlJs } = require(${JSON.stringify(path.join(__dirname, '../../src/storage/db.js'))});
      const at = Number(process.argv[1]);
      loadSqlJs().then(async () => {
        const e = new Engine({ storageDir: ${JSON.stringify(fx.store)}, roots: [{ name: 'ws', path: ${JSON.stringify(fx.ws)} }], deferScan: true });
        while (Date.now() < at) {}
        await e.open({ deferScan: true });
        process.stdout.write(JSON.stringify({ readOnly: e.readOnly, reason: e.readOnlyReason }) + '\\n');
        process.stdin.on('end', async () => { await e.close(); process.exit(0); });
        process.stdin.resume();
      });`;
    try {
      for (let round = 0; round < 20; round++) {
        if (round % 2 === 0) plantLock(fx, { pid: deadPid(), startedAt: 1, id: `stale-${round}` });
        const at = Date.now() + 500;
        const kids = [0, 1].map(() => spawn(process.execPath, ['-e', child, String(at)], { stdio: ['pipe', 'pipe', 'inherit'] }));
        const answers = await Promise.all(
          kids.map(
            (k) =>
              new Promise<{ readOnly: boolean; reason: string }>((resolve, reject) => {
                let out = '';
                k.stdout!.on('data', (d) => {
                  out += String(d);
                  if (out.includes('\n')) resolve(JSON.parse(out));
                });
                k.once('exit', (code) => reject(new Error(`child exited (${code}) before answering`)));
              }),
          ),
        );
        const writable = answers.filter((a) => !a.readOnly);
        assert.equal(writable.length, 1, `round ${round}: exactly one writable (${JSON.stringify(answers)})`);
        assert.match(answers.find((a) => a.readOnly)!.reason, /another VS Code window/);
        await Promise.all(kids.map((k) => new Promise((res) => { k.once('exit', res); k.stdin!.end(); })));
        assert.equal(fs.existsSync(lockOf(fx)), false, `round ${round}: the lock is gone after both closed`);
      }
      fx.engine = engineFor(fx);
      await fx.engine.open();
      assert.deepEqual(fx.engine.verify().problems, []);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('store lock: handover and heartbeat', () => {
  it('the read-only window is told at open, sees the lock free once the first closes, and reopens writable', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0\n' });
    try {
      const cp1 = fx.commit({ 'a.txt': 'a1\n' })!;
      const second = new Engine({ storageDir: fx.store, roots: [{ name: 'ws', path: fx.ws }], racyWindowMs: 0 });
      const rep = await second.open({ deferScan: true });
      assert.equal(rep.lockedOut, true);
      assert.equal(lockAvailable(fs, fx.store), false);
      await fx.engine.close(); // the first window closes
      // The second polls (the extension does every few seconds) and reopens writable.
      assert.equal(lockAvailable(fs, fx.store), true);
      await second.close();
      await second.open();
      assert.equal(second.readOnly, false);
      const cp2 = (() => {
        fs.writeFileSync(fx.abs('a.txt'), 'a2\n');
        second.rescan();
        return second.createCheckpoint()!;
      })();
      fx.engine = second;
      await assertRestorable(second, fx, new Map([[cp1.id, 'a1\n'], [cp2.id, 'a2\n']]));
    } finally {
      await fx.cleanup();
    }
  });

  it('the holder touches its lock (heartbeat); a holder whose lock was taken over stops writing and says why', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0\n' }, { lockHeartbeatMs: 40 });
    try {
      const events: EngineEvent[] = [];
      fx.engine.onEvent((e) => events.push(e));
      const t = (Date.now() - 60_000) / 1000;
      fs.utimesSync(lockOf(fx), t, t);
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(Date.now() - fs.statSync(lockOf(fx)).mtimeMs < 5000, 'the heartbeat touched the lock');
      // Another window judged it stale (say this one was busy for minutes) and took it.
      fs.rmSync(lockOf(fx));
      plantLock(fx, { pid: process.pid, startedAt: 3, id: 'taker' });
      fs.writeFileSync(fx.abs('a.txt'), 'a1\n');
      await expectReadOnly(() => {
        fx.engine.rescan();
        fx.engine.createCheckpoint();
      }, /took this store over/);
      assert.equal(fx.engine.readOnly, true);
      assert.ok(events.some((e) => e.type === 'store' && e.readOnly && e.lockedOut), 'the window is told');
      assert.match(fs.readFileSync(lockOf(fx), 'utf8'), /"id":"taker"/, 'the taker\'s lock is left alone');
      await fx.engine.close();
      assert.ok(fs.existsSync(lockOf(fx)), 'closing does not remove a lock it no longer holds');
      fs.rmSync(lockOf(fx));
    } finally {
      await fx.cleanup();
    }
  });
});

describe('store folder removed or replaced while open', () => {
  const cases: [string, (fx: Fixture) => void][] = [
    ['the folder removed', (fx) => fs.rmSync(fx.store, { recursive: true, force: true })],
    ['the folder replaced by an empty one', (fx) => {
      fs.renameSync(fx.store, fx.store + '.moved');
      fs.mkdirSync(fx.store);
    }],
    ['the snapshot packs removed', (fx) => {
      for (const n of fs.readdirSync(path.join(fx.store, 'objects'))) fs.rmSync(path.join(fx.store, 'objects', n));
    }],
  ];
  for (const [name, damage] of cases) {
    it(`${name}: the engine says so, and every checkpoint (before and after) restores after reopening`, async () => {
      const fx = await makeFixture({ 'a.txt': 'a0\n', 'b.txt': 'b0\n' });
      try {
        const events: EngineEvent[] = [];
        fx.engine.onEvent((e) => events.push(e));
        const expected = new Map<string, string>();
        for (let i = 1; i <= 3; i++) expected.set(fx.commit({ 'a.txt': `a${i}\n` })!.id, `a${i}\n`);
        damage(fx);
        for (let i = 4; i <= 6; i++) expected.set(fx.commit({ 'a.txt': `a${i}\n`, [`n${i}.txt`]: `new ${i}\n` })!.id, `a${i}\n`);
        const notices = events.filter((e) => e.type === 'store' && e.notice && !e.readOnly);
        assert.equal(notices.length, 1, 'told once');
        assert.match((notices[0] as { notice: string }).notice, /(removed|replaced) while Session Tree was running.*new store/);
        assert.equal(fx.engine.readOnly, false, 'recording goes on');
        await fx.reopen();
        assert.equal(fx.engine.readOnly, false);
        await assertRestorable(fx.engine, fx, expected);
        fs.rmSync(fx.store + '.moved', { recursive: true, force: true });
      } finally {
        await fx.cleanup();
      }
    });
  }

  it('noticed on the heartbeat with no change to save: the new store is on disk before the next change', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0\n' }, { lockHeartbeatMs: 40 });
    try {
      const cp = fx.commit({ 'a.txt': 'a1\n' })!;
      fs.rmSync(fx.store, { recursive: true, force: true });
      const deadline = Date.now() + 5000;
      while (!fs.existsSync(path.join(fx.store, 'state.db')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(fs.existsSync(path.join(fx.store, 'state.db')), 'the database was saved again');
      // A copy taken now (as if the process died here) holds the whole history.
      const copy = tempDir('st-lock-copy-');
      fs.cpSync(fx.store, copy, { recursive: true });
      fs.rmSync(path.join(copy, LOCK_FILE), { force: true });
      const other = new Engine({ storageDir: copy, roots: [{ name: 'ws', path: fx.ws }], racyWindowMs: 0 });
      await other.open();
      assert.deepEqual(other.verify().problems, []);
      assert.equal(Buffer.from(other.readContent(other.fileAt(cp.id, fx.abs('a.txt'))!.hash)).toString(), 'a1\n');
      await other.close();
      fs.rmSync(copy, { recursive: true, force: true });
    } finally {
      await fx.cleanup();
    }
  });
});

describe('store files planted as links', () => {
  it('packs, indexes and the database temp file planted as links to outside files: the outside files are untouched', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0\n' });
    const outside = tempDir('st-lock-outside-');
    try {
      await fx.engine.close();
      const objects = path.join(fx.store, 'objects');
      const victims = ['pack', 'idx', 'db'].map((n) => {
        const p = path.join(outside, n);
        fs.writeFileSync(p, `precious ${n}\n`);
        return p;
      });
      const packs = fs.readdirSync(objects).filter((n) => n.endsWith('.pack')).sort();
      const next = String(Number(/\d+/.exec(packs[packs.length - 1])![0]) + 1).padStart(6, '0');
      fs.symlinkSync(victims[0], path.join(objects, `pack-${next}.pack`));
      fs.symlinkSync(victims[1], path.join(objects, `pack-${next}.idx`));
      fs.symlinkSync(victims[2], path.join(fx.store, 'state.db.tmp'));
      const rep = await fx.engine.open();
      assert.ok(rep.diagnostics.some((d) => /not a regular file/.test(d)), `said so: ${rep.diagnostics.join('; ')}`);
      const cp = fx.commit({ 'a.txt': 'a1\n', 'big.bin': Buffer.alloc(200_000, 7) })!;
      await fx.reopen();
      for (const [i, v] of victims.entries()) assert.equal(fs.readFileSync(v, 'utf8'), `precious ${['pack', 'idx', 'db'][i]}\n`, `${v} untouched`);
      assert.equal(Buffer.from(fx.engine.readContent(fx.engine.fileAt(cp.id, fx.abs('a.txt'))!.hash)).toString(), 'a1\n');
      assert.deepEqual(fx.engine.verify().problems, []);
    } finally {
      await fx.cleanup();
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('an existing pack replaced by a link: not opened through it (the outside file is untouched)', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0\n' });
    const outside = tempDir('st-lock-outside-');
    try {
      await fx.engine.close();
      const objects = path.join(fx.store, 'objects');
      const pack = fs.readdirSync(objects).find((n) => n.endsWith('.pack'))!;
      const victim = path.join(outside, 'victim');
      fs.copyFileSync(path.join(objects, pack), victim);
      const before = fs.readFileSync(victim);
      fs.rmSync(path.join(objects, pack));
      fs.symlinkSync(victim, path.join(objects, pack));
      const rep = await fx.engine.open();
      assert.ok(rep.diagnostics.some((d) => d.includes(pack)), `said so: ${rep.diagnostics.join('; ')}`);
      fx.commit({ 'a.txt': 'a1\n' });
      await fx.engine.close();
      assert.ok(fs.readFileSync(victim).equals(before), 'the outside file is untouched');
    } finally {
      await fx.cleanup();
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('the store folder of a second VS Code window', () => {
  it('a window given `<id>-1` workspace storage uses the store in `<id>` (one store per workspace)', () => {
    const root = tempDir('st-lock-ws-storage-');
    try {
      fs.mkdirSync(path.join(root, 'abc123', 'ext'), { recursive: true });
      fs.mkdirSync(path.join(root, 'abc123-1'), { recursive: true });
      fs.mkdirSync(path.join(root, 'lone-2'), { recursive: true });
      assert.equal(sharedStoreDir(path.join(root, 'abc123-1', 'ext')), path.join(root, 'abc123', 'ext'));
      assert.equal(sharedStoreDir(path.join(root, 'abc123', 'ext')), path.join(root, 'abc123', 'ext'));
      assert.equal(sharedStoreDir(path.join(root, 'lone-2', 'ext')), path.join(root, 'lone-2', 'ext'), 'no first window folder: its own');
      fs.symlinkSync(path.join(root, 'abc123'), path.join(root, 'linked'));
      fs.mkdirSync(path.join(root, 'linked-1'));
      assert.equal(sharedStoreDir(path.join(root, 'linked-1', 'ext')), path.join(root, 'linked-1', 'ext'), 'never through a link');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
