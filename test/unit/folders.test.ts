// A workspace folder's history follows the folder, not its display name or its position: folders
// of the same name reordered, renamed (display name, or on disk), moved, a single folder growing
// into a multi-root workspace and back, and a store from before folder identities migrated — each
// followed by rewinds whose result is compared byte for byte, folder by folder. Real temp
// folders, real sql.js, the real engine.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import initSqlJs from 'sql.js';
import { Engine } from '../../src/core/engine';
import { KEPT_COPY } from '../../src/core/folderOpen';
import { legacyKeys, resolveFolders } from '../../src/core/store/folders';
import type { OpenReport, RootFolder } from '../../src/core/types';
import { proxyFs } from './faultfs';
import { diffSnapshots, snapshotDir, tempDir } from './helpers';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface World {
  dir: string;
  store: string;
  engine: Engine;
  report: OpenReport;
  /** Creates folder `rel` under the world with these files. */
  folder(rel: string, files: Record<string, string>): string;
  open(roots: RootFolder[], options?: { fs?: typeof fs }): Promise<OpenReport>;
  /** Writes files (null deletes) into folder `abs`, rescans, seals; the checkpoint id. */
  commit(changes: [string, Record<string, string | null>][]): string;
}

async function world(): Promise<World> {
  const dir = tempDir('st-folders-');
  dirs.push(dir);
  const w: World = {
    dir,
    store: path.join(dir, 'store'),
    engine: undefined as unknown as Engine,
    report: undefined as unknown as OpenReport,
    folder(rel, files) {
      const root = path.join(dir, rel);
      fs.mkdirSync(root, { recursive: true });
      for (const [f, c] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
        fs.writeFileSync(path.join(root, f), c);
      }
      return root;
    },
    async open(roots, options = {}) {
      if (w.engine) await w.engine.close();
      w.engine = new Engine({ storageDir: w.store, roots, racyWindowMs: 0, fs: options.fs });
      w.report = await w.engine.open();
      return w.report;
    },
    commit(changes) {
      for (const [root, files] of changes) {
        for (const [f, c] of Object.entries(files)) {
          const p = path.join(root, f);
          if (c === null) fs.rmSync(p, { force: true });
          else {
            fs.mkdirSync(path.dirname(p), { recursive: true });
            fs.writeFileSync(p, c);
          }
        }
      }
      w.engine.rescan();
      const cp = w.engine.createCheckpoint({ label: 'step' });
      assert.ok(cp, 'a checkpoint was made');
      return cp.id;
    },
  };
  return w;
}

/** Each folder equals its expected files, byte for byte. */
function assertFolders(expected: [string, Record<string, string>][]): void {
  for (const [root, files] of expected) {
    const want = new Map(Object.entries(files).map(([k, v]) => [k, Buffer.from(v)]));
    assert.deepEqual(diffSnapshots(snapshotDir(root), want), [], root);
  }
}

async function rewind(w: World, id: string): Promise<void> {
  const r = await w.engine.restore({ kind: 'rewind', checkpointId: id });
  const bad = r.files.filter((f) => f.status === 'failed' || (f.status === 'skipped' && !/not open/i.test(f.reason ?? '')));
  assert.deepEqual(bad, [], 'no file failed or was skipped');
}

