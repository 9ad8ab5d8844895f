import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { StoreDb, loadSqlJs, migrate, readVersion } from '../../src/storage/db';
import { ChangeBatch, crc32, crc32Table, decodeBatch } from '../../src/storage/logRecord';
import { HEADER_BYTES, RECORD_HEAD_BYTES } from '../../src/storage/log';
import { Engine, type EngineOptions } from '../../src/core/engine';
import { proxyFs } from './faultfs';
import { ObjectStore, sha256 } from '../../src/storage/objects';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/storage/schema';
import { decodeChanges, decodeManifest, encodeChanges, encodeManifest } from '../../src/core/encoding';
import { type Fixture, makeFixture, tempDir } from './helpers';

const FIXTURES = path.join(__dirname, '../../../test/fixtures');

describe('database', () => {
  it('migration 1 turns an empty database into the current schema', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    migrate(db, 0);
    assert.equal(readVersion(db), SCHEMA_VERSION);
    const tables = db.exec("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")[0].values.flat();
    for (const t of ['blobs', 'branches', 'checkpoints', 'meta', 'mirror', 'paths', 'pending', 'restores', 'sessions']) assert.ok(tables.includes(t), t);
    assert.equal(Object.keys(MIGRATIONS).length, SCHEMA_VERSION, 'one migration per version');
  });

  it('opens the version-1 fixture with its sessions, branches and checkpoints intact', async () => {
    const dir = tempDir();
    fs.copyFileSync(path.join(FIXTURES, 'schema-v1/state.db'), path.join(dir, 'state.db'));
    const sdb = new StoreDb(dir, await loadSqlJs());
    const o = sdb.open();
    assert.equal(o.usedBackup, false);
    assert.equal(o.newerSchema, undefined);
    assert.equal(readVersion(o.db), SCHEMA_VERSION);
    const labels = o.db.exec('SELECT label FROM checkpoints ORDER BY id')[0].values.flat();
    assert.deepEqual(labels, ['Session start', 'fixture checkpoint']);
    const branches = o.db.exec('SELECT name FROM branches ORDER BY name')[0].values.flat();
    assert.deepEqual(branches, ['fixture-branch', 'main']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a database from a newer version opens read-only and says why', async () => {
    const fx = await makeFixture({ 'a.txt': 'a' });
    try {
      await fx.engine.close();
      const SQL = await loadSqlJs();
      const db = new SQL.Database(fs.readFileSync(path.join(fx.store, 'state.db')));
      db.run("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
      fs.writeFileSync(path.join(fx.store, 'state.db'), db.export());
      const e = await fx.reopen().catch((err) => err);
      assert.ok(!(e instanceof Error));
      assert.equal(fx.engine.readOnly, true);
      assert.throws(() => fx.engine.createBranch('x'), /read-only.*newer version/);
      assert.ok(fx.engine.activeSession(), 'its sessions can still be read');
    } finally {
      await fx.cleanup();
    }
  });

  it('a save interrupted midway leaves the previous database openable', async () => {
    const fx = await makeFixture({ 'a.txt': 'a1' });
    try {
      fx.write('a.txt', 'a2');
      fx.engine.rescan();
      const kept = fx.engine.createCheckpoint({ label: 'saved before the crash' })!;
      await fx.engine.close();
      // Kill a save after half of the temp file is written: the rename never happens.
      const SQL = await loadSqlJs();
      const broken = { ...fs, writeSync: ((fd: number, buf: Uint8Array, off: number, len: number) => fs.writeSync(fd, buf, off, Math.floor(len / 2)) && (() => { throw Object.assign(new Error('killed'), { code: 'EIO' }); })()) as typeof fs.writeSync };
      const sdb = new StoreDb(fx.store, SQL, broken as typeof fs);
      const o = sdb.open();
      const changes = new ChangeBatch();
      o.db.run("UPDATE checkpoints SET label = 'never saved'");
      changes.add("UPDATE checkpoints SET label = 'never saved'", []);
      assert.throws(() => sdb.save(o.db, changes, { fold: true }), /killed/);
      assert.ok(!fs.existsSync(path.join(fx.store, 'state.db.tmp')), 'a failed save removes its torn temp file (one left by a kill is covered by the crash trials)');
      await fx.reopen();
      assert.equal(fx.engine.checkpoint(kept.id).label, 'saved before the crash');
    } finally {
      await fx.cleanup();
    }
  });

  it('a database filled with garbage falls back to the last good copy and says so', async () => {
    const fx = await makeFixture({ 'a.txt': 'a1' });
    try {
      fx.write('a.txt', 'a2');
      fx.engine.rescan();
      const cp = fx.engine.createCheckpoint({ label: 'one' })!;
      await fx.engine.close();
      fs.writeFileSync(path.join(fx.store, 'state.db'), Buffer.alloc(8192, 0x5a));
      fx.engine = new (fx.engine.constructor as typeof import('../../src/core/engine').Engine)({ storageDir: fx.store, roots: [{ name: 'ws', path: fx.ws }], racyWindowMs: 0 });
      const report = await fx.engine.open();
      assert.equal(report.usedBackup, true);
      assert.match(report.diagnostics.join('\n'), /damaged.*last good copy/);
      assert.equal(fx.engine.checkpoint(cp.id).label, 'one');
    } finally {
      await fx.cleanup();
    }
  });
});

describe('snapshot packs', () => {
  it('stores content once by sha256, compressed, and reads it back verified', () => {
    const dir = tempDir();
    const s = new ObjectStore(dir);
    const text = Buffer.from('hello world\n'.repeat(100));
    const h1 = s.put(text);
    const h2 = s.put(Buffer.from(text));
    assert.equal(h1, h2);
    assert.equal(h1, sha256(text));
    assert.equal(s.count, 1);
    assert.ok(s.storedSize(h1)! < text.length / 5, 'compressed');
    s.flush();
    s.close();
    const again = new ObjectStore(dir);
    assert.deepEqual(again.get(h1), text);
    again.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('recovers records appended but not indexed, and cuts off a torn last record', () => {
    const dir = tempDir();
    const s = new ObjectStore(dir);
    const a = s.put(Buffer.from('first object'));
    const b = s.put(Buffer.from('second object'));
    s.flush();
    s.close();
    const idx = path.join(dir, 'pack-000001.idx');
    const pack = path.join(dir, 'pack-000001.pack');
    fs.truncateSync(idx, 48); // the index lost its second entry
    fs.appendFileSync(pack, Buffer.from('torn record garbage'));
    const r = new ObjectStore(dir);
    assert.equal(r.get(a).toString(), 'first object');
    assert.equal(r.get(b).toString(), 'second object');
    assert.match(r.diagnostics.join('\n'), /partly written record/);
    r.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('detects a damaged snapshot on read', () => {
    const dir = tempDir();
    const s = new ObjectStore(dir);
    const h = s.put(Buffer.from('x'.repeat(10) + 'precious'));
    s.flush();
    s.close();
    const pack = path.join(dir, 'pack-000001.pack');
    const bytes = fs.readFileSync(pack);
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(pack, bytes);
    const r = new ObjectStore(dir);
    assert.throws(() => r.get(h), /does not match its hash|cannot be decompressed/);
    assert.deepEqual(r.verify(), [h]);
    r.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('garbage collection removes only snapshots nothing refers to', async () => {
    const fx = await makeFixture({ 'a.txt': 'kept at root' });
    try {
      fx.write('a.txt', 'kept in a checkpoint');
      fx.engine.rescan();
      fx.engine.createCheckpoint();
      fx.write('a.txt', 'transient, never checkpointed');
      fx.engine.rescan();
      fx.write('a.txt', 'current');
      fx.engine.rescan();
      const before = fx.engine.stats().objects;
      const r = fx.engine.gc();
      assert.equal(r.removed, 1, 'only the transient version goes');
      assert.equal(fx.engine.stats().objects, before - 1);
      assert.equal(fx.engine.verify().ok, true);
      await fx.engine.restore({ kind: 'rewind', checkpointId: fx.engine.activeSession()!.rootId });
      assert.equal(fx.read('a.txt')!.toString(), 'kept at root');
    } finally {
      await fx.cleanup();
    }
  });
});

describe('encodings', () => {
  it('change lists and manifests round-trip', () => {
    const changes = [{ path: 1, beforeBlob: 0, beforeMode: 0, afterBlob: 300000, afterMode: 0o755, added: 12, removed: 0, binary: false }];
    assert.deepEqual(decodeChanges(encodeChanges(changes)), changes);
    const m = new Map([['ws/ü n.txt', { hash: 'ab'.repeat(32), mode: 0o644 }]]);
    assert.deepEqual(decodeManifest(encodeManifest(m)), m);
    assert.throws(() => decodeManifest(Buffer.from('garbage!')), /not a manifest/);
  });
});

describe('database log', () => {
  /** The store's files as a kill would leave them now (the engine still running), without its lock. */
  const crashCopy = (fx: Fixture, name: string): string => {
    const to = path.join(fx.dir, name);
    fs.cpSync(fx.store, to, { recursive: true });
    fs.rmSync(path.join(to, 'store.lock'), { force: true });
    return to;
  };
  const openAt = async (fx: Fixture, store: string, options: Partial<EngineOptions> = {}) => {
    const e = new Engine({ storageDir: store, roots: [{ name: 'ws', path: fx.ws }], racyWindowMs: 0, ...options });
    const logs: string[] = [];
    e.onEvent((ev) => ev.type === 'log' && logs.push(ev.message));
    const report = await e.open();
    return { e, report, logs };
  };
  const labels = (e: Engine) => e.checkpoints({ limit: 1000 }).map((c) => c.label).filter((l) => l.startsWith('c'));
  /** Byte offsets of the records of a log file (after its header). */
  const recordStarts = (file: string): number[] => {
    const b = fs.readFileSync(file);
    const out: number[] = [];
    for (let off = HEADER_BYTES; off + RECORD_HEAD_BYTES <= b.length; off += RECORD_HEAD_BYTES + b.readUInt32LE(off)) out.push(off);
    return out;
  };

  it('each durable commit appends one record and leaves the base alone; a kill after it loses nothing', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0' });
    try {
      const base = fs.readFileSync(path.join(fx.store, 'state.db'));
      for (let i = 1; i <= 3; i++) {
        fx.write('a.txt', `a${i}`);
        fx.engine.rescan();
        assert.equal(fx.engine.lastSave.kind, 'append');
        fx.engine.createCheckpoint({ label: `c${i}` });
        assert.equal(fx.engine.lastSave.kind, 'append');
      }
      assert.ok(fs.readFileSync(path.join(fx.store, 'state.db')).equals(base), 'the base is not rewritten by a commit');
      assert.equal(recordStarts(path.join(fx.store, 'state.db.log')).length, 6, 'one record per durable commit (each scan that saw a change, each checkpoint)');
      const { e } = await openAt(fx, crashCopy(fx, 'killed'));
      try {
        assert.deepEqual(labels(e), ['c3', 'c2', 'c1']);
        assert.equal(e.verify().ok, true);
      } finally {
        await e.close();
      }
    } finally {
      await fx.cleanup();
    }
  });

  it('a torn last record (a kill during the append) is dropped, the commits before it kept, and the next commit lands after them', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0' });
    try {
      const logSize = () => fs.statSync(path.join(fx.store, 'state.db.log')).size;
      fx.commit({ 'a.txt': 'a1' }, { label: 'c1' });
      const afterC1 = logSize();
      fx.commit({ 'a.txt': 'a2' }, { label: 'c2' });
      const store = crashCopy(fx, 'torn');
      fs.truncateSync(path.join(store, 'state.db.log'), afterC1 + 10); // the next record cut in its header's middle…
      let r = await openAt(fx, store);
      assert.deepEqual(labels(r.e), ['c1']);
      assert.match(r.logs.join('\n'), /cut short.*dropped/);
      assert.deepEqual(r.report.diagnostics.filter((d) => /log/.test(d)), [], 'a cut tail is not damage');
      fx.write('a.txt', 'a3');
      r.e.rescan();
      r.e.createCheckpoint({ label: 'c3' });
      const copy = crashCopy({ ...fx, store } as Fixture, 'torn-then-more');
      await r.e.close();
      r = await openAt(fx, copy);
      assert.deepEqual(labels(r.e), ['c3', 'c1'], 'the commit after the cut tail was replayed');
      await r.e.close();
      // …and cut in its payload's middle.
      fx.commit({ 'a.txt': 'a4' }, { label: 'c4' });
      const store2 = crashCopy(fx, 'torn2');
      const log2 = path.join(store2, 'state.db.log');
      fs.truncateSync(log2, fs.statSync(log2).size - 3);
      r = await openAt(fx, store2);
      assert.deepEqual(labels(r.e), ['c2', 'c1']);
      await r.e.close();
    } finally {
      await fx.cleanup();
    }
  });

  it('a flipped byte in a middle record drops it and everything after it; the data up to it is intact and the damaged log is kept', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0', 'b.txt': 'b0' });
    try {
      fx.commit({ 'a.txt': 'a1' }, { label: 'c1' });
      const afterC1 = fs.statSync(path.join(fx.store, 'state.db.log')).size;
      fx.commit({ 'b.txt': 'b2' }, { label: 'c2' });
      fx.commit({ 'a.txt': 'a3' }, { label: 'c3' });
      const store = crashCopy(fx, 'flipped');
      const log = path.join(store, 'state.db.log');
      const bytes = fs.readFileSync(log);
      assert.ok(recordStarts(log).includes(afterC1));
      bytes[afterC1 + RECORD_HEAD_BYTES + 5] ^= 0x40;
      fs.writeFileSync(log, bytes);
      const { e, report } = await openAt(fx, store);
      try {
        assert.deepEqual(labels(e), ['c1']);
        assert.match(report.diagnostics.join('\n'), new RegExp(`log .* is damaged from byte ${afterC1} on .*logged changes applied`));
        assert.ok(fs.readFileSync(log + '.damaged').equals(bytes), 'the damaged log is kept as it was');
        const c1 = e.checkpoints({ limit: 10 }).find((c) => c.label === 'c1')!;
        assert.equal(e.readContent(e.fileAt(c1.id, fx.abs('a.txt'))!.hash).toString(), 'a1');
        assert.equal(e.verify().ok, true);
        // The open sealed the files as they are now (a3, b2) — nothing of the workspace is lost.
        assert.equal(e.workingChanges().length, 0);
      } finally {
        await e.close();
      }
    } finally {
      await fx.cleanup();
    }
  });

  it('a log written on another base is never applied', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0' });
    try {
      fx.commit({ 'a.txt': 'a1' }, { label: 'c1' });
      const older = crashCopy(fx, 'older'); // base G0 + log [c1]
      await fx.reopen(); // close folds: base G1 holds c1
      fx.commit({ 'a.txt': 'a2' }, { label: 'c2' }); // log of G1 [c2]
      fs.copyFileSync(path.join(fx.store, 'state.db.log'), path.join(older, 'state.db.log'));
      const { e, logs } = await openAt(fx, older);
      try {
        assert.deepEqual(labels(e), [], 'neither the replaced log of its own base nor the log of another base');
        assert.match(logs.join('\n'), /belongs to another copy of the database and was not applied/);
      } finally {
        await e.close();
      }
      // A base re-saved without its log (an older Session Tree) does not get the log applied either.
      const resaved = crashCopy(fx, 'resaved');
      const SQL = await loadSqlJs();
      const db = new SQL.Database(fs.readFileSync(path.join(resaved, 'state.db')));
      db.run("INSERT OR REPLACE INTO meta(key, value) VALUES ('written by', 'an older version')");
      fs.writeFileSync(path.join(resaved, 'state.db'), db.export());
      db.close();
      const r = await openAt(fx, resaved);
      assert.deepEqual(labels(r.e), ['c1']);
      await r.e.close();
    } finally {
      await fx.cleanup();
    }
  });

  it('past its size the log is folded into a new base; the old log goes with the backup, which opens to the fold', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0' }, { logFoldBytes: 3000 });
    try {
      // A commit may save more than once (the files it found, then the checkpoint): a fold shows as
      // a new base file, whichever of its saves wrote it.
      const base = path.join(fx.store, 'state.db');
      const kinds: string[] = [];
      for (let i = 1; i <= 12; i++) {
        const before = fs.statSync(base).ino;
        fx.commit({ 'a.txt': `a${i}` }, { label: `c${i}` });
        kinds.push(fs.statSync(base).ino !== before ? 'fold' : fx.engine.lastSave.kind);
      }
      assert.ok(kinds.includes('fold') && kinds.includes('append'), kinds.join(' '));
      const lastFold = kinds.lastIndexOf('fold') + 1;
      assert.ok(fs.existsSync(path.join(fx.store, 'state.db.bak.log')));
      const log = path.join(fx.store, 'state.db.log');
      assert.ok(!fs.existsSync(log) || fs.statSync(log).size <= 3000);
      let r = await openAt(fx, crashCopy(fx, 'after-folds'));
      assert.equal(labels(r.e).length, 12);
      await r.e.close();
      // The base damaged: the last good copy with its log is the store as the last fold found it.
      const damaged = crashCopy(fx, 'damaged');
      fs.writeFileSync(path.join(damaged, 'state.db'), Buffer.alloc(8192, 0x5a));
      r = await openAt(fx, damaged);
      assert.equal(r.report.usedBackup, true);
      assert.equal(labels(r.e).length, lastFold - 1, 'up to the commit before the last fold (the fold itself is the base that was lost)');
      await r.e.close();
      // Close folds: a clean store is one file and its last good copy (nothing to replay).
      await fx.engine.close();
      assert.ok(!fs.existsSync(path.join(fx.store, 'state.db.log')));
      r = await openAt(fx, fx.store);
      assert.equal(labels(r.e).length, 12);
      fx.engine = r.e;
    } finally {
      await fx.cleanup();
    }
  });

  it('a store from before the log moves to it: dry run logged, the new base verified against the old file, which is kept', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0' });
    try {
      fx.commit({ 'a.txt': 'a1' }, { label: 'c1' });
      await fx.engine.close();
      const legacy = makeLegacy(fx, await loadSqlJs());
      const { e, logs } = await openAt(fx, fx.store);
      fx.engine = e;
      const said = logs.join('\n');
      assert.match(said, /Moving the store to the logged format \(dry run\): state\.db \(\d+ bytes; .*checkpoints 2.* rows\)/);
      assert.match(said, /moved to the logged format: the new base was verified \(\d+ tables, \d+ rows, all equal\)/);
      assert.ok(fs.readFileSync(path.join(fx.store, 'state.db.bak')).equals(legacy), 'the file from before is kept');
      assert.ok(!fs.existsSync(path.join(fx.store, 'state.db.new')));
      assert.deepEqual(labels(e), ['c1']);
      fx.commit({ 'a.txt': 'a2' }, { label: 'c2' });
      assert.equal(e.lastSave.kind, 'append');
      const r = await openAt(fx, crashCopy(fx, 'moved'));
      assert.deepEqual(labels(r.e), ['c2', 'c1']);
      await r.e.close();
    } finally {
      await fx.cleanup();
    }
  });

  it('a move to the log whose verify fails keeps the old file in use, saved whole, and is tried again at the next start', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0' });
    try {
      fx.commit({ 'a.txt': 'a1' }, { label: 'c1 verify-me' });
      await fx.engine.close();
      const legacy = makeLegacy(fx, await loadSqlJs());
      // The new base is written with one label changed (bits that flip on the way to the disk):
      // sound as a database, but not the old one.
      const px = proxyFs();
      px.onCall = (call) => {
        if (call.op !== 'writeSync' || !call.paths[0]?.endsWith('state.db.new')) return;
        const buf = Buffer.from(call.args[1] as Uint8Array);
        const at = buf.indexOf('verify-me');
        if (at >= 0) (call.args[1] as Uint8Array)[at] = 'V'.charCodeAt(0);
      };
      const { e, report } = await openAt(fx, fx.store, { fs: px.fs });
      fx.engine = e;
      assert.match(report.diagnostics.join('\n'), /not moved to the logged format \(table checkpoints, row \d+, column \d+ differs in the new base\); it goes on from state\.db as it was/);
      assert.ok(!fs.existsSync(path.join(fx.store, 'state.db.new')));
      assert.equal(userVersionOf(await loadSqlJs(), path.join(fx.store, 'state.db')), 0, 'the store is still the old file, in the old format');
      void legacy;
      assert.deepEqual(labels(e), ['c1 verify-me']);
      fx.commit({ 'a.txt': 'a2' }, { label: 'c2' });
      assert.equal(e.lastSave.kind, 'fold', 'saved whole, as before');
      assert.ok(!fs.existsSync(path.join(fx.store, 'state.db.log')));
      await e.close();
      const r = await openAt(fx, fx.store);
      fx.engine = r.e;
      assert.match(r.logs.join('\n'), /moved to the logged format: the new base was verified/);
      assert.deepEqual(labels(r.e), ['c2', 'c1 verify-me']);
    } finally {
      await fx.cleanup();
    }
  });

  it('a read-only second window reads the log, follows what the writing window appends, and re-reads after its fold', async () => {
    const fx = await makeFixture({ 'a.txt': 'a0' }, { logFoldBytes: 2500 });
    try {
      fx.commit({ 'a.txt': 'a1' }, { label: 'c1' });
      const { e } = await openAt(fx, fx.store, { lockHeartbeatMs: 40 });
      let repaints = 0;
      e.onEvent((ev) => ev.type === 'changed' && repaints++);
      try {
        assert.equal(e.readOnly, true);
        assert.deepEqual(labels(e), ['c1']);
        const c2 = fx.commit({ 'a.txt': 'a2' }, { label: 'c2' })!;
        assert.equal(fx.engine.lastSave.kind, 'append');
        await until(() => labels(e).includes('c2'));
        assert.ok(repaints > 0, 'the window repaints');
        assert.equal(e.readContent(e.fileAt(c2.id, fx.abs('a.txt'))!.hash).toString(), 'a2', 'its snapshot can be read too');
        // The writer folds its log into a new base (a new generation), then appends to the new log.
        const saveKind = (): string => fx.engine.lastSave.kind;
        let i = 3;
        for (; saveKind() !== 'fold'; i++) fx.commit({ 'a.txt': `a${i}` }, { label: `c${i}` });
        fx.commit({ 'a.txt': 'after the fold' }, { label: `c${i}` });
        assert.equal(fx.engine.lastSave.kind, 'append');
        await until(() => labels(e).includes(`c${i}`));
        assert.equal(labels(e).length, i);
        assert.equal(e.verify().ok, true);
      } finally {
        await e.close();
      }
    } finally {
      await fx.cleanup();
    }
  });

  it('records hold the statements exactly (every parameter type), and a savepoint rolled back takes its statements out', async () => {
    const b = new ChangeBatch();
    b.add('INSERT INTO t VALUES (?, ?, ?, ?, ?)', [1, 2 ** 40 + 0.5, 'ü ✓', new Uint8Array([0, 255]), null]);
    const m = b.mark();
    b.add('DELETE FROM t', []);
    b.add('INSERT INTO t VALUES (?, ?, ?, ?, ?)', [-0, -7, '', new Uint8Array(0), 1e300]);
    b.rewind(m);
    b.add('INSERT INTO t VALUES (?, ?, ?, ?, ?)', [3, -2147483648, 'x', new Uint8Array([7]), 2 ** 53]);
    const back = decodeBatch(b.payload());
    assert.deepEqual(back.map((s) => s.sql), ['INSERT INTO t VALUES (?, ?, ?, ?, ?)', 'INSERT INTO t VALUES (?, ?, ?, ?, ?)']);
    assert.deepEqual(back[0].params, [1, 2 ** 40 + 0.5, 'ü ✓', new Uint8Array([0, 255]), null]);
    assert.deepEqual(back[1].params, [3, -2147483648, 'x', new Uint8Array([7]), 2 ** 53]);
    const data = Buffer.from('123456789');
    assert.equal(crc32(data), 0xcbf43926);
    assert.equal(crc32Table(data), 0xcbf43926);
  });
});

/** Turns the closed fixture's store into one written before the log (PRAGMA user_version 0, no log files); returns its bytes. */
function makeLegacy(fx: Fixture, SQL: Awaited<ReturnType<typeof loadSqlJs>>): Buffer {
  const file = path.join(fx.store, 'state.db');
  const db = new SQL.Database(fs.readFileSync(file));
  db.exec('PRAGMA user_version = 0');
  const bytes = Buffer.from(db.export());
  db.close();
  fs.writeFileSync(file, bytes);
  for (const f of ['state.db.log', 'state.db.bak', 'state.db.bak.log']) fs.rmSync(path.join(fx.store, f), { force: true });
  return bytes;
}

function userVersionOf(SQL: Awaited<ReturnType<typeof loadSqlJs>>, file: string): number {
  const db = new SQL.Database(fs.readFileSync(file));
  try {
    return Number(db.exec('PRAGMA user_version')[0].values[0][0]);
  } finally {
    db.close();
  }
}

/** Waits for a condition (never for a fixed time). */
async function until(cond: () => boolean, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
