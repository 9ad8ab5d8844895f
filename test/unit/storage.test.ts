import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { StoreDb, loadSqlJs, migrate, readVersion } from '../../src/storage/db';
import { ChangeBatch } from '../../src/storage/logRecord';
import { ObjectStore, sha256 } from '../../src/storage/objects';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/storage/schema';
import { decodeChanges, decodeManifest, encodeChanges, encodeManifest } from '../../src/core/encoding';
import { makeFixture, tempDir } from './helpers';

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
