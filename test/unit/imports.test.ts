// Importing a session into a workspace whose folders differ (issue 13): the export's folders are
// mapped onto the open ones — by name, one onto one, or as the caller chose — and after the import
// every checkpoint restores byte for byte into the folder it was mapped onto; an unmapped folder's
// files are skipped with the reason, never deleted; a bad mapping imports nothing.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { Engine } from '../../src/core/engine';
import { type ExportHeader, mapFolders } from '../../src/core/exchange';
import { EngineError, type RootFolder } from '../../src/core/types';
import { diffSnapshots, snapshotDir, tempDir } from './helpers';

const temps: string[] = [];
after(() => {
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

/** A store over folders named as given (each a real temp folder with these files). */
async function workspace(folders: Record<string, Record<string, string>>): Promise<{ engine: Engine; dirs: Record<string, string>; snap(): Record<string, Map<string, Buffer>> }> {
  const dir = tempDir('st-imports-');
  temps.push(dir);
  const dirs: Record<string, string> = {};
  const roots: RootFolder[] = [];
  for (const [name, files] of Object.entries(folders)) {
    const d = path.join(dir, 'folders', name);
    fs.mkdirSync(d, { recursive: true });
    for (const [rel, c] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(d, rel)), { recursive: true });
      fs.writeFileSync(path.join(d, rel), c);
    }
    dirs[name] = d;
    roots.push({ name, path: d });
  }
  const engine = new Engine({ storageDir: path.join(dir, 'store'), roots, racyWindowMs: 0 });
  await engine.open();
  const snap = () => Object.fromEntries(Object.entries(dirs).map(([n, d]) => [n, snapshotDir(d)]));
  return { engine, dirs, snap };
}

const write = (dir: string, rel: string, c: string | null) => {
  const p = path.join(dir, rel);
  if (c === null) fs.rmSync(p, { force: true });
  else {
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, c);
  }
};

/**
 * A teammate's session over folders `app` and `lib`: three checkpoints. Returns the export file
 * and each checkpoint's state per folder, by label.
 */
async function teammate(names: string[] = ['app', 'lib']): Promise<{ file: string; states: Map<string, Record<string, Map<string, Buffer>>> }> {
  const init: Record<string, Record<string, string>> = {};
  for (const n of names) init[n] = { 'README.md': `# ${n}\n`, 'src/main.ts': `export const ${n.replace(/\W/g, '_')} = 1;\n` };
  const w = await workspace(init);
  const states = new Map<string, Record<string, Map<string, Buffer>>>();
  states.set('start', w.snap());
  let i = 0;
  for (const label of ['one', 'two', 'three']) {
    i++;
    for (const n of names) {
      write(w.dirs[n], 'src/main.ts', `export const v = ${i}; // ${n}\n`);
      write(w.dirs[n], `added-${i}.txt`, `${label} in ${n}\n`);
      if (i === 3) write(w.dirs[n], 'README.md', null);
    }
    w.engine.rescan();
    assert.ok(w.engine.createCheckpoint({ label }));
    states.set(label, w.snap());
  }
  const file = path.join(path.dirname(path.dirname(w.dirs[names[0]])), 'session.stexport');
  w.engine.exportSession(w.engine.activeSession()!.id, file);
  await w.engine.close();
  return { file, states };
}

/** Each checkpoint of the imported session by label. */
function byLabel(engine: Engine, sessionId: string): Map<string, string> {
  const s = engine.sessions().find((x) => x.id === sessionId)!;
  const out = new Map<string, string>();
  for (const tip of engine.tipsUnder(s.rootId)) for (const c of engine.checkpoints({ fromId: tip })) out.set(c.source === 'start' ? 'start' : c.label, c.id);
  return out;
}