describe('folder identity: the history follows the folder', () => {
  it('two folders called "app", reordered between openings: each rewind lands in its own folder', async () => {
    const w = await world();
    const a = w.folder('one/app', { 'f.txt': 'A1' });
    const b = w.folder('two/app', { 'f.txt': 'B1' });
    await w.open([{ name: 'app', path: a }, { name: 'app', path: b }]);
    assert.deepEqual(w.report.folders?.map((f) => f.key), ['app', 'app (2)']);
    const c1 = w.commit([[a, { 'f.txt': 'A2', 'only-a.txt': 'a' }], [b, { 'f.txt': 'B2' }]]);
    w.commit([[a, { 'f.txt': 'A3' }], [b, { 'f.txt': 'B3', 'only-b.txt': 'b' }]]);

    await w.open([{ name: 'app', path: b }, { name: 'app', path: a }]);
    assert.deepEqual(w.report.folders?.map((f) => [f.key, f.matchedBy]), [['app (2)', 'path'], ['app', 'path']]);
    assert.equal(w.report.externalCheckpointId, undefined, 'reordering changed nothing');
    await rewind(w, c1);
    assertFolders([[a, { 'f.txt': 'A2', 'only-a.txt': 'a' }], [b, { 'f.txt': 'B2' }]]);
  });

  it('a folder whose display name changed keeps its history: a rewind restores its files, never deletes them', async () => {
    const w = await world();
    const a = w.folder('app', { 'f.txt': 'v1' });
    await w.open([{ name: 'app', path: a }]);
    const c1 = w.commit([[a, { 'f.txt': 'v2', 'g.txt': 'g' }]]);
    w.commit([[a, { 'f.txt': 'v3' }]]);

    await w.open([{ name: 'Client app', path: a }]);
    assert.deepEqual(w.report.folders, [{ key: 'app', label: 'Client app', path: a, matchedBy: 'path' }]);
    await rewind(w, c1);
    assertFolders([[a, { 'f.txt': 'v2', 'g.txt': 'g' }]]);
    const changed = w.engine.checkpoint(c1).files.map((f) => f.path).sort();
    assert.deepEqual(changed, [path.join(a, 'f.txt'), path.join(a, 'g.txt')], 'stored paths resolve into the renamed folder');
  });

  it('a folder renamed on disk is recognised by its inode, and its checkpoints restore into its new path', async () => {
    const w = await world();
    const old = w.folder('app', { 'f.txt': 'v1', 'd/x.txt': 'x' });
    await w.open([{ name: 'app', path: old }]);
    const c1 = w.commit([[old, { 'f.txt': 'v2' }]]);
    w.commit([[old, { 'f.txt': 'v3', 'd/x.txt': null }]]);
    await w.engine.close();
    const moved = path.join(w.dir, 'moved', 'app-renamed');
    fs.mkdirSync(path.dirname(moved));
    fs.renameSync(old, moved);

    await w.open([{ name: 'app-renamed', path: moved }]);
    assert.deepEqual(w.report.folders?.map((f) => [f.key, f.matchedBy]), [['app', 'identity']]);
    assert.equal(w.report.unrecognisedFolders, undefined);
    await rewind(w, c1);
    assertFolders([[moved, { 'f.txt': 'v2', 'd/x.txt': 'x' }]]);
    assert.equal(fs.existsSync(old), false, 'nothing was written at the old path');
    // Next time it is known by its path.
    await w.open([{ name: 'app-renamed', path: moved }]);
    assert.deepEqual(w.report.folders?.map((f) => f.matchedBy), ['path']);
  });

  it('a folder that cannot be recognised is reported with the folder it may be; confirmed, it keeps that history', async () => {
    const w = await world();
    const old = w.folder('app', { 'f.txt': 'v1' });
    await w.open([{ name: 'app', path: old }]);
    const c1 = w.commit([[old, { 'f.txt': 'v2' }]]);
    await w.engine.close();
    // Copied elsewhere and the original removed: a new inode at a new path.
    const copy = path.join(w.dir, 'copy');
    fs.cpSync(old, copy, { recursive: true });
    fs.rmSync(old, { recursive: true });

    await w.open([{ name: 'copy', path: copy }]);
    assert.deepEqual(w.report.folders?.map((f) => [f.key, f.matchedBy]), [['copy', 'new']]);
    assert.deepEqual(w.report.unrecognisedFolders, [{ key: 'copy', label: 'copy', path: copy, candidates: [{ key: 'app', label: 'app', path: old }] }]);

    // The user said yes: the host reopens with sameAs.
    await w.open([{ name: 'copy', path: copy, sameAs: 'app' }]);
    assert.deepEqual(w.report.folders?.map((f) => [f.key, f.matchedBy]), [['app', 'confirmed']]);
    await rewind(w, c1);
    assertFolders([[copy, { 'f.txt': 'v2' }]]);
    // Asked once: from now on it is that folder by its path, and no longer a question.
    await w.open([{ name: 'copy', path: copy }]);
    assert.deepEqual(w.report.folders?.map((f) => [f.key, f.matchedBy]), [['app', 'path']]);
    assert.equal(w.report.unrecognisedFolders, undefined);
  });

  it('a folder answered "no" is asked about once: it keeps its new key at the next open', async () => {
    const w = await world();
    const old = w.folder('app', { 'f.txt': 'v1' });
    await w.open([{ name: 'app', path: old }]);
    w.commit([[old, { 'f.txt': 'v2' }]]);
    await w.engine.close();
    fs.rmSync(old, { recursive: true });
    const other = w.folder('other', { 'o.txt': 'o' });
    await w.open([{ name: 'app', path: other }]);
    assert.deepEqual(w.report.folders?.map((f) => f.key), ['app (2)'], 'a new folder never takes a key the store had');
    assert.equal(w.report.unrecognisedFolders?.length, 1);
    await w.open([{ name: 'app', path: other }]);
    assert.deepEqual(w.report.folders?.map((f) => [f.key, f.matchedBy]), [['app (2)', 'path']]);
    assert.equal(w.report.unrecognisedFolders, undefined);
  });

  it('a folder removed from the workspace is not taken over by a new folder of the same name', async () => {
    const w = await world();
    const x = w.folder('x/app', { 'f.txt': 'X1' });
    await w.open([{ name: 'app', path: x }]);
    const c1 = w.commit([[x, { 'f.txt': 'X2' }]]);
    const y = w.folder('y/app', { 'f.txt': 'Y1' });
    await w.open([{ name: 'app', path: y }]);
    assert.deepEqual(w.report.folders?.map((f) => f.key), ['app (2)']);
    assert.equal(w.report.unrecognisedFolders, undefined, 'the old folder is still where it was: no question');
    fs.writeFileSync(path.join(x, 'f.txt'), 'X changed while not open');
    const r = await w.engine.restore({ kind: 'rewind', checkpointId: c1 });
    assert.ok(r.files.every((f) => f.key.startsWith('app (2)/') || f.status === 'skipped'), 'nothing of X is written');
    assertFolders([[x, { 'f.txt': 'X changed while not open' }]]);
    assert.notEqual(fs.existsSync(path.join(y, 'f.txt')) && fs.readFileSync(path.join(y, 'f.txt'), 'utf8'), 'X2', 'Y was not given X’s content');
  });

  it('single folder → multi-root → single folder: every checkpoint restores into the right folder', async () => {
    const w = await world();
    const a = w.folder('a', { 'f.txt': 'A1' });
    const b = w.folder('b', { 'g.txt': 'B1' });
    await w.open([{ name: 'a', path: a }]);
    const c1 = w.commit([[a, { 'f.txt': 'A2' }]]);
    await w.open([{ name: 'b', path: b }, { name: 'a', path: a }]);
    assert.deepEqual(w.report.folders?.map((f) => [f.key, f.matchedBy]), [['b', 'new'], ['a', 'path']]);
    const c2 = w.commit([[a, { 'f.txt': 'A3' }], [b, { 'g.txt': 'B2' }]]);
    w.commit([[a, { 'f.txt': 'A4' }], [b, { 'g.txt': 'B3' }]]);
    await rewind(w, c2);
    assertFolders([[a, { 'f.txt': 'A3' }], [b, { 'g.txt': 'B2' }]]);
    // A checkpoint from before b was in the workspace says nothing of b: its files are left alone.
    const r = await w.engine.restore({ kind: 'rewind', checkpointId: c1 });
    assert.deepEqual(r.files.map((f) => [f.key, f.status, f.reason]), [
      ['a/f.txt', 'restored', undefined],
      ['b/g.txt', 'skipped', 'its workspace folder "b" was not in the workspace at that checkpoint'],
    ]);
    assertFolders([[a, { 'f.txt': 'A2' }], [b, { 'g.txt': 'B2' }]]);
    await rewind(w, c2);
    await w.open([{ name: 'a', path: a }]);
    await rewind(w, c1);
    assertFolders([[a, { 'f.txt': 'A2' }], [b, { 'g.txt': 'B2' }]]);
    await rewind(w, c2);
    assertFolders([[a, { 'f.txt': 'A3' }], [b, { 'g.txt': 'B2' }]]);
  });
});

