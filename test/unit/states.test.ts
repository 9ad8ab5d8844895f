// The history's ancestor walk and the state fold, tested directly (not through the engine):
// random checkpoint trees in a real sql.js database and a real snapshot store. A naive model —
// every checkpoint's full state, built by applying its changes to its parent's — is the oracle.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type ChangeRecord, type Manifest, encodeManifest } from '../../src/core/encoding';
import { ABSENT, type Ver } from '../../src/core/model';
import { States, foldDelta } from '../../src/core/states';
import { History } from '../../src/core/store/history';
import { Metadata } from '../../src/core/store/metadata';
import { loadSqlJs, migrate } from '../../src/storage/db';
import { ObjectStore, sha256 } from '../../src/storage/objects';
import { tempDir } from './helpers';

const KEYS = ['ws/a.txt', 'ws/b.txt', 'ws/d/c.txt', 'ws/d/e/f.bin'];

interface Tree {
  history: History;
  meta: Metadata;
  states: States;
  /** Every checkpoint's full state by the model: path id → version (absent paths left out). */
  model: Map<number, Map<number, Ver>>;
  ids: number[];
  close(): void;
}

/**
 * Builds a session from `shape`: shape[i] = (parent index among the nodes so far, edits), each edit
 * (key index, content index or -1 for a delete, mode choice). Node 0 is the root with a manifest.
 */
