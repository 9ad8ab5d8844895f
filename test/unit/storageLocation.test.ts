// The store location (`sessionTree.storage.location`): the path rules, the refusals, and the move —
// copied, verified, switched, the old one removed — with a kill between every two steps leaving one
// complete store that the next activation finds. Real folders, the real engine, real processes.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Engine } from '../../src/core/engine';
import { type MoveChildOptions, startOn } from '../crash/moveChild';
import { LocationError, checkLocation, engineInspector, placeStore, resolveLocation, storeFolderIn } from '../../src/vscode/storageLocation';
import { StoreRegistry, hasDatabase } from '../../src/vscode/storeFolder';
import { tempDir } from './helpers';

const childJs = path.join(__dirname, '../crash/moveChild.js');

interface Setup {
  dir: string;
  ws: string;
  /** The store's default folder, as VS Code's workspace storage names it: `<id>/<extension>`. */
  defaultDir: string;
  registry: StoreRegistry;
  registryFile: string;
  location: string;
  /** Every checkpoint: id → its files' content, as recorded. */
  recorded: Map<string, Map<string, string>>;
}

async function setup(): Promise<Setup> {
  const dir = tempDir('st-location-');
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(ws);
  for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(ws, `f${i}.txt`), `file ${i}\n`.repeat(50 + i));
  const defaultDir = path.join(dir, 'workspaceStorage', 'a1b2c3', 'publisher.session-tree');
  const engine = new Engine({ storageDir: defaultDir, roots: [{ name: 'ws', path: ws }], racyWindowMs: 0 });
  await engine.open();
  for (let t = 0; t < 3; t++) {
    const changed = [0, 1, 2, t + 5].map((i) => path.join(ws, `f${i}.txt`));
    for (const f of changed) fs.writeFileSync(f, `turn ${t} of ${path.basename(f)}\n`);
    engine.notifyChanged(changed);
    engine.createCheckpoint({ label: `turn ${t}` });
  }
  engine.newSession({ title: 'second' });
  const recorded = contents(engine);
  engine.close();
  const registryFile = path.join(dir, 'globalStorage', 'stores.json');
  return { dir, ws, defaultDir, registry: new StoreRegistry(registryFile), registryFile, location: path.join(dir, 'elsewhere'), recorded };
}

/** Every checkpoint of every session and the content of each file it changed. */
function contents(engine: Engine): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const s of engine.sessions()) {
    for (const c of engine.checkpoints({ sessionId: s.id })) {
      const files = new Map<string, string>();
      for (const f of engine.checkpoint(c.id).files) files.set(f.key, f.after ? engine.readContent(f.after.hash).toString() : '<deleted>');
      out.set(`${s.title}/${c.label}/${c.id}`, files);
    }
  }
  return out;
}

/** Opens the store in `dir` and checks it holds exactly what was recorded. */
async function assertIntact(s: Setup, dir: string): Promise<void> {
  const engine = new Engine({ storageDir: dir, roots: [{ name: 'ws', path: s.ws }], racyWindowMs: 0 });
  try {
    await engine.open();
    assert.deepEqual(contents(engine), s.recorded);
    assert.equal(engine.verify().ok, true);
  } finally {
    engine.close();
  }
}

const place = (s: Setup, setting: unknown) => placeStore({
  registry: s.registry, defaultDir: s.defaultDir, folders: [s.ws], setting, inspect: engineInspector(startOn(s.ws)),
  isFree: () => true, log: () => undefined, home: s.dir,
});

