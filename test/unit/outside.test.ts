// Issue 12, never outside and never clobbered: planted temp names, folders swapped for links
// (injected at the exact moment, and a real bounded race with a second process), reads behind a
// linked folder, named pipes, the longest paths, another writer between the check and the rename.
// Folders outside the workspace are compared byte for byte before and after.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Engine } from '../../src/core/engine';
import type { RestoreFileResult } from '../../src/core/types';
import { type FsCall, proxyFs } from './faultfs';
import { type Fixture, diffSnapshots, makeFixture, snapshotDir } from './helpers';

const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const TEMP = /\.[0-9a-f]{20}\.st-tmp$/;

/** An outside folder beside the workspace, with a file, and its snapshot to compare with later. */
function outside(fx: Fixture, files: Record<string, string> = { 'bashrc': 'export SECRET=1\n' }): { dir: string; check(): void } {
  const dir = path.join(fx.dir, 'outside');
  fs.mkdirSync(dir, { recursive: true });
  for (const [rel, c] of Object.entries(files)) fs.writeFileSync(path.join(dir, rel), c);
  const before = snapshotDir(dir);
  const names = () => fs.readdirSync(dir, { recursive: true }).map(String).sort();
  const namesBefore = names();
  return {
    dir,
    check() {
      assert.deepEqual(diffSnapshots(snapshotDir(dir), before), [], 'nothing outside the workspace changed');
      assert.deepEqual(names(), namesBefore, 'nothing was created or removed outside the workspace');
    },
  };
}

function tempsUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true }).map(String).filter((n) => TEMP.test(n));
}

const byKey = (files: RestoreFileResult[], key: string) => files.find((f) => f.key === key)!;

/** Runs `act` once, at the first file-system call `when` picks (the moment a test injects into). */
function once(px: ReturnType<typeof proxyFs>, when: (call: FsCall) => boolean, act: () => void): { fired: boolean } {
  const hook = { fired: false };
  px.onCall = (call) => {
    if (hook.fired || !when(call)) return;
    hook.fired = true;
    act();
  };
  return hook;
}

describe('outside: planted temp names', () => {
  it('a planted <file>.st-tmp link to an outside file is not followed by a rewind; the outside file is untouched', async () => {
    const fx = await makeFixture({ 'README.md': 'v1\n' });
    try {
      const out = outside(fx);
      const root = fx.engine.activeSession()!.rootId;
      fx.commit({ 'README.md': 'v2\n' });
      fs.symlinkSync(path.join(out.dir, 'bashrc'), fx.abs('README.md.st-tmp'));
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      assert.equal(byKey(r.files, 'ws/README.md').status, 'restored');
      assert.equal(fs.lstatSync(fx.abs('README.md')).isFile(), true, 'README.md is a regular file, not a link');
      assert.equal(fx.read('README.md')!.toString(), 'v1\n');
      assert.equal(fs.lstatSync(fx.abs('README.md.st-tmp')).isSymbolicLink(), true, 'the planted link is left as it was');
      out.check();
    } finally {
      await fx.cleanup();
    }
  });

  it("a user's own data.csv.st-tmp survives rewinds of data.csv and journal recovery (and is tracked)", async () => {
    const fx = await makeFixture({ 'data.csv': 'a,b\n', 'data.csv.st-tmp': 'my own notes\n' });
    try {
      assert.deepEqual(fx.engine.trackingStatus(fx.abs('data.csv.st-tmp')), { tracked: true });
      const root = fx.engine.activeSession()!.rootId;
      const cp = fx.commit({ 'data.csv': 'a,b\n1,2\n' })!;
      await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      await fx.engine.restore({ kind: 'rewind', checkpointId: cp.id });
      assert.equal(fx.read('data.csv.st-tmp')!.toString(), 'my own notes\n');
      // A crash midway through a rewind: recovery puts data.csv back and leaves the look-alike alone.
      const plan = fx.engine.plan({ kind: 'rewind', checkpointId: root });
      const journal = { id: 999, token: '0123456789ab', entries: plan.entries.map((e) => ({ path: e.path, before: e.current, after: e.target })) };
      await fx.engine.close();
      fs.writeFileSync(path.join(fx.store, 'restore.journal'), JSON.stringify(journal));
      fx.write('data.csv', 'a,b\n');
      fx.engine = new Engine({ storageDir: fx.store, roots: [{ name: 'ws', path: fx.ws }], racyWindowMs: 0 });
      const report = await fx.engine.open();
      assert.match(report.recoveredRestore!, /put back/);
      assert.equal(fx.read('data.csv.st-tmp')!.toString(), 'my own notes\n');
      assert.equal(fx.read('data.csv')!.toString(), 'a,b\n1,2\n');
    } finally {
      await fx.cleanup();
    }
  });
});

