// The export that lets the event loop turn while it writes: the same file as the one-go export.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { EngineError } from '../../src/core/types';
import { makeFixture, tempDir } from './helpers';

describe('export in chunks', () => {
  it('writes the same bytes as the one-go export, turning the event loop in between, and the import reads it back', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`src/f${i}.txt`] = `file ${i}\n`.repeat(20 + i);
    const fx = await makeFixture(files, { clock: () => 1_700_000_000_000 });
    const dir = tempDir('st-export-yield-');
    try {
      fx.commit({ 'src/f1.txt': 'changed\n', 'new.txt': 'new\n' }, { label: 'second' });
      const id = fx.engine.activeSession()!.id;
      const one = fx.engine.exportSession(id, path.join(dir, 'one.stexport'));
      let turns = 0;
      let counting = true;
      const tick = () => {
        if (!counting) return;
        turns++;
        setImmediate(tick);
      };
      setImmediate(tick);
      const chunked = await fx.engine.exportSessionYielding(id, path.join(dir, 'chunked.stexport'));
      counting = false;
      assert.ok(turns >= 3, `the event loop turned while the export wrote (${turns} turns)`);
      assert.deepEqual({ ...chunked, file: '' }, { ...one, file: '' });
      assert.ok(fs.readFileSync(chunked.file).equals(fs.readFileSync(one.file)), 'byte for byte the same file');
      assert.ok(!fs.existsSync(`${chunked.file}.st-export-tmp`));
      const other = await makeFixture({});
      try {
        const s = other.engine.importSession(chunked.file);
        assert.equal(s.checkpointCount, one.checkpoints);
      } finally {
        await other.cleanup();
      }
    } finally {
      await fx.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails as the one-go export does, leaving no file behind', async () => {
    const fx = await makeFixture({ 'a.txt': 'a\n' });
    const dir = tempDir('st-export-yield-');
    try {
      const id = fx.engine.activeSession()!.id;
      await assert.rejects(fx.engine.exportSessionYielding(id, 'rel.stexport'), /absolute file path/);
      const target = path.join(dir, 'no-such-folder', 'x.stexport');
      await assert.rejects(fx.engine.exportSessionYielding(id, target), (e: unknown) => e instanceof EngineError && e.code === 'io' && /no-such-folder/.test((e as Error).message));
      assert.deepEqual(fs.readdirSync(dir), []);
    } finally {
      await fx.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
