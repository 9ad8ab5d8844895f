// Snapshot packs: groups of small objects, deltas on a file's previous version, stores written by
// earlier versions (the fixture in test/fixtures/pack-v1 was written by 0.1.0's ObjectStore), and
// what damage, torn writes and compaction do to groups and deltas.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ObjectCorruptError, ObjectStore, sha256 } from '../../src/storage/objects';
import { tempDir } from './helpers';

const FIXTURES = path.join(__dirname, '../../../test/fixtures');

/** Deterministic text that compresses like source code. */
function text(seed: number, lines = 60): Buffer {
  const words = ['const', 'value', 'return', 'function', 'item', 'list', 'index', 'await', 'result', 'error', 'if', 'for'];
  let x = seed * 2654435761;
  const next = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) % words.length;
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(`  ${words[next()]} ${words[next()]}${seed % 97}_${i} = ${words[next()]}(${words[next()]});`);
  return Buffer.from(out.join('\n') + '\n');
}

/** Records of a pack: codec and stored length, walking the 48-byte headers. */
function records(pack: string): { start: number; hash: string; raw: number; stored: number; codec: number }[] {
  const b = fs.readFileSync(pack);
  const out = [];
  for (let pos = 0; pos + 48 <= b.length; ) {
    const stored = b.readUInt32LE(pos + 36);
    out.push({ start: pos, hash: b.subarray(pos, pos + 32).toString('hex'), raw: b.readUInt32LE(pos + 32), stored, codec: b[pos + 40] });
    pos += 48 + stored;
  }
  return out;
}