describe('outside: a folder swapped for a link during a restore (injected)', () => {
  /** A rig whose engine runs on a proxied fs; `swap()` replaces ws/a by a link to the outside folder. */
  async function rig(files: Record<string, string>) {
    const px = proxyFs();
    const fx = await makeFixture(files, { fs: px.fs });
    const out = outside(fx, { 'x.txt': 'outside x\n' });
    const a = fx.abs('a');
    const swap = () => {
      fs.renameSync(a, fx.abs('a.moved'));
      fs.symlinkSync(out.dir, a);
    };
    return { px, fx, out, swap };
  }

  it('swapped right before its folder is opened: the file fails with the reason, nothing outside changes', async () => {
    const { px, fx, out, swap } = await rig({ 'a/x.txt': 'v1\n', 'b.txt': 'b1\n' });
    try {
      const root = fx.engine.activeSession()!.rootId;
      fx.commit({ 'a/x.txt': 'v2\n', 'b.txt': 'b2\n' });
      const hook = once(px, (call) => call.op === 'openSync' && call.paths[0] === fx.abs('a'), swap);
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      assert.ok(hook.fired, 'the hook fired');
      const x = byKey(r.files, 'ws/a/x.txt');
      assert.equal(x.status, 'failed');
      assert.match(x.reason!, /symbolic link/);
      assert.equal(byKey(r.files, 'ws/b.txt').status, 'restored');
      out.check();
    } finally {
      await fx.cleanup();
    }
  });

  it('swapped after its folder was checked, while the temp file is written: the rename is refused, nothing outside changes, no temp is left', async () => {
    const { px, fx, out, swap } = await rig({ 'a/x.txt': 'v1\n' });
    try {
      const root = fx.engine.activeSession()!.rootId;
      fx.commit({ 'a/x.txt': 'v2\n' });
      const hook = once(px, (call) => call.op === 'fchmodSync' && TEMP.test(call.paths[0] ?? ''), swap);
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      assert.ok(hook.fired, 'the hook fired');
      const x = byKey(r.files, 'ws/a/x.txt');
      assert.equal(x.status, 'failed');
      assert.match(x.reason!, /replaced by a symbolic link while writing/);
      assert.equal(fs.readFileSync(fx.abs('a.moved/x.txt'), 'utf8'), 'v2\n', 'the real folder keeps its file');
      assert.deepEqual(tempsUnder(fx.ws), []);
      out.check();
    } finally {
      await fx.cleanup();
    }
  });

  it('a missing a/b is never created outside through a parent swapped just before the mkdir', async () => {
    const { px, fx, out, swap } = await rig({ 'a/keep.txt': 'k\n', 'a/b/new.txt': 'n1\n' });
    try {
      const root = fx.engine.activeSession()!.rootId;
      fx.commit({ 'a/b/new.txt': null });
      fs.rmdirSync(fx.abs('a/b'));
      const hook = once(px, (call) => call.op === 'mkdirSync' && call.paths[0] === fx.abs('a/b'), swap);
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      assert.ok(hook.fired, 'the hook fired');
      const n = byKey(r.files, 'ws/a/b/new.txt');
      assert.equal(n.status, 'failed');
      assert.ok(n.reason);
      assert.equal(fs.existsSync(path.join(out.dir, 'b')), false, 'no folder was created outside');
      out.check();
    } finally {
      await fx.cleanup();
    }
  });
});