/** Rewinds to every checkpoint of the teammate's session and compares each mapped folder byte for byte. */
async function rewindEach(
  w: Awaited<ReturnType<typeof workspace>>, sessionId: string, states: Map<string, Record<string, Map<string, Buffer>>>, map: Record<string, string>,
): Promise<void> {
  if (w.engine.activeSession()!.id !== sessionId) w.engine.switchSession(sessionId);
  const ids = byLabel(w.engine, sessionId);
  for (const label of ['three', 'start', 'two', 'one', 'three']) {
    await w.engine.restore({ kind: 'rewind', checkpointId: ids.get(label)! });
    const now = w.snap();
    for (const [from, to] of Object.entries(map)) assert.deepEqual(diffSnapshots(now[to], states.get(label)![from]), [], `checkpoint "${label}": ${from} → ${to}`);
  }
}

describe('importing into folders with other names', () => {
  it('same name: the folder maps by name and every checkpoint restores into it', async () => {
    const t = await teammate(['app']);
    const w = await workspace({ app: { 'README.md': '# app\n' } });
    const s = w.engine.importSession(t.file);
    assert.deepEqual(s.folders.map((f) => [f.from, f.to, f.how]), [['app', 'app', 'name']]);
    await rewindEach(w, s.id, t.states, { app: 'app' });
    assert.deepEqual(w.engine.verify().problems, []);
    await w.engine.close();
  });

  it('one folder onto one folder of another name (myproj → myproj-checkout): mapped, said so, and the working changes are the real differences only', async () => {
    const t = await teammate(['myproj']);
    // The checkout is the teammate's last state except one file edited here.
    const last = t.states.get('three')!.myproj;
    const files = Object.fromEntries([...last].map(([k, v]) => [k, v.toString()]));
    files['src/main.ts'] = 'my local edit\n';
    const w = await workspace({ 'myproj-checkout': files });
    const before = w.snap();
    const s = w.engine.importSession(t.file);
    assert.deepEqual(s.folders, [{ from: 'myproj', fromName: 'myproj', to: 'myproj-checkout', toName: 'myproj-checkout', how: 'single' }]);
    assert.deepEqual(w.snap(), before, 'importing touches no file');
    w.engine.switchSession(s.id);
    assert.deepEqual(w.engine.workingChanges().map((c) => [c.key, c.change]), [['myproj-checkout/src/main.ts', 'modified']]);
    await rewindEach(w, s.id, t.states, { myproj: 'myproj-checkout' });
    await w.engine.close();
  });

  it('several folders: without a mapping the import is refused naming them; with one, each folder restores into the one chosen', async () => {
    const t = await teammate(['app', 'lib']);
    const w = await workspace({ frontend: { 'x.txt': 'mine\n' }, backend: {} });
    const n = w.engine.sessions().length;
    assert.throws(() => w.engine.importSession(t.file), (e: Error) => e instanceof EngineError && e.code === 'invalid-argument' && /"app", "lib" match no open workspace folder \(open: "frontend", "backend"\)/.test(e.message) && /Nothing was imported/.test(e.message));
    assert.equal(w.engine.sessions().length, n);
    const p = w.engine.previewImport(t.file);
    assert.deepEqual(p.unmatched.map((f) => f.key), ['app', 'lib']);
    assert.deepEqual(p.open, [{ key: 'frontend', name: 'frontend' }, { key: 'backend', name: 'backend' }]);
    // Crossed on purpose: lib's files go into frontend.
    const s = w.engine.importSession(t.file, { folders: { app: 'backend', lib: 'frontend' } });
    assert.deepEqual(s.folders.map((f) => [f.from, f.to, f.how]), [['app', 'backend', 'chosen'], ['lib', 'frontend', 'chosen']]);
    await rewindEach(w, s.id, t.states, { app: 'backend', lib: 'frontend' });
    await w.engine.close();
  });

  it('a folder matched by name and another chosen: the choice only for the one that needs it', async () => {
    const t = await teammate(['app', 'lib']);
    const w = await workspace({ app: {}, 'lib-v2': {} });
    assert.deepEqual(w.engine.previewImport(t.file).mapped.map((f) => [f.from, f.to, f.how]), [['app', 'app', 'name']]);
    const s = w.engine.importSession(t.file, { folders: { lib: 'lib-v2' } });
    assert.deepEqual(s.folders.map((f) => [f.from, f.to, f.how]), [['app', 'app', 'name'], ['lib', 'lib-v2', 'chosen']]);
    await rewindEach(w, s.id, t.states, { app: 'app', lib: 'lib-v2' });
    await w.engine.close();
  });

  it('an unmapped folder: its files are skipped with the reason on every restore, never written or deleted, and are no working change', async () => {
    const t = await teammate(['app', 'lib']);
    // An open folder lib is not mapped onto: none of lib's files may land in it.
    const w = await workspace({ app: {}, other: {} });
    const s = w.engine.importSession(t.file, { folders: { lib: null } });
    assert.deepEqual(s.folders.map((f) => [f.from, f.to, f.how]), [['app', 'app', 'name'], ['lib', null, 'chosen']]);
    w.engine.switchSession(s.id);
    const libKeys = (keys: string[]) => keys.filter((k) => !k.startsWith('app/'));
    assert.deepEqual(libKeys(w.engine.workingChanges().map((c) => c.key)), [], 'no working change for the unmapped folder');
    const ids = byLabel(w.engine, s.id);
    for (const label of ['start', 'two', 'three']) {
      const r = await w.engine.restore({ kind: 'rewind', checkpointId: ids.get(label)! });
      const skipped = r.files.filter((f) => !f.key.startsWith('app/'));
      assert.ok(skipped.every((f) => f.status === 'skipped' && /folder "lib" of an imported session, which was not mapped/.test(f.reason ?? '')), JSON.stringify(skipped));
      const now = w.snap();
      assert.deepEqual(diffSnapshots(now.app, t.states.get(label)!.app), [], `app at "${label}"`);
      assert.deepEqual([...now.other.keys()], [], `nothing written into other at "${label}"`);
      assert.deepEqual(libKeys(w.engine.workingChanges().map((c) => c.key)), [], `no working change for lib after "${label}"`);
    }
    assert.ok((await w.engine.restore({ kind: 'rewind', checkpointId: ids.get('one')! })).files.some((f) => f.status === 'skipped'), 'lib\'s changes are reported, as skipped');
    // Working changes sealed now hold nothing of lib: its history is intact.
    write(w.dirs.app, 'new.txt', 'new\n');
    w.engine.rescan();
    const cp = w.engine.createCheckpoint({ label: 'mine' })!;
    assert.deepEqual(w.engine.checkpoint(cp.id).files.map((f) => f.key), ['app/new.txt']);
    assert.deepEqual(w.engine.verify().problems, []);
    await w.engine.close();
  });

  it('bad mappings are refused with a clear message and import nothing', async () => {
    const t = await teammate(['app', 'lib']);
    const w = await workspace({ app: {}, other: {} });
    const n = w.engine.sessions().length;
    const cases: [unknown, RegExp][] = [
      [{ lib: 'nowhere' }, /"nowhere", which is not an open workspace folder \(open: "app", "other"\)/],
      [{ lib: 'app' }, /Two folders of the export \("lib" and "app"\) would both go into the open folder "app"/],
      [{ app: 'other', lib: 'other' }, /would both go into the open folder "other"/],
      [{ nope: 'other' }, /names "nope", which is not a folder of the export \(its folders: "app", "lib"\)/],
      [{ lib: 3 }, /mapping for "lib" is not the name of an open folder or null/],
      [['other'], /must be an object/],
      [{}, /"lib" matches no open workspace folder/],
    ];
    for (const [folders, expect] of cases) {
      assert.throws(() => w.engine.importSession(t.file, { folders: folders as Record<string, string> }), (e: Error) => e instanceof EngineError && e.code === 'invalid-argument' && expect.test(e.message) && /Nothing was imported/.test(e.message), JSON.stringify(folders));
    }
    assert.equal(w.engine.sessions().length, n);
    assert.deepEqual(w.engine.verify().problems, []);
    await w.engine.close();
  });

  it('an export written before folders were recorded still imports: its keys are the display names', async () => {
    const t = await teammate(['app']);
    const b = fs.readFileSync(t.file);
    const len = b.readUInt32LE(b.length - 12);
    const start = b.length - 12 - len;
    const header = JSON.parse(b.subarray(start, b.length - 12).toString()) as ExportHeader;
    assert.deepEqual(header.folders, [{ key: 'app', name: 'app' }], 'new exports record their folders');
    delete header.folders;
    const json = Buffer.from(JSON.stringify(header));
    const l = Buffer.alloc(4);
    l.writeUInt32LE(json.length);
    const old = `${t.file}.old`;
    fs.writeFileSync(old, Buffer.concat([b.subarray(0, start), json, l, b.subarray(b.length - 8)]));
    const w = await workspace({ 'app-checkout': {}, app2: {} });
    assert.deepEqual(w.engine.previewImport(old).unmatched, [{ key: 'app', name: 'app' }]);
    const s = w.engine.importSession(old, { folders: { app: 'app2' } });
    await rewindEach(w, s.id, t.states, { app: 'app2' });
    await w.engine.close();
  });

  it('a re-export of an imported session keeps the unmapped folder under its name, and a third store maps it by that name', async () => {
    const t = await teammate(['app', 'lib']);
    const w = await workspace({ app: {} });
    const s = w.engine.importSession(t.file, { folders: { lib: null } });
    const again = `${t.file}.again`;
    w.engine.exportSession(s.id, again);
    await w.engine.close();
    const third = await workspace({ app: {}, lib: {} });
    const p = third.engine.previewImport(again);
    assert.deepEqual(p.unmatched, []);
    assert.deepEqual(p.mapped.map((f) => [f.fromName, f.to, f.how]), [['app', 'app', 'name'], ['lib', 'lib', 'name']]);
    const s3 = third.engine.importSession(again);
    await rewindEach(third, s3.id, t.states, { app: 'app', lib: 'lib' });
    await third.engine.close();
  });
});