/** Turns a store into one from before folder identities (schema 1, no `folders` table). */
async function makeLegacy(store: string): Promise<void> {
  const SQL = await initSqlJs();
  const file = path.join(store, 'state.db');
  const db = new SQL.Database(fs.readFileSync(file));
  db.exec("DROP TABLE folders; UPDATE meta SET value = '1' WHERE key = 'schema_version'");
  // Nor what later versions added (version 3: terminal sessions).
  db.exec('DROP TABLE commands; ALTER TABLE sessions DROP COLUMN kind; ALTER TABLE sessions DROP COLUMN state; ALTER TABLE sessions DROP COLUMN integration');
  fs.writeFileSync(file, db.export());
  db.close();
  fs.rmSync(path.join(store, 'state.db.bak'), { force: true });
}

describe('folder identity: a store from before it is migrated', () => {
  it('dry run, verify, and the old copy kept only until verified; afterwards a reorder is safe', async () => {
    const w = await world();
    const a = w.folder('one/app', { 'f.txt': 'A1' });
    const b = w.folder('two/app', { 'f.txt': 'B1' });
    await w.open([{ name: 'app', path: a }, { name: 'app', path: b }]);
    const c1 = w.commit([[a, { 'f.txt': 'A2' }], [b, { 'f.txt': 'B2' }]]);
    await w.engine.close();
    await makeLegacy(w.store);

    await w.open([{ name: 'app', path: a }, { name: 'app', path: b }]);
    const m = w.report.folderMigration;
    assert.ok(m, 'the open reports the migration');
    assert.deepEqual(m.mapping, [`"app" (${a}) keeps the history stored as "app"`, `"app" (${b}) keeps the history stored as "app (2)"`]);
    assert.equal(m.verified, true);
    assert.equal(m.keptCopy, undefined);
    assert.equal(fs.existsSync(path.join(w.store, KEPT_COPY)), false, 'the copy went once verified');
    assert.deepEqual(w.report.diagnostics, []);

    await w.open([{ name: 'app', path: b }, { name: 'app', path: a }]);
    assert.equal(w.report.folderMigration, undefined, 'migrated once');
    assert.deepEqual(w.report.folders?.map((f) => [f.key, f.matchedBy]), [['app (2)', 'path'], ['app', 'path']]);
    await rewind(w, c1);
    assertFolders([[a, { 'f.txt': 'A2' }], [b, { 'f.txt': 'B2' }]]);
  });

  it('a migration that cannot keep the old copy first writes nothing, says so, and runs at the next open', async () => {
    const w = await world();
    const a = w.folder('app', { 'f.txt': 'A1' });
    await w.open([{ name: 'app', path: a }]);
    const c1 = w.commit([[a, { 'f.txt': 'A2' }]]);
    await w.engine.close();
    await makeLegacy(w.store);

    const px = proxyFs();
    px.fail({ op: 'copyFileSync', path: KEPT_COPY, code: 'ENOSPC' });
    await w.open([{ name: 'app', path: a }], { fs: px.fs });
    assert.equal(w.report.folderMigration?.verified, false);
    assert.match(w.report.diagnostics.join('\n'), /folders were not migrated.*no space left/);
    await rewind(w, c1); // the store goes on by folder names
    assertFolders([[a, { 'f.txt': 'A2' }]]);

    await w.open([{ name: 'app', path: a }]);
    assert.equal(w.report.folderMigration?.verified, true);
    assert.deepEqual(w.report.folders?.map((f) => [f.key, f.matchedBy]), [['app', 'legacy']]);
    await w.open([{ name: 'app', path: a }]);
    assert.deepEqual(w.report.folders?.map((f) => [f.key, f.matchedBy]), [['app', 'path']]);
  });
});

