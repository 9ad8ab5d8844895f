// The object cache (src/storage/cache.ts) keeps decoded copies while they are used and drops them
// all once unused for a while: at rest it holds nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectCache } from '../../src/storage/cache';
import { sha256 } from '../../src/storage/record';

async function until(what: string, fn: () => boolean): Promise<void> {
  const started = Date.now();
  while (!fn()) {
    if (Date.now() - started > 20_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('object cache', () => {
  it('serves a copy while used, and drops every copy once idle', async () => {
    const cache = new ObjectCache(30);
    const a = Buffer.from('first object');
    const b = Buffer.from('second object');
    cache.remember(sha256(a), a);
    cache.remember(sha256(b), b);
    assert.equal(cache.size, a.length + b.length);
    assert.deepEqual(cache.get(sha256(a), false), a);
    await until('the idle cache to drop its copies', () => cache.size === 0);
    assert.equal(cache.get(sha256(a), true), undefined);
    assert.equal(cache.get(sha256(b), true), undefined);
    // Used again after that: it keeps copies again.
    cache.remember(sha256(a), a);
    assert.deepEqual(cache.get(sha256(a), true), a);
    cache.clear();
  });

  it('drops a copy spoilt in memory instead of serving it', () => {
    const cache = new ObjectCache(60_000);
    const a = Buffer.from('original bytes');
    const h = sha256(a);
    cache.remember(h, a);
    a[0] ^= 1;
    assert.equal(cache.get(h, false), undefined);
    assert.equal(cache.size, 0);
    cache.clear();
  });
});