describe('outside: a folder swapped for a link by another process (real race, bounded)', () => {
  const FILES = 600;
  const RUNS = 2;
  for (let run = 1; run <= RUNS; run++) {
    it(`run ${run}/${RUNS}: ${FILES} files restored while a child swaps their folder for a link every ~2 ms: nothing outside changes, every file has a status and reason`, async () => {
      const files: Record<string, string> = {};
      for (let i = 0; i < FILES; i++) files[`d/f${i}.txt`] = `v1 ${i}\n`;
      const fx = await makeFixture(files);
      let child: ReturnType<typeof spawn> | undefined;
      try {
        const outFiles: Record<string, string> = {};
        for (let i = 0; i < 50; i++) outFiles[`f${i}.txt`] = `outside ${i}\n`;
        const out = outside(fx, outFiles);
        const root = fx.engine.activeSession()!.rootId;
        const v2: Record<string, string> = {};
        for (let i = 0; i < FILES; i++) v2[`d/f${i}.txt`] = `v2 ${i}\n`;
        fx.commit(v2);
        const d = fx.abs('d');
        const real = fx.abs('d.real');
        const stop = path.join(fx.dir, 'stop');
        // The child swaps d for a link to the outside folder and back until told to stop, and
        // leaves the real folder in place.
        const script = `
          const fs = require('fs');
          const [d, real, out, stop] = process.argv.slice(1);
          const nap = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
          let swaps = 0;
          while (!fs.existsSync(stop)) {
            try { fs.renameSync(d, real); fs.symlinkSync(out, d); swaps++; } catch {}
            nap(1);
            try { fs.unlinkSync(d); } catch {}
            try { fs.renameSync(real, d); } catch {}
            nap(1);
          }
          process.stdout.write(String(swaps));`;
        child = spawn(process.execPath, ['-e', script, d, real, out.dir, stop], { stdio: ['ignore', 'pipe', 'inherit'] });
        let swaps = '';
        child.stdout!.on('data', (b) => (swaps += b));
        const ended = new Promise<void>((res) => child!.on('exit', () => res()));
        await new Promise((res) => setTimeout(res, 50));
        const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root });
        fs.writeFileSync(stop, '');
        await ended;
        child = undefined;
        assert.ok(Number(swaps) > 0, 'the child swapped the folder');
        assert.equal(fs.lstatSync(d).isDirectory(), true);
        out.check();
        for (const f of r.files) {
          assert.ok(['restored', 'removed', 'skipped', 'failed'].includes(f.status), `${f.key}: ${f.status}`);
          if (f.status !== 'restored' && f.status !== 'removed') assert.ok(f.reason, `${f.key} ${f.status} has a reason`);
          if (f.status === 'restored') assert.equal(fs.readFileSync(f.path, 'utf8'), `v1 ${f.key.slice('ws/d/f'.length, -'.txt'.length)}\n`, `${f.key} has its restored content`);
        }
        assert.deepEqual(tempsUnder(fx.ws), []);
        const counts: Record<string, number> = {};
        for (const f of r.files) counts[f.status] = (counts[f.status] ?? 0) + 1;
        console.log(`race run ${run}: ${swaps} swaps; ${JSON.stringify(counts)}`);
      } finally {
        if (child) {
          fs.writeFileSync(path.join(fx.dir, 'stop'), '');
          await new Promise((res) => child!.on('exit', res));
        }
        await fx.cleanup();
      }
    });
  }
});

