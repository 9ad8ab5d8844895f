// Hostile input (issue 12): crafted exports — special mode bits, Windows-style keys, a snapshot
// larger than the importer tracks, a named pipe or a device as the import file — and API fields
// past their limits, and nested workspace folders. Each is refused with a clear message before
// anything is stored, or handled once.
import * as assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import zlibModule = require('node:zlib');
import { Engine } from '../../src/core/engine';
import { CODEC_DEFLATE, EXPORT_MAGIC, EXPORT_TRAILER, type ExportHeader, RECORD_HEADER, recordHeader } from '../../src/core/exchange';
import { LIMITS as API_LIMITS } from '../../src/api';
import { LIMITS } from '../../src/core/names';
import { EngineError } from '../../src/core/types';
import { type Fixture, makeFixture, tempDir } from './helpers';

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

interface Rec { hash: string; raw: number; stored: number; codec: number; bytes: Buffer }
interface Parsed { records: Rec[]; header: ExportHeader & { checkpoints: (Record<string, unknown> & ExportHeader['checkpoints'][number])[] } }

function parse(file: string): Parsed {
  const b = fs.readFileSync(file);
  const len = b.readUInt32LE(b.length - 12);
  const headerStart = b.length - 12 - len;
  const records: Rec[] = [];
  for (let pos = EXPORT_MAGIC.length; pos < headerStart; ) {
    const r = { hash: b.subarray(pos, pos + 32).toString('hex'), raw: b.readUInt32LE(pos + 32), stored: b.readUInt32LE(pos + 36), codec: b[pos + 40] };
    records.push({ ...r, bytes: b.subarray(pos + RECORD_HEADER, pos + RECORD_HEADER + r.stored) });
    pos += RECORD_HEADER + r.stored;
  }
  return { records, header: JSON.parse(b.subarray(headerStart, b.length - 12).toString()) };
}