describe('snapshot packs: stores written by 0.1.0', () => {
  it('reads every object of a 0.1.0 pack, and new objects written beside them read back after reopening', () => {
    const dir = tempDir();
    const src = path.join(FIXTURES, 'pack-v1');
    for (const f of ['pack-000001.pack', 'pack-000001.idx']) fs.copyFileSync(path.join(src, f), path.join(dir, f));
    const contents = JSON.parse(fs.readFileSync(path.join(src, 'contents.json'), 'utf8')) as Record<string, { hash: string }>;
    const s = new ObjectStore(dir);
    assert.deepEqual(s.diagnostics, []);
    for (const [name, { hash }] of Object.entries(contents)) assert.deepEqual(s.get(hash), fs.readFileSync(path.join(src, name)), name);
    const added = Array.from({ length: 20 }, (_, i) => text(i));
    const hashes = added.map((b) => s.put(b));
    const delta = Buffer.concat([added[0], Buffer.from('one more line\n')]);
    const dh = s.put(delta, hashes[0]);
    s.close();
    const again = new ObjectStore(dir);
    assert.deepEqual(again.diagnostics, []);
    for (const [name, { hash }] of Object.entries(contents)) assert.deepEqual(again.get(hash), fs.readFileSync(path.join(src, name)), name);
    added.forEach((b, i) => assert.deepEqual(again.get(hashes[i]), b));
    assert.deepEqual(again.get(dh), delta);
    assert.deepEqual(again.verify(), []);
    again.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('snapshot packs: groups', () => {
  it('small objects stored together are smaller than stored one by one, and each reads back verified', () => {
    const dir = tempDir();
    const s = new ObjectStore(dir);
    const objs = Array.from({ length: 200 }, (_, i) => text(i, 20 + (i % 40)));
    const hashes = objs.map((b) => s.put(b));
    assert.deepEqual(s.get(hashes[7]), objs[7], 'readable before it is written');
    s.flush();
    const recs = records(path.join(dir, 'pack-000001.pack'));
    assert.ok(recs.some((r) => r.codec === 3), 'a group record');
    assert.ok(recs.filter((r) => r.codec === 4).length >= 190, 'a member record per object (but the last few)');
    const alone = new ObjectStore(tempDir());
    // The same objects one per put/flush: never grouped.
    for (const b of objs) {
      alone.put(b);
      alone.flush();
    }
    assert.ok(s.diskSize() < alone.diskSize() * 0.9, `grouped ${s.diskSize()} vs alone ${alone.diskSize()}`);
    alone.close();
    s.close();
    const r = new ObjectStore(dir);
    objs.forEach((b, i) => assert.deepEqual(r.get(hashes[i]), b));
    assert.ok(r.storedSize(hashes[0])! > 8 && r.storedSize(hashes[0])! < objs[0].length, 'a member reports its share of the group');
    r.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a damaged group makes exactly its members read as damaged; other objects are untouched', () => {
    const dir = tempDir();
    const s = new ObjectStore(dir);
    const big = Buffer.alloc(40 * 1024, 'x'); // stored on its own
    const bigHash = s.put(big);
    const objs = Array.from({ length: 30 }, (_, i) => text(i));
    const hashes = objs.map((b) => s.put(b));
    s.close();
    const pack = path.join(dir, 'pack-000001.pack');
    const recs = records(pack);
    const at = recs.findIndex((r) => r.codec === 3);
    const group = recs[at];
    const members: string[] = [];
    for (let i = at + 1; i < recs.length && recs[i].codec === 4; i++) members.push(recs[i].hash);
    assert.ok(members.length >= 2 && members.length < hashes.length);
    const bytes = fs.readFileSync(pack);
    for (let i = group.start + 48 + 10; i < group.start + 48 + group.stored; i += 7) bytes[i] ^= 0x5a;
    fs.writeFileSync(pack, bytes);
    const r = new ObjectStore(dir);
    assert.throws(() => r.get(members[1]), (e: unknown) => e instanceof ObjectCorruptError && /cannot be decompressed|damaged/.test((e as Error).message));
    assert.deepEqual(r.get(bigHash), big);
    assert.deepEqual(new Set(r.verify()), new Set(members));
    for (const h of hashes) if (!members.includes(h)) assert.equal(sha256(r.get(h)), h);
    r.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a copy kept in memory is used only while it matches its hash: a spoilt one is read again from the pack', () => {
    const dir = tempDir();
    const st = new ObjectStore(dir);
    const data = text(7);
    const h = st.put(data, sha256(Buffer.from('no such base')));
    st.flush();
    const first = st.get(h); // the copy in memory
    assert.deepEqual(first, data);
    first[0] ^= 0xff; // spoilt where it lies (a bug that writes into a shared buffer)
    const again = st.get(h);
    assert.equal(sha256(again), h, 'the bytes handed out match their hash');
    assert.deepEqual(again, data);
    // The good copy replaced the spoilt one.
    assert.equal(sha256(st.get(h, true)), h);
    st.close();
  });

  it('a crash before the index was written: the group and its members are re-indexed from the pack; a torn tail is cut', () => {
    const dir = tempDir();
    const s = new ObjectStore(dir);
    const first = s.put(Buffer.from('indexed before the crash'));
    s.flush();
    const objs = Array.from({ length: 40 }, (_, i) => text(100 + i));
    const hashes = objs.map((b) => s.put(b));
    s.close();
    const idx = path.join(dir, 'pack-000001.idx');
    const pack = path.join(dir, 'pack-000001.pack');
    fs.truncateSync(idx, 48); // only the first object's entry survived
    const recs = records(pack);
    const lastMember = recs[recs.length - 1];
    fs.truncateSync(pack, lastMember.start + 20); // and the last member record is torn
    const r = new ObjectStore(dir);
    assert.match(r.diagnostics.join('\n'), /partly written record/);
    assert.equal(r.get(first).toString(), 'indexed before the crash');
    objs.slice(0, -1).forEach((b, i) => assert.deepEqual(r.get(hashes[i]), b));
    assert.equal(r.has(hashes[hashes.length - 1]), false, 'the torn one is gone');
    r.close();
    const again = new ObjectStore(dir);
    assert.deepEqual(again.diagnostics, [], 'the index was rebuilt');
    objs.slice(0, -1).forEach((b, i) => assert.deepEqual(again.get(hashes[i]), b));
    again.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('snapshot packs: deltas', () => {
  it('a small edit of a file stored on its previous version costs a small fraction of the file', () => {
    const dir = tempDir();
    const s = new ObjectStore(dir);
    const v1 = text(1, 200);
    const h1 = s.put(v1);
    s.flush();
    const lines = v1.toString().split('\n');
    lines[50] = '  edited line';
    lines.splice(120, 0, '  inserted line');
    const v2 = Buffer.from(lines.join('\n'));
    const h2 = s.put(v2, h1);
    s.flush();
    assert.ok(s.storedSize(h2)! < 200, `delta stored in ${s.storedSize(h2)} bytes (file ${v2.length})`);
    s.close();
    const r = new ObjectStore(dir);
    assert.deepEqual(r.get(h2), v2);
    r.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an unrelated base is not used; a missing base is ignored', () => {
    const dir = tempDir();
    const s = new ObjectStore(dir);
    const a = s.put(text(1, 100));
    const b = text(999, 100).toString().replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97));
    const hb = s.put(Buffer.from(b), a);
    const hc = s.put(text(3, 100), 'ab'.repeat(32));
    s.close();
    const recs = records(path.join(dir, 'pack-000001.pack'));
    assert.notEqual(recs.find((x) => x.hash === hb)!.codec, 2);
    assert.notEqual(recs.find((x) => x.hash === hc)!.codec, 2);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('chains stop at their depth limit; every version reads back after reopening', () => {
    const dir = tempDir();
    const s = new ObjectStore(dir);
    let cur = text(5, 150);
    let h = s.put(cur);
    const versions: [string, Buffer][] = [[h, cur]];
    for (let i = 0; i < 25; i++) {
      cur = Buffer.concat([cur, Buffer.from(`  // change ${i}\n`)]);
      h = s.put(cur, h);
      versions.push([h, cur]);
      if (i % 5 === 0) s.flush();
    }
    s.close();
    const recs = records(path.join(dir, 'pack-000001.pack'));
    const depths = fs.readFileSync(path.join(dir, 'pack-000001.pack'));
    const maxDepth = Math.max(...recs.filter((x) => x.codec === 2).map((x) => depths[x.start + 41]));
    assert.ok(recs.filter((x) => x.codec === 2).length >= 20, 'mostly deltas');
    assert.ok(maxDepth <= 8, `depth ${maxDepth}`);
    const r = new ObjectStore(dir);
    for (const [hash, bytes] of versions) assert.deepEqual(r.get(hash), bytes);
    assert.deepEqual(r.verify(), []);
    r.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a damaged base makes its deltas read as damaged, naming the base', () => {
    const dir = tempDir();
    const s = new ObjectStore(dir);
    const v1 = text(7, 100);
    const h1 = s.put(v1);
    s.flush();
    const h2 = s.put(Buffer.concat([v1, Buffer.from('tail\n')]), h1);
    s.close();
    const pack = path.join(dir, 'pack-000001.pack');
    const base = records(pack).find((x) => x.hash === h1)!;
    const bytes = fs.readFileSync(pack);
    for (let i = base.start + 48; i < base.start + 48 + base.stored; i += 5) bytes[i] ^= 0xa5;
    fs.writeFileSync(pack, bytes);
    const r = new ObjectStore(dir);
    assert.throws(() => r.get(h2), new RegExp(`${h2.slice(0, 12)} cannot be decompressed: its base snapshot ${h1.slice(0, 12)}`));
    assert.deepEqual(new Set(r.verify()), new Set([h1, h2]));
    r.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('compaction keeps a delta whose base lives and stores whole one whose base goes', () => {
    const dir = tempDir();
    const s = new ObjectStore(dir);
    const v1 = text(11, 120);
    const h1 = s.put(v1);
    s.flush();
    const v2 = Buffer.concat([v1, Buffer.from('second\n')]);
    const h2 = s.put(v2, h1);
    s.flush();
    const v3 = Buffer.concat([v2, Buffer.from('third\n')]);
    const h3 = s.put(v3, h2);
    const junk = s.put(Buffer.from('garbage nobody refers to'));
    s.flush();
    // Keep v1 and v3: v3's base (v2) goes, so v3 must not depend on it any more.
    s.gc((h) => h !== h2 && h !== junk);
    s.close();
    const r = new ObjectStore(dir);
    assert.equal(r.has(h2), false);
    assert.deepEqual(r.get(h1), v1);
    assert.deepEqual(r.get(h3), v3);
    assert.deepEqual(r.verify(), []);
    r.close();
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(sha256(v3), h3);
  });
});

describe('snapshot packs: groups deflated on a helper thread', () => {
  it('stores the same objects as without it; deltas on objects of a group still being deflated come after it', () => {
    const dir = tempDir();
    const s = new ObjectStore(dir, { parallel: true });
    const objs = Array.from({ length: 300 }, (_, i) => text(i, 10 + (i % 50)));
    const hashes = objs.map((b) => s.put(b));
    // A new version of an object whose group may not be written yet, a large object on its own.
    const edited = Buffer.concat([objs[200], Buffer.from('  one more line\n')]);
    const eh = s.put(edited, hashes[200]);
    const big = Buffer.from('big '.repeat(5000));
    const bh = s.put(big);
    assert.deepEqual(s.get(hashes[150]), objs[150], 'readable before it is written');
    s.flush();
    s.close();
    const pack = path.join(dir, 'pack-000001.pack');
    const recs = records(pack);
    const deltaAt = recs.findIndex((r) => r.hash === eh);
    assert.equal(recs[deltaAt].codec, 2, 'stored as a delta');
    assert.ok(recs.findIndex((r) => r.hash === hashes[200]) < deltaAt, 'after its base');
    // Opened normally, and re-indexed from the pack alone.
    for (const drop of [false, true]) {
      if (drop) fs.rmSync(path.join(dir, 'pack-000001.idx'));
      const r = new ObjectStore(dir);
      objs.forEach((b, i) => assert.deepEqual(r.get(hashes[i]), b));
      assert.deepEqual(r.get(eh), edited);
      assert.deepEqual(r.get(bh), big);
      assert.deepEqual(r.verify(), []);
      r.close();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('snapshot packs: reading part of a group', () => {
  it('a member is read from as much of its group as it needs; a damaged tail spoils only the members in it', () => {
    const dir = tempDir();
    const s = new ObjectStore(dir);
    const objs = Array.from({ length: 12 }, (_, i) => text(500 + i, 40));
    const hashes = objs.map((b) => s.put(b));
    s.close();
    const pack = path.join(dir, 'pack-000001.pack');
    const recs = records(pack);
    const at = recs.findIndex((r) => r.codec === 3);
    const group = recs[at];
    const members: string[] = [];
    for (let i = at + 1; i < recs.length && recs[i].codec === 4; i++) members.push(recs[i].hash);
    assert.ok(members.length >= 4, `a group of ${members.length}`);
    // Read in reverse order (the last member first), then in order: every read is whole and checked.
    const r = new ObjectStore(dir);
    for (const h of [...members].reverse()) assert.equal(sha256(r.get(h)), h);
    r.close();
    // Damage the last quarter of the group's stored bytes.
    const bytes = fs.readFileSync(pack);
    const from = group.start + 48 + Math.floor(group.stored * 0.75);
    for (let i = from; i < group.start + 48 + group.stored; i++) bytes[i] ^= 0xff;
    fs.writeFileSync(pack, bytes);
    const d = new ObjectStore(dir);
    assert.deepEqual(d.get(members[0]), objs[hashes.indexOf(members[0])], 'the first member is intact and still reads');
    assert.throws(() => d.get(members[members.length - 1]), /cannot be decompressed|damaged/);
    const bad = new Set(d.verify());
    assert.ok(bad.has(members[members.length - 1]) && !bad.has(members[0]));
    d.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
