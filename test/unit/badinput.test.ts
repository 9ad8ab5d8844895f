// Bad input: awkward paths and names on disk, and API / command arguments that are wrong. Each is
// refused with a clear message or handled, and none damages anything: after every refused call the
// workspace, the sessions and Verify Store are exactly as before.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Engine } from '../../src/core/engine';
import { EngineError, type RestoreTarget } from '../../src/core/types';
import { type Fixture, diffSnapshots, makeFixture, snapshotDir, tempDir } from './helpers';

// ───────────────────────────── API and command arguments ─────────────────────────────

interface ApiCtx {
  fx: Fixture;
  e: Engine;
  root: string;
  cp1: string;
  /** A checkpoint of another session. */
  otherCp: string;
}

type Expect = { code: EngineError['code']; message: RegExp } | 'handled';

interface ApiCase {
  name: string;
  run: (c: ApiCtx) => unknown;
  expect: Expect;
  /** For 'handled' cases that change something on purpose: undo it so the next case starts equal. */
  tidy?: (c: ApiCtx, result: unknown) => unknown;
  check?: (c: ApiCtx, result: unknown) => void;
}

const long = (n: number) => 'x'.repeat(n);
const circular: Record<string, unknown> = {};
circular.self = circular;

const API_CASES: ApiCase[] = [
  // checkpoint ids
  { name: 'rewind to an unknown checkpoint id', run: (c) => c.e.restore({ kind: 'rewind', checkpointId: '999999' }), expect: { code: 'not-found', message: /No checkpoint with id "999999"/ } },
  { name: 'rewind to a non-numeric id', run: (c) => c.e.restore({ kind: 'rewind', checkpointId: 'abc' }), expect: { code: 'not-found', message: /No checkpoint with id "abc"/ } },
  { name: 'rewind to an empty id', run: (c) => c.e.restore({ kind: 'rewind', checkpointId: '' }), expect: { code: 'not-found', message: /No checkpoint with id ""/ } },
  { name: 'rewind to a fractional id', run: (c) => c.e.restore({ kind: 'rewind', checkpointId: '1.5' }), expect: { code: 'not-found', message: /No checkpoint/ } },
  { name: 'rewind to a negative id', run: (c) => c.e.restore({ kind: 'rewind', checkpointId: '-1' }), expect: { code: 'not-found', message: /No checkpoint/ } },
  { name: 'rewind to an id with spaces', run: (c) => c.e.restore({ kind: 'rewind', checkpointId: ' 1 ' }), expect: { code: 'not-found', message: /No checkpoint/ } },
  { name: 'rewind to an id that is not text (null)', run: (c) => c.e.restore({ kind: 'rewind', checkpointId: null as unknown as string }), expect: { code: 'not-found', message: /No checkpoint/ } },
  { name: 'rewind to a checkpoint of another session', run: (c) => c.e.restore({ kind: 'rewind', checkpointId: c.otherCp }), expect: { code: 'invalid-argument', message: /belongs to another session/ } },
  { name: 'rewind before the start of the session', run: (c) => c.e.restore({ kind: 'rewind', checkpointId: c.root, before: true }), expect: { code: 'invalid-argument', message: /start of the session; there is nothing before it/ } },
  { name: 'rewind to head given as a number', run: (c) => c.e.restore({ kind: 'rewind', checkpointId: Number(c.cp1) as unknown as string }), expect: 'handled', check: (_c, r) => assert.deepEqual((r as { files: unknown[] }).files, []) },
  // roll back counts
  { name: 'roll back 0', run: (c) => c.e.restore({ kind: 'rollback', count: 0 }), expect: { code: 'invalid-argument', message: /whole number of checkpoints, 1 or more \(got 0\)/ } },
  { name: 'roll back -1', run: (c) => c.e.restore({ kind: 'rollback', count: -1 }), expect: { code: 'invalid-argument', message: /1 or more \(got -1\)/ } },
  { name: 'roll back 1.5', run: (c) => c.e.restore({ kind: 'rollback', count: 1.5 }), expect: { code: 'invalid-argument', message: /whole number/ } },
  { name: 'roll back NaN', run: (c) => c.e.restore({ kind: 'rollback', count: NaN }), expect: { code: 'invalid-argument', message: /got NaN/ } },
  { name: 'roll back Infinity', run: (c) => c.e.restore({ kind: 'rollback', count: Infinity }), expect: { code: 'invalid-argument', message: /got Infinity/ } },
  { name: 'roll back "2" (text)', run: (c) => c.e.restore({ kind: 'rollback', count: '2' as unknown as number }), expect: { code: 'invalid-argument', message: /whole number/ } },
  { name: 'roll back with no count', run: (c) => c.e.restore({ kind: 'rollback' } as RestoreTarget), expect: { code: 'invalid-argument', message: /got undefined/ } },
  { name: 'roll back a billion', run: (c) => c.e.restore({ kind: 'rollback', count: 1e9 }), expect: { code: 'invalid-argument', message: /only 1 checkpoint before head; cannot roll back 1000000000/ } },
  { name: 'roll back MAX_SAFE_INTEGER (answers at once)', run: (c) => c.e.restore({ kind: 'rollback', count: Number.MAX_SAFE_INTEGER }), expect: { code: 'invalid-argument', message: /cannot roll back/ } },
  { name: 'plan a roll back of -3', run: (c) => c.e.plan({ kind: 'rollback', count: -3 }), expect: { code: 'invalid-argument', message: /1 or more/ } },
  // branches
  { name: 'check out an unknown branch', run: (c) => c.e.restore({ kind: 'checkout', branch: 'nope' }), expect: { code: 'not-found', message: /No branch named "nope"/ } },
  { name: 'check out an empty branch name', run: (c) => c.e.restore({ kind: 'checkout', branch: '' }), expect: { code: 'not-found', message: /No branch named ""/ } },
  { name: 'check out a branch name that is not text', run: (c) => c.e.restore({ kind: 'checkout', branch: null as unknown as string }), expect: { code: 'not-found', message: /No branch named/ } },
  { name: 'create a branch with an empty name', run: (c) => c.e.createBranch(''), expect: { code: 'invalid-argument', message: /branch name cannot be empty/ } },
  { name: 'create a branch named with spaces only', run: (c) => c.e.createBranch('   \t '), expect: { code: 'invalid-argument', message: /cannot be empty/ } },
  { name: 'create a branch whose name exists', run: (c) => c.e.createBranch('feature'), expect: { code: 'conflict', message: /branch named "feature" already exists/ } },
  { name: 'create a branch whose name collides after trimming', run: (c) => c.e.createBranch('  feature  '), expect: { code: 'conflict', message: /already exists/ } },
  { name: 'create a branch whose name collides after unicode normalisation (NFD vs NFC)', run: (c) => c.e.createBranch('cafe\u0301'), expect: { code: 'conflict', message: /already exists/ } },
  { name: 'create a branch named only with digits', run: (c) => c.e.createBranch('123'), expect: { code: 'invalid-argument', message: /cannot be only digits/ } },
  { name: 'create a branch with a very long name', run: (c) => c.e.createBranch(long(5000)), expect: { code: 'invalid-argument', message: /too long \(5000 characters; 200 at most\)/ } },
  { name: 'create a branch with a control character', run: (c) => c.e.createBranch('a\u0001b'), expect: { code: 'invalid-argument', message: /control characters/ } },
  { name: 'create a branch whose name is not text', run: (c) => c.e.createBranch(42 as unknown as string), expect: { code: 'invalid-argument', message: /must be text/ } },
  {
    name: 'create a branch with a newline in its name (becomes a space)', run: (c) => c.e.createBranch('line\nbreak'), expect: 'handled',
    check: (_c, r) => assert.equal((r as { name: string }).name, 'line break'), tidy: (c) => c.e.deleteBranch('line break'),
  },
  { name: 'create a branch from an unknown point', run: (c) => c.e.createBranch('new', { from: 'nowhere' }), expect: { code: 'not-found', message: /"nowhere" is neither a branch .* nor one of its checkpoints/ } },
  { name: 'create a branch from a checkpoint of another session', run: (c) => c.e.createBranch('new', { from: c.otherCp }), expect: { code: 'invalid-argument', message: /belongs to another session/ } },
  { name: 'rename an unknown branch', run: (c) => c.e.renameBranch('nope', 'x'), expect: { code: 'not-found', message: /No branch named "nope"/ } },
  { name: 'rename a branch onto an existing name', run: (c) => c.e.renameBranch('feature', 'main'), expect: { code: 'conflict', message: /"main" already exists/ } },
  { name: 'rename a branch to an empty name', run: (c) => c.e.renameBranch('feature', ''), expect: { code: 'invalid-argument', message: /cannot be empty/ } },
  { name: 'delete the active branch', run: (c) => c.e.deleteBranch('main'), expect: { code: 'conflict', message: /active branch; check out another branch before deleting it/ } },
  { name: 'delete an unknown branch', run: (c) => c.e.deleteBranch('nope'), expect: { code: 'not-found', message: /No branch named "nope"/ } },
  // sessions
  { name: 'switch to an unknown session', run: (c) => c.e.switchSession('999'), expect: { code: 'not-found', message: /No session with id "999"/ } },
  { name: 'rename an unknown session', run: (c) => c.e.renameSession('999', 'x'), expect: { code: 'not-found', message: /No session/ } },
  { name: 'rename a session to an empty title', run: (c) => c.e.renameSession(c.e.activeSession()!.id, ' '), expect: { code: 'invalid-argument', message: /session title cannot be empty/ } },
  { name: 'delete an unknown session', run: (c) => c.e.deleteSession('abc'), expect: { code: 'not-found', message: /No session with id "abc"/ } },
  { name: 'tag a session with something that is not a list', run: (c) => c.e.setSessionTags(c.e.activeSession()!.id, 'tag' as unknown as string[]), expect: { code: 'invalid-argument', message: /Tags must be a list/ } },
  { name: 'tag a session with an empty tag', run: (c) => c.e.setSessionTags(c.e.activeSession()!.id, ['ok', '']), expect: { code: 'invalid-argument', message: /tag cannot be empty/ } },
  { name: 'fork from an unknown checkpoint', run: (c) => c.e.forkSession('424242'), expect: { code: 'not-found', message: /No checkpoint with id "424242"/ } },
  { name: 'start a session with an empty title', run: (c) => c.e.newSession({ title: '' }), expect: { code: 'invalid-argument', message: /session title cannot be empty/ } },
  { name: 'start a session with a very long title', run: (c) => c.e.newSession({ title: long(201) }), expect: { code: 'invalid-argument', message: /too long/ } },
  // checkpoints
  { name: 'label an unknown checkpoint', run: (c) => c.e.labelCheckpoint('777', 'x'), expect: { code: 'not-found', message: /No checkpoint with id "777"/ } },
  { name: 'label a checkpoint with a very long label', run: (c) => c.e.labelCheckpoint(c.cp1, long(500)), expect: { code: 'invalid-argument', message: /label is too long/ } },
  { name: 'a checkpoint with source "start"', run: (c) => c.e.createCheckpoint({ source: 'start', allowEmpty: true }), expect: { code: 'invalid-argument', message: /Unknown checkpoint source "start"/ } },
  { name: 'a checkpoint with an unknown source', run: (c) => c.e.createCheckpoint({ source: 'bogus' as 'manual', allowEmpty: true }), expect: { code: 'invalid-argument', message: /Unknown checkpoint source "bogus"/ } },
  { name: 'a checkpoint with circular metadata', run: (c) => c.e.createCheckpoint({ metadata: circular, allowEmpty: true }), expect: { code: 'invalid-argument', message: /metadata must be JSON/ } },
  { name: 'a checkpoint with 100 KB of metadata', run: (c) => c.e.createCheckpoint({ metadata: { big: long(100_000) }, allowEmpty: true }), expect: { code: 'invalid-argument', message: /metadata is too large/ } },
  { name: 'a checkpoint with a list as metadata', run: (c) => c.e.createCheckpoint({ metadata: [1, 2] as unknown as Record<string, unknown>, allowEmpty: true }), expect: { code: 'invalid-argument', message: /metadata must be a JSON object/ } },
  { name: 'a checkpoint with a fractional exit code', run: (c) => c.e.createCheckpoint({ exitCode: 1.5, allowEmpty: true }), expect: { code: 'invalid-argument', message: /exitCode must be a whole number/ } },
  { name: 'a checkpoint with tools that are not a list', run: (c) => c.e.createCheckpoint({ tools: 'edit' as unknown as string[], allowEmpty: true }), expect: { code: 'invalid-argument', message: /tools must be a list of strings/ } },
  { name: 'a checkpoint with a prompt that is not text', run: (c) => c.e.createCheckpoint({ prompt: 42 as unknown as string, allowEmpty: true }), expect: { code: 'invalid-argument', message: /prompt must be text/ } },
  { name: 'a checkpoint with a label that is not text', run: (c) => c.e.createCheckpoint({ label: {} as unknown as string, allowEmpty: true }), expect: { code: 'invalid-argument', message: /label must be text/ } },
  { name: 'list checkpoints with a negative limit', run: (c) => c.e.checkpoints({ limit: -5 }), expect: 'handled', check: (_c, r) => assert.deepEqual(r, []) },
  { name: 'list checkpoints with a NaN offset', run: (c) => c.e.checkpoints({ offset: NaN }), expect: 'handled', check: (c, r) => assert.deepEqual((r as { id: string }[]).map((x) => x.id), [c.cp1, c.root]) },
  { name: 'list checkpoints of an unknown branch', run: (c) => c.e.checkpoints({ branch: 'nope' }), expect: { code: 'not-found', message: /No branch named "nope"/ } },
  { name: 'list checkpoints of an unknown session', run: (c) => c.e.checkpoints({ sessionId: 'zzz' }), expect: { code: 'not-found', message: /No session with id "zzz"/ } },
  { name: 'tips under an unknown checkpoint', run: (c) => c.e.tipsUnder('0'), expect: { code: 'not-found', message: /No checkpoint with id "0"/ } },
  // restores
  { name: 'a restore with no target', run: (c) => c.e.restore(null as unknown as RestoreTarget), expect: { code: 'invalid-argument', message: /A restore needs a target/ } },
  { name: 'a restore of an unknown kind', run: (c) => c.e.restore({ kind: 'explode' } as unknown as RestoreTarget), expect: { code: 'invalid-argument', message: /Unknown restore kind "explode"/ } },
  { name: 'restore no files', run: (c) => c.e.restore({ kind: 'restoreFiles', checkpointId: c.root, paths: [] }), expect: { code: 'invalid-argument', message: /at least one file/ } },
  { name: 'restore a relative path', run: (c) => c.e.restore({ kind: 'restoreFiles', checkpointId: c.root, paths: ['a.txt'] }), expect: { code: 'outside-workspace', message: /a\.txt is outside the workspace folders/ } },
  { name: 'restore a path escaping with ..', run: (c) => c.e.restore({ kind: 'restoreFiles', checkpointId: c.root, paths: [c.fx.ws + '/../escape.txt'] }), expect: { code: 'outside-workspace', message: /escape\.txt is outside the workspace folders/ } },
  { name: 'restore a system file', run: (c) => c.e.restore({ kind: 'restoreFiles', checkpointId: c.root, paths: ['/etc/passwd'] }), expect: { code: 'outside-workspace', message: /\/etc\/passwd is outside/ } },
  { name: 'restore the workspace folder itself', run: (c) => c.e.restore({ kind: 'restoreFiles', checkpointId: c.root, paths: [c.fx.ws] }), expect: { code: 'outside-workspace', message: /outside the workspace folders/ } },
  { name: 'restore a path that is not text', run: (c) => c.e.restore({ kind: 'restoreFiles', checkpointId: c.root, paths: [42 as unknown as string] }), expect: { code: 'outside-workspace', message: /42 is outside/ } },
  { name: 'restore a path with a NUL byte', run: (c) => c.e.restore({ kind: 'restoreFiles', checkpointId: c.root, paths: [c.fx.abs('a.txt\0.sh')] }), expect: { code: 'outside-workspace', message: /outside the workspace folders/ } },
  {
    name: 'restore a file inside .git', run: (c) => c.e.restore({ kind: 'restoreFiles', checkpointId: c.root, paths: [c.fx.abs('.git/HEAD')] }), expect: 'handled',
    check: (c, r) => {
      const f = (r as { files: { status: string; reason?: string }[] }).files;
      assert.ok(f.length === 0 || (f[0].status === 'skipped' && /\.git/.test(f[0].reason!)), JSON.stringify(f));
      assert.equal(c.fx.read('.git/HEAD')!.toString(), 'ref: refs/heads/main\n');
    },
  },
  { name: 'read content with a malformed hash', run: (c) => c.e.readContent('xyz'), expect: { code: 'invalid-argument', message: /"xyz" is not a content hash/ } },
  { name: 'read content of an unknown hash', run: (c) => c.e.readContent('f'.repeat(64)), expect: { code: 'corrupt', message: /missing from the store/ } },
  { name: 'a file version at a path outside', run: (c) => c.e.fileAt(c.cp1, '/etc/hosts'), expect: { code: 'outside-workspace', message: /\/etc\/hosts is outside/ } },
  { name: 'watcher reports of garbage paths', run: (c) => c.e.notifyChanged(['relative/p', '/elsewhere/x', '', 42 as unknown as string, c.fx.ws + '/../x']), expect: 'handled' },
  { name: 'before-edit capture of garbage paths', run: (c) => c.e.willEdit([null as unknown as string, 42 as unknown as string, '', '/etc/passwd']), expect: 'handled' },
  { name: 'tracking status of a path outside', run: (c) => c.e.trackingStatus('/etc/passwd'), expect: 'handled', check: (_c, r) => assert.deepEqual(r, { tracked: false, reason: 'outside the workspace folders' }) },
  { name: 'tracking status of something that is not a path', run: (c) => c.e.trackingStatus(undefined as unknown as string), expect: 'handled', check: (_c, r) => assert.equal((r as { tracked: boolean }).tracked, false) },
];