function runChild(o: MoveChildOptions): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [childJs, JSON.stringify(o)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('store location', () => {
  it('reads the setting: empty is the default, ~ is the home folder, a relative path is taken from it', () => {
    assert.equal(resolveLocation('', '/home/u'), undefined);
    assert.equal(resolveLocation('   ', '/home/u'), undefined);
    assert.equal(resolveLocation(42, '/home/u'), undefined);
    assert.equal(resolveLocation('~', '/home/u'), '/home/u');
    assert.equal(resolveLocation('~/stores', '/home/u'), '/home/u/stores');
    assert.equal(resolveLocation('stores/x', '/home/u'), '/home/u/stores/x');
    assert.equal(resolveLocation('/mnt/big/st', '/home/u'), '/mnt/big/st');
    assert.equal(storeFolderIn('/mnt/big/st', '/x/workspaceStorage/a1b2c3/pub.ext'), '/mnt/big/st/a1b2c3');
  });

  it('refuses a location inside a workspace folder (also through a link) or one that cannot be written, and changes nothing', async () => {
    const s = await setup();
    try {
      assert.throws(() => checkLocation(path.join(s.ws, '.store'), [s.ws]), (e: unknown) => e instanceof LocationError && /inside the workspace folder/.test((e as Error).message));
      assert.throws(() => checkLocation(s.ws, [s.ws]), LocationError);
      fs.symlinkSync(s.ws, path.join(s.dir, 'link'));
      assert.throws(() => checkLocation(path.join(s.dir, 'link', 'store'), [s.ws]), /inside the workspace folder/);
      const file = path.join(s.dir, 'a-file');
      fs.writeFileSync(file, 'x');
      assert.throws(() => checkLocation(path.join(file, 'store'), [s.ws]), (e: unknown) => e instanceof LocationError && /cannot be written/.test((e as Error).message));
      assert.ok(!fs.existsSync(path.join(s.ws, '.store')), 'nothing was created in the workspace');
      // Through placeStore: the store stays in use where it was, with the reason.
      const placed = await place(s, path.join(s.ws, 'store'));
      assert.equal(placed.dir, s.defaultDir);
      assert.match(placed.error ?? '', /not moved.*inside the workspace folder/);
      assert.ok(!fs.existsSync(path.join(s.ws, 'store')));
      const unwritable = await place(s, path.join(file, 'store'));
      assert.equal(unwritable.dir, s.defaultDir);
      assert.match(unwritable.error ?? '', /cannot be written/);
      await assertIntact(s, s.defaultDir);
    } finally {
      fs.rmSync(s.dir, { recursive: true, force: true });
    }
  });

  it('moves the store: the copy is verified, switched to, the old folder removed; the next activation opens it there; moving back works', async () => {
    const s = await setup();
    try {
      const placed = await place(s, '~/elsewhere');
      const to = path.join(s.location, 'a1b2c3');
      assert.deepEqual(placed, { dir: to, moved: { from: s.defaultDir, to } });
      assert.ok(!fs.existsSync(s.defaultDir), 'the old folder is gone');
      assert.ok(!fs.existsSync(`${to}.st-move`));
      assert.equal(s.registry.located(s.defaultDir), to);
      assert.equal(s.registry.move(s.defaultDir), undefined);
      await assertIntact(s, to);
      // The next activation with the same setting: no move, the same store.
      assert.deepEqual(await place(s, '~/elsewhere'), { dir: to });
      // Back to the default (the setting cleared).
      const back = await place(s, '');
      assert.deepEqual(back, { dir: s.defaultDir, moved: { from: to, to: s.defaultDir } });
      assert.ok(!fs.existsSync(to));
      assert.equal(s.registry.located(s.defaultDir), s.defaultDir);
      await assertIntact(s, s.defaultDir);
    } finally {
      fs.rmSync(s.dir, { recursive: true, force: true });
    }
  });

  it('refuses to move into a folder that already holds something, and a copy that differs from the store is never switched to', async () => {
    const s = await setup();
    try {
      const to = path.join(s.location, 'a1b2c3');
      fs.mkdirSync(to, { recursive: true });
      fs.writeFileSync(path.join(to, 'someone-elses.txt'), 'keep me');
      const placed = await place(s, s.location);
      assert.equal(placed.dir, s.defaultDir);
      assert.match(placed.error ?? '', /already exists and is not empty/);
      assert.equal(fs.readFileSync(path.join(to, 'someone-elses.txt'), 'utf8'), 'keep me');
      fs.rmSync(to, { recursive: true });
      // A copy that reads differently (an inspector that sees one checkpoint fewer in it).
      const real = engineInspector(startOn(s.ws));
      const lying = await placeStore({
        registry: s.registry, defaultDir: s.defaultDir, folders: [s.ws], setting: s.location, isFree: () => true, log: () => undefined,
        inspect: async (dir, hashes) => {
          const r = await real(dir, hashes);
          return dir.endsWith('.st-move') ? { ...r, checkpoints: r.checkpoints - 1 } : r;
        },
      });
      assert.equal(lying.dir, s.defaultDir);
      assert.match(lying.error ?? '', /does not match it \(checkpoints/);
      assert.ok(!fs.existsSync(to) && !fs.existsSync(`${to}.st-move`), 'the copy was removed');
      assert.equal(s.registry.move(s.defaultDir), undefined);
      assert.equal(s.registry.located(s.defaultDir), s.defaultDir);
      // Another window has it open: not moved, said why.
      const busy = await placeStore({ registry: s.registry, defaultDir: s.defaultDir, folders: [s.ws], setting: s.location, inspect: real, isFree: () => false, log: () => undefined });
      assert.equal(busy.dir, s.defaultDir);
      assert.match(busy.error ?? '', /Another window has the store open/);
      await assertIntact(s, s.defaultDir);
    } finally {
      fs.rmSync(s.dir, { recursive: true, force: true });
    }
  });

  it('a new workspace with a location set starts its store there (nothing to move)', async () => {
    const dir = tempDir('st-location-');
    try {
      const ws = path.join(dir, 'ws');
      fs.mkdirSync(ws);
      const defaultDir = path.join(dir, 'workspaceStorage', 'fresh', 'ext');
      const registry = new StoreRegistry(path.join(dir, 'stores.json'));
      const placed = await placeStore({ registry, defaultDir, folders: [ws], setting: path.join(dir, 'loc'), inspect: engineInspector(startOn(ws)), isFree: () => true, log: () => undefined });
      assert.deepEqual(placed, { dir: path.join(dir, 'loc', 'fresh') });
      assert.equal(registry.located(defaultDir), path.join(dir, 'loc', 'fresh'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const killAt of ['copying', 'copied', 'verified', 'renamed', 'switched', 'removed']) {
    it(`killed ${killAt === 'copying' ? 'while copying' : `after the step "${killAt}"`}: the next activation finds one complete store, and the move completes`, async () => {
      const s = await setup();
      try {
        const to = path.join(s.location, 'a1b2c3');
        const r = await runChild({ registry: s.registryFile, defaultDir: s.defaultDir, from: s.defaultDir, to, ws: s.ws, killAt });
        assert.equal(r.signal, 'SIGKILL', `the child was killed (${r.code}: ${r.stderr})`);
        const switched = killAt === 'switched' || killAt === 'removed';
        assert.equal(s.registry.move(s.defaultDir)?.step, switched ? 'switched' : 'copying', 'the move was recorded as it stood');
        // The next activation, the setting still naming the new place.
        const logs: string[] = [];
        const placed = await placeStore({
          registry: s.registry, defaultDir: s.defaultDir, folders: [s.ws], setting: s.location, inspect: engineInspector(startOn(s.ws)),
          isFree: () => true, log: (m) => logs.push(m),
        });
        assert.match(logs.join('\n'), switched ? /after the switch/ : /before the switch/);
        assert.equal(placed.dir, to);
        assert.equal(placed.error, undefined);
        assert.deepEqual(placed.moved, switched ? undefined : { from: s.defaultDir, to });
        assert.ok(!fs.existsSync(s.defaultDir), 'the old folder is gone');
        assert.ok(!fs.existsSync(`${to}.st-move`), 'no copy is left');
        assert.ok(hasDatabase(to));
        assert.equal(s.registry.move(s.defaultDir), undefined);
        await assertIntact(s, to);
      } finally {
        fs.rmSync(s.dir, { recursive: true, force: true });
      }
    });
  }
});