describe('outside: reads never follow a linked folder', () => {
  it('a tracked config/ replaced by a link to an outside folder is treated as absent: no outside byte is recorded or stored', async () => {
    const fx = await makeFixture({ 'config/app.conf': 'mine\n', 'top.txt': 't\n' });
    try {
      const out = outside(fx, { 'app.conf': 'OUTSIDE SECRET conf\n', 'id_rsa': 'OUTSIDE SECRET key\n' });
      fs.rmSync(fx.abs('config'), { recursive: true });
      fs.symlinkSync(out.dir, fx.abs('config'));
      fx.engine.notifyChanged([fx.abs('config'), fx.abs('config/app.conf'), fx.abs('config/id_rsa')]);
      fx.engine.willEdit([fx.abs('config/app.conf')]);
      fx.engine.rescan();
      const cp = fx.engine.createCheckpoint({ label: 'after the swap' })!;
      assert.equal(fx.engine.fileAt(cp.id, fx.abs('config/app.conf')), undefined, 'recorded as deleted');
      assert.equal(fx.engine.fileAt(cp.id, fx.abs('config/id_rsa')), undefined);
      for (const secret of ['OUTSIDE SECRET conf\n', 'OUTSIDE SECRET key\n']) {
        assert.throws(() => fx.engine.readContent(sha(secret)), /./, 'the outside bytes are not in the store');
      }
      assert.equal(fx.engine.trackingStatus(fx.abs('config/id_rsa')).tracked, false);
      // A rewind can bring the file back: it is not written through the link either.
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: fx.engine.activeSession()!.rootId });
      assert.notEqual(byKey(r.files, 'ws/config/app.conf').status, 'restored');
      out.check();
      const exp = path.join(fx.dir, 'export.json');
      fx.engine.exportSession(fx.engine.activeSession()!.id, exp);
      assert.equal(fs.readFileSync(exp).includes('OUTSIDE SECRET'), false, 'not in the export');
    } finally {
      await fx.cleanup();
    }
  });
});

const hasMkfifo = spawnSync('mkfifo', ['--version']).status === 0;

describe('outside: non-regular files and long paths', () => {
  it(hasMkfifo ? 'a named pipe replacing a tracked file is never opened or replaced by a rewind (and never blocks)' : 'a named pipe replacing a tracked file (SKIPPED: mkfifo is not available)', { skip: !hasMkfifo }, async () => {
    const fx = await makeFixture({ 'data.txt': 'v1\n' });
    try {
      const root = fx.engine.activeSession()!.rootId;
      fx.commit({ 'data.txt': 'v2\n' });
      fs.rmSync(fx.abs('data.txt'));
      assert.equal(spawnSync('mkfifo', [fx.abs('data.txt')]).status, 0);
      fx.engine.notifyChanged([fx.abs('data.txt')]);
      fx.engine.rescan();
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      const f = byKey(r.files, 'ws/data.txt');
      assert.equal(f.status, 'failed');
      assert.match(f.reason!, /named pipe/);
      assert.equal(fs.lstatSync(fx.abs('data.txt')).isFIFO(), true, 'the pipe is still there');
    } finally {
      await fx.cleanup();
    }
  });

  it('a 4,090-byte path is tracked and restored', async () => {
    const fx = await makeFixture({});
    try {
      let rel = '';
      // Folders of 200 bytes, then a short file name, to exactly 4,090 bytes of absolute path.
      while (Buffer.byteLength(fx.abs(rel)) + 201 + 10 < 4090) rel += (rel ? '/' : '') + 'd'.repeat(200);
      const room = 4090 - Buffer.byteLength(fx.abs(rel)) - 1;
      rel += '/' + 'f'.repeat(room);
      assert.equal(Buffer.byteLength(fx.abs(rel)), 4090);
      fx.write(rel, 'v1\n');
      fx.engine.rescan();
      const base = fx.engine.createCheckpoint()!.id;
      const cp = fx.engine.activeSession()!;
      assert.equal(fx.engine.trackingStatus(fx.abs(rel)).tracked, true);
      fx.commit({ [rel]: 'v2\n' });
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: base });
      assert.equal(byKey(r.files, `ws/${rel}`).status, 'restored', byKey(r.files, `ws/${rel}`).reason);
      assert.equal(fx.read(rel)!.toString(), 'v1\n');
      await fx.engine.restore({ kind: 'rewind', checkpointId: cp.rootId });
      assert.equal(fx.read(rel), undefined, 'removed when rewound to before it existed');
    } finally {
      await fx.cleanup();
    }
  });
});

