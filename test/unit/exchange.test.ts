// Session export and import: a round trip keeps every checkpoint, branch and byte; a hostile or
// damaged import file is refused with a clear message before anything is written — the store (its
// files, sessions and Verify Store) and the workspace are exactly as before.
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../../src/core/engine';
import { EXPORT_MAGIC, EXPORT_TRAILER, type ExportHeader, RECORD_HEADER, recordHeader } from '../../src/core/exchange';
import { EngineError } from '../../src/core/types';
import { type Fixture, diffSnapshots, makeFixture, snapshotDir, tempDir } from './helpers';

const sha = (b: string | Buffer) => crypto.createHash('sha256').update(b).digest('hex');

interface Parsed {
  records: { hash: string; raw: number; stored: number; codec: number; bytes: Buffer }[];
  header: ExportHeader;
}

function parse(file: string): Parsed {
  const b = fs.readFileSync(file);
  const len = b.readUInt32LE(b.length - 12);
  const headerStart = b.length - 12 - len;
  const header = JSON.parse(b.subarray(headerStart, b.length - 12).toString()) as ExportHeader;
  const records: Parsed['records'] = [];
  for (let pos = EXPORT_MAGIC.length; pos < headerStart; ) {
    const hash = b.subarray(pos, pos + 32).toString('hex');
    const raw = b.readUInt32LE(pos + 32);
    const stored = b.readUInt32LE(pos + 36);
    records.push({ hash, raw, stored, codec: b[pos + 40], bytes: b.subarray(pos + RECORD_HEADER, pos + RECORD_HEADER + stored) });
    pos += RECORD_HEADER + stored;
  }
  return { records, header };
}

