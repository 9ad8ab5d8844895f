// The Sessions tree's first paint from the last run (src/vscode/paintCache.ts): recorded from a real
// engine's reads, answered at the next start only while the store's database files are exactly as
// the record was stamped, and never for a read it does not hold.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { EngineApi } from '../../src/core/engineApi';
import { PaintCache } from '../../src/vscode/paintCache';
import { makeFixture, tempDir } from './helpers';

describe('the tree\'s first paint from the last run', () => {
  it('answers the recorded reads at the next start while the store is as stamped, and nothing once it changed', async () => {
    const fx = await makeFixture({ 'a.txt': 'one\n' });
    const folder = tempDir();
    const warnings: string[] = [];
    try {
      fx.commit({ 'a.txt': 'two\n' }, { label: 'second' });
      const engine = fx.engine as unknown as EngineApi;
      const later = async () => engine;
      const cache = new PaintCache(folder, later, (m) => warnings.push(m));
      const recorded = cache.recording(engine);
      const sessions = await recorded.sessions();
      const page = await recorded.checkpoints({ sessionId: sessions[0].id, limit: 51 });
      await fx.engine.close(); // as a closing window leaves the store
      cache.write(fx.store);
      assert.equal(warnings.length, 0, warnings.join("; "));

      // The next start: the store untouched since.
      const next = new PaintCache(folder, async () => { throw new Error('the store is not open yet'); }, (m) => warnings.push(m));
      assert.ok(next.load(), 'a record stamped with the files as they are is used');
      const early = next.early!;
      // As JSON keeps them (a property set to undefined is absent).
      const asKept = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
      assert.deepEqual(await early.sessions(), asKept(sessions));
      assert.deepEqual(await early.checkpoints({ sessionId: sessions[0].id, limit: 51 }), asKept(page));
      assert.equal(page[0].label, 'second');
      // A read the record does not hold waits for the store (here: fails as the store would).
      await assert.rejects(early.checkpoints({ sessionId: sessions[0].id, limit: 10 }), /not open yet/);
      next.dropEarly();
      assert.equal(next.early, undefined, 'once the store is open the record is not used again');

      // Another window (or a tool) changed the store meanwhile: the record is not used.
      const other = await fx.reopen();
      fx.commit({ 'a.txt': 'three\n' }, { label: 'third' });
      await other.close();
      const stale = new PaintCache(folder, later, (m) => warnings.push(m));
      assert.equal(stale.load(), undefined);
      assert.equal(stale.early, undefined);
    } finally {
      await fx.cleanup();
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('a damaged or foreign record is ignored, and a record is never written without reads', async () => {
    const folder = tempDir();
    try {
      const cache = new PaintCache(folder, async () => { throw new Error('unused'); }, () => undefined);
      cache.write(folder);
      assert.deepEqual(fs.readdirSync(folder), [], 'nothing recorded: nothing written');
      fs.writeFileSync(path.join(folder, 'session-tree-paint.json'), '{"version":1,"storeDir":');
      assert.equal(cache.load(), undefined);
      fs.writeFileSync(path.join(folder, 'session-tree-paint.json'), JSON.stringify({ version: 99, storeDir: folder, stamp: [], reads: [] }));
      assert.equal(cache.load(), undefined);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('the save that follows the record stamps it again, unless the store changed what the tree shows since', async () => {
    const fx = await makeFixture({ 'a.txt': 'one\n' }, { savePolicy: 'debounced', saveDelayMs: 150 });
    const folder = tempDir();
    try {
      const engine = fx.engine as unknown as EngineApi;
      const cache = new PaintCache(folder, async () => engine, () => undefined);
      // As the extension wires it (engineHost.ts).
      fx.engine.onEvent((e) => {
        if (e.type === 'changed') cache.noteChanged();
        if (e.type === 'saved') cache.restamp(fx.store);
      });
      // The database files as the stamp sees them.
      const log = () => ['state.db', 'state.db.log'].map((n) => {
        const st = fs.statSync(path.join(fx.store, n), { throwIfNoEntry: false });
        return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : '-';
      }).join(' ');
      const valid = () => new PaintCache(folder, async () => engine, () => undefined).load() !== undefined;
      const saved = async (size: string) => {
        for (let i = 0; i < 100 && log() === size; i++) await new Promise((r) => setTimeout(r, 20));
        assert.notEqual(log(), size, 'the debounced save happened');
      };
      // A change; the tree repaints and its record is written before the engine's save of the change.
      fx.commit({ 'a.txt': 'two\n' }, { label: 'second' });
      const recorded = cache.recording(engine);
      const sessions = await recorded.sessions();
      await recorded.checkpoints({ sessionId: sessions[0].id, limit: 51 });
      let size = log();
      cache.write(fx.store);
      await saved(size);
      assert.equal(valid(), true, 'the save that came after the record stamped it again');
      // A change the tree shows, and no repaint since: its save does not stamp the record.
      fx.commit({ 'a.txt': 'three\n' }, { label: 'third' });
      size = log();
      await saved(size);
      assert.equal(valid(), false, 'the record would paint the rows before "third"');
      // The tree painted again and the record was written: valid again.
      await recorded.checkpoints({ sessionId: sessions[0].id, limit: 51 });
      cache.write(fx.store);
      assert.equal(valid(), true);
    } finally {
      await fx.cleanup();
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
