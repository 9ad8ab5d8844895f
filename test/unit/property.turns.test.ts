// Agent turns never swallow a person's edit, checked against a model: random interleavings of a
// person's saves (reported, as the editor reports them), other tools' writes and deletes (never
// reported: the watcher missed them), editor seals, agent turns (begun explicitly or by their first
// willEdit, declaring their files or not) and rewinds run against a real temp folder. After every
// step the folder equals the model; each turn's checkpoint holds exactly the turn's changes and its
// parent is the state before the turn; at the end every checkpointed state restores byte for byte.
// Reproduce a failure with PROP_SEED=<seed> (and PROP_PATH=<path>) printed by fast-check.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Engine } from '../../src/core/engine';
import { diffSnapshots, snapshotDir, tempDir } from './helpers';

const PATHS = ['a.txt', 'b.txt', 'd1/c.txt', 'd1/d2/d.bin', 'new/deep/er/e.txt', 'ünï/f.md'];

const contentArb = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc.constant(Buffer.from('v1\n')),
  fc.constant(Buffer.from('v2\n')), // same size as v1: a rewrite only the content tells apart
  fc.string({ maxLength: 40 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ minLength: 1, maxLength: 600 }).map((a) => Buffer.from(a)),
);
/** A file's new content, or null: deleted. */
const changeArb = fc.option(contentArb, { nil: null, freq: 5 });

type Op =
  | { t: 'save'; p: number; c: Buffer }
  | { t: 'external'; p: number; c: Buffer | null }
  | { t: 'editorSeal' }
  | { t: 'turn'; explicit: boolean; declare: boolean; writes: [number, Buffer | null][] }
  | { t: 'rewind'; i: number; before: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('save' as const), p: fc.nat(PATHS.length - 1), c: contentArb }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('external' as const), p: fc.nat(PATHS.length - 1), c: changeArb }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('editorSeal' as const) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('turn' as const),
      explicit: fc.boolean(),
      declare: fc.boolean(),
      writes: fc.uniqueArray(fc.tuple(fc.nat(PATHS.length - 1), changeArb), { selector: (w) => w[0], minLength: 1, maxLength: 4 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('rewind' as const), i: fc.nat(40), before: fc.boolean() }) },
);

type State = Map<string, Buffer>;
const copy = (m: State): State => new Map([...m].map(([k, v]) => [k, Buffer.from(v)]));
const same = (a: State, b: State) => diffSnapshots(a, b).length === 0;
/** The paths whose content differs between two states. */
function changedPaths(a: State, b: State): string[] {
  const out: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(k);
    const y = b.get(k);
    if (!x || !y || !x.equals(y)) out.push(k);
  }
  return out.sort();
}