async function buildTree(shape: { parent: number; edits: [number, number, number][] }[], rootFiles: [number, number][]): Promise<Tree> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  migrate(db, 0);
  const meta = new Metadata(db);
  let t = 1000;
  const history = new History(meta, () => t++);
  const dir = tempDir();
  const objects = new ObjectStore(path.join(dir, 'objects'));
  const states = new States(history, meta, () => objects);
  const content = (i: number) => Buffer.from(`content ${i}\n`);
  const blob = (i: number) => meta.blobId(objects.put(content(i)), content(i).length);
  const mode = (m: number) => (m % 2 ? 0o755 : 0o644);

  const manifest: Manifest = new Map();
  const rootState = new Map<number, Ver>();
  for (const [k, c] of rootFiles) {
    manifest.set(KEYS[k], { hash: sha256(content(c)), mode: 0o644 });
    objects.put(content(c));
    rootState.set(meta.pathId(KEYS[k]), { blob: blob(c), mode: 0o644 });
  }
  const manifestHash = objects.put(encodeManifest(manifest));
  const sessionId = history.startSession('S', manifestHash);
  const ids = [history.session(sessionId).root];
  const model = new Map([[ids[0], rootState]]);
  for (const node of shape) {
    const parentId = ids[node.parent % ids.length];
    const state = new Map(model.get(parentId)!);
    const changes: ChangeRecord[] = [];
    const touched = new Set<number>();
    for (const [k, c, m] of node.edits) {
      const p = meta.pathId(KEYS[k]);
      if (touched.has(p)) continue; // a checkpoint changes a file once
      const before = state.get(p) ?? ABSENT;
      const after: Ver = c < 0 ? ABSENT : { blob: blob(c), mode: mode(m) };
      if (before.blob === after.blob && before.mode === after.mode) continue;
      touched.add(p);
      changes.push({ path: p, beforeBlob: before.blob, beforeMode: before.mode, afterBlob: after.blob, afterMode: after.mode, added: 0, removed: 0, binary: false });
      if (after.blob) state.set(p, after);
      else state.delete(p);
    }
    const id = history.insertCheckpoint({ session: sessionId, parent: parentId, source: 'manual', label: '', changes });
    ids.push(id);
    model.set(id, state);
  }
  return { history, meta, states, model, ids, close: () => { objects.close(); db.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

const shapeArb = fc.array(
  fc.record({
    parent: fc.nat(40),
    edits: fc.array(fc.tuple(fc.nat(KEYS.length - 1), fc.integer({ min: -1, max: 5 }), fc.nat(1)), { maxLength: 4 }),
  }),
  { minLength: 1, maxLength: 30 },
);
const rootArb = fc.array(fc.tuple(fc.nat(KEYS.length - 1), fc.nat(5)), { maxLength: 4 });

/** Ancestors of `id` by the model of parents, nearest first, `id` included. */
function naiveAncestors(h: History, id: number): number[] {
  const out: number[] = [];
  for (let c = h.cps.get(id); c; c = c.parent ? h.cps.get(c.parent) : undefined) out.push(c.id);
  return out;
}

const same = (a: Ver | undefined, b: Ver | undefined) => (a?.blob ?? 0) === (b?.blob ?? 0) && ((a?.blob ?? 0) === 0 || a!.mode === b!.mode);

describe('history: the ancestor walk', () => {
  it('pathBetween meets at the lowest common ancestor, each side nearest first, the ancestor in neither', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArb, rootArb, fc.nat(), fc.nat(), async (shape, root, i, j) => {
        const t = await buildTree(shape, root);
        try {
          const from = t.ids[i % t.ids.length];
          const to = t.ids[j % t.ids.length];
          const ua = naiveAncestors(t.history, from);
          const ub = naiveAncestors(t.history, to);
          const lca = ua.find((x) => ub.includes(x))!;
          const { up, down } = t.history.pathBetween(from, to);
          assert.deepEqual(up.map((c) => c.id), ua.slice(0, ua.indexOf(lca)));
          assert.deepEqual(down.map((c) => c.id), ub.slice(0, ub.indexOf(lca)));
          assert.deepEqual([...t.history.ancestors(from)].map((c) => c.id), ua);
          assert.deepEqual(t.history.chain(from).map((c) => c.id), [...ua].reverse());
        } finally {
          t.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('a checkpoint and itself: nothing between them', async () => {
    const t = await buildTree([{ parent: 0, edits: [[0, 1, 0]] }], [[0, 0]]);
    try {
      assert.deepEqual(t.history.pathBetween(t.ids[1], t.ids[1]), { up: [], down: [] });
      assert.throws(() => t.history.pathBetween(t.ids[1], 999), /not found/);
    } finally {
      t.close();
    }
  });
});

describe('states: the lowest-common-ancestor fold', () => {
  it('delta(a, b) applied to the state of a gives the state of b, and names every path that differs', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArb, rootArb, fc.nat(), fc.nat(), async (shape, root, i, j) => {
        const t = await buildTree(shape, root);
        try {
          const a = t.ids[i % t.ids.length];
          const b = t.ids[j % t.ids.length];
          const d = t.states.delta(a, b);
          const sa = t.model.get(a)!;
          const sb = t.model.get(b)!;
          const paths = new Set([...sa.keys(), ...sb.keys(), ...d.keys()]);
          for (const p of paths) {
            const result = d.has(p) ? d.get(p) : sa.get(p);
            assert.ok(same(result, sb.get(p)), `path ${t.meta.keyOf(p)} from ${a} to ${b}`);
            if (!same(sa.get(p), sb.get(p))) assert.ok(d.has(p), `a path that differs is in the delta: ${t.meta.keyOf(p)}`);
          }
        } finally {
          t.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('stateOf and versionAt agree with the model at every checkpoint, the root manifest included', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArb, rootArb, async (shape, root) => {
        const t = await buildTree(shape, root);
        try {
          for (const id of t.ids) {
            const want = t.model.get(id)!;
            const got = t.states.stateOf(id);
            assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
            for (const [p, v] of want) assert.ok(same(got.get(p), v));
            for (const k of KEYS) {
              const p = t.meta.pathId(k);
              assert.ok(same(t.states.versionAt(id, p), want.get(p)), `${k} at ${id}`);
            }
          }
        } finally {
          t.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('foldDelta: going up takes the before nearest the ancestor, going down the after nearest the target', () => {
    const node = (id: number) => ({ id, session: 1, parent: 0, createdAt: 0, source: 'manual' as const, label: '', nfiles: 0, added: 0, removed: 0, depth: 0, children: [] });
    const ch = (p: number, before: number, after: number) => ({ path: p, beforeBlob: before, beforeMode: 0o644, afterBlob: after, afterMode: 0o644 });
    const changes = new Map([
      [1, [ch(7, 2, 3)]], // nearest `from`: 2 → 3
      [2, [ch(7, 1, 2), ch(8, 0, 5)]], // nearest the ancestor: 1 → 2; 8 created
      [3, [ch(7, 1, 9)]], // nearest the ancestor on the way down: 1 → 9
      [4, [ch(7, 9, 4)]], // nearest `to`: 9 → 4
    ]);
    const out = foldDelta([node(1), node(2)], [node(4), node(3)], (c) => changes.get(c.id)!);
    assert.deepEqual(out.get(7), { blob: 4, mode: 0o644 });
    assert.deepEqual(out.get(8), { blob: 0, mode: 0o644 }); // created above the ancestor: absent at `to`
  });
});