describe('bad input: API and command arguments', () => {
  const c = {} as ApiCtx;
  before(async () => {
    c.fx = await makeFixture({ 'a.txt': 'a1\n', 'dir/b.txt': 'b1\n', '.git/HEAD': 'ref: refs/heads/main\n' });
    c.e = c.fx.engine;
    c.root = c.e.activeSession()!.rootId;
    c.e.createBranch('feature');
    c.e.createBranch('caf\u00e9');
    c.fx.write('a.txt', 'a2\n');
    c.e.rescan();
    c.cp1 = c.e.createCheckpoint({ label: 'one' })!.id;
    const first = c.e.activeSession()!.id;
    c.e.newSession({ title: 'other' });
    c.fx.write('dir/b.txt', 'b2\n');
    c.e.rescan();
    c.otherCp = c.e.createCheckpoint()!.id;
    c.fx.write('dir/b.txt', 'b1\n');
    c.e.rescan();
    c.e.createCheckpoint();
    c.e.switchSession(first);
  });
  after(async () => {
    await c.fx.cleanup();
  });

  for (const k of API_CASES) {
    it(k.name, async () => {
      const ws = snapshotDir(c.fx.ws);
      const sessions = JSON.stringify(c.e.sessions());
      let result: unknown;
      let error: unknown;
      try {
        result = await k.run(c);
      } catch (e) {
        error = e;
      }
      if (k.expect === 'handled') {
        assert.equal(error, undefined, `expected it to be handled, got ${(error as Error)?.stack}`);
        k.check?.(c, result);
        await k.tidy?.(c, result);
      } else {
        assert.ok(error instanceof EngineError, `expected an EngineError, got ${error instanceof Error ? error.stack : String(error)}`);
        assert.equal(error.code, k.expect.code, error.message);
        assert.match(error.message, k.expect.message);
      }
      assert.deepEqual(diffSnapshots(snapshotDir(c.fx.ws), ws), [], 'the workspace is as it was');
      if (k.expect !== 'handled' || k.tidy) assert.equal(JSON.stringify(c.e.sessions()), sessions, 'sessions, branches and checkpoints are as they were');
      assert.deepEqual(c.e.verify().problems, []);
    });
  }
});

