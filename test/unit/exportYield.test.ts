// The export that lets the event loop turn while it writes: the same file as the one-go export.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { EngineContext } from '../../src/core/context';
import { exportSessionYielding } from '../../src/core/exchange/export';
import type { ExportHeader } from '../../src/core/exchange/format';
import { headerJson } from '../../src/core/exchange/headerJson';
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

  it('the header in pieces is the text JSON.stringify makes, whatever the names hold', () => {
    const manifest: Record<string, { hash: string; mode: number }> = {};
    for (let i = 0; i < 5000; i++) manifest[`r0/d${i % 7}/f "${i}"\u00e9\u0000.txt`] = { hash: i.toString(16).padStart(64, '0'), mode: 0o644 };
    const header: ExportHeader = {
      format: 'session-tree-export', version: 1, exportedAt: 1_700_000_000_000,
      session: { title: 'a "checkpoints":[] \u0000st-00 title ✓ \ud83d\ude00', tags: ['"manifest":', '\u0000st-'], createdAt: 1 },
      folders: [{ key: 'r0', name: 'my "folder"' }],
      checkpoints: [
        { parent: -1, createdAt: 1, source: 'manual', label: '"manifest":{}', changes: [], manifest },
        { parent: 0, createdAt: 2, source: 'agent', label: undefined, info: { prompt: 'x' }, changes: [{ key: 'r0/a', before: null, after: { hash: 'ab'.repeat(32), mode: 0o755 }, added: 1, removed: 0, binary: false }] } as never,
        { parent: 1, createdAt: 3, source: 'manual', changes: [], manifest: {} } as never,
      ],
      branches: [{ name: 'main', head: 2 }],
      activeBranch: 'main',
    };
    const pieces = [...headerJson(header)];
    assert.ok(pieces.length > 1, 'more than one piece');
    assert.equal(Buffer.concat(pieces).toString(), JSON.stringify(header));
  });

  it('a large starting state and its header are made between turns of the event loop; the file is the same', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) files[`d${i % 30}/f${i}.txt`] = `file ${i}\n`;
    const fx = await makeFixture(files, { clock: () => 1_700_000_000_000 });
    const dir = tempDir('st-export-yield-');
    try {
      const id = fx.engine.activeSession()!.id;
      const one = fx.engine.exportSession(id, path.join(dir, 'one.stexport'));
      const ctx = (fx.engine as unknown as { ctx: EngineContext }).ctx;
      // Each turn before the file is opened is one the preparation let go by (slices of 0 ms: a
      // turn at every step it may yield at).
      let turns = 0;
      let opened = -1;
      const target = path.join(dir, 'sliced.stexport');
      const tick = () => {
        if (opened >= 0) return;
        if (fs.existsSync(`${target}.st-export-tmp`)) opened = turns;
        else turns++;
        setImmediate(tick);
      };
      setImmediate(tick);
      const sliced = await exportSessionYielding(ctx, id, target, 0);
      assert.ok(opened >= 10, `the preparation let the loop turn (${opened} turns before the file was opened)`);
      assert.ok(fs.readFileSync(sliced.file).equals(fs.readFileSync(one.file)), 'byte for byte the same file');
    } finally {
      await fx.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
