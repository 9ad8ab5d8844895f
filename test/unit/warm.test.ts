// Before an announced edit, the announced files' current bytes are kept in memory when they are the
// stored version (scan/warm.ts): the checkpoint after the edit stores each new version as a delta
// on them and counts lines against them without reading a pack — and bytes that are not the stored
// version are never taken for it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { proxyFs } from './faultfs';
import { makeFixture } from './helpers';

const lines = (n: number, tag = '') => Array.from({ length: n }, (_, i) => `export const v${i} = ${i}; // line ${i}${tag}\n`).join('');

describe('willEdit reads the announced files ahead', () => {
  it('the checkpoint after willEdit reads no pack: its delta and its line counts use the bytes read at willEdit; restores are exact', async () => {
    const px = proxyFs();
    const before = lines(120);
    const fx = await makeFixture({ 'src/a.ts': before, 'src/b.ts': lines(80, ' b') }, { fs: px.fs });
    try {
      await fx.reopen(); // nothing of the first snapshot left in memory
      const root = fx.engine.activeSession()!.rootId;
      fx.engine.willEdit([fx.abs('src/a.ts')]);
      const after = before.replace('line 7\n', 'line 7, edited\n') + 'export const extra = 1;\n';
      fs.writeFileSync(fx.abs('src/a.ts'), after);
      px.calls.length = 0;
      px.recording = true;
      const cp = fx.engine.createCheckpoint({ label: 'edit' })!;
      px.recording = false;
      const packReads = px.calls.filter((c) => /^read/.test(c.op) && c.paths.some((p) => /\.pack$/.test(p)));
      assert.deepEqual(packReads.map((c) => c.op), [], 'no pack read by the checkpoint');
      const f = cp.files.find((x) => x.key === 'ws/src/a.ts')!;
      assert.deepEqual([f.change, f.added, f.removed], ['modified', 2, 1]);
      await fx.engine.restore({ kind: 'rewind', checkpointId: root });
      assert.equal(fx.read('src/a.ts')!.toString(), before);
      await fx.engine.restore({ kind: 'rewind', checkpointId: cp.id });
      assert.equal(fx.read('src/a.ts')!.toString(), after, 'the new version, stored on the warmed one, reads back exactly');
    } finally {
      await fx.cleanup();
    }
  });

  it('bytes that are not the stored version are never kept for it; an object the store does not hold is not kept either', async () => {
    const before = lines(120);
    const fx = await makeFixture({ 'src/a.ts': before });
    try {
      await fx.reopen();
      const objects = (fx.engine as unknown as { ctx: { objects: { warm(h: string, d: Buffer): boolean; get(h: string, cached: boolean): Buffer } } }).ctx.objects;
      const hash = fx.engine.fileAt(fx.engine.activeSession()!.rootId, fx.abs('src/a.ts'))!.hash!;
      const other = Buffer.from(before.replace('line 3', 'LINE 3'));
      assert.equal(objects.warm(hash, other), false, 'same length, other bytes: refused');
      assert.equal(objects.warm(hash, Buffer.from(before)), true, 'the stored bytes are kept (so the others were not)');
      assert.equal(objects.get(hash, true).toString(), before, 'and the copy in memory is them');
      assert.equal(objects.warm('00'.repeat(32), Buffer.from(before)), false, 'not a stored object');
    } finally {
      await fx.cleanup();
    }
  });
});