function build(p: Parsed, headerText?: string): Buffer {
  const json = Buffer.from(headerText ?? JSON.stringify(p.header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  return Buffer.concat([EXPORT_MAGIC, ...p.records.flatMap((r) => [recordHeader(r.hash, r.raw, r.stored, r.codec), r.bytes]), json, len, EXPORT_TRAILER]);
}

/** A session with a fork in its tree, two branches, a binary file and a unicode name. */
async function source(): Promise<{ fx: Fixture; states: Map<string, Map<string, Buffer>> }> {
  const fx = await makeFixture({ 'a.txt': 'a1\n', 'bin/x.bin': Buffer.from([0, 1, 2, 255]), 'ünï/ç.md': '# ç\n' });
  const states = new Map<string, Map<string, Buffer>>();
  const root = fx.engine.activeSession()!.rootId;
  states.set(root, fx.snapshot());
  const step = (label: string, change: () => void, meta: Record<string, unknown> = {}) => {
    change();
    fx.engine.rescan();
    const cp = fx.engine.createCheckpoint({ label, ...meta })!;
    states.set(cp.id, fx.snapshot());
    return cp.id;
  };
  step('edit a', () => fx.write('a.txt', 'a2\n'), { source: 'agent', tools: ['edit'], metadata: { turn: 1 } });
  const mid = step('add big', () => fx.write('big.txt', 'line\n'.repeat(5000)));
  fx.engine.createBranch('feature');
  step('remove bin', () => fx.rm('bin/x.bin'), { source: 'terminal', command: 'rm bin/x.bin', exitCode: 0 });
  await fx.engine.restore({ kind: 'checkout', branch: 'feature' });
  step('on feature', () => fx.write('a.txt', 'feature a\n'));
  void mid;
  return { fx, states };
}

describe('session export and import', () => {
  let src: { fx: Fixture; states: Map<string, Map<string, Buffer>> };
  let exportFile: string;
  let dir: string;
  before(async () => {
    src = await source();
    dir = tempDir('st-exchange-');
    exportFile = path.join(dir, 'session.stexport');
    const r = src.fx.engine.exportSession(src.fx.engine.activeSession()!.id, exportFile);
    assert.equal(r.checkpoints, src.states.size);
    assert.ok(r.snapshots >= 5);
    assert.equal(fs.statSync(exportFile).size, r.bytes);
  });
  after(async () => {
    await src.fx.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('round trip into another store: every checkpoint restores byte for byte, branches and metadata kept', async () => {
    const fx = await makeFixture({ 'unrelated.txt': 'other workspace\n' });
    try {
      const before = snapshotDir(fx.ws);
      const s = fx.engine.importSession(exportFile);
      assert.deepEqual(diffSnapshots(snapshotDir(fx.ws), before), [], 'importing touches no file');
      assert.equal(s.title, 'Session 1 (imported)');
      assert.equal(s.active, false, 'the imported session is not made active');
      assert.deepEqual(s.branches.map((b) => b.name).sort(), ['feature', 'main']);
      assert.equal(s.activeBranch, 'feature');
      assert.equal(s.checkpointCount, src.states.size);
      fx.engine.switchSession(s.id);
      // Map old → new checkpoints by label, then restore each and compare the files.
      const newIds = new Map<string, string>();
      for (const tip of fx.engine.tipsUnder(s.rootId)) for (const c of fx.engine.checkpoints({ fromId: tip })) newIds.set(c.label, c.id);
      for (const [oldId, state] of src.states) {
        const label = src.fx.engine.checkpoint(oldId).label;
        const id = newIds.get(label)!;
        assert.ok(id, label);
        await fx.engine.restore({ kind: 'rewind', checkpointId: id });
        const got = fx.snapshot();
        got.delete('unrelated.txt');
        assert.deepEqual(diffSnapshots(got, state), [], `checkpoint "${label}"`);
      }
      const agent = fx.engine.checkpoint(newIds.get('edit a')!);
      assert.equal(agent.source, 'agent');
      assert.deepEqual(agent.tools, ['edit']);
      assert.deepEqual(agent.metadata, { turn: 1 });
      assert.equal(fx.engine.checkpoint(newIds.get('remove bin')!).exitCode, 0);
      assert.deepEqual(fx.engine.verify().problems, []);
    } finally {
      await fx.cleanup();
    }
  });

  it('round trip into the same store: a second session, the first untouched', async () => {
    const e = src.fx.engine;
    const n = e.sessions().length;
    const s = e.importSession(exportFile, { title: 'copy' });
    assert.equal(e.sessions().length, n + 1);
    assert.equal(s.title, 'copy');
    assert.deepEqual(e.verify().problems, []);
    e.deleteSession(s.id);
  });

  it('export refuses a relative path and an unknown session; a failed export leaves no file', async () => {
    const e = src.fx.engine;
    assert.throws(() => e.exportSession(e.activeSession()!.id, 'rel.stexport'), /absolute file path/);
    assert.throws(() => e.exportSession('999', path.join(dir, 'x')), /No session with id "999"/);
    assert.throws(() => e.exportSession(e.activeSession()!.id, path.join(dir, 'no-such-folder', 'x.stexport')), (err: Error) => err instanceof EngineError && err.code === 'io' && /no-such-folder/.test(err.message));
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('tmp')), []);
  });

  // ───── hostile and damaged files ─────

  type Mutation = (p: Parsed) => Buffer | string;
  const h = (p: Parsed) => p.header as unknown as Record<string, unknown> & { checkpoints: Record<string, unknown>[] };
  const withHeader = (fn: (hd: ReturnType<typeof h>, p: Parsed) => void): Mutation => (p) => {
    fn(h(p), p);
    return build(p);
  };
  const firstChange = (p: Parsed) => (h(p).checkpoints.find((c) => (c.changes as unknown[]).length > 0)!.changes as Record<string, unknown>[])[0];
  const HOSTILE: { name: string; make: Mutation; expect: RegExp }[] = [
    { name: 'an empty file', make: () => Buffer.alloc(0), expect: /too short/ },
    { name: 'random bytes', make: () => crypto.randomBytes(5000), expect: /does not start like one/ },
    { name: 'a text file', make: () => 'hello, I am not an export\n'.repeat(10), expect: /does not start like one/ },
    { name: 'only the magic', make: () => EXPORT_MAGIC.toString(), expect: /too short/ },
    { name: 'cut short in the middle of the snapshots', make: (p) => build(p).subarray(0, 200), expect: /end is missing/ },
    { name: 'cut short in the index', make: (p) => build(p).subarray(0, build(p).length - 30), expect: /end is missing/ },
    { name: 'extra bytes after the end', make: (p) => Buffer.concat([build(p), Buffer.from('junk')]), expect: /end is missing/ },
    {
      name: 'an index length larger than the file', make: (p) => {
        const b = build(p);
        b.writeUInt32LE(0x7fffffff, b.length - 12);
        return b;
      }, expect: /index is larger than the file/,
    },
    { name: 'an index that is not JSON', make: (p) => build(p, '{"format": "session-tree-export", '), expect: /index is not readable JSON/ },
    { name: 'an index that is a list', make: (p) => build(p, '[1,2,3]'), expect: /index is not an object/ },
    { name: 'an index of another format', make: withHeader((hd) => (hd.format = 'zip')), expect: /does not say it is a session export/ },
    { name: 'a newer format version', make: withHeader((hd) => (hd.version = 99)), expect: /newer version of Session Tree \(format 99\)/ },
    { name: 'no checkpoints', make: withHeader((hd) => (hd.checkpoints = [])), expect: /has no checkpoints/ },
    { name: 'a checkpoint whose parent is later (a loop)', make: withHeader((hd) => (hd.checkpoints[1].parent = 3)), expect: /parent that is not an earlier checkpoint/ },
    { name: 'a checkpoint that is its own parent', make: withHeader((hd) => (hd.checkpoints[2].parent = 2)), expect: /parent that is not an earlier checkpoint/ },
    { name: 'a negative parent', make: withHeader((hd) => (hd.checkpoints[2].parent = -5)), expect: /parent that is not an earlier checkpoint/ },
    { name: 'a first checkpoint that is not a start', make: withHeader((hd) => (hd.checkpoints[0].parent = 0)), expect: /first checkpoint must be the start/ },
    { name: 'a start without a starting state', make: withHeader((hd) => delete hd.checkpoints[0].manifest), expect: /no starting state/ },
    { name: 'a second starting state', make: withHeader((hd) => (hd.checkpoints[1].manifest = {})), expect: /has a starting state but is not the start/ },
    { name: 'an unknown checkpoint source', make: withHeader((hd) => (hd.checkpoints[1].source = 'virus')), expect: /unknown or misplaced source/ },
    { name: 'a label that is not text', make: withHeader((hd) => (hd.checkpoints[1].label = { evil: true })), expect: /no valid label/ },
    { name: 'a huge label', make: withHeader((hd) => (hd.checkpoints[1].label = 'x'.repeat(20_000))), expect: /no valid label/ },
    { name: 'metadata that is not an object', make: withHeader((hd) => (hd.checkpoints[1].info = 'x')), expect: /metadata that is not an object/ },
    { name: 'too much metadata', make: withHeader((hd) => (hd.checkpoints[1].info = { big: 'x'.repeat(70_000) })), expect: /too much metadata/ },
    { name: 'a file key that climbs out of its folder (..)', make: withHeader((_hd, p) => (firstChange(p).key = 'ws/../../../etc/passwd')), expect: /could escape it/ },
    { name: 'an absolute file key', make: withHeader((_hd, p) => (firstChange(p).key = '/etc/passwd')), expect: /could escape it|names no workspace folder/ },
    { name: 'a file key with no folder', make: withHeader((_hd, p) => (firstChange(p).key = 'passwd')), expect: /names no workspace folder/ },
    { name: 'a file key with a NUL byte', make: withHeader((_hd, p) => (firstChange(p).key = 'ws/a.txt\u0000.sh')), expect: /NUL byte/ },
    { name: 'a file key with an empty part', make: withHeader((_hd, p) => (firstChange(p).key = 'ws//a.txt')), expect: /could escape it/ },
    { name: 'a starting state key that climbs out', make: withHeader((hd) => ((hd.checkpoints[0].manifest as Record<string, unknown>)['ws/../x'] = { hash: 'a'.repeat(64), mode: 420 })), expect: /could escape it/ },
    { name: 'a malformed content hash', make: withHeader((_hd, p) => ((firstChange(p).after as Record<string, unknown>).hash = 'xyz')), expect: /no valid content hash/ },
    { name: 'a file mode that is not a permission number', make: withHeader((_hd, p) => ((firstChange(p).after as Record<string, unknown>).mode = 99999)), expect: /not a permission number/ },
    { name: 'a change with neither before nor after', make: withHeader((_hd, p) => Object.assign(firstChange(p), { before: null, after: null })), expect: /neither a before nor an after/ },
    { name: 'a file changed twice in one checkpoint', make: withHeader((_hd, p) => { const c = h(p).checkpoints.find((x) => (x.changes as unknown[]).length > 0)!; (c.changes as unknown[]).push({ ...(c.changes as Record<string, unknown>[])[0] }); }), expect: /twice/ },
    { name: 'a change whose "before" is not what its parent holds', make: withHeader((_hd, p) => Object.assign(firstChange(p), { before: { hash: 'b'.repeat(64), mode: 420 } })), expect: /something its parent does not hold/ },
    { name: 'negative line counts', make: withHeader((_hd, p) => (firstChange(p).added = -1)), expect: /invalid line counts/ },
    { name: 'a snapshot referred to but not in the file', make: (p) => build({ ...p, records: p.records.slice(1) }), expect: /is not in the file/ },
    {
      name: 'a snapshot whose bytes were altered', make: (p) => {
        const r = p.records.find((x) => x.codec === 0 && x.stored > 2)!;
        r.bytes = Buffer.from(r.bytes);
        r.bytes[0] ^= 0xff;
        return build(p);
      }, expect: /does not match its hash \(the file is damaged or was altered\)/,
    },
    {
      name: 'a compressed snapshot whose bytes were altered', make: (p) => {
        const r = p.records.find((x) => x.codec === 1)!;
        r.bytes = Buffer.from(r.bytes);
        r.bytes[Math.floor(r.bytes.length / 2)] ^= 0x55;
        return build(p);
      }, expect: /cannot be decompressed|does not match its hash/,
    },
    {
      name: 'a decompression bomb (claims a small size, inflates to 50 MB)', make: (p) => {
        const r = p.records.find((x) => x.codec === 1)!;
        r.bytes = zlib.deflateRawSync(Buffer.alloc(50 * 1024 * 1024));
        r.stored = r.bytes.length;
        return build(p);
      }, expect: /cannot be decompressed to the size it claims/,
    },
    {
      name: 'a snapshot claiming 4 GiB', make: (p) => {
        p.records[0].raw = 0xffffffff;
        p.records[0].codec = 1;
        return build(p);
      }, expect: /claims 4096\.0 MiB, more than the 1024\.0 MiB accepted/,
    },
    {
      name: 'a snapshot stored in an unknown way', make: (p) => {
        p.records[0].codec = 7;
        return build(p);
      }, expect: /stored in an unknown way/,
    },
    {
      name: 'a snapshot record running past the index', make: (p) => {
        const b = build(p);
        b.writeUInt32LE(0x00ffffff, EXPORT_MAGIC.length + 36);
        return b;
      }, expect: /inconsistent sizes|cut off/,
    },
    { name: 'no branches', make: withHeader((hd) => (hd.branches = [])), expect: /has no branches/ },
    { name: 'a branch pointing past the checkpoints', make: withHeader((hd) => ((hd.branches as Record<string, unknown>[])[0].head = 999)), expect: /points to a checkpoint that is not in the file/ },
    { name: 'two branches with one name', make: withHeader((hd) => ((hd.branches as Record<string, unknown>[])[1].name = (hd.branches as Record<string, unknown>[])[0].name)), expect: /two branches are named/ },
    { name: 'two branch names equal after unicode normalisation', make: withHeader((hd) => { (hd.branches as Record<string, unknown>[])[0].name = 'caf\u00e9'; (hd.branches as Record<string, unknown>[])[1].name = 'cafe\u0301'; hd.activeBranch = 'caf\u00e9'; }), expect: /two branches are named/ },
    { name: 'an empty branch name', make: withHeader((hd) => ((hd.branches as Record<string, unknown>[])[0].name = '  ')), expect: /invalid name/ },
    { name: 'a branch name with a control character', make: withHeader((hd) => ((hd.branches as Record<string, unknown>[])[0].name = 'a\u0007b')), expect: /invalid name/ },
    { name: 'an active branch that does not exist', make: withHeader((hd) => (hd.activeBranch = 'ghost')), expect: /active branch is not one of its branches/ },
    { name: 'a session title that is not text', make: withHeader((hd) => ((hd.session as Record<string, unknown>).title = 42)), expect: /session is described wrongly/ },
    // The list of folders (format 1, added later): as untrusted as the rest.
    { name: 'a list of folders that is not a list', make: withHeader((hd) => (hd.folders = { ws: 'ws' })), expect: /list of folders is not a list/ },
    { name: 'a folder that is not an object', make: withHeader((hd) => (hd.folders = ['ws'])), expect: /folder 0 is not an object/ },
    { name: 'a folder key with a separator', make: withHeader((hd) => (hd.folders = [{ key: 'ws/..', name: 'ws' }])), expect: /folder key "ws\/\.\." contains a separator/ },
    { name: 'a folder key of dots', make: withHeader((hd) => (hd.folders = [{ key: '..', name: 'ws' }])), expect: /not a plain folder name/ },
    { name: 'a folder key with a drive letter', make: withHeader((hd) => (hd.folders = [{ key: 'C:', name: 'ws' }])), expect: /not a plain folder name/ },
    { name: 'a folder key that is not text', make: withHeader((hd) => (hd.folders = [{ key: 7, name: 'ws' }])), expect: /folder key is not text/ },
    { name: 'a folder name with a control character', make: withHeader((hd) => (hd.folders = [{ key: 'ws', name: 'w\u0000s' }])), expect: /folder 0 has no valid name/ },
    { name: 'an empty folder name', make: withHeader((hd) => (hd.folders = [{ key: 'ws', name: ' ' }])), expect: /folder 0 has no valid name/ },
    { name: 'two folders with one key', make: withHeader((hd) => (hd.folders = [{ key: 'ws', name: 'a' }, { key: 'ws', name: 'b' }])), expect: /two folders have the key "ws"/ },
    { name: 'files in a folder the list leaves out', make: withHeader((hd) => (hd.folders = [{ key: 'other', name: 'other' }])), expect: /files are in a folder \("ws"\) its list of folders does not name/ },
    { name: 'too many folders', make: withHeader((hd) => (hd.folders = Array.from({ length: 1001 }, (_, i) => ({ key: `f${i}`, name: `f${i}` })))), expect: /more than 1000 folders/ },
    { name: '__proto__ keys in the index', make: (p) => build(p, JSON.stringify(p.header).replace('{', '{"__proto__": {"polluted": true},')), expect: /^(?!.*polluted)/ },
  ];

  for (const k of HOSTILE) {
    it(`refuses ${k.name}, writing nothing`, async () => {
      const p = parse(exportFile);
      const bad = path.join(dir, `bad-${crypto.randomUUID()}.stexport`);
      fs.writeFileSync(bad, k.make(p));
      const fx = await makeFixture({ 'mine.txt': 'mine\n' });
      try {
        const ws = snapshotDir(fx.ws);
        const sessions = JSON.stringify(fx.engine.sessions());
        await fx.engine.close();
        const store = snapshotDir(fx.store);
        fx.engine = new Engine({ storageDir: fx.store, roots: [{ name: 'ws', path: fx.ws }], racyWindowMs: 0 });
        await fx.engine.open();
        let err: unknown;
        try {
          fx.engine.importSession(bad);
        } catch (e) {
          err = e;
        }
        if (k.name.startsWith('__proto__')) {
          // Harmless: JSON.parse makes it an own key; the import succeeds and pollutes nothing.
          assert.equal(err, undefined, String(err));
          assert.equal(({} as Record<string, unknown>).polluted, undefined);
          return;
        }
        assert.ok(err instanceof EngineError, `expected a refusal, got ${err instanceof Error ? err.stack : String(err)}`);
        assert.equal(err.code, 'invalid-argument');
        assert.match(err.message, k.expect);
        assert.match(err.message, /Nothing was imported\.$/);
        assert.equal(JSON.stringify(fx.engine.sessions()), sessions, 'no session was added');
        assert.deepEqual(fx.engine.verify().problems, []);
        await fx.engine.close();
        const after = snapshotDir(fx.store);
        // (The database's own files — its log, folded at close, and last good copy — follow the open and close.)
        const notDb = (keys: Iterable<string>) => [...keys].filter((k) => !k.startsWith('state.db')).sort();
        assert.deepEqual(notDb(after.keys()), notDb(store.keys()), 'no store file was added');
        for (const [f, b] of store) if (f.endsWith('.pack') || f.endsWith('.idx')) assert.ok(after.get(f)!.equals(b), `${f} unchanged`);
        assert.deepEqual(diffSnapshots(snapshotDir(fx.ws), ws), []);
        fx.engine = new Engine({ storageDir: fx.store, roots: [{ name: 'ws', path: fx.ws }], racyWindowMs: 0 });
        await fx.engine.open();
      } finally {
        await fx.cleanup();
        fs.rmSync(bad, { force: true });
      }
    });
  }

  it('refuses a path that is a folder, a missing file and a relative path, naming them', async () => {
    const e = src.fx.engine;
    assert.throws(() => e.importSession(dir), /not a file|EISDIR/);
    assert.throws(() => e.importSession(path.join(dir, 'missing.stexport')), (err: Error) => err instanceof EngineError && err.code === 'io' && /missing\.stexport: it does not exist \(ENOENT\)/.test(err.message));
    assert.throws(() => e.importSession('relative.stexport'), /absolute file path/);
    void sha;
  });
});