describe('folder identity: the matching rule', () => {
  const none = () => false;
  it('keys folders of one name by order, the way stores before identities did', () => {
    assert.deepEqual(legacyKeys(['app', 'app', 'a/b', '', 'app']), ['app', 'app (2)', 'a_b', 'root', 'app (3)']);
  });
  it('prefers the user’s word, then the path, then the inode (a reused inode, born later, is not the folder); a new key is unique among every key ever used', () => {
    const rows = [
      { key: 'app', path: '/w/app', dev: 1, ino: 10, born: 5, label: 'app', lastSeen: 0, since: 0 },
      { key: 'lib', path: '/w/lib', dev: 1, ino: 11, born: 6, label: 'lib', lastSeen: 0, since: 0 },
      { key: 'gone', path: '/w/gone', dev: 1, ino: 14, born: 7, label: 'gone', lastSeen: 0, since: 0 },
    ];
    const r = resolveFolders(
      [
        { label: 'lib', path: '/w/app', dev: 1, ino: 99, born: 1 },
        { label: 'x', path: '/w/elsewhere', dev: 1, ino: 11, born: 6 },
        { label: 'app', path: '/w/new', dev: 1, ino: 12, born: 1 },
        { label: 'old', path: '/w/new2', dev: 1, ino: 13, born: 1 },
        { label: 'reused', path: '/w/new3', dev: 1, ino: 14, born: 8 },
      ],
      rows,
      new Set(['app', 'lib', 'old']),
      none,
    );
    assert.deepEqual(r.folders.map((f) => [f.key, f.matchedBy]), [['app', 'path'], ['lib', 'identity'], ['app (2)', 'new'], ['old', 'legacy'], ['reused', 'new']]);
  });
});