// ───────────────────────────── paths and names on disk ─────────────────────────────

/** Round trip: record `files`, change them, rewind, and get exactly `files` back (and undo it). */
async function roundTrip(files: Record<string, string | Buffer>, change: (fx: Fixture) => void): Promise<void> {
  const fx = await makeFixture(files);
  try {
    const root = fx.engine.activeSession()!.rootId;
    const start = fx.snapshot();
    assert.deepEqual([...start.keys()].sort(), Object.keys(files).sort(), 'every file is on disk as named');
    change(fx);
    fx.engine.rescan();
    const changed = fx.snapshot();
    const cp = fx.engine.createCheckpoint();
    assert.ok(cp, 'the change was recorded');
    const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root });
    for (const f of r.files) assert.ok(f.status === 'restored' || f.status === 'removed', `${f.key}: ${f.status} ${f.reason ?? ''}`);
    assert.deepEqual(diffSnapshots(fx.snapshot(), start), [], 'rewind restores every name and byte');
    await fx.engine.restore({ kind: 'undo' });
    assert.deepEqual(diffSnapshots(fx.snapshot(), changed), [], 'undo brings the change back');
    await fx.reopen();
    assert.deepEqual(fx.engine.workingChanges(), []);
    assert.deepEqual(fx.engine.verify().problems, []);
  } finally {
    await fx.cleanup();
  }
}