describe('outside: another writer between the check and the rename', () => {
  it("a write by another program landing while the file is being restored is kept: the file is skipped with the reason, no byte lost", async () => {
    const px = proxyFs();
    const fx = await makeFixture({ 'a.txt': 'a1\n', 'b.txt': 'b1\n' }, { fs: px.fs });
    try {
      const root = fx.engine.activeSession()!.rootId;
      fx.commit({ 'a.txt': 'a2\n', 'b.txt': 'b2\n' });
      let armed = true;
      px.onCall = (call) => {
        // The temp file is written and about to be renamed over a.txt: an agent writes a.txt now.
        if (armed && call.op === 'fchmodSync' && path.basename(call.paths[0] ?? '').startsWith('.a.txt.')) {
          armed = false;
          fs.writeFileSync(fx.abs('a.txt'), 'agent bytes, written during the restore\n');
        }
      };
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      assert.equal(armed, false, 'the hook fired');
      const a = byKey(r.files, 'ws/a.txt');
      assert.equal(a.status, 'skipped');
      assert.match(a.reason!, /changed by another program while it was being restored/);
      assert.equal(fx.read('a.txt')!.toString(), 'agent bytes, written during the restore\n');
      assert.equal(byKey(r.files, 'ws/b.txt').status, 'restored');
      assert.deepEqual(tempsUnder(fx.ws), []);
      // And the engine sees the agent's bytes as a working change (so they are kept in the store).
      fx.engine.notifyChanged([fx.abs('a.txt')]);
      const cp = fx.engine.createCheckpoint()!;
      assert.equal(fx.engine.fileAt(cp.id, fx.abs('a.txt'))?.hash, sha('agent bytes, written during the restore\n'));
    } finally {
      await fx.cleanup();
    }
  });

  for (const kind of ['write', 'removal'] as const) {
    it(`an in-place write landing after the last re-check, right as the ${kind} happens, is put back: skipped with the reason, no byte lost`, async () => {
      const px = proxyFs();
      const files: Record<string, string> = kind === 'write' ? { 'a.txt': 'a1\n' } : {};
      const fx = await makeFixture({ ...files, 'b.txt': 'b1\n' }, { fs: px.fs });
      try {
        const root = fx.engine.activeSession()!.rootId;
        fx.commit({ 'a.txt': 'a2\n', 'b.txt': 'b2\n' });
        let armed = true;
        px.onCall = (call) => {
          // The very rename that replaces a.txt (or the unlink that removes it): the agent's write lands just before it.
          const renamesA = kind === 'write' ? call.op === 'renameSync' && call.paths[1] === fx.abs('a.txt') : call.op === 'unlinkSync' && call.paths[0] === fx.abs('a.txt');
          if (armed && renamesA) {
            armed = false;
            fs.appendFileSync(fx.abs('a.txt'), 'agent bytes, in place\n');
          }
        };
        const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root });
        assert.equal(armed, false, 'the hook fired');
        const a = byKey(r.files, 'ws/a.txt');
        assert.equal(a.status, 'skipped', a.reason);
        assert.match(a.reason!, /changed by another program while it was being restored/);
        assert.equal(fx.read('a.txt')!.toString(), 'a2\nagent bytes, in place\n');
        assert.equal(byKey(r.files, 'ws/b.txt').status, 'restored');
        assert.deepEqual(tempsUnder(fx.ws), []);
      } finally {
        await fx.cleanup();
      }
    });
  }
});