describe('folder identity: the store follows the folders from one workspace storage to another', () => {
  it('a window whose storage has no store uses the one its folders have; its own store wins once it has one', async () => {
    const { StoreRegistry } = await import('../../src/vscode/storeFolder');
    const dir = tempDir('st-registry-');
    dirs.push(dir);
    const reg = new StoreRegistry(path.join(dir, 'global', 'stores.json'));
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    fs.mkdirSync(a);
    fs.mkdirSync(b);
    const single = path.join(dir, 'ws1', 'store');
    const multi = path.join(dir, 'ws2', 'store');
    assert.equal(reg.choose(single, [a]), single, 'nothing known: its own');
    fs.mkdirSync(single, { recursive: true });
    fs.writeFileSync(path.join(single, 'state.db'), '');
    reg.remember(single, [a]);
    assert.equal(reg.choose(multi, [b, a]), single, 'a folder added: the store of the folder it had');
    const moved = path.join(dir, 'a-moved');
    fs.renameSync(a, moved);
    assert.equal(reg.choose(multi, [moved]), single, 'a folder moved on disk: found by its inode');
    fs.mkdirSync(multi, { recursive: true });
    fs.writeFileSync(path.join(multi, 'state.db'), '');
    assert.equal(reg.choose(multi, [b, moved]), multi, 'its own store, once it has one');
    fs.writeFileSync(path.join(dir, 'global', 'stores.json'), '{ damaged');
    assert.equal(reg.choose(path.join(dir, 'ws3', 'store'), [moved]), path.join(dir, 'ws3', 'store'), 'a damaged registry: its own');
  });
});