const bump = (rel: string) => (fx: Fixture) => fx.write(rel, `${fx.read(rel)?.toString() ?? ''}changed\n`);

describe('bad input: paths and names', () => {
  it('unicode names in NFC and NFD side by side stay two files, byte for byte', () =>
    roundTrip({ 'caf\u00e9.txt': 'nfc\n', 'cafe\u0301.txt': 'nfd\n' }, (fx) => {
      bump('caf\u00e9.txt')(fx);
      bump('cafe\u0301.txt')(fx);
    }));
  it('names with spaces', () => roundTrip({ 'my file  two.txt': 'x\n', 'dir with space/f.txt': 'y\n' }, bump('dir with space/f.txt')));
  it('a name with a newline', () => roundTrip({ 'line\nbreak.txt': 'x\n' }, bump('line\nbreak.txt')));
  it('a name with a tab and a carriage return', () => roundTrip({ 'tab\there\r.txt': 'x\n' }, bump('tab\there\r.txt')));
  it('names with leading and trailing spaces and dots', () => roundTrip({ ' lead.txt': '1\n', 'trail.txt ': '2\n', '...': '3\n', 'a..b': '4\n' }, (fx) => {
    bump(' lead.txt')(fx);
    bump('...')(fx);
  }));
  it('a name with a backslash and other URL-special characters', () => roundTrip({ 'back\\slash.txt': 'x\n', 'q?#%&=:;.txt': 'y\n' }, bump('back\\slash.txt')));
  it('emoji and right-to-left names', () => roundTrip({ '😀/שלום.txt': 'x\n', 'ĳ-ǅ-ﬁ.txt': 'y\n' }, bump('😀/שלום.txt')));
  it('a 255-byte file name', () => roundTrip({ [long(251) + '.txt']: 'x\n' }, bump(long(251) + '.txt')));
  it('a very deep path (over 2,000 characters)', () => {
    const deep = Array.from({ length: 40 }, (_, i) => `level-${i}-${long(40)}`).join('/') + '/leaf.txt';
    return roundTrip({ [deep]: 'deep\n' }, bump(deep));
  });
  it('a name too long for the file system is refused with the cause, nothing else changes', async () => {
    const fx = await makeFixture({ 'a.txt': 'a\n' });
    try {
      const cp = fx.engine.activeSession()!.rootId;
      const r = await fx.engine.restore({ kind: 'restoreFiles', checkpointId: cp, paths: [fx.abs(long(300) + '.txt')] });
      assert.ok(r.files.length === 0 || r.files[0].status !== 'restored');
      assert.deepEqual([...fx.snapshot().keys()], ['a.txt']);
      assert.deepEqual(fx.engine.verify().problems, []);
    } finally {
      await fx.cleanup();
    }
  });
  it('a case-only rename is undone exactly (no duplicate, original case back)', () =>
    roundTrip({ 'Readme.md': '# hi\n' }, (fx) => fs.renameSync(fx.abs('Readme.md'), fx.abs('README.md'))));
  it('empty files: created, emptied, filled', () => roundTrip({ 'empty.txt': '', 'full.txt': 'full\n' }, (fx) => {
    fx.write('empty.txt', 'now full\n');
    fx.write('full.txt', '');
    fx.write('new-empty.txt', '');
  }));
  it('binary files with NUL bytes and invalid UTF-8', () =>
    roundTrip({ 'bin.dat': Buffer.from([0, 0xff, 0xfe, 0, 0xc3, 0x28, 0x80]) }, (fx) => fx.write('bin.dat', Buffer.from([1, 0, 0xc0, 0xaf]))));
  it('a folder replaced by a file of the same name', () =>
    roundTrip({ 'thing/a.txt': 'a\n', 'thing/b/c.txt': 'c\n' }, (fx) => {
      fx.rm('thing');
      fx.write('thing', 'now a file\n');
    }));
  it('a file replaced by a folder of the same name', () =>
    roundTrip({ 'thing': 'a file\n' }, (fx) => {
      fx.rm('thing');
      fx.write('thing/inside.txt', 'now a folder\n');
    }));

  it('a file above the size limit is not tracked and never touched by a restore', async () => {
    const fx = await makeFixture({ 'small.txt': 's\n', 'huge.bin': Buffer.alloc(2048, 1) }, { maxFileSize: 1024 });
    try {
      const root = fx.engine.activeSession()!.rootId;
      assert.match(fx.engine.trackingStatus(fx.abs('huge.bin')).reason!, /larger than the size limit \(2\.0 KiB > 1\.0 KiB\)/);
      fx.write('huge.bin', Buffer.alloc(4096, 2));
      fx.write('small.txt', 's2\n');
      fx.engine.rescan();
      fx.engine.createCheckpoint();
      await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      assert.ok(fx.read('huge.bin')!.equals(Buffer.alloc(4096, 2)), 'untouched');
      assert.equal(fx.read('small.txt')!.toString(), 's\n');
    } finally {
      await fx.cleanup();
    }
  });

  it('a tracked file that grows above the limit is not overwritten by a rewind (reported with the reason)', async () => {
    const fx = await makeFixture({ 'grow.txt': 'small\n' }, { maxFileSize: 1024 });
    try {
      const root = fx.engine.activeSession()!.rootId;
      fx.write('grow.txt', long(5000));
      fx.engine.rescan();
      fx.engine.createCheckpoint({ allowEmpty: true });
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      for (const f of r.files) assert.notEqual(f.status, 'restored');
      assert.equal(fx.read('grow.txt')!.toString(), long(5000));
    } finally {
      await fx.cleanup();
    }
  });

  it('a symbolic link loop (a → b → a) is neither followed nor tracked, and the scan ends', async () => {
    const fx = await makeFixture({ 'ok.txt': 'ok\n' });
    try {
      fs.symlinkSync('b', fx.abs('a'));
      fs.symlinkSync('a', fx.abs('b'));
      fx.engine.rescan();
      assert.equal(fx.engine.trackingStatus(fx.abs('a')).tracked, false);
      assert.equal(fx.engine.createCheckpoint(), undefined, 'nothing to record');
      await fx.reopen();
      assert.deepEqual(fx.engine.verify().problems, []);
    } finally {
      await fx.cleanup();
    }
  });

  it('a folder link pointing at its own parent does not send the scan round in circles', async () => {
    const fx = await makeFixture({ 'd/f.txt': 'f\n' });
    try {
      fs.symlinkSync('..', fx.abs('d/up'));
      fs.symlinkSync(fx.ws, fx.abs('d/root'));
      const started = Date.now();
      fx.engine.rescan();
      await fx.reopen();
      assert.ok(Date.now() - started < 10_000);
      assert.equal(fx.engine.stats().tracked, 1);
    } finally {
      await fx.cleanup();
    }
  });

  it('a link to a file outside the workspace is never written through, and the outside file is untouched', async () => {
    const outside = tempDir('st-outside-');
    const fx = await makeFixture({ 'cfg.txt': 'mine\n' });
    try {
      const root = fx.engine.activeSession()!.rootId;
      const target = path.join(outside, 'secret.txt');
      fs.writeFileSync(target, 'outside\n');
      fx.rm('cfg.txt');
      fs.symlinkSync(target, fx.abs('cfg.txt'));
      fx.engine.rescan();
      fx.engine.createCheckpoint();
      assert.equal(fx.engine.trackingStatus(fx.abs('cfg.txt')).reason, 'a symbolic link');
      const r = await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      for (const f of r.files) assert.notEqual(f.status, 'restored', `${f.key}: ${f.reason}`);
      assert.equal(fs.readFileSync(target, 'utf8'), 'outside\n', 'never written through the link');
      assert.ok(fs.lstatSync(fx.abs('cfg.txt')).isSymbolicLink(), 'the link itself stays');
      const r2 = await fx.engine.restore({ kind: 'restoreFiles', checkpointId: root, paths: [fx.abs('cfg.txt')] });
      assert.notEqual(r2.files[0]?.status, 'restored');
      assert.equal(fs.readFileSync(target, 'utf8'), 'outside\n');
    } finally {
      await fx.cleanup();
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('a link to a folder outside: the files behind it are not tracked and nothing is written there', async () => {
    const outside = tempDir('st-outside-');
    const fx = await makeFixture({ 'x.txt': 'x\n' });
    try {
      fs.writeFileSync(path.join(outside, 'o.txt'), 'o\n');
      fs.symlinkSync(outside, fx.abs('linked'));
      fx.engine.rescan();
      assert.equal(fx.engine.stats().tracked, 1);
      const r = await fx.engine.restore({ kind: 'restoreFiles', checkpointId: fx.engine.activeSession()!.rootId, paths: [fx.abs('linked/o.txt')] });
      assert.notEqual(r.files[0]?.status, 'restored');
      assert.deepEqual(fs.readdirSync(outside), ['o.txt']);
      assert.equal(fs.readFileSync(path.join(outside, 'o.txt'), 'utf8'), 'o\n');
    } finally {
      await fx.cleanup();
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('a named pipe in the workspace is not read (the scan would block) and not tracked', async () => {
    const fx = await makeFixture({ 'x.txt': 'x\n' });
    try {
      execFileSync('mkfifo', [fx.abs('pipe')]);
      fx.engine.rescan();
      fx.engine.notifyChanged([fx.abs('pipe')]);
      fx.engine.willEdit([fx.abs('pipe')]);
      assert.deepEqual(fx.engine.trackingStatus(fx.abs('pipe')), { tracked: false, reason: 'not a regular file' });
      assert.equal(fx.engine.stats().tracked, 1);
    } finally {
      await fx.cleanup();
    }
  });

  it('a user file that looks like a Session Tree temp file is left alone', async () => {
    const fx = await makeFixture({ 'notes.st-tmp': 'user data\n', 'a.txt': 'a\n' });
    try {
      const root = fx.engine.activeSession()!.rootId;
      fx.write('a.txt', 'a2\n');
      fx.engine.rescan();
      fx.engine.createCheckpoint();
      await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      assert.equal(fx.read('notes.st-tmp')!.toString(), 'user data\n');
      await fx.reopen();
      assert.equal(fx.read('notes.st-tmp')!.toString(), 'user data\n');
    } finally {
      await fx.cleanup();
    }
  });
});