function build(p: Parsed): Buffer {
  const json = Buffer.from(JSON.stringify(p.header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  return Buffer.concat([EXPORT_MAGIC, ...p.records.flatMap((r) => [recordHeader(r.hash, r.raw, r.stored, r.codec), r.bytes]), json, len, EXPORT_TRAILER]);
}

/** Counts zlib inflations (the importer's `zlib.inflateRawSync` reads this module's property). */
function countInflations<T>(fn: () => T): { calls: number; result?: T; error?: unknown } {
  const z = zlibModule as { inflateRawSync: typeof zlib.inflateRawSync };
  const orig = z.inflateRawSync;
  let calls = 0;
  z.inflateRawSync = ((...a: Parameters<typeof orig>) => {
    calls++;
    return orig(...a);
  }) as typeof orig;
  try {
    const result = fn();
    return { calls, result };
  } catch (error) {
    return { calls, error };
  } finally {
    z.inflateRawSync = orig;
  }
}

/** Runs `fn`, expecting an `invalid-argument` refusal matching `re`, and that the store's sessions are as before. */
function refused(e: Engine, fn: () => unknown, re: RegExp): EngineError {
  const sessions = JSON.stringify(e.sessions());
  let err: unknown;
  try {
    fn();
  } catch (x) {
    err = x;
  }
  assert.ok(err instanceof EngineError, `expected a refusal, got ${err instanceof Error ? err.stack : String(err)}`);
  assert.equal(err.code, 'invalid-argument', err.message);
  assert.match(err.message, re);
  assert.equal(JSON.stringify(e.sessions()), sessions, 'nothing was stored');
  return err;
}

describe('hostile imports', () => {
  let src: Fixture;
  let dst: Fixture;
  let dir: string;
  let exportFile: string;
  const file = (p: Parsed | Buffer) => {
    const f = path.join(dir, `crafted-${crypto.randomUUID()}.stexport`);
    fs.writeFileSync(f, Buffer.isBuffer(p) ? p : build(p));
    return f;
  };
  const withHeader = (fn: (p: Parsed) => void) => {
    const p = parse(exportFile);
    fn(p);
    return file(p);
  };
  const change = (p: Parsed) => (p.header.checkpoints[1].changes as unknown as Record<string, unknown>[])[0];

  before(async () => {
    src = await makeFixture({ 'a.txt': 'a1\n', 'run.sh': '#!/bin/sh\necho hi\n'.repeat(10) });
    src.commit({ 'a.txt': 'a2\n'.repeat(40) }, { label: 'edit a', source: 'agent', tools: ['edit'] });
    dir = tempDir('st-hostile-');
    exportFile = path.join(dir, 'good.stexport');
    src.engine.exportSession(src.engine.activeSession()!.id, exportFile);
    dst = await makeFixture({ 'mine.txt': 'mine\n' });
  });
  after(async () => {
    await src.cleanup();
    await dst.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the untouched export imports (the crafted ones below differ from it in one thing only), inflating its snapshots', () => {
    const r = countInflations(() => dst.engine.importSession(exportFile));
    assert.equal(r.error, undefined, String(r.error));
    assert.ok(r.calls > 0, 'the inflation counter sees the importer');
    dst.engine.deleteSession(r.result!.id);
  });

  for (const mode of [0o4755, 0o2755, 0o1777, 0o7777]) {
    it(`refuses a file mode with special bits (0o${mode.toString(8)}): the whole import, naming the bits`, () => {
      const f = withHeader((p) => ((change(p).after as { mode: number }).mode = mode));
      const err = refused(dst.engine, () => dst.engine.importSession(f), /special bits \(setuid, setgid or sticky\); only permission bits \(0o777\)/);
      assert.match(err.message, new RegExp(`0o${mode.toString(8)}`));
    });
  }

  it('refuses special bits in the starting state too, and a mode with file-type bits', () => {
    const f = withHeader((p) => (Object.values(p.header.checkpoints[0].manifest!)[0].mode = 0o4777));
    refused(dst.engine, () => dst.engine.importSession(f), /special bits/);
    const g = withHeader((p) => ((change(p).after as { mode: number }).mode = 0o100644));
    refused(dst.engine, () => dst.engine.importSession(g), /not a permission number/);
  });

  const KEYS: [string, RegExp][] = [
    ['ws/..\\..\\outside.txt', /backslash/],
    ['ws\\..\\x', /backslash/],
    ['..\\x', /backslash/],
    ['C:\\x', /backslash/],
    ['c:/x', /drive letter/],
    ['ws/C:/Windows/x', /drive letter/],
    ['ws/d:x', /drive letter/],
    ['ws/.. /x', /could escape it/],
    ['ws/.../x', /could escape it/],
  ];
  for (const [key, re] of KEYS) {
    it(`refuses the file key ${JSON.stringify(key)} on every platform`, () => {
      const f = withHeader((p) => (change(p).key = key));
      refused(dst.engine, () => dst.engine.importSession(f), re);
      const g = withHeader((p) => {
        const m = p.header.checkpoints[0].manifest!;
        const [k, v] = Object.entries(m)[0];
        delete m[k];
        m[key] = v;
      });
      refused(dst.engine, () => dst.engine.importSession(g), re);
    });
  }

  /** The export with one more snapshot (a valid one, deflated) that the first change's "after" refers to. */
  const withSnapshot = (data: Buffer, claim?: number) => {
    const p = parse(exportFile);
    const z = zlib.deflateRawSync(data, { level: 9 });
    const hash = sha(data);
    p.records.push({ hash, raw: claim ?? data.length, stored: z.length, codec: CODEC_DEFLATE, bytes: z });
    // The snapshot is the new content of a file added at the last checkpoint (keeps the history consistent).
    (p.header.checkpoints[1].changes as unknown as Record<string, unknown>[]).push({ key: 'ws/big.bin', before: null, after: { hash, mode: 0o644 }, added: 0, removed: 0, binary: true });
    return file(p);
  };

  it('refuses a valid snapshot larger than the importer would track, before inflating anything', async () => {
    const big = Buffer.alloc(64 * 1024 * 1024); // 64 MiB of zeros: about 64 KiB deflated
    const f = withSnapshot(big);
    const t0 = Date.now();
    const r = countInflations(() => dst.engine.importSession(f)); // default maxFileSize: 5 MiB
    assert.ok(r.error instanceof EngineError, String(r.error));
    assert.match(r.error.message, /is a file of 64\.0 MiB, larger than the size limit of this workspace \(5\.0 MiB, the maxFileSize setting\)/);
    assert.equal(r.calls, 0, 'nothing was inflated');
    assert.ok(Date.now() - t0 < 2000, `answered in ${Date.now() - t0} ms`);
    // The importer's own limit counts: a tiny maxFileSize refuses a 4 KiB file that the default takes.
    const small = withSnapshot(Buffer.alloc(4096, 7));
    const fx = await makeFixture({}, { maxFileSize: 1024 });
    try {
      const r2 = countInflations(() => fx.engine.importSession(small));
      assert.match(String((r2.error as Error)?.message), /4\.0 KiB, larger than the size limit of this workspace \(1\.0 KiB/);
      assert.equal(r2.calls, 0);
    } finally {
      await fx.cleanup();
    }
    const s = dst.engine.importSession(small);
    dst.engine.deleteSession(s.id);
  });

  it('refuses a claimed size its compressed bytes cannot hold (1 GiB claimed from a few bytes), without inflating', () => {
    const f = withSnapshot(Buffer.from('tiny'.repeat(20)), 1024 * 1024 * 1024);
    const r = countInflations(() => dst.engine.importSession(f));
    assert.ok(r.error instanceof EngineError);
    assert.match(r.error.message, /larger than the size limit|more than the 1024\.0 MiB accepted|more than its compressed bytes can hold/);
    assert.equal(r.calls, 0);
    const g = withSnapshot(Buffer.from('tiny'.repeat(20)), 1024 * 1024);
    const r2 = countInflations(() => dst.engine.importSession(g));
    assert.match(String((r2.error as Error)?.message), /claims more than its compressed bytes can hold/);
    assert.equal(r2.calls, 0);
  });

  it('refuses metadata past the API limits (a 5 MB prompt, 200k tool names) and unknown metadata past 64 KiB', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ prompt: 'p'.repeat(20_000) }, /metadata Session Tree does not take: prompt is too long \(20000 characters; 10000 at most\)/],
      [{ tools: Array.from({ length: 2000 }, () => 'edit') }, /tools has too many names \(2000; 1000 at most\)/],
      [{ tools: [42] }, /tools must be a list of strings/],
      [{ cwd: 7 }, /cwd must be text/],
      [{ surprise: 'x'.repeat(70_000) }, /too much metadata/],
    ];
    for (const [info, re] of cases) {
      const f = withHeader((p) => (p.header.checkpoints[1].info = info));
      refused(dst.engine, () => dst.engine.importSession(f), re);
    }
  });

  it('a checkpoint with every field at its limit exports and imports', async () => {
    const fx = await makeFixture({ 'x.txt': 'x\n' });
    try {
      const full = {
        label: 'l'.repeat(LIMITS.name), prompt: 'p'.repeat(LIMITS.prompt), command: 'c'.repeat(LIMITS.command), cwd: 'd'.repeat(LIMITS.cwd),
        tools: Array.from({ length: LIMITS.tools }, () => 't'.repeat(LIMITS.toolName)), metadata: { m: 'm'.repeat(LIMITS.metadata - 8) },
      };
      const cp = fx.commit({ 'x.txt': 'y\n' }, { source: 'agent', ...full })!;
      assert.equal(cp.prompt!.length, LIMITS.prompt);
      const f = path.join(dir, 'full.stexport');
      fx.engine.exportSession(fx.engine.activeSession()!.id, f);
      const s = dst.engine.importSession(f);
      dst.engine.deleteSession(s.id);
    } finally {
      await fx.cleanup();
    }
  });

  it('refuses a folder and a character device as the import file, naming what it is', () => {
    refused(dst.engine, () => dst.engine.importSession(dir), /it is a folder, not a file/);
    if (fs.existsSync('/dev/zero')) refused(dst.engine, () => dst.engine.importSession('/dev/zero'), /it is a device, not a file/);
  });

  let mkfifo: string | undefined;
  try {
    mkfifo = execFileSync('sh', ['-c', 'command -v mkfifo'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    mkfifo = undefined;
  }
  const fifoTest = mkfifo && process.platform !== 'win32' ? 'refuses a named pipe as the import file at once, without blocking' : 'named pipe as the import file: SKIPPED (no mkfifo on this system)';
  it(fifoTest, { skip: !mkfifo || process.platform === 'win32' }, async () => {
    const fifo = path.join(dir, 'pipe.stexport');
    execFileSync(mkfifo!, [fifo]);
    // A safety net: were the import to block opening the pipe, a writer arrives after 3 s and
    // unblocks it (the test then fails on the time) instead of hanging the run.
    const writer: ChildProcess = spawn('sh', ['-c', 'sleep 3; echo x > "$0"', fifo], { stdio: 'ignore' });
    try {
      const t0 = Date.now();
      refused(dst.engine, () => dst.engine.importSession(fifo), /it is a named pipe, not a file/);
      const ms = Date.now() - t0;
      assert.ok(ms < 1000, `answered in ${ms} ms`);
      // The engine keeps answering.
      assert.ok(dst.engine.sessions().length >= 1);
    } finally {
      writer.kill('SIGKILL');
    }
  });

  it(mkfifo ? 'a pipe swapped in after the name was checked: refused from the open descriptor, without blocking' : 'swapped pipe: SKIPPED (no mkfifo on this system)', { skip: !mkfifo || process.platform === 'win32' }, async () => {
    const fifo = path.join(dir, 'swapped.stexport');
    execFileSync(mkfifo!, [fifo]);
    // The name's stat looks like the good export's (as if swapped for a pipe right after it).
    const lying = { ...fs, statSync: ((p: fs.PathLike, o?: fs.StatSyncOptions) => (p === fifo ? fs.statSync(exportFile) : fs.statSync(p, o))) as typeof fs.statSync };
    const fx = await makeFixture({ 'mine.txt': 'mine\n' }, { fs: lying as typeof fs });
    const writer: ChildProcess = spawn('sh', ['-c', 'sleep 3; echo x > "$0"', fifo], { stdio: 'ignore' });
    try {
      const t0 = Date.now();
      refused(fx.engine, () => fx.engine.importSession(fifo), /it is a named pipe, not a file/);
      assert.ok(Date.now() - t0 < 1000, `answered in ${Date.now() - t0} ms`);
    } finally {
      writer.kill('SIGKILL');
      await fx.cleanup();
    }
  });
});

describe('API fields past their limits', () => {
  let fx: Fixture;
  before(async () => {
    fx = await makeFixture({ 'a.txt': 'a\n' });
    fx.engine.createBranch('feature');
  });
  after(() => fx.cleanup());

  const long = (n: number) => 'x'.repeat(n);
  const CASES: { name: string; run: (e: Engine, sid: string) => unknown; expect: RegExp }[] = [
    { name: 'a label one over', run: (e) => e.createCheckpoint({ label: long(LIMITS.name + 1), allowEmpty: true }), expect: /label is too long \(201 characters; 200 at most\)/ },
    { name: 'a 5 MB label', run: (e) => e.createCheckpoint({ label: long(5e6), allowEmpty: true }), expect: /label is too long \(5000000 characters; 200 at most\)/ },
    { name: 'a 5 MB prompt', run: (e) => e.createCheckpoint({ prompt: long(5e6), allowEmpty: true }), expect: /prompt is too long \(5000000 characters; 10000 at most\)/ },
    { name: 'a prompt one over', run: (e) => e.createCheckpoint({ prompt: long(LIMITS.prompt + 1), allowEmpty: true }), expect: /prompt is too long \(10001 characters; 10000 at most\)/ },
    { name: 'a 5 MB command', run: (e) => e.createCheckpoint({ source: 'terminal', command: long(5e6), allowEmpty: true }), expect: /command is too long \(5000000 characters; 10000 at most\)/ },
    { name: 'a command that is not text', run: (e) => e.createCheckpoint({ command: 42 as unknown as string, allowEmpty: true }), expect: /command must be text/ },
    { name: 'a cwd one over', run: (e) => e.createCheckpoint({ cwd: long(LIMITS.cwd + 1), allowEmpty: true }), expect: /cwd is too long \(32768 characters; 32767 at most\)/ },
    { name: '200k tool names', run: (e) => e.createCheckpoint({ tools: Array.from({ length: 200_000 }, (_, i) => `tool${i}`), allowEmpty: true }), expect: /tools has too many names \(200000; 1000 at most\)/ },
    { name: 'a tool name one over', run: (e) => e.createCheckpoint({ tools: ['ok', long(LIMITS.toolName + 1)], allowEmpty: true }), expect: /tool name is too long \(201 characters; 200 at most\)/ },
    { name: 'metadata over 64 KiB', run: (e) => e.createCheckpoint({ metadata: { m: long(LIMITS.metadata) }, allowEmpty: true }), expect: /metadata is too large \(65544 characters of JSON; 64 KiB \(65536\) at most\)/ },
    { name: 'an exit code beyond 32 bits', run: (e) => e.createCheckpoint({ exitCode: 2 ** 40, allowEmpty: true }), expect: /exitCode must be a whole number/ },
    { name: 'a negative duration', run: (e) => e.createCheckpoint({ durationMs: -1, allowEmpty: true }), expect: /durationMs must be a number of milliseconds/ },
    { name: 'a session title one over', run: (e) => e.newSession({ title: long(LIMITS.name + 1) }), expect: /session title is too long \(201 characters; 200 at most\)/ },
    { name: 'a rename one over', run: (e, sid) => e.renameSession(sid, long(LIMITS.name + 1)), expect: /session title is too long/ },
    { name: 'a fork title one over', run: (e, sid) => e.forkSession(e.sessions().find((s) => s.id === sid)!.rootId, { title: long(LIMITS.name + 1) }), expect: /session title is too long/ },
    { name: '101 tags', run: (e, sid) => e.setSessionTags(sid, Array.from({ length: LIMITS.tags + 1 }, (_, i) => `t${i}`)), expect: /at most 100 tags \(got 101\)/ },
    { name: 'a tag one over', run: (e, sid) => e.setSessionTags(sid, [long(LIMITS.name + 1)]), expect: /tag is too long \(201 characters; 200 at most\)/ },
    { name: 'a branch name one over', run: (e) => e.createBranch(long(LIMITS.name + 1)), expect: /branch name is too long \(201 characters; 200 at most\)/ },
    { name: 'a branch rename one over', run: (e) => e.renameBranch('feature', long(LIMITS.name + 1)), expect: /branch name is too long/ },
    { name: 'a label set later one over', run: (e, sid) => e.labelCheckpoint(e.sessions().find((s) => s.id === sid)!.rootId, long(LIMITS.name + 1)), expect: /label is too long/ },
  ];
  for (const c of CASES) {
    it(`refuses ${c.name}, naming the limit, storing nothing`, () => {
      const e = fx.engine;
      const sid = e.activeSession()!.id;
      const count = e.checkpoints({}).length;
      const t0 = Date.now();
      refused(e, () => c.run(e, sid), c.expect);
      assert.equal(e.checkpoints({}).length, count, 'no checkpoint was made');
      assert.ok(Date.now() - t0 < 2000);
    });
  }

  it('the limits documented in src/api.ts are the engine\'s', () => {
    assert.deepEqual({ ...API_LIMITS }, { ...LIMITS });
  });

  it('takes every field at its limit', () => {
    const e = fx.engine;
    const sid = e.activeSession()!.id;
    const cp = e.createCheckpoint({
      label: long(LIMITS.name), prompt: long(LIMITS.prompt), command: long(LIMITS.command), cwd: long(LIMITS.cwd), exitCode: -(2 ** 31),
      tools: Array.from({ length: LIMITS.tools }, () => long(LIMITS.toolName)), metadata: { m: long(LIMITS.metadata - 8) }, allowEmpty: true,
    })!;
    assert.equal(cp.label.length, LIMITS.name);
    assert.equal(cp.tools!.length, LIMITS.tools);
    e.setSessionTags(sid, Array.from({ length: LIMITS.tags }, (_, i) => `${i}`.padEnd(LIMITS.name, 'x')));
    assert.equal(e.activeSession()!.tags.length, LIMITS.tags);
    e.createBranch(long(LIMITS.name));
  });
});

describe('nested workspace folders (ws and ws/sub)', () => {
  let dir: string;
  let ws: string;
  let sub: string;
  let e: Engine;
  const open = async (nested = true) => {
    e = new Engine({ storageDir: path.join(dir, 'store'), roots: [{ name: 'ws', path: ws }, ...(nested ? [{ name: 'sub', path: sub }] : [])], racyWindowMs: 0 });
    await e.open();
  };
  before(async () => {
    dir = tempDir('st-nested-');
    ws = path.join(dir, 'ws');
    sub = path.join(ws, 'sub');
    fs.mkdirSync(path.join(sub, 'deep'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'a.txt'), 'a1\n');
    fs.writeFileSync(path.join(sub, 'b.txt'), 'b1\n');
    fs.writeFileSync(path.join(sub, 'deep', 'c.txt'), 'c1\n');
  });
  after(async () => {
    await e?.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('tracks each file once, under the inner folder; restores touch each once with no skips', async () => {
    await open();
    const root = e.activeSession()!.rootId;
    fs.writeFileSync(path.join(ws, 'a.txt'), 'a2\n');
    fs.writeFileSync(path.join(sub, 'b.txt'), 'b2\n');
    fs.writeFileSync(path.join(sub, 'deep', 'c.txt'), 'c2\n');
    e.rescan();
    const cp = e.createCheckpoint({ label: 'all three' })!;
    assert.deepEqual(cp.files.map((f) => f.key).sort(), ['sub/b.txt', 'sub/deep/c.txt', 'ws/a.txt']);
    assert.deepEqual(e.trackingStatus(path.join(sub, 'b.txt')), { tracked: true });
    for (const target of [root, cp.id]) {
      const r = await e.restore({ kind: 'rewind', checkpointId: target });
      assert.deepEqual(r.files.filter((f) => f.status !== 'restored').map((f) => `${f.key}: ${f.status} ${f.reason}`), []);
      assert.deepEqual(r.files.map((f) => f.key).sort(), ['sub/b.txt', 'sub/deep/c.txt', 'ws/a.txt']);
    }
    assert.equal(fs.readFileSync(path.join(sub, 'deep', 'c.txt'), 'utf8'), 'c2\n');
    // A watcher reporting the inner folder itself, or a folder in it: still once, under the inner folder.
    fs.writeFileSync(path.join(sub, 'deep', 'new.txt'), 'new\n');
    e.notifyChanged([sub]);
    fs.writeFileSync(path.join(sub, 'deep', 'new2.txt'), 'new\n');
    e.notifyChanged([path.join(sub, 'deep')]);
    assert.deepEqual(e.createCheckpoint({ label: 'new' })!.files.map((f) => f.key).sort(), ['sub/deep/new.txt', 'sub/deep/new2.txt']);
    await e.restore({ kind: 'rewind', checkpointId: cp.id });
    assert.deepEqual(e.workingChanges(), []);
    assert.deepEqual(e.verify().problems, []);
    await e.close();
  });

  it('a store that tracked the inner files under the outer folder too (before it was added): the inner one takes over, no double change', async () => {
    fs.rmSync(path.join(dir, 'store'), { recursive: true, force: true });
    await open(false);
    fs.writeFileSync(path.join(sub, 'b.txt'), 'b3\n');
    e.rescan();
    assert.deepEqual(e.createCheckpoint({ label: 'outer only' })!.files.map((f) => f.key), ['ws/sub/b.txt']);
    await e.close();
    await open(true);
    fs.writeFileSync(path.join(sub, 'b.txt'), 'b4\n');
    e.rescan();
    const cp = e.createCheckpoint({ label: 'nested now' });
    assert.ok(cp);
    assert.ok(!cp.files.some((f) => f.key.startsWith('ws/sub/')), cp.files.map((f) => f.key).join(', '));
    assert.ok(cp.files.some((f) => f.key === 'sub/b.txt'));
    // A rewind to "outer only", whose state holds the file under the outer key only: restored under the inner key, not removed.
    const outerOnly = e.checkpoints().find((c) => c.label === 'outer only')!;
    const r = await e.restore({ kind: 'rewind', checkpointId: outerOnly.id });
    assert.deepEqual(r.files.map((f) => `${f.key}: ${f.status}`), ['sub/b.txt: restored']);
    assert.equal(fs.readFileSync(path.join(sub, 'b.txt'), 'utf8'), 'b3\n');
    await e.restore({ kind: 'undo' });
    assert.equal(fs.readFileSync(path.join(sub, 'b.txt'), 'utf8'), 'b4\n');
    await e.close();
  });
});
