import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Engine } from '../../src/core/engine';
import { diffSnapshots, makeFixture, tempDir } from './helpers';

describe('engine: sessions and checkpoints', () => {
  it('opens a workspace as a session whose root holds every tracked file', async () => {
    const fx = await makeFixture({ 'a.txt': 'one\n', 'src/b.ts': 'two\n' });
    try {
      const s = fx.engine.activeSession()!;
      assert.equal(s.activeBranch, 'main');
      assert.equal(s.headId, s.rootId);
      assert.equal(fx.engine.checkpoint(s.rootId).source, 'start');
      assert.equal(fx.engine.stats().tracked, 2);
    } finally {
      await fx.cleanup();
    }
  });

  it('seals working changes into a checkpoint with files and line counts', async () => {
    const fx = await makeFixture({ 'a.txt': 'one\ntwo\n', 'gone.txt': 'x\n' });
    try {
      fx.write('a.txt', 'one\nTWO\nthree\n');
      fx.write('new/c.txt', 'c\n');
      fx.rm('gone.txt');
      fx.engine.notifyChanged([fx.abs('a.txt'), fx.abs('new/c.txt'), fx.abs('gone.txt')]);
      assert.equal(fx.engine.workingChanges().length, 3);
      const cp = fx.engine.createCheckpoint({ label: 'my work', source: 'agent', tools: ['edit'], prompt: 'do it', metadata: { turn: 1 } })!;
      assert.equal(cp.label, 'my work');
      assert.equal(cp.source, 'agent');
      assert.deepEqual(cp.tools, ['edit']);
      assert.deepEqual(cp.metadata, { turn: 1 });
      const byKey = Object.fromEntries(cp.files.map((f) => [f.key, f]));
      assert.equal(byKey['ws/a.txt'].change, 'modified');
      assert.equal(byKey['ws/a.txt'].added, 2);
      assert.equal(byKey['ws/a.txt'].removed, 1);
      assert.equal(byKey['ws/new/c.txt'].change, 'added');
      assert.equal(byKey['ws/gone.txt'].change, 'deleted');
      assert.equal(cp.added, 3);
      assert.equal(fx.engine.workingChanges().length, 0);
      assert.equal(fx.engine.createCheckpoint({ label: 'nothing' }), undefined, 'nothing changed: no checkpoint');
      assert.equal(fx.engine.activeSession()!.headId, cp.id);
    } finally {
      await fx.cleanup();
    }
  });

  it('a watcher batch that changes nothing tracked neither saves nor signals a change', async () => {
    const fx = await makeFixture({ '.gitignore': 'build/\n', 'a.txt': 'one\n' });
    try {
      const events: string[] = [];
      fx.engine.onEvent((e) => events.push(e.type));
      const saves = fx.engine.lastSave;
      fx.write('build/out.js', 'generated');
      fx.engine.notifyChanged([fx.abs('build/out.js'), fx.abs('a.txt')]);
      assert.deepEqual(events, []);
      assert.deepEqual(fx.engine.lastSave, saves);
      fx.write('a.txt', 'one\ntwo\n');
      fx.engine.notifyChanged([fx.abs('a.txt')]);
      assert.deepEqual(events, ['saved', 'changed'], 'saved (policy "always"), then signalled');
      const [w] = fx.engine.workingChanges();
      assert.deepEqual([w.change, w.added, w.removed], ['modified', 1, 0], 'working changes carry line counts');
    } finally {
      await fx.cleanup();
    }
  });

  it('a file whose timestamp only became old enough to trust is not a change: no save, no signal', async () => {
    // A file read in the same millisecond it was written cannot be trusted by its timestamp (a
    // second write could share it); read again later with the same content, it has only settled.
    let now = 0;
    const fx = await makeFixture({ 'a.txt': 'one\n' }, { clock: () => now });
    try {
      const mtime = fs.statSync(fx.abs('a.txt')).mtimeMs;
      now = Math.floor(mtime); // "now" is the file's own millisecond: it is racy
      fx.engine.notifyChanged([fx.abs('a.txt')]);
      now = Math.floor(mtime) + 60_000;
      const events: string[] = [];
      fx.engine.onEvent((e) => events.push(e.type));
      const saves = fx.engine.lastSave;
      fx.engine.notifyChanged([fx.abs('a.txt')]); // read again: same bytes, same stat, now settled
      assert.deepEqual(events, []);
      assert.deepEqual(fx.engine.lastSave, saves);
      assert.deepEqual(fx.engine.workingChanges(), []);
      // After a restart it is read once more (the stored row still says so) and is still unchanged.
      await fx.reopen({ clock: () => now });
      assert.deepEqual(fx.engine.workingChanges(), []);
      assert.equal(fx.engine.stats().tracked, 1);
    } finally {
      await fx.cleanup();
    }
  });

  it('finds files changed while closed and records them as their own checkpoint', async () => {
    const fx = await makeFixture({ 'a.txt': 'one\n' });
    try {
      await fx.engine.close();
      fx.write('a.txt', 'changed while closed\n');
      fx.write('b.txt', 'new\n');
      const report = await (fx.engine = new Engine({ storageDir: fx.store, roots: [{ name: 'ws', path: fx.ws }], racyWindowMs: 0 })).open();
      assert.ok(report.externalCheckpointId);
      const cp = fx.engine.checkpoint(report.externalCheckpointId!);
      assert.equal(cp.source, 'external');
      assert.deepEqual(cp.files.map((f) => f.key).sort(), ['ws/a.txt', 'ws/b.txt']);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('engine: restores', () => {
  it('rewinds exactly: rewrites changed files, removes added ones, recreates deleted ones, keeps matching files untouched', async () => {
    const fx = await makeFixture({ 'keep.txt': 'same\n', 'a.txt': 'v1\n', 'del.txt': 'bye\n' });
    try {
      const root = fx.engine.activeSession()!.rootId;
      const keepMtime = fs.statSync(fx.abs('keep.txt')).mtimeMs;
      fx.write('a.txt', 'v2\n');
      fx.write('added/deep/x.bin', Buffer.from([0, 1, 2, 255]));
      const cp = fx.commit({ 'del.txt': null }, { label: 'v2' })!;
      const plan = fx.engine.plan({ kind: 'rewind', checkpointId: root });
      assert.deepEqual(plan.entries.map((e) => `${e.action} ${e.key}`), ['write ws/a.txt', 'write ws/del.txt', 'remove ws/added/deep/x.bin'].sort((a, b) => a.slice(a.indexOf(' ')).localeCompare(b.slice(b.indexOf(' ')))));
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      const status = Object.fromEntries(r.files.map((f) => [f.key, f.status]));
      assert.deepEqual(status, { 'ws/a.txt': 'restored', 'ws/added/deep/x.bin': 'removed', 'ws/del.txt': 'restored' });
      assert.equal(fx.read('a.txt')!.toString(), 'v1\n');
      assert.equal(fx.read('del.txt')!.toString(), 'bye\n');
      assert.equal(fs.existsSync(fx.abs('added')), false, 'emptied folders are removed');
      assert.equal(fs.statSync(fx.abs('keep.txt')).mtimeMs, keepMtime);
      assert.equal(fx.engine.activeSession()!.headId, root);
      // the later checkpoint is still there and restorable
      await fx.engine.restore({ kind: 'rewind', checkpointId: cp.id });
      assert.equal(fx.read('a.txt')!.toString(), 'v2\n');
      assert.deepEqual([...fx.read('added/deep/x.bin')!], [0, 1, 2, 255]);
    } finally {
      await fx.cleanup();
    }
  });

  it('seals working changes into a safety checkpoint first, and undo brings them back', async () => {
    const fx = await makeFixture({ 'a.txt': 'v1\n' });
    try {
      const cp2 = fx.commit({ 'a.txt': 'v2\n' }, { label: 'v2' })!;
      fx.write('a.txt', 'unsaved work\n');
      fx.engine.notifyChanged([fx.abs('a.txt')]);
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: cp2.id, before: true });
      assert.ok(r.safetyCheckpointId);
      assert.equal(fx.engine.checkpoint(r.safetyCheckpointId!).source, 'safety');
      assert.equal(fx.read('a.txt')!.toString(), 'v1\n');
      const u = await fx.engine.restore({ kind: 'undo' });
      assert.equal(u.files[0].status, 'restored');
      assert.equal(fx.read('a.txt')!.toString(), 'unsaved work\n');
      assert.equal(fx.engine.activeSession()!.headId, r.safetyCheckpointId);
    } finally {
      await fx.cleanup();
    }
  });

  it('rolls back N checkpoints along the active branch and refuses impossible counts', async () => {
    const fx = await makeFixture({ 'a.txt': '0' });
    try {
      for (let i = 1; i <= 3; i++) {
        fx.write('a.txt', String(i));
        fx.engine.notifyChanged([fx.abs('a.txt')]);
        fx.engine.createCheckpoint({ label: `v${i}` });
      }
      await fx.engine.restore({ kind: 'rollback', count: 2 });
      assert.equal(fx.read('a.txt')!.toString(), '1');
      await assert.rejects(fx.engine.restore({ kind: 'rollback', count: 5 }), /only 1 checkpoint/);
      await assert.rejects(fx.engine.restore({ kind: 'rollback', count: 0 }), /whole number/);
      await assert.rejects(fx.engine.restore({ kind: 'rollback', count: -1 }), /whole number/);
      assert.equal(fx.read('a.txt')!.toString(), '1', 'a refused rollback changes nothing');
    } finally {
      await fx.cleanup();
    }
  });

  it('branches and checks out between them', async () => {
    const fx = await makeFixture({ 'a.txt': 'base' });
    try {
      fx.engine.createBranch('experiment');
      fx.write('a.txt', 'main work');
      fx.engine.notifyChanged([fx.abs('a.txt')]);
      fx.engine.createCheckpoint({ label: 'main' });
      await fx.engine.restore({ kind: 'checkout', branch: 'experiment' });
      assert.equal(fx.read('a.txt')!.toString(), 'base');
      assert.equal(fx.engine.activeSession()!.activeBranch, 'experiment');
      fx.write('b.txt', 'exp');
      fx.engine.notifyChanged([fx.abs('b.txt')]);
      fx.engine.createCheckpoint({ label: 'exp' });
      await fx.engine.restore({ kind: 'checkout', branch: 'main' });
      assert.equal(fx.read('a.txt')!.toString(), 'main work');
      assert.equal(fx.read('b.txt'), undefined);
      await fx.engine.restore({ kind: 'checkout', branch: 'experiment' });
      assert.equal(fx.read('b.txt')!.toString(), 'exp');
      assert.throws(() => fx.engine.createBranch('main'), /already exists/);
      assert.throws(() => fx.engine.createBranch('  '), /cannot be empty/);
      assert.throws(() => fx.engine.deleteBranch('experiment'), /active branch/);
    } finally {
      await fx.cleanup();
    }
  });

  it('restores selected files without moving head', async () => {
    const fx = await makeFixture({ 'a.txt': 'a1', 'b.txt': 'b1' });
    try {
      const root = fx.engine.activeSession()!.rootId;
      const cp = fx.commit({ 'a.txt': 'a2', 'b.txt': 'b2' })!;
      const r = await fx.engine.restore({ kind: 'restoreFiles', checkpointId: root, paths: [fx.abs('a.txt')] });
      assert.deepEqual(r.files.map((f) => f.status), ['restored']);
      assert.equal(fx.read('a.txt')!.toString(), 'a1');
      assert.equal(fx.read('b.txt')!.toString(), 'b2');
      assert.equal(fx.engine.activeSession()!.headId, cp.id);
      assert.deepEqual(fx.engine.workingChanges().map((f) => f.key), ['ws/a.txt']);
    } finally {
      await fx.cleanup();
    }
  });

  it('never touches excluded files (.gitignore at any depth, exclude setting, size limit)', async () => {
    const fx = await makeFixture(
      { '.gitignore': 'build/\n', 'sub/.gitignore': '*.log\n!keep.log\n', 'a.txt': 'a1', 'build/out.js': 'o1', 'sub/x.log': 'l1', 'sub/keep.log': 'k1', 'secret.env': 's1' },
      { exclude: ['*.env'], maxFileSize: 100 },
    );
    try {
      const root = fx.engine.activeSession()!.rootId;
      assert.equal(fx.engine.trackingStatus(fx.abs('build/out.js')).tracked, false);
      assert.match(fx.engine.trackingStatus(fx.abs('sub/x.log')).reason!, /sub\/\.gitignore/);
      assert.equal(fx.engine.trackingStatus(fx.abs('sub/keep.log')).tracked, true);
      assert.match(fx.engine.trackingStatus(fx.abs('secret.env')).reason!, /sessionTree\.exclude/);
      fx.write('a.txt', 'a2');
      fx.write('build/out.js', 'o2');
      fx.write('sub/x.log', 'l2');
      fx.write('secret.env', 's2');
      fx.write('big.txt', 'x'.repeat(500));
      fx.engine.rescan();
      fx.engine.createCheckpoint();
      await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      assert.equal(fx.read('a.txt')!.toString(), 'a1');
      assert.equal(fx.read('build/out.js')!.toString(), 'o2');
      assert.equal(fx.read('sub/x.log')!.toString(), 'l2');
      assert.equal(fx.read('secret.env')!.toString(), 's2');
      assert.equal(fx.read('big.txt')!.length, 500, 'a file over the size limit is not tracked, so not removed');
    } finally {
      await fx.cleanup();
    }
  });

  it('a rescan asks the rules again when a .gitignore changed or appeared unannounced: newly ignored files are left alone', async () => {
    // No racy window: files whose stat is unchanged are not re-read (nor asked about again).
    const fx = await makeFixture({ '.gitignore': 'build/\n', 'a.txt': 'a1' }, { racyWindowMs: 0 });
    try {
      const root = fx.engine.activeSession()!.rootId;
      // Files that exist since a checkpoint and then do not change.
      fx.commit({ 'c.tmp': 'c1', 'sub/b.log': 'b1', 'd.txt': 'd1' });
      fx.engine.rescan(); // a scan with unchanged rules: tracked files are not asked about again
      const tracked = fx.engine.stats().tracked; // .gitignore a.txt c.tmp d.txt sub/b.log
      assert.equal(tracked, 5);
      fx.write('sub/.gitignore', '*.log\n'); // appeared, and no watcher reported it
      fx.engine.rescan();
      assert.equal(fx.engine.stats().tracked, tracked, 'sub/.gitignore is tracked, sub/b.log no longer');
      fx.write('.gitignore', 'build/\n*.tmp\n'); // changed, likewise
      fx.write('a.txt', 'a2');
      fx.engine.rescan();
      assert.equal(fx.engine.stats().tracked, tracked - 1, 'c.tmp is no longer tracked');
      fx.engine.createCheckpoint();
      // Back to before c.tmp, b.log and d.txt existed: d.txt goes; the two now ignored stay.
      await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      assert.equal(fx.read('a.txt')!.toString(), 'a1');
      assert.equal(fx.read('d.txt'), undefined);
      assert.equal(fx.read('c.tmp')?.toString(), 'c1', 'ignored now: left alone');
      assert.equal(fx.read('sub/b.log')?.toString(), 'b1', 'ignored now: left alone');
    } finally {
      await fx.cleanup();
    }
  });

  it('skips files with unsaved editor changes and leaves them untouched', async () => {
    const fx = await makeFixture({ 'a.txt': 'a1', 'b.txt': 'b1' });
    try {
      const root = fx.engine.activeSession()!.rootId;
      fx.commit({ 'a.txt': 'a2', 'b.txt': 'b2' });
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root }, { isDirty: (paths) => paths.filter((p) => p.endsWith('a.txt')) });
      const a = r.files.find((f) => f.key === 'ws/a.txt')!;
      assert.equal(a.status, 'skipped');
      assert.match(a.reason!, /unsaved changes/);
      assert.equal(fx.read('a.txt')!.toString(), 'a2');
      assert.equal(fx.read('b.txt')!.toString(), 'b1');
      assert.deepEqual(fx.engine.workingChanges().map((f) => f.key), ['ws/a.txt'], 'the skipped file is a working change against the new head');
    } finally {
      await fx.cleanup();
    }
  });

  it('reports a read-only file as failed with a reason and still restores the others', async () => {
    const fx = await makeFixture({ 'ro.txt': 'r1', 'b.txt': 'b1' });
    try {
      const root = fx.engine.activeSession()!.rootId;
      fx.write('ro.txt', 'r2');
      fx.write('b.txt', 'b2');
      fs.chmodSync(fx.abs('ro.txt'), 0o444);
      fx.engine.rescan();
      fx.engine.createCheckpoint();
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      const ro = r.files.find((f) => f.key === 'ws/ro.txt')!;
      assert.equal(ro.status, 'failed');
      assert.match(ro.reason!, /read-only/);
      assert.equal(fx.read('ro.txt')!.toString(), 'r2');
      assert.equal(fx.read('b.txt')!.toString(), 'b1');
    } finally {
      await fx.cleanup();
    }
  });

  it('never writes through a symbolic link that leaves the workspace', async () => {
    const outside = tempDir('st-outside-');
    const fx = await makeFixture({ 'dir/a.txt': 'a1' });
    try {
      const root = fx.engine.activeSession()!.rootId;
      fx.commit({ 'dir': null });
      fs.symlinkSync(outside, fx.abs('dir'));
      fx.engine.rescan();
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      assert.equal(r.files.length, 1);
      assert.notEqual(r.files[0].status, 'restored');
      assert.match(r.files[0].reason!, /symbolic link/);
      assert.deepEqual(fs.readdirSync(outside), [], 'nothing written outside');
    } finally {
      await fx.cleanup();
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('restores file modes', async () => {
    const fx = await makeFixture({});
    try {
      fx.write('run.sh', '#!/bin/sh\n', 0o755);
      fx.engine.rescan();
      const cp = fx.engine.createCheckpoint()!;
      fx.commit({ 'run.sh': null });
      await fx.engine.restore({ kind: 'rewind', checkpointId: cp.id });
      assert.equal(fs.statSync(fx.abs('run.sh')).mode & 0o777, 0o755);
    } finally {
      await fx.cleanup();
    }
  });

  it('undoes a restore interrupted by a crash at the next open (journal)', async () => {
    const fx = await makeFixture({ 'a.txt': 'a1', 'b.txt': 'b1', 'b.txt.st-tmp': 'user data' });
    try {
      const root = fx.engine.activeSession()!.rootId;
      fx.commit({ 'a.txt': 'a2', 'b.txt': 'b2' });
      // Simulate a crash after the journal was written and one file was rewritten: the process
      // dies before the restore is recorded, so the journal is what the next open finds.
      const plan = fx.engine.plan({ kind: 'rewind', checkpointId: root });
      const journal = { id: 999, token: 'abcdef012345', entries: plan.entries.map((e) => ({ path: e.path, before: e.current, after: e.target })) };
      await fx.engine.close();
      fs.writeFileSync(path.join(fx.store, 'restore.journal'), JSON.stringify(journal));
      fx.write('a.txt', 'a1');
      // The restore's own temp file (its token in the name) and a user's file that looks like one.
      fs.writeFileSync(fx.abs('.b.txt.abcdef01234599aa77bb.st-tmp'), 'half');
      fx.engine = new Engine({ storageDir: fx.store, roots: [{ name: 'ws', path: fx.ws }], racyWindowMs: 0 });
      const report = await fx.engine.open();
      assert.match(report.recoveredRestore!, /interrupted.*undone: 1 file put back/);
      assert.equal(fx.read('a.txt')!.toString(), 'a2');
      assert.equal(fx.read('b.txt')!.toString(), 'b2');
      assert.equal(fs.existsSync(fx.abs('.b.txt.abcdef01234599aa77bb.st-tmp')), false);
      assert.equal(fs.readFileSync(fx.abs('b.txt') + '.st-tmp', 'utf8'), 'user data', "a user's file is never removed because its name looks like ours");
      assert.equal(report.externalCheckpointId, undefined, 'the workspace is back where the store says it is');
    } finally {
      await fx.cleanup();
    }
  });

  it('covers several workspace folders in one store, keyed by folder', async () => {
    const dir = tempDir();
    const w1 = path.join(dir, 'one');
    const w2 = path.join(dir, 'two');
    fs.mkdirSync(w1);
    fs.mkdirSync(w2);
    fs.writeFileSync(path.join(w1, 'same.txt'), '1');
    fs.writeFileSync(path.join(w2, 'same.txt'), '2');
    const e = new Engine({ storageDir: path.join(dir, 'store'), roots: [{ name: 'one', path: w1 }, { name: 'two', path: w2 }], racyWindowMs: 0 });
    try {
      await e.open();
      const root = e.activeSession()!.rootId;
      fs.writeFileSync(path.join(w1, 'same.txt'), '1b');
      fs.writeFileSync(path.join(w2, 'same.txt'), '2b');
      e.rescan();
      const cp = e.createCheckpoint()!;
      assert.deepEqual(cp.files.map((f) => f.key), ['one/same.txt', 'two/same.txt']);
      await e.restore({ kind: 'rewind', checkpointId: root });
      assert.equal(fs.readFileSync(path.join(w1, 'same.txt'), 'utf8'), '1');
      assert.equal(fs.readFileSync(path.join(w2, 'same.txt'), 'utf8'), '2');
    } finally {
      await e.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('engine: sessions', () => {
  it('undo and the last restore belong to the session they were made in (issue 13: undo after a session switch)', async () => {
    const fx = await makeFixture({ 'a.txt': 'a1' });
    try {
      const s1 = fx.engine.activeSession()!;
      fx.commit({ 'a.txt': 'a2' }, { label: 'two' });
      await fx.engine.restore({ kind: 'rewind', checkpointId: s1.rootId });
      assert.equal(fx.read('a.txt')!.toString(), 'a1');
      const inS1 = fx.engine.lastRestore()!;
      const s2 = fx.engine.newSession({ title: 'Second' });
      assert.equal(fx.engine.lastRestore(), undefined, 'a session without restores shows none');
      await assert.rejects(fx.engine.restore({ kind: 'undo' }), /no restore to undo in this session/);
      // Ten restores elsewhere do not push the first session's record out.
      fx.commit({ 'a.txt': 'b1' });
      for (let i = 0; i < 6; i++) {
        await fx.engine.restore({ kind: 'rewind', checkpointId: s2.rootId });
        await fx.engine.restore({ kind: 'undo' });
      }
      assert.equal(fx.read('a.txt')!.toString(), 'b1');
      fx.engine.switchSession(s1.id);
      assert.equal(fx.engine.lastRestore()!.id, inS1.id, "back in the first session: its own last restore");
    } finally {
      await fx.cleanup();
    }
  });

  it('creates, renames, tags, switches, forks and deletes sessions without touching files', async () => {
    const fx = await makeFixture({ 'a.txt': 'a1' });
    try {
      const s1 = fx.engine.activeSession()!;
      const cp = fx.commit({ 'a.txt': 'a2' }, { label: 'two' })!;
      const s2 = fx.engine.newSession({ title: 'Second' });
      assert.equal(fx.engine.activeSession()!.id, s2.id);
      assert.equal(fx.engine.workingChanges().length, 0);
      fx.engine.renameSession(s2.id, 'Renamed');
      fx.engine.setSessionTags(s2.id, ['x', 'y']);
      assert.equal(fx.engine.activeSession()!.title, 'Renamed');
      assert.deepEqual(fx.engine.activeSession()!.tags, ['x', 'y']);
      fx.engine.switchSession(s1.id);
      assert.equal(fx.read('a.txt')!.toString(), 'a2');
      const fork = fx.engine.forkSession(s1.rootId, { title: 'Fork' });
      assert.equal(fork.parentSessionId, s1.id);
      assert.equal(fork.checkpointCount, 1);
      assert.deepEqual(fx.engine.workingChanges().map((f) => f.key), ['ws/a.txt'], 'the fork starts at the root: a.txt differs');
      await fx.engine.restore({ kind: 'rewind', checkpointId: fork.headId });
      assert.equal(fx.read('a.txt')!.toString(), 'a1');
      fx.engine.deleteSession(fork.id);
      assert.equal(fx.engine.sessions().length, 2);
      assert.ok(fx.engine.checkpoint(cp.id));
      assert.throws(() => fx.engine.switchSession('nope'), /No session/);
    } finally {
      await fx.cleanup();
    }
  });

  it('keeps checkpoints across reopen and resumes the last active session', async () => {
    const fx = await makeFixture({ 'a.txt': 'a1' });
    try {
      const cp = fx.commit({ 'a.txt': 'a2' }, { label: 'kept' })!;
      const s2 = fx.engine.newSession({ title: 'Other' });
      await fx.reopen();
      assert.equal(fx.engine.activeSession()!.id, s2.id);
      assert.equal(fx.engine.checkpoint(cp.id).label, 'kept');
      assert.equal(fx.engine.verify().ok, true);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('engine: before-edit capture', () => {
  it('stores the current bytes of a file about to change, even when no watcher saw it', async () => {
    const fx = await makeFixture({ 'a.txt': 'a1' });
    try {
      fx.write('a.txt', 'written behind our back');
      fx.engine.willEdit([fx.abs('a.txt')]);
      fx.write('a.txt', 'the edit');
      fx.engine.notifyChanged([fx.abs('a.txt')]);
      const cp = fx.engine.createCheckpoint()!;
      const safe = fx.engine.checkpoints({ limit: 3 }).map((c) => c.id);
      assert.equal(safe[0], cp.id);
      // The intermediate version was captured and is restorable from the working-change record.
      const versions = [...new Set(cp.files.flatMap((f) => [f.before?.hash, f.after?.hash]))];
      assert.equal(versions.length, 2);
      const restored = await fx.engine.restore({ kind: 'rewind', checkpointId: fx.engine.activeSession()!.rootId });
      assert.equal(restored.files[0].status, 'restored');
      assert.equal(fx.read('a.txt')!.toString(), 'a1');
    } finally {
      await fx.cleanup();
    }
  });

  it('a failed capture never throws into the edit, and that file is then skipped by a restore with the reason', async () => {
    let deny = false;
    const realFs = await import('node:fs');
    const faulty = {
      ...realFs,
      readFileSync: ((p: fs.PathOrFileDescriptor, o?: unknown) => {
        if (deny && String(p).endsWith('a.txt')) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
        return (realFs.readFileSync as (p: fs.PathOrFileDescriptor, o?: unknown) => Buffer)(p, o);
      }) as typeof fs.readFileSync,
      // Workspace files are read through a descriptor opened without following links.
      openSync: ((p: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => {
        const reading = flags === undefined || flags === 'r' || (typeof flags === 'number' && (flags & (realFs.constants.O_WRONLY | realFs.constants.O_RDWR)) === 0);
        if (deny && reading && String(p).endsWith('a.txt')) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
        return realFs.openSync(p, flags ?? 'r', mode);
      }) as typeof fs.openSync,
    };
    const fx = await makeFixture({ 'a.txt': 'a1', 'b.txt': 'b1' }, { fs: faulty as typeof fs });
    try {
      const root = fx.engine.activeSession()!.rootId;
      fx.write('b.txt', 'b2');
      fx.engine.notifyChanged([fx.abs('b.txt')]);
      fx.engine.createCheckpoint();
      fx.write('a.txt', 'not yet captured');
      deny = true;
      assert.doesNotThrow(() => fx.engine.willEdit([fx.abs('a.txt')]));
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      const a = r.files.find((f) => f.key === 'ws/a.txt')!;
      assert.notEqual(a.status, 'restored');
      assert.match(a.reason!, /permission denied/);
      assert.equal(fx.read('a.txt')!.toString(), 'not yet captured', 'bytes we could not save are never overwritten');
      assert.equal(fx.read('b.txt')!.toString(), 'b1');
    } finally {
      deny = false;
      await fx.cleanup();
    }
  });
});

