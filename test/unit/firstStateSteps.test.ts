// The first session's start state of a large workspace is built in steps at the end of the start-up
// scan (its manifest's sort, encoding, hash and compression yield to reads: issue 11). What is
// stored must be what the one-go path stores, readable after a reopen.
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import { Engine } from '../../src/core/engine';
import { type Manifest, decodeManifest, encodeManifest, encodeManifestSteps } from '../../src/core/encoding';
import { drain } from '../../src/core/scan/slice';
import { encodeSingleSteps } from '../../src/storage/codec';
import { ObjectStore, sha256 } from '../../src/storage/objects';
import { CODEC_DEFLATE, CODEC_RAW } from '../../src/storage/record';
import { tempDir } from './helpers';

/** Runs steps with `due` always true, counting the yields. */
function stepped<T>(make: (due: () => boolean) => Generator<void, T, void>): { value: T; yields: number } {
  const steps = make(() => true);
  let yields = 0;
  for (;;) {
    const next = steps.next();
    if (next.done) return { value: next.value, yields };
    yields++;
  }
}

function manifestOf(n: number): Manifest {
  const m: Manifest = new Map();
  const names = ['a', 'B', 'z', 'é', 'ß', '日本', '😀', 'a-b', 'a_b', 'A'];
  for (let i = 0; i < n; i++) {
    const key = `ws/${names[i % names.length]}${(i * 7919) % n}/${names[(i >> 3) % names.length]}.ts`;
    m.set(key, { hash: crypto.createHash('sha256').update(key).digest('hex'), mode: i % 5 === 0 ? 0o755 : 0o644 });
  }
  return m;
}

/** Source-like text: compressible, not trivially. */
function textOf(bytes: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `export const value${i} = ${(i * 2654435761) % 1000003}; // ${crypto.createHash('md5').update(String(i)).digest('hex').slice(0, i % 24)}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

describe('the first state in steps', () => {
  it('encodes a manifest to the same bytes as encodeManifest, yielding on the way', () => {
    for (const n of [0, 1, 2047, 2048, 2049, 9000]) {
      const m = manifestOf(n);
      const { value, yields } = stepped((due) => encodeManifestSteps(m, due));
      assert.ok(value.equals(encodeManifest(m)), `${n} entries: the same bytes`);
      assert.deepEqual([...decodeManifest(value).keys()], [...m.keys()].sort());
      if (n >= 2048) assert.ok(yields > 3, `${n} entries: it yielded (${yields})`);
    }
  });

  it('compresses a large object in pieces that inflate as one stream, and keeps incompressible bytes raw', () => {
    const text = textOf(1_300_000);
    const { value, yields } = stepped((due) => encodeSingleSteps(text, 4, due));
    assert.equal(value.codec, CODEC_DEFLATE);
    assert.ok(yields >= 4, `it yielded between pieces (${yields})`);
    assert.ok(zlib.inflateRawSync(value.stored).equals(text));
    const whole = zlib.deflateRawSync(text, { level: 4 }).length;
    assert.ok(value.stored.length < whole * 1.02, `about as small as in one go (${value.stored.length} against ${whole})`);
    const noise = crypto.randomBytes(700_000);
    const raw = drain(encodeSingleSteps(noise, 4, () => false));
    assert.equal(raw.codec, CODEC_RAW);
    assert.ok(raw.stored.equals(noise));
  });

  it('stores an object put in steps where a reopened store reads it back', () => {
    const dir = tempDir();
    try {
      const text = textOf(900_000);
      const small = Buffer.from('a small object\n');
      const store = new ObjectStore(dir);
      const { value: hash } = stepped((due) => store.putSteps(text, due));
      assert.equal(hash, sha256(text));
      assert.equal(drain(store.putSteps(small, () => false)), sha256(small));
      assert.equal(drain(store.putSteps(text, () => false)), hash, 'stored once');
      assert.ok(store.get(hash).equals(text));
      store.flush();
      store.close();
      const again = new ObjectStore(dir);
      assert.ok(again.get(hash).equals(text));
      assert.ok(again.get(sha256(small)).equals(small));
      assert.ok((again.storedSize(hash) ?? Infinity) < text.length / 2, 'compressed');
      again.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts the first session of a sliced start-up scan at the whole workspace, as a reopen reads it', async () => {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    const files: string[] = [];
    for (let i = 0; i < 7000; i++) {
      const rel = `packages/module-${i % 37}/src/components/a-rather-long-folder-name/file-${i}.ts`;
      fs.mkdirSync(path.join(ws, path.dirname(rel)), { recursive: true });
      fs.writeFileSync(path.join(ws, rel), `export const n = ${i};\n`);
      files.push(rel);
    }
    const options = { storageDir: path.join(dir, 'store'), roots: [{ name: 'ws', path: ws }], racyWindowMs: 0 };
    let engine = new Engine(options);
    try {
      await engine.open({ deferScan: true });
      const report = await engine.startupScanSliced();
      assert.equal(report.scanned, files.length);
      const start = engine.activeSession()!.headId;
      const check = (e: Engine) => {
        for (const rel of [files[0], files[3500], files[6999]]) {
          const v = e.fileAt(start, path.join(ws, rel));
          assert.ok(v, `${rel} is in the start state`);
          assert.equal(Buffer.from(e.readContent(v.hash)).toString(), fs.readFileSync(path.join(ws, rel), 'utf8'));
        }
      };
      check(engine);
      await engine.close();
      engine = new Engine(options);
      await engine.open();
      assert.equal(engine.activeSession()!.headId, start);
      assert.deepEqual(engine.workingChanges(), [], 'the reopened store holds the whole workspace as its start');
      check(engine);
    } finally {
      await engine.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
