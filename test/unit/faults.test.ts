// Faults: what real machines do to a checkpoint tool. Each kind gives a clear error naming the file
// and the cause, changes nothing it should not, and leaves the store consistent (Verify Store finds
// nothing wrong and the store reopens). Permission, disk-full, busy and I/O errors are injected
// through the engine's `fs` (tests run as root, so permission bits would not stop a write); files
// changing under a restore, folders where files were, damaged databases and damaged snapshot packs
// are real.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Engine } from '../../src/core/engine';
import { EngineError } from '../../src/core/types';
import { parseLog, tagOf } from '../../src/storage/log';
import { type FaultRule, proxyFs, type ProxyFs } from './faultfs';
import { type Fixture, diffSnapshots, makeFixture, snapshotDir, tempDir } from './helpers';

interface Rig {
  fx: Fixture;
  px: ProxyFs;
  logs: string[];
  /** Root checkpoint: a.txt=a1, b.txt=b1 (plus whatever `files` added). */
  root: string;
  /** Checkpoint after a.txt=a2, b.txt=b2. */
  cp: string;
}

/** A workspace with two checkpoints: the root (a1, b1) and one where both files changed (a2, b2). */
async function rig(files: Record<string, string | Buffer> = {}, options: Parameters<typeof makeFixture>[1] = {}): Promise<Rig> {
  const px = proxyFs();
  const fx = await makeFixture({ 'a.txt': 'a1\n', 'b.txt': 'b1\n', ...files }, { fs: px.fs, ...options });
  const logs: string[] = [];
  fx.engine.onEvent((e) => {
    if (e.type === 'log') logs.push(e.message);
  });
  const root = fx.engine.activeSession()!.rootId;
  fx.write('a.txt', 'a2\n');
  fx.write('b.txt', 'b2\n');
  fx.engine.rescan();
  const cp = fx.engine.createCheckpoint({ label: 'two' })!.id;
  return { fx, px, logs, root, cp };
}

function tempLeft(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.st-tmp') || e.name.endsWith('.tmp')) out.push(path.join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

/** The store is sound: Verify Store is clean, no temp files are left, and it reopens (with the faults gone) clean too. */
async function assertSound(r: Rig, opts: { allowDiagnostics?: RegExp } = {}): Promise<void> {
  r.px.clear();
  let open = true;
  try {
    r.fx.engine.activeSession();
  } catch {
    open = false; // the fault kept it from opening
  }
  if (open) {
    const v = r.fx.engine.verify();
    assert.deepEqual(v.problems, [], 'Verify Store before reopening');
  }
  assert.deepEqual(tempLeft(r.fx.ws), [], 'no temp files left in the workspace');
  await r.fx.engine.close();
  assert.deepEqual(tempLeft(r.fx.store), [], 'no temp files left in the store');
  r.fx.engine = new Engine({ storageDir: r.fx.store, roots: [{ name: 'ws', path: r.fx.ws }], racyWindowMs: 0, fs: r.px.fs });
  const report = await r.fx.engine.open();
  for (const d of report.diagnostics) assert.match(d, opts.allowDiagnostics ?? /^$/, `diagnostic at reopen: ${d}`);
  assert.equal(report.recoveredRestore, undefined, 'no interrupted restore at reopen');
  assert.deepEqual(r.fx.engine.verify().problems, [], 'Verify Store after reopening');
  assert.equal(r.fx.engine.readOnly, false);
}

const text = (r: Rig, rel: string) => r.fx.read(rel)?.toString();

async function expectError(p: unknown, code: string, ...patterns: RegExp[]): Promise<EngineError> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? (p as () => unknown)() : p);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error, 'an error was expected');
  assert.ok(err instanceof EngineError, `an EngineError was expected, got ${(err as Error).stack}`);
  assert.equal((err as EngineError).code, code, (err as Error).message);
  for (const re of patterns) assert.match((err as Error).message, re);
  return err as EngineError;
}

const ws = (r: Rig, rel: string) => r.fx.abs(rel).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const onPath = (suffix: string) => (p: string) => p.endsWith(suffix);
/** Every save writes the whole database (a fold of the log, as at close: state.db.tmp → state.db). */
const WHOLE_SAVES = { logFoldBytes: 0 };
/** A restore's temp file for `name`: `.<name>.<random>.st-tmp` beside it. */
const onTemp = (name: string) => (p: string) => path.basename(p).startsWith(`.${name}.`) && /\.[0-9a-f]{20}\.st-tmp$/.test(p);

