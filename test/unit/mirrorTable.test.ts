// The mirror's compact table (src/core/store/mirrorTable.ts) reads like the map it replaces: every
// field comes back as written, entries handed out are copies, sizes and iteration stay right
// across growth and deletes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MirrorEntry } from '../../src/core/model';
import { MirrorTable } from '../../src/core/store/mirrorTable';

const entry = (i: number): MirrorEntry => ({
  blob: i * 7 + 1, mode: i % 2 ? 0o100755 : 0o100644, size: i * 1000, mtime: 1_764_000_000_000.25 + i,
  ino: 2 ** 40 + i, racy: i % 3 === 0, untracked: i % 5 === 0,
});

describe('mirror table', () => {
  it('gives back every field as written, as a copy', () => {
    const t = new MirrorTable();
    t.set(3, entry(3));
    assert.deepEqual(t.get(3), entry(3));
    const got = t.get(3)!;
    got.blob = 999;
    assert.equal(t.get(3)!.blob, entry(3).blob, 'changing a handed-out entry changes nothing');
    assert.equal(t.get(4), undefined);
    assert.equal(t.has(0), false);
    assert.equal(t.get(-1), undefined);
  });

  it('keeps size and iteration right across growth, overwrites and deletes', () => {
    const t = new MirrorTable();
    const want = new Map<number, MirrorEntry>();
    for (let i = 1; i <= 5000; i += 3) {
      t.set(i, entry(i));
      want.set(i, entry(i));
    }
    t.set(4, entry(40)); // overwrite
    want.set(4, entry(40));
    for (let i = 1; i <= 5000; i += 9) {
      assert.equal(t.delete(i), want.delete(i));
    }
    assert.equal(t.delete(2), false);
    assert.equal(t.size, want.size);
    assert.deepEqual([...t.keys()], [...want.keys()].sort((a, b) => a - b));
    assert.deepEqual(new Map(t), want);
    assert.deepEqual(new Map(t.entries()), want);
    assert.deepEqual([...t.values()].length, want.size);
    let n = 0;
    t.forEach((e, p) => {
      assert.deepEqual(e, want.get(p));
      n++;
    });
    assert.equal(n, want.size);
    t.clear();
    assert.equal(t.size, 0);
    assert.deepEqual([...t], []);
  });

  it('allows changes while iterating, as a map does', () => {
    const t = new MirrorTable();
    for (let i = 1; i <= 10; i++) t.set(i, entry(i));
    for (const [p, e] of t) t.set(p, { ...e, racy: true });
    assert.ok([...t.values()].every((e) => e.racy));
    for (const p of [...t.keys()]) if (p % 2) t.delete(p);
    assert.deepEqual([...t.keys()], [2, 4, 6, 8, 10]);
  });

  it('refuses a slot that is no path id', () => {
    const t = new MirrorTable();
    assert.throws(() => t.set(-1, entry(1)), RangeError);
    assert.throws(() => t.set(1.5, entry(1)), RangeError);
  });
});