async function runSequence(initial: Map<number, Buffer>, ops: Op[]): Promise<void> {
  const dir = tempDir('st-prop-turns-');
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(ws);
  const abs = (rel: string) => path.join(ws, ...rel.split('/'));
  /** What is on disk. */
  const disk: State = new Map();
  /** What the engine has been told of (reports, walks, re-reads): what a seal without a walk holds. */
  const known: State = new Map();
  const apply = (rel: string, c: Buffer | null, report: boolean) => {
    if (c === null) {
      fs.rmSync(abs(rel), { force: true });
      disk.delete(rel);
    } else {
      fs.mkdirSync(path.dirname(abs(rel)), { recursive: true });
      fs.writeFileSync(abs(rel), c);
      disk.set(rel, Buffer.from(c));
    }
    if (report) {
      if (c === null) known.delete(rel);
      else known.set(rel, Buffer.from(c));
    }
  };
  const learnAll = () => {
    known.clear();
    for (const [k, v] of disk) known.set(k, Buffer.from(v));
  };
  for (const [i, c] of initial) apply(PATHS[i], c, true);
  const engine = new Engine({ storageDir: path.join(dir, 'store'), roots: [{ name: 'ws', path: ws }] });
  await engine.open();
  const states = new Map<string, State>();
  let head = engine.activeSession()!.headId;
  states.set(head, copy(disk));
  const trace: string[] = [];
  const where = () => `\n${trace.join('\n')}`;
  /** A checkpoint just made: its parent is head, its files those that changed, its state `state`. */
  const record = (id: string | undefined, state: State, what: string) => {
    const expected = changedPaths(states.get(head)!, state);
    if (expected.length === 0) {
      assert.equal(id, undefined, `${what}: nothing changed, yet a checkpoint was made${where()}`);
      return;
    }
    assert.ok(id, `${what}: ${expected.join(', ')} changed, yet no checkpoint was made${where()}`);
    const cp = engine.checkpoint(id);
    assert.equal(cp.parentId, head, `${what}: parent${where()}`);
    const files = cp.files.map((f) => path.relative(ws, f.path).split(path.sep).join('/')).sort();
    assert.deepEqual(files, expected, `${what}: the checkpoint's files${where()}`);
    states.set(id, copy(state));
    head = id;
  };

  try {
    for (const op of ops) {
      switch (op.t) {
        case 'save':
          trace.push(`save ${PATHS[op.p]} (${op.c.length} bytes)`);
          apply(PATHS[op.p], op.c, true);
          engine.notifyChanged([abs(PATHS[op.p])]);
          break;
        case 'external':
          trace.push(`external ${op.c === null ? 'delete' : 'write'} ${PATHS[op.p]} (not reported)`);
          apply(PATHS[op.p], op.c, false);
          break;
        case 'editorSeal': {
          trace.push('editor seal (no walk)');
          // As the editor's quiet-time seal does: the saved paths were reported, nothing is walked.
          const state = copy(known);
          record(engine.createCheckpoint({ source: 'editor' })?.id, state, 'editor seal');
          break;
        }
        case 'turn': {
          const paths = op.writes.map(([p]) => abs(PATHS[p]));
          trace.push(`turn (${op.explicit ? 'beginTurn' : 'first willEdit'}, ${op.declare ? 'declared' : 'undeclared'}): ${op.writes.map(([p, c]) => `${PATHS[p]}=${c === null ? 'deleted' : c.length}`).join(' ')}`);
          // 1. The turn begins: whatever is pending is sealed first, the unreported writes too.
          const before = op.explicit || !op.declare
            ? engine.beginTurn({ rescan: true })
            : engine.beginTurn({ rescan: true, paths });
          learnAll();
          record(before?.id, disk, 'the checkpoint before the turn');
          if (before) assert.equal(before.source, 'external');
          const beforeTurn = head;
          if (op.explicit && op.declare) engine.willEdit(paths);
          // 2. The agent writes.
          for (const [p, c] of op.writes) apply(PATHS[p], c, false);
          // 3. It ends the turn: declared paths are re-read; undeclared, every folder is walked.
          const cp = engine.createCheckpoint({ source: 'agent', label: 'turn', ...(op.declare ? {} : { rescan: true }) });
          learnAll();
          record(cp?.id, disk, "the agent's checkpoint");
          if (cp) {
            assert.equal(cp.parentId, beforeTurn);
            // Rewinding to before the agent's turn gives the state before it: the person's edits kept.
            assert.ok(same(states.get(cp.parentId!)!, states.get(beforeTurn)!));
          }
          break;
        }
        case 'rewind': {
          const ids = [...states.keys()];
          const id = ids[op.i % ids.length];
          const cp = engine.checkpoint(id);
          const before = op.before && cp.parentId !== undefined;
          const target = before ? cp.parentId! : id;
          trace.push(`rewind ${before ? 'before ' : ''}${id}`);
          // As the extension does before a restore: the folders are walked, so the safety
          // checkpoint holds the unreported writes too.
          engine.rescan();
          learnAll();
          const result = await engine.restore({ kind: 'rewind', checkpointId: id, ...(before ? { before: true } : {}) });
          record(result.safetyCheckpointId, disk, 'the safety checkpoint');
          assert.deepEqual(result.files.filter((f) => f.status === 'failed' || f.status === 'skipped'), [], `rewind${where()}`);
          disk.clear();
          for (const [k, v] of states.get(target)!) disk.set(k, Buffer.from(v));
          learnAll();
          head = target;
          break;
        }
      }
      assert.deepEqual(diffSnapshots(snapshotDir(ws), disk), [], `after ${trace[trace.length - 1]}${where()}`);
      assert.equal(engine.activeSession()!.headId, head, `head after ${trace[trace.length - 1]}${where()}`);
    }
    // Every state ever checkpointed can still be restored byte for byte.
    engine.rescan();
    for (const [id, state] of states) {
      await engine.restore({ kind: 'rewind', checkpointId: id });
      assert.deepEqual(diffSnapshots(snapshotDir(ws), state), [], `restoring checkpoint ${id} at the end${where()}`);
    }
    assert.equal(engine.verify().ok, true);
  } finally {
    await engine.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('property: agent turns hold only their own changes', () => {
  it("random interleavings of a person's edits and agent turns: every checkpoint exact, every state restored byte for byte", async () => {
    const runs = Number(process.env.PROP_RUNS ?? 150);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(fc.nat(PATHS.length - 1), contentArb), { selector: (t) => t[0], maxLength: 4 }).map((a) => new Map(a)),
        fc.array(opArb, { minLength: 1, maxLength: 25 }),
        (initial, ops) => runSequence(initial, ops),
      ),
      {
        numRuns: runs,
        seed: process.env.PROP_SEED ? Number(process.env.PROP_SEED) : undefined,
        path: process.env.PROP_PATH,
      },
    );
  });
});