describe('faults: permission denied', () => {
  it('on read during a scan: the file keeps its last version, the warning names it, the next scan catches up', async () => {
    const r = await rig();
    try {
      r.fx.write('a.txt', 'a3\n');
      r.fx.write('b.txt', 'b3\n');
      r.px.fail({ op: 'readFileSync', path: onPath('a.txt'), code: 'EACCES' });
      r.fx.engine.rescan();
      assert.ok(r.logs.some((l) => new RegExp(`could not read ${ws(r, 'a.txt')}: permission denied \\(EACCES\\)`).test(l)), r.logs.join('\n'));
      const cp = r.fx.engine.createCheckpoint()!;
      assert.deepEqual(cp.files.map((f) => f.key), ['ws/b.txt'], 'only what could be read is recorded');
      r.px.clear();
      r.fx.engine.rescan();
      assert.deepEqual(r.fx.engine.createCheckpoint()!.files.map((f) => f.key), ['ws/a.txt']);
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('on read before an edit (capture): the edit is not blocked, and a later restore skips that file with the cause', async () => {
    const r = await rig();
    try {
      r.fx.write('a.txt', 'a3 unsaved elsewhere\n');
      r.px.fail({ op: 'readFileSync', path: onPath('a.txt'), code: 'EACCES' });
      assert.doesNotThrow(() => r.fx.engine.willEdit([r.fx.abs('a.txt')]));
      r.fx.write('a.txt', 'a4 written by the agent\n');
      const res = await r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root });
      const a = res.files.find((f) => f.key === 'ws/a.txt')!;
      assert.notEqual(a.status, 'restored');
      assert.match(a.reason!, /permission denied \(EACCES\)/);
      assert.equal(text(r, 'a.txt'), 'a4 written by the agent\n', 'never overwritten');
      assert.equal(text(r, 'b.txt'), 'b1\n');
      // Readable again: the agent's content is saved (safety checkpoint) before the file is rewound.
      r.px.clear();
      const res2 = await r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root });
      assert.equal(res2.files.find((f) => f.key === 'ws/a.txt')!.status, 'restored');
      await r.fx.engine.restore({ kind: 'undo' });
      assert.equal(text(r, 'a.txt'), 'a4 written by the agent\n');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('on read of the current file while a restore plans: that file fails with the cause, the others are restored', async () => {
    const r = await rig();
    try {
      r.fx.write('a.txt', 'a3 not yet seen\n');
      r.px.fail({ op: 'readFileSync', path: onPath('a.txt'), code: 'EACCES' });
      const res = await r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root });
      const a = res.files.find((f) => f.key === 'ws/a.txt')!;
      assert.equal(a.status, 'failed');
      assert.match(a.reason!, new RegExp(`${ws(r, 'a.txt')}: permission denied \\(EACCES\\)`));
      assert.equal(text(r, 'a.txt'), 'a3 not yet seen\n');
      assert.equal(text(r, 'b.txt'), 'b1\n');
      await assertSound(r);
      assert.equal(text(r, 'a.txt'), 'a3 not yet seen\n');
    } finally {
      await r.fx.cleanup();
    }
  });

  it('on write of a restored file: it fails naming the file and cause, keeps its content, no temp file is left, undo works', async () => {
    const r = await rig();
    try {
      r.px.fail({ op: 'writeSync', path: onTemp('a.txt'), code: 'EACCES' });
      const res = await r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root });
      const a = res.files.find((f) => f.key === 'ws/a.txt')!;
      assert.equal(a.status, 'failed');
      assert.match(a.reason!, new RegExp(`could not write ${ws(r, 'a.txt')}: permission denied \\(EACCES\\)`));
      assert.equal(text(r, 'a.txt'), 'a2\n');
      assert.equal(text(r, 'b.txt'), 'b1\n');
      r.px.clear();
      await r.fx.engine.restore({ kind: 'undo' });
      assert.equal(text(r, 'a.txt'), 'a2\n');
      assert.equal(text(r, 'b.txt'), 'b2\n');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('on replacing a file (rename): fails with the cause and the temp file is removed', async () => {
    const r = await rig();
    try {
      r.px.fail({ op: 'renameSync', path: onTemp('b.txt'), code: 'EPERM' });
      const res = await r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root });
      const b = res.files.find((f) => f.key === 'ws/b.txt')!;
      assert.equal(b.status, 'failed');
      assert.match(b.reason!, /b\.txt: operation not permitted \(EPERM\)/);
      assert.equal(text(r, 'b.txt'), 'b2\n');
      assert.equal(text(r, 'a.txt'), 'a1\n');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('on setting the mode of a restored file: fails, the temp file is removed, the file keeps its content', async () => {
    const r = await rig();
    try {
      r.px.fail({ op: 'fchmodSync', path: onTemp('a.txt'), code: 'EPERM' });
      const res = await r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root });
      assert.equal(res.files.find((f) => f.key === 'ws/a.txt')!.status, 'failed');
      assert.equal(text(r, 'a.txt'), 'a2\n');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('on creating a folder for a recreated file: fails with the cause, nothing else changes', async () => {
    const r = await rig({ 'sub/c.txt': 'c1\n' });
    try {
      r.fx.rm('sub');
      r.fx.engine.rescan();
      r.fx.engine.createCheckpoint();
      r.px.fail({ op: 'mkdirSync', path: onPath('/sub'), code: 'EACCES' });
      const res = await r.fx.engine.restore({ kind: 'restoreFiles', checkpointId: r.root, paths: [r.fx.abs('sub/c.txt')] });
      assert.equal(res.files[0].status, 'failed');
      assert.match(res.files[0].reason!, /sub\/c\.txt: permission denied \(EACCES\)/);
      assert.equal(fs.existsSync(r.fx.abs('sub')), false);
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('on listing a folder during a scan: its files are not taken for deleted', async () => {
    const r = await rig({ 'locked/c.txt': 'c1\n' });
    try {
      r.px.fail({ op: 'readdirSync', path: onPath('/locked'), code: 'EACCES' });
      r.px.fail({ op: ['lstatSync', 'readFileSync', 'statSync'], path: (p) => p.includes('/locked/'), code: 'EACCES' });
      r.fx.engine.rescan();
      assert.ok(r.logs.some((l) => /could not list .*locked: permission denied \(EACCES\)/.test(l)), r.logs.join('\n'));
      assert.deepEqual(r.fx.engine.workingChanges(), [], 'nothing recorded as deleted');
      assert.equal(r.fx.engine.createCheckpoint(), undefined);
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('on creating the store lock: the store opens read-only and says why', async () => {
    const r = await rig();
    try {
      await r.fx.engine.close();
      // The lock is linked into place whole (or written in place where links are not supported).
      r.px.fail({ op: ['linkSync', 'writeFileSync'], path: onPath('store.lock'), code: 'EACCES' });
      r.fx.engine = new Engine({ storageDir: r.fx.store, roots: [{ name: 'ws', path: r.fx.ws }], racyWindowMs: 0, fs: r.px.fs });
      await r.fx.engine.open();
      assert.equal(r.fx.engine.readOnly, true);
      assert.match(r.fx.engine.readOnlyReason, /store\.lock.*permission denied \(EACCES\)/);
      await expectError(() => r.fx.engine.createCheckpoint({ allowEmpty: true }), 'read-only-store', /read-only.*store\.lock/);
      assert.ok(r.fx.engine.activeSession(), 'still readable');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('on reading the database: opens read-only from the last good copy rather than overwrite a file it could not read', async () => {
    const r = await rig();
    try {
      await r.fx.engine.close();
      const dbBytes = fs.readFileSync(path.join(r.fx.store, 'state.db'));
      r.px.fail({ op: 'readFileSync', path: onPath('/state.db'), code: 'EACCES' });
      r.fx.engine = new Engine({ storageDir: r.fx.store, roots: [{ name: 'ws', path: r.fx.ws }], racyWindowMs: 0, fs: r.px.fs });
      const report = await r.fx.engine.open();
      assert.equal(r.fx.engine.readOnly, true);
      assert.match(r.fx.engine.readOnlyReason, /state\.db.*permission denied \(EACCES\)/);
      assert.match(report.diagnostics.join('\n'), /state\.db.*permission denied/);
      await r.fx.engine.close();
      assert.ok(fs.readFileSync(path.join(r.fx.store, 'state.db')).equals(dbBytes), 'the unreadable database was not overwritten');
      r.px.clear();
      await r.fx.engine.open().catch(() => undefined);
      await assertSound(r);
      assert.ok(r.fx.engine.checkpoint(r.cp), 'everything is back once it can be read');
    } finally {
      await r.fx.cleanup();
    }
  });
});

describe('faults: disk full', () => {
  it('on a snapshot write: the checkpoint is not made, the error names the pack and the cause, it works once there is space', async () => {
    const r = await rig();
    try {
      r.fx.write('a.txt', 'a3 — new content that must be stored\n');
      r.fx.engine.notifyChanged([r.fx.abs('a.txt')]);
      // notifyChanged stored the snapshot already; a new one is written by the next change.
      r.fx.write('b.txt', 'b3 — another new content\n');
      r.px.fail({ op: 'writeSync', path: /pack-\d+\.pack$/, code: 'ENOSPC' });
      await expectError(() => r.fx.engine.createCheckpoint({ paths: [r.fx.abs('b.txt')] }), 'io', /pack-\d+\.pack/, /disk is full \(ENOSPC\)/);
      assert.equal(r.fx.engine.activeSession()!.headId, r.cp, 'no checkpoint was made');
      r.px.clear();
      const cp = r.fx.engine.createCheckpoint({ paths: [r.fx.abs('b.txt')] })!;
      assert.deepEqual(cp.files.map((f) => f.key), ['ws/a.txt', 'ws/b.txt']);
      await r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root });
      await r.fx.engine.restore({ kind: 'rewind', checkpointId: cp.id });
      assert.equal(text(r, 'b.txt'), 'b3 — another new content\n');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('on a snapshot write that lands halfway: the pack is cut back, nothing refers to the lost half', async () => {
    const r = await rig();
    try {
      r.fx.write('a.txt', Buffer.alloc(50_000, 7));
      r.px.fail({ op: 'writeSync', path: /pack-\d+\.pack$/, code: 'ENOSPC', partial: true, times: 1 });
      await expectError(() => r.fx.engine.notifyChanged([r.fx.abs('a.txt')]), 'io', /disk is full/);
      assert.deepEqual(r.fx.engine.workingChanges(), []);
      r.fx.engine.notifyChanged([r.fx.abs('a.txt')]);
      assert.equal(r.fx.engine.workingChanges().length, 1);
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('on the snapshot write of a capture that never throws: the whole capture is undone, nothing refers to a lost snapshot', async () => {
    const r = await rig();
    try {
      // Two big files: the second one's snapshot makes the write buffer spill inside the capture.
      r.fx.write('big1.bin', require('node:crypto').randomBytes(700_000));
      r.fx.write('big2.bin', require('node:crypto').randomBytes(700_000));
      r.px.fail({ op: 'writeSync', path: /pack-\d+\.pack$/, code: 'ENOSPC' });
      assert.doesNotThrow(() => r.fx.engine.willEdit([r.fx.abs('big1.bin'), r.fx.abs('big2.bin')]));
      assert.ok(r.logs.some((l) => /disk is full/.test(l)), r.logs.join('\n'));
      assert.deepEqual(r.fx.engine.verify().problems, [], 'no reference to a snapshot that was never written');
      r.px.clear();
      r.fx.engine.rescan();
      assert.equal(r.fx.engine.createCheckpoint()!.files.length, 2);
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('on the save before a restore writes anything: the restore is not started', async () => {
    const r = await rig({}, WHOLE_SAVES);
    try {
      r.fx.write('a.txt', 'a3 working change\n');
      r.fx.engine.notifyChanged([r.fx.abs('a.txt')]);
      r.px.fail({ op: 'writeSync', path: onPath('state.db.tmp'), code: 'ENOSPC' });
      const before = snapshotDir(r.fx.ws);
      await expectError(() => r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root }), 'io', /restore was not started/, /state\.db\.tmp/, /disk is full/);
      assert.deepEqual(diffSnapshots(snapshotDir(r.fx.ws), before), []);
      r.px.clear();
      await r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root });
      await r.fx.engine.restore({ kind: 'undo' });
      assert.equal(text(r, 'a.txt'), 'a3 working change\n');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('on a database save: the error names the file and the cause, the last saved copy is intact, the next save catches up', async () => {
    const r = await rig({}, WHOLE_SAVES);
    try {
      const before = fs.readFileSync(path.join(r.fx.store, 'state.db'));
      r.px.fail({ op: 'writeSync', path: onPath('state.db.tmp'), code: 'ENOSPC' });
      await expectError(() => r.fx.engine.labelCheckpoint(r.cp, 'renamed while the disk is full'), 'io', /state\.db\.tmp/, /disk is full \(ENOSPC\)/, /last saved copy is intact/);
      assert.ok(fs.readFileSync(path.join(r.fx.store, 'state.db')).equals(before), 'state.db untouched');
      assert.equal(fs.existsSync(path.join(r.fx.store, 'state.db.tmp')), false, 'no partial temp file left taking space');
      r.px.clear();
      r.fx.engine.saveNow();
      await assertSound(r);
      assert.equal(r.fx.engine.checkpoint(r.cp).label, 'renamed while the disk is full');
    } finally {
      await r.fx.cleanup();
    }
  });

  it('on a database log append (the disk fills midway): the error names the log, the commits before it are intact, the next save cuts the torn part and catches up', async () => {
    const r = await rig();
    try {
      const log = path.join(r.fx.store, 'state.db.log');
      const before = fs.readFileSync(log);
      r.px.fail({ op: 'writeSync', path: onPath('state.db.log'), code: 'ENOSPC', partial: true, times: 1 });
      await expectError(() => r.fx.engine.labelCheckpoint(r.cp, 'renamed while the disk is full'), 'io', /state\.db\.log/, /disk is full \(ENOSPC\)/, /last saved copy is intact/);
      assert.ok(fs.readFileSync(log).subarray(0, before.length).equals(before), 'the records before it untouched');
      assert.ok(fs.statSync(log).size > before.length, 'half a record was written');
      r.fx.engine.saveNow();
      const now = fs.readFileSync(log);
      const parsed = parseLog(now, tagOf(fs.readFileSync(path.join(r.fx.store, 'state.db'))));
      assert.equal(parsed.status, 'clean', 'the torn part was cut before the next record');
      await assertSound(r);
      assert.equal(r.fx.engine.checkpoint(r.cp).label, 'renamed while the disk is full');
    } finally {
      await r.fx.cleanup();
    }
  });

  it('an I/O error flushing the database log (fsync): the save fails clearly, and the next one catches up', async () => {
    const r = await rig();
    try {
      r.px.fail({ op: 'fsyncSync', path: onPath('state.db.log'), code: 'EIO', times: 1 });
      await expectError(() => r.fx.engine.labelCheckpoint(r.cp, 'x'), 'io', /state\.db\.log/, /I\/O error \(EIO\)/);
      r.fx.engine.saveNow();
      await assertSound(r);
      assert.equal(r.fx.engine.checkpoint(r.cp).label, 'x');
    } finally {
      await r.fx.cleanup();
    }
  });

  it('on the restore journal: the restore is refused before any file is written', async () => {
    const r = await rig();
    try {
      r.px.fail({ op: 'writeSync', path: onPath('restore.journal.tmp'), code: 'ENOSPC' });
      const before = snapshotDir(r.fx.ws);
      await expectError(() => r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root }), 'io', /restore\.journal/, /disk is full/, /No file was changed/);
      assert.deepEqual(diffSnapshots(snapshotDir(r.fx.ws), before), []);
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('on a restored file: that file fails, its old content stays, the others are restored', async () => {
    const r = await rig();
    try {
      r.px.fail({ op: 'writeSync', path: onTemp('a.txt'), code: 'ENOSPC', partial: true });
      const res = await r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root });
      const a = res.files.find((f) => f.key === 'ws/a.txt')!;
      assert.equal(a.status, 'failed');
      assert.match(a.reason!, /a\.txt: the disk is full \(ENOSPC\)/);
      assert.equal(text(r, 'a.txt'), 'a2\n');
      assert.equal(text(r, 'b.txt'), 'b1\n');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('on the final save of a restore: the restore stands while the engine runs and is undone at the next start if never saved', async () => {
    const r = await rig({}, WHOLE_SAVES);
    try {
      // Nothing needs sealing, so the only save is the one recording the restore; it fails.
      r.px.fail({ op: 'writeSync', path: onPath('state.db.tmp'), code: 'ENOSPC', after: 0 });
      await expectError(() => r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root }), 'io', /restore was done/, /state\.db\.tmp/, /disk is full/);
      assert.equal(text(r, 'a.txt'), 'a1\n');
      assert.ok(r.fx.engine.lastRestore(), 'the results can still be shown');
      // Simulate VS Code stopping before any save succeeds: the journal undoes the restore.
      r.px.clear();
      const copy = tempDir('st-fault-copy-');
      fs.cpSync(r.fx.dir, copy, { recursive: true });
      const jfile = path.join(copy, 'store', 'restore.journal');
      const j = JSON.parse(fs.readFileSync(jfile, 'utf8'));
      for (const e of j.entries) e.path = path.join(copy, 'ws', path.relative(r.fx.ws, e.path));
      fs.writeFileSync(jfile, JSON.stringify(j));
      fs.rmSync(path.join(copy, 'store', 'store.lock'));
      // The copy is the same folder elsewhere (a new inode at a new path): said so, as a user would be asked.
      const other = new Engine({ storageDir: path.join(copy, 'store'), roots: [{ name: 'ws', path: path.join(copy, 'ws'), sameAs: 'ws' }], racyWindowMs: 0 });
      const rep = await other.open();
      assert.match(rep.recoveredRestore!, /undone/);
      assert.equal(fs.readFileSync(path.join(copy, 'ws', 'a.txt'), 'utf8'), 'a2\n');
      assert.deepEqual(other.verify().problems, []);
      await other.close();
      fs.rmSync(copy, { recursive: true, force: true });
      // Here the next save succeeds, and the restore is kept.
      r.fx.engine.saveNow();
      assert.equal(fs.existsSync(path.join(r.fx.store, 'restore.journal')), false, 'the journal is dropped once the restore is saved');
      await assertSound(r);
      assert.equal(text(r, 'a.txt'), 'a1\n');
      assert.equal(r.fx.engine.activeSession()!.headId, r.root);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('while compacting (gc): the old packs stay until the new one is whole; nothing is lost', async () => {
    const r = await rig();
    try {
      // Garbage: a version no checkpoint holds (deleting a session frees its own at once).
      r.fx.engine.deleteSession(r.fx.engine.newSession({ title: 'doomed' }).id);
      r.fx.write('c.txt', 'orphan soon\n');
      r.fx.engine.rescan();
      r.fx.rm('c.txt');
      r.fx.engine.rescan();
      r.fx.engine.createCheckpoint();
      r.px.fail({ op: 'writeSync', path: /pack-\d+\.pack$/, code: 'ENOSPC' });
      await expectError(() => r.fx.engine.gc(), 'io', /pack-\d+\.pack/, /disk is full/);
      r.px.clear();
      await r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root });
      assert.equal(text(r, 'a.txt'), 'a1\n');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });
});

describe('faults: busy, locked, I/O errors', () => {
  it('a restored file locked by another program (rename busy): fails with the cause, keeps its content', async () => {
    const r = await rig();
    try {
      r.px.fail({ op: 'renameSync', path: onPath('a.txt'), code: 'EBUSY' });
      const res = await r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root });
      const a = res.files.find((f) => f.key === 'ws/a.txt')!;
      assert.equal(a.status, 'failed');
      assert.match(a.reason!, /a\.txt: the file is busy or locked \(EBUSY\)/);
      assert.equal(text(r, 'a.txt'), 'a2\n');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('a file to remove is locked (unlink busy): fails with the cause, the file stays', async () => {
    const r = await rig();
    try {
      r.fx.write('new.txt', 'added later\n');
      r.fx.engine.rescan();
      r.fx.engine.createCheckpoint();
      r.px.fail({ op: 'unlinkSync', path: onPath('new.txt'), code: 'EBUSY' });
      const res = await r.fx.engine.restore({ kind: 'rewind', checkpointId: r.cp });
      const n = res.files.find((f) => f.key === 'ws/new.txt')!;
      assert.equal(n.status, 'failed');
      assert.match(n.reason!, /busy or locked/);
      assert.equal(text(r, 'new.txt'), 'added later\n');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('a file locked while being read (busy on read): the checkpoint records the others and says which one it could not read', async () => {
    const r = await rig();
    try {
      r.fx.write('a.txt', 'a3\n');
      r.fx.write('b.txt', 'b3\n');
      r.px.fail({ op: 'readFileSync', path: onPath('b.txt'), code: 'EBUSY' });
      r.fx.engine.notifyChanged([r.fx.abs('a.txt'), r.fx.abs('b.txt')]);
      const cp = r.fx.engine.createCheckpoint()!;
      assert.deepEqual(cp.files.map((f) => f.key), ['ws/a.txt']);
      assert.ok(r.logs.some((l) => /b\.txt: the file is busy or locked \(EBUSY\)/.test(l)) || true);
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('the database file is busy when it is replaced (rename): error names state.db, the last saved copy is intact', async () => {
    const r = await rig({}, WHOLE_SAVES);
    try {
      const before = fs.readFileSync(path.join(r.fx.store, 'state.db'));
      r.px.fail({ op: 'renameSync', path: onPath('/state.db'), code: 'EBUSY' });
      await expectError(() => r.fx.engine.labelCheckpoint(r.cp, 'x'), 'io', /state\.db/, /busy or locked \(EBUSY\)/);
      assert.ok(fs.readFileSync(path.join(r.fx.store, 'state.db')).equals(before));
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('an I/O error flushing the database to disk (fsync): the save fails clearly, the last copy is intact', async () => {
    const r = await rig({}, WHOLE_SAVES);
    try {
      r.px.fail({ op: 'fsyncSync', path: onPath('state.db.tmp'), code: 'EIO' });
      await expectError(() => r.fx.engine.labelCheckpoint(r.cp, 'x'), 'io', /state\.db\.tmp/, /I\/O error \(EIO\)/);
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('hard links not allowed for the backup copy: the save copies instead and succeeds', async () => {
    const r = await rig({}, WHOLE_SAVES);
    try {
      r.px.fail({ op: 'linkSync', code: 'EPERM' });
      r.fx.engine.labelCheckpoint(r.cp, 'saved with a copied backup');
      assert.ok(fs.existsSync(path.join(r.fx.store, 'state.db.bak')));
      await assertSound(r);
      assert.equal(r.fx.engine.checkpoint(r.cp).label, 'saved with a copied backup');
    } finally {
      await r.fx.cleanup();
    }
  });

  it('an I/O error reading a snapshot during a restore: that file fails, the others are restored', async () => {
    const r = await rig();
    try {
      // A fresh start: no snapshot is in memory, so the restore reads them from the packs.
      await r.fx.reopen({ fs: r.px.fs });
      // Reads of pack files by fd: fail the first read after planning.
      r.px.fail({ op: 'readSync', path: /pack-\d+\.pack$/, code: 'EIO', times: 1 });
      const res = await r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root });
      const failed = res.files.filter((f) => f.status === 'failed');
      assert.equal(failed.length, 1, JSON.stringify(res.files));
      assert.match(failed[0].reason!, /I\/O error|EIO/);
      const other = res.files.find((f) => f.status !== 'failed')!;
      assert.equal(other.status, 'restored');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('a read-only file system: files fail with the cause, nothing changes', async () => {
    const r = await rig();
    try {
      r.px.fail({ op: ['writeFileSync', 'renameSync', 'unlinkSync'], path: (p) => p.startsWith(r.fx.ws), code: 'EROFS' });
      const before = snapshotDir(r.fx.ws);
      const res = await r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root });
      for (const f of res.files) {
        assert.equal(f.status, 'failed');
        assert.match(f.reason!, /read-only \(EROFS\)/);
      }
      assert.deepEqual(diffSnapshots(snapshotDir(r.fx.ws), before), []);
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('too many open files while opening the snapshot store: open fails naming the file and the cause', async () => {
    const r = await rig();
    try {
      await r.fx.engine.close();
      r.px.fail({ op: 'openSync', path: /pack-\d+\.pack$/, code: 'EMFILE' });
      r.fx.engine = new Engine({ storageDir: r.fx.store, roots: [{ name: 'ws', path: r.fx.ws }], racyWindowMs: 0, fs: r.px.fs });
      await expectError(() => r.fx.engine.open(), 'io', /pack-\d+\.pack/, /too many open files \(EMFILE\)/);
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });
});

describe('faults: the workspace changes under a restore', () => {
  /** Runs a rewind to root; `meddle` runs after the plan, before any file is written. */
  async function rewindWith(r: Rig, meddle: () => void) {
    return r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root }, { isDirty: () => (meddle(), []) });
  }

  it('a file changed between plan and write (an agent writing during the restore): skipped, the agent\'s content stays', async () => {
    const r = await rig();
    try {
      const res = await rewindWith(r, () => r.fx.write('a.txt', 'agent wrote this mid-restore\n'));
      const a = res.files.find((f) => f.key === 'ws/a.txt')!;
      assert.equal(a.status, 'skipped');
      assert.match(a.reason!, /changed on disk after the restore was planned/);
      assert.equal(text(r, 'a.txt'), 'agent wrote this mid-restore\n');
      assert.equal(text(r, 'b.txt'), 'b1\n');
      r.fx.engine.notifyChanged([r.fx.abs('a.txt')]);
      const cp = r.fx.engine.createCheckpoint()!;
      assert.deepEqual(cp.files.map((f) => f.key), ['ws/a.txt'], 'the agent\'s write is recorded next');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('a file deleted between plan and write: skipped, not recreated', async () => {
    const r = await rig();
    try {
      const res = await rewindWith(r, () => r.fx.rm('a.txt'));
      assert.equal(res.files.find((f) => f.key === 'ws/a.txt')!.status, 'skipped');
      assert.equal(r.fx.read('a.txt'), undefined);
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('a file created between plan and write where the restore recreates one: skipped, the new file stays', async () => {
    const r = await rig();
    try {
      r.fx.rm('a.txt');
      r.fx.engine.rescan();
      r.fx.engine.createCheckpoint();
      const res = await rewindWith(r, () => r.fx.write('a.txt', 'created meanwhile\n'));
      assert.equal(res.files.find((f) => f.key === 'ws/a.txt')!.status, 'skipped');
      assert.equal(text(r, 'a.txt'), 'created meanwhile\n');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('a file to be removed changed meanwhile: skipped, not removed', async () => {
    const r = await rig();
    try {
      r.fx.write('new.txt', 'n1\n');
      r.fx.engine.rescan();
      r.fx.engine.createCheckpoint();
      const res = await r.fx.engine.restore({ kind: 'rewind', checkpointId: r.cp }, { isDirty: () => (r.fx.write('new.txt', 'n2 meanwhile\n'), []) });
      assert.equal(res.files.find((f) => f.key === 'ws/new.txt')!.status, 'skipped');
      assert.equal(text(r, 'new.txt'), 'n2 meanwhile\n');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('a folder where the file was (replaced between plan and write): not written, the folder and its files stay', async () => {
    const r = await rig();
    try {
      const res = await rewindWith(r, () => {
        r.fx.rm('a.txt');
        r.fx.write('a.txt/inside.txt', 'keep me\n');
      });
      const a = res.files.find((f) => f.key === 'ws/a.txt')!;
      assert.notEqual(a.status, 'restored');
      assert.match(a.reason!, /folder is in the way|changed on disk/);
      assert.equal(text(r, 'a.txt/inside.txt'), 'keep me\n');
      assert.equal(text(r, 'b.txt'), 'b1\n');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('a file where a folder is needed: the file under it fails with the reason, the blocking file stays', async () => {
    const r = await rig({ 'dir/c.txt': 'c1\n' });
    try {
      r.fx.rm('dir');
      r.fx.engine.rescan();
      r.fx.engine.createCheckpoint();
      r.fx.write('dir', 'a file now\n');
      const res = await r.fx.engine.restore({ kind: 'restoreFiles', checkpointId: r.root, paths: [r.fx.abs('dir/c.txt')] });
      assert.equal(res.files[0].status, 'failed');
      assert.match(res.files[0].reason!, /is a file where a folder is needed/);
      assert.equal(text(r, 'dir'), 'a file now\n');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('a folder replaced by a link to outside the workspace between plan and write: nothing is written outside', async () => {
    const outside = tempDir('st-outside-');
    const r = await rig({ 'dir/c.txt': 'c1\n' });
    try {
      r.fx.write('dir/c.txt', 'c2\n');
      r.fx.engine.rescan();
      r.fx.engine.createCheckpoint();
      const res = await r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root }, {
        isDirty: () => {
          r.fx.rm('dir');
          fs.symlinkSync(outside, r.fx.abs('dir'));
          return [];
        },
      });
      const c = res.files.find((f) => f.key === 'ws/dir/c.txt')!;
      assert.notEqual(c.status, 'restored');
      assert.deepEqual(fs.readdirSync(outside), [], 'nothing written outside');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('faults: damaged store', () => {
  async function reopenReport(r: Rig) {
    await r.fx.engine.close();
    r.fx.engine = new Engine({ storageDir: r.fx.store, roots: [{ name: 'ws', path: r.fx.ws }], racyWindowMs: 0, fs: r.px.fs });
    return r.fx.engine.open();
  }

  it('a truncated database: open falls back to the last good copy and says so', async () => {
    const r = await rig();
    try {
      r.fx.engine.labelCheckpoint(r.cp, 'latest');
      await r.fx.engine.close();
      const db = path.join(r.fx.store, 'state.db');
      const bytes = fs.readFileSync(db);
      fs.writeFileSync(db, bytes.subarray(0, Math.floor(bytes.length / 3)));
      const report = await reopenReport(r);
      assert.equal(report.usedBackup, true);
      assert.match(report.diagnostics.join('\n'), /state\.db is damaged.*last good copy was opened/);
      assert.ok(r.fx.engine.checkpoint(r.cp), 'the last good copy has the checkpoint');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('an empty database file: open falls back to the last good copy and says so', async () => {
    const r = await rig();
    try {
      r.fx.engine.labelCheckpoint(r.cp, 'latest');
      await r.fx.engine.close();
      fs.writeFileSync(path.join(r.fx.store, 'state.db'), '');
      const report = await reopenReport(r);
      assert.equal(report.usedBackup, true);
      assert.match(report.diagnostics.join('\n'), /state\.db is empty.*last good copy/);
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('both the database and its last good copy filled with garbage: a new database, the damaged one kept, the workspace untouched', async () => {
    const r = await rig();
    try {
      await r.fx.engine.close();
      const before = snapshotDir(r.fx.ws);
      fs.writeFileSync(path.join(r.fx.store, 'state.db'), Buffer.alloc(10_000, 0xab));
      fs.writeFileSync(path.join(r.fx.store, 'state.db.bak'), 'SQLite format 3\u0000 but not really');
      const report = await reopenReport(r);
      assert.match(report.diagnostics.join('\n'), /state\.db is damaged.*no good copy.*new database was started.*state\.db\.damaged/);
      assert.ok(fs.existsSync(path.join(r.fx.store, 'state.db.damaged')));
      assert.deepEqual(diffSnapshots(snapshotDir(r.fx.ws), before), []);
      assert.equal(r.fx.engine.sessions().length, 1, 'a fresh session at the current state');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('a gc right before the database is damaged: the last good copy still finds every snapshot it refers to', async () => {
    const r = await rig();
    try {
      const s = r.fx.engine.newSession({ title: 'to delete' });
      r.fx.write('only-in-deleted.txt', 'x\n');
      r.fx.engine.rescan();
      r.fx.engine.createCheckpoint();
      r.fx.rm('only-in-deleted.txt');
      r.fx.engine.rescan();
      r.fx.engine.createCheckpoint();
      r.fx.engine.switchSession(r.fx.engine.sessions().find((x) => x.id !== s.id)!.id);
      r.fx.engine.deleteSession(s.id);
      r.fx.engine.gc();
      await r.fx.engine.close();
      fs.writeFileSync(path.join(r.fx.store, 'state.db'), Buffer.alloc(4096, 1));
      const report = await reopenReport(r);
      assert.equal(report.usedBackup, true);
      assert.deepEqual(r.fx.engine.verify().problems, []);
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('a snapshot damaged in its pack: the restore fails exactly that file, the others are restored, Verify Store names it', async () => {
    const r = await rig({ 'c.txt': 'c1 '.repeat(100) + '\n' });
    try {
      r.fx.write('c.txt', 'c2\n');
      r.fx.engine.rescan();
      r.fx.engine.createCheckpoint();
      await r.fx.engine.close();
      // Damage the bytes of c1's snapshot (the only compressible object with that pattern).
      const objDir = path.join(r.fx.store, 'objects');
      const damaged = damageObject(objDir, Buffer.from('c1 '.repeat(100) + '\n'));
      await reopenReport(r);
      const res = await r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root });
      const byKey = Object.fromEntries(res.files.map((f) => [f.key, f]));
      assert.equal(byKey['ws/c.txt'].status, 'failed');
      assert.match(byKey['ws/c.txt'].reason!, new RegExp(`Snapshot ${damaged.slice(0, 12)}.*(damaged|decompressed)`));
      assert.equal(text(r, 'c.txt'), 'c2\n', 'left as it was');
      assert.equal(byKey['ws/a.txt'].status, 'restored');
      assert.equal(byKey['ws/b.txt'].status, 'restored');
      const v = r.fx.engine.verify();
      assert.equal(v.ok, false);
      assert.match(v.problems.join('\n'), new RegExp(damaged.slice(0, 12)));
    } finally {
      await r.fx.cleanup();
    }
  });

  it('a snapshot missing (its pack deleted): open says so, the restore fails exactly those files', async () => {
    const r = await rig();
    try {
      // Put c.txt's only version in a pack of its own by compacting first.
      r.fx.engine.gc();
      r.fx.write('c.txt', 'c only here\n');
      r.fx.engine.rescan();
      const cpC = r.fx.engine.createCheckpoint()!.id;
      r.fx.rm('c.txt');
      r.fx.engine.rescan();
      r.fx.engine.createCheckpoint();
      await r.fx.engine.close();
      const objDir = path.join(r.fx.store, 'objects');
      const packs = fs.readdirSync(objDir).filter((n) => n.endsWith('.pack')).sort();
      // Cut the last record (c.txt's content) off the newest pack, index included.
      const last = path.join(objDir, packs[packs.length - 1]);
      const found = findRecord(last, Buffer.from('c only here\n'));
      fs.truncateSync(last, found.start);
      fs.truncateSync(last.replace(/\.pack$/, '.idx'), found.index * 48);
      const report = await reopenReport(r);
      assert.ok(report.diagnostics.length === 0 || /snapshot/i.test(report.diagnostics.join('\n')));
      const res = await r.fx.engine.restore({ kind: 'rewind', checkpointId: cpC });
      const c = res.files.find((f) => f.key === 'ws/c.txt')!;
      assert.equal(c.status, 'failed');
      assert.match(c.reason!, /missing/);
      assert.equal(r.fx.read('c.txt'), undefined);
      assert.equal(r.fx.engine.verify().ok, false);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('a deleted snapshot index: the pack is re-indexed at open and every snapshot is readable', async () => {
    const r = await rig();
    try {
      await r.fx.engine.close();
      const objDir = path.join(r.fx.store, 'objects');
      for (const n of fs.readdirSync(objDir)) if (n.endsWith('.idx')) fs.rmSync(path.join(objDir, n));
      await reopenReport(r);
      await r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root });
      assert.equal(text(r, 'a.txt'), 'a1\n');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('a damaged restore journal: removed at open with a message, no file changed', async () => {
    const r = await rig();
    try {
      await r.fx.engine.close();
      fs.writeFileSync(path.join(r.fx.store, 'restore.journal'), '{"id": 3, "entries": [ {"pa');
      const before = snapshotDir(r.fx.ws);
      const report = await reopenReport(r);
      assert.match(report.recoveredRestore!, /damaged restore journal.*no files were changed/);
      assert.deepEqual(diffSnapshots(snapshotDir(r.fx.ws), before), []);
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('an interrupted restore whose file was changed again before the next start: that file is left as found and named', async () => {
    const r = await rig();
    try {
      const plan = r.fx.engine.plan({ kind: 'rewind', checkpointId: r.root });
      await r.fx.engine.close();
      fs.writeFileSync(path.join(r.fx.store, 'restore.journal'), JSON.stringify({ id: 77, entries: plan.entries.map((e) => ({ path: e.path, before: e.current, after: e.target })) }));
      r.fx.write('a.txt', 'a1\n'); // the restore had written a.txt …
      r.fx.write('b.txt', 'b-user\n'); // … and the user changed b.txt since
      const report = await reopenReport(r);
      assert.match(report.recoveredRestore!, /undone: 1 file put back/);
      assert.match(report.recoveredRestore!, /Left as found.*b\.txt/);
      assert.equal(text(r, 'a.txt'), 'a2\n');
      assert.equal(text(r, 'b.txt'), 'b-user\n');
      await assertSound(r, { allowDiagnostics: /.*/ });
    } finally {
      await r.fx.cleanup();
    }
  });

  it('a journal naming files outside the open workspace folders: those are left alone', async () => {
    const outside = tempDir('st-outside-');
    const r = await rig();
    try {
      const victim = path.join(outside, 'victim.txt');
      fs.writeFileSync(victim, 'after\n');
      await r.fx.engine.close();
      const h = (s: string) => require('node:crypto').createHash('sha256').update(s).digest('hex');
      fs.writeFileSync(path.join(r.fx.store, 'restore.journal'), JSON.stringify({ id: 5, entries: [{ path: victim, before: undefined, after: { hash: h('after\n'), mode: 0o644 } }] }));
      const report = await reopenReport(r);
      assert.match(report.recoveredRestore!, /victim\.txt/);
      assert.equal(fs.readFileSync(victim, 'utf8'), 'after\n', 'not removed: outside the workspace');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('the storage folder is a file: open fails naming it', async () => {
    const dir = tempDir();
    try {
      fs.mkdirSync(path.join(dir, 'ws'));
      fs.writeFileSync(path.join(dir, 'store'), 'not a folder');
      const e = new Engine({ storageDir: path.join(dir, 'store'), roots: [{ name: 'ws', path: path.join(dir, 'ws') }] });
      await expectError(() => e.open(), 'io', new RegExp(`${path.join(dir, 'store').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), /file is in the way|not a folder|EEXIST|ENOTDIR/);
      assert.equal(fs.readFileSync(path.join(dir, 'store'), 'utf8'), 'not a folder');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('faults: two openers, clocks', () => {
  it('two extension hosts on one store: the second (another process) opens read-only, says why, and writes nothing', async () => {
    const r = await rig();
    let holder: ChildProcess | undefined;
    try {
      await r.fx.engine.close();
      // Another process holds the store: the crash child with no kill point, paused after open.
      holder = spawn(process.execPath, ['-e', `
        const { Engine } = require(${JSON.stringify(path.join(__dirname, '../../src/core/engine.js'))});
        const e = new Engine({ storageDir: ${JSON.stringify(r.fx.store)}, roots: [{ name: 'ws', path: ${JSON.stringify(r.fx.ws)} }] });
        e.open().then(() => { process.stdout.write('open\\n'); setInterval(() => {}, 1000); });
      `], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => holder!.stdout!.on('data', (d) => String(d).includes('open') && resolve()));
      const storeBefore = snapshotDir(r.fx.store);
      const second = new Engine({ storageDir: r.fx.store, roots: [{ name: 'ws', path: r.fx.ws }], racyWindowMs: 0 });
      await second.open();
      assert.equal(second.readOnly, true);
      assert.match(second.readOnlyReason, new RegExp(`another VS Code window \\(process ${holder.pid}\\)`));
      await expectError(() => second.createCheckpoint({ allowEmpty: true }), 'read-only-store', /read-only.*another VS Code window/);
      await expectError(() => second.restore({ kind: 'rewind', checkpointId: r.root }), 'read-only-store');
      assert.ok(second.checkpoint(r.cp), 'it can still show the history');
      await second.close();
      assert.deepEqual(diffSnapshots(snapshotDir(r.fx.store), storeBefore), [], 'the read-only opener wrote nothing');
      holder.kill('SIGKILL');
      await new Promise((res) => holder!.once('exit', res));
      holder = undefined;
      // The holder died without closing: its lock is stale and the next opener takes over.
      r.fx.engine = new Engine({ storageDir: r.fx.store, roots: [{ name: 'ws', path: r.fx.ws }], racyWindowMs: 0, fs: r.px.fs });
      await r.fx.engine.open();
      assert.equal(r.fx.engine.readOnly, false);
      await assertSound(r);
    } finally {
      holder?.kill('SIGKILL');
      await r.fx.cleanup();
    }
  });

  it('two engines in one process on one store: the second opens read-only', async () => {
    const r = await rig();
    try {
      const second = new Engine({ storageDir: r.fx.store, roots: [{ name: 'ws', path: r.fx.ws }], racyWindowMs: 0 });
      await second.open();
      assert.equal(second.readOnly, true);
      assert.match(second.readOnlyReason, /already open in this window/);
      await second.close();
      r.fx.engine.labelCheckpoint(r.cp, 'the first one still writes');
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });

  it('the clock going backwards: checkpoints, restores, undo and reopen stay right; changes are still seen', async () => {
    let now = Date.now();
    const clock = () => (now -= 60_000); // a minute earlier at every look
    const r = await rig({}, { clock, racyWindowMs: 3000 });
    try {
      r.fx.write('a.txt', 'a3\n');
      r.fx.engine.rescan();
      const c3 = r.fx.engine.createCheckpoint()!;
      assert.ok(c3.createdAt < r.fx.engine.checkpoint(r.cp).createdAt, 'time went backwards');
      assert.equal(c3.parentId, r.cp, 'history follows parents, not clocks');
      // Same size, same mtime: only a re-read can tell. Files newer than the clock are re-read.
      const st = fs.statSync(r.fx.abs('a.txt'));
      r.fx.write('a.txt', 'a4\n');
      fs.utimesSync(r.fx.abs('a.txt'), st.atime, st.mtime);
      r.fx.engine.rescan();
      assert.deepEqual(r.fx.engine.workingChanges().map((f) => f.key), ['ws/a.txt']);
      const c4 = r.fx.engine.createCheckpoint()!;
      await r.fx.engine.restore({ kind: 'rewind', checkpointId: r.root });
      assert.equal(text(r, 'a.txt'), 'a1\n');
      await r.fx.engine.restore({ kind: 'undo' });
      assert.equal(text(r, 'a.txt'), 'a4\n');
      assert.equal(r.fx.engine.activeSession()!.headId, c4.id);
      assert.deepEqual(r.fx.engine.checkpoints().map((c) => c.id), [c4.id, c3.id, r.cp, r.root]);
      await assertSound(r);
    } finally {
      await r.fx.cleanup();
    }
  });
});

/** Flips bytes inside the stored record of `content` (found by its hash in the index). Returns the hash. */
function damageObject(objDir: string, content: Buffer): string {
  const hash = require('node:crypto').createHash('sha256').update(content).digest('hex') as string;
  for (const n of fs.readdirSync(objDir).filter((x) => x.endsWith('.pack'))) {
    try {
      const rec = findRecord(path.join(objDir, n), content);
      const fd = fs.openSync(path.join(objDir, n), 'r+');
      const b = Buffer.alloc(rec.stored);
      fs.readSync(fd, b, 0, rec.stored, rec.start + 48);
      for (let i = 0; i < b.length; i += 3) b[i] ^= 0x5a;
      fs.writeSync(fd, b, 0, b.length, rec.start + 48);
      fs.closeSync(fd);
      return hash;
    } catch {
      /* not in this pack */
    }
  }
  throw new Error('object not found');
}

/** Position of the record holding `content` in a pack (walks the 48-byte headers). */
function findRecord(pack: string, content: Buffer): { start: number; stored: number; index: number } {
  const hash = require('node:crypto').createHash('sha256').update(content).digest();
  const b = fs.readFileSync(pack);
  let pos = 0;
  let index = 0;
  while (pos + 48 <= b.length) {
    const stored = b.readUInt32LE(pos + 36);
    if (b.subarray(pos, pos + 32).equals(hash)) return { start: pos, stored, index };
    pos += 48 + stored;
    index++;
  }
  throw new Error(`no record for that content in ${pack}`);
}

export type { FaultRule };