describe('mapFolders: matching by the names people see', () => {
  const ex = (key: string, name = key) => ({ key, name });
  it('matches by display name (label), not by the other store\'s key', () => {
    const r = mapFolders([ex('k7', 'myproj')], [{ name: 'zz', label: 'myproj' }, { name: 'myproj', label: 'other' }]);
    assert.deepEqual(r.mapped.map((m) => [m.from, m.to, m.toName, m.how]), [['k7', 'zz', 'myproj', 'name']]);
  });
  it('two folders of one name: told apart by their keys', () => {
    const r = mapFolders([ex('app (2)', 'app'), ex('app', 'app')], [{ name: 'app', label: 'app' }, { name: 'app (2)', label: 'app' }]);
    assert.deepEqual(r.mapped.map((m) => [m.from, m.to]), [['app (2)', 'app (2)'], ['app', 'app']]);
  });
  it('an ambiguous name is left for the user, not guessed', () => {
    const r = mapFolders([ex('a', 'app'), ex('b', 'app')], [{ name: 'x', label: 'app' }, { name: 'y', label: 'app' }]);
    assert.deepEqual(r.unmatched.map((f) => f.key), ['a', 'b']);
  });
  it('a choice may name folders by display name; a display name two open folders share must be a key', () => {
    const open = [{ name: 'x', label: 'app' }, { name: 'y', label: 'app' }, { name: 'z', label: 'lib' }];
    assert.deepEqual(mapFolders([ex('k', 'proj')], open, { proj: 'lib' }).mapped.map((m) => m.to), ['z']);
    assert.deepEqual(mapFolders([ex('k', 'proj')], open, { proj: 'y' }).mapped.map((m) => m.to), ['y']);
    assert.throws(() => mapFolders([ex('k', 'proj')], open, { proj: 'app' }), /2 open folders are named "app"; name it by its key/);
  });
  it('one folder exported and one open map onto each other only when nothing else decided', () => {
    assert.equal(mapFolders([ex('a')], [{ name: 'b' }]).mapped[0].how, 'single');
    assert.deepEqual(mapFolders([ex('a'), ex('c')], [{ name: 'b' }]).unmatched.length, 2);
    assert.equal(mapFolders([ex('a')], [{ name: 'b' }], { a: null }).mapped[0].to, null);
  });
});
