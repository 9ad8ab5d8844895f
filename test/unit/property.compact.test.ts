// Compaction and gc against a model: random histories — edits, agent and manual checkpoints,
// labels, branches, rewinds (forks, undo records), new sessions, deletes of other sessions, the
// clock moving on, reopens — with compactions (random keep windows) and gc passes among them.
// After each compaction every protected checkpoint still exists, the store verifies (nothing
// referenced was freed), and at the end every checkpoint that remains restores byte for byte.
// Reproduce a failure with PROP_SEED=<seed> (and PROP_PATH=<path>) printed by fast-check.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Engine } from '../../src/core/engine';
import { diffSnapshots, snapshotDir, tempDir } from './helpers';

const PATHS = ['a.txt', 'b.bin', 'd/c.txt', 'd/e/f.md'];
const DAY = 24 * 60 * 60 * 1000;
/** Checkpoints squashed over all runs: the property must have exercised compaction. */
let squashed = 0;

type Op =
  | { t: 'write'; p: number; c: Buffer }
  | { t: 'delete'; p: number }
  | { t: 'checkpoint'; manual: boolean }
  | { t: 'turn'; p: number; c: Buffer }
  | { t: 'label'; i: number }
  | { t: 'branch'; i: number }
  | { t: 'rewind'; i: number }
  | { t: 'session' }
  | { t: 'deleteOther' }
  | { t: 'time'; days: number }
  | { t: 'compact'; keepDays: number }
  | { t: 'maintain' }
  | { t: 'reopen' };

const contentArb = fc.oneof(
  fc.string({ maxLength: 40 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ minLength: 200, maxLength: 4000 }).map((a) => Buffer.from(a)),
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('write' as const), p: fc.nat(PATHS.length - 1), c: contentArb }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('delete' as const), p: fc.nat(PATHS.length - 1) }) },
  { weight: 8, arbitrary: fc.record({ t: fc.constant('turn' as const), p: fc.nat(PATHS.length - 1), c: contentArb }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('checkpoint' as const), manual: fc.boolean().map((b) => b && Math.random() < 0.3) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('label' as const), i: fc.nat(60) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('branch' as const), i: fc.nat(60) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('rewind' as const), i: fc.nat(60) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('session' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('deleteOther' as const) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('time' as const), days: fc.integer({ min: 1, max: 20 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('compact' as const), keepDays: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('maintain' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('reopen' as const) }) },
);

async function runSequence(ops: Op[]): Promise<void> {
  const dir = tempDir('st-propc-');
  const ws = path.join(dir, 'ws');
  const store = path.join(dir, 'store');
  fs.mkdirSync(ws);
  const abs = (rel: string) => path.join(ws, ...rel.split('/'));
  const clock = { now: Date.UTC(2026, 0, 1) };
  const make = () => new Engine({ storageDir: store, roots: [{ name: 'ws', path: ws }], racyWindowMs: 0, clock: () => clock.now });
  fs.writeFileSync(abs('a.txt'), 'start');
  let engine = make();
  await engine.open();
  /** Every checkpoint ever made → the workspace at that moment. */
  const states = new Map<string, Map<string, Buffer>>();
  const labelled = new Set<string>();
  const manual = new Set<string>();
  states.set(engine.activeSession()!.rootId, snapshotDir(ws));
  const existing = () => [...states.keys()].filter((id) => {
    try {
      engine.checkpoint(id);
      return true;
    } catch {
      return false;
    }
  });
  const tick = () => (clock.now += 60_000);
  /** Checkpoints the engine made on its own just now (safety, changed while closed): their state is `state`. */
  const adopt = (state: Map<string, Buffer>) => {
    for (const s of engine.sessions()) {
      for (const c of engine.checkpoints({ sessionId: s.id, limit: 3 })) if (!states.has(c.id)) states.set(c.id, state);
    }
  };
  try {
    for (const op of ops) {
      switch (op.t) {
        case 'write':
          fs.mkdirSync(path.dirname(abs(PATHS[op.p])), { recursive: true });
          fs.writeFileSync(abs(PATHS[op.p]), op.c);
          break;
        case 'delete':
          fs.rmSync(abs(PATHS[op.p]), { force: true });
          break;
        case 'turn':
        case 'checkpoint': {
          if (op.t === 'turn') {
            fs.mkdirSync(path.dirname(abs(PATHS[op.p])), { recursive: true });
            fs.writeFileSync(abs(PATHS[op.p]), op.c);
          }
          const isManual = op.t === 'checkpoint' && op.manual;
          tick();
          engine.rescan();
          const cp = engine.createCheckpoint({ source: isManual ? 'manual' : 'agent' });
          if (cp) {
            states.set(cp.id, snapshotDir(ws));
            if (isManual) manual.add(cp.id);
          }
          break;
        }
        case 'label': {
          const ids = existing();
          const id = ids[op.i % ids.length];
          engine.labelCheckpoint(id, `label ${id}`);
          labelled.add(id);
          break;
        }
        case 'branch': {
          const ids = existing().filter((id) => engine.checkpoint(id).sessionId === engine.activeSession()!.id);
          const id = ids[op.i % ids.length];
          try {
            engine.createBranch(`b${id}-${states.size}`, { from: id });
          } catch {
            /* a name taken: skip */
          }
          break;
        }
        case 'rewind': {
          tick();
          engine.rescan();
          const ids = existing().filter((id) => engine.checkpoint(id).sessionId === engine.activeSession()!.id);
          const before = snapshotDir(ws);
          const id = ids[op.i % ids.length];
          const r = await engine.restore({ kind: 'rewind', checkpointId: id });
          if (r.safetyCheckpointId) states.set(r.safetyCheckpointId, before);
          assert.deepEqual(diffSnapshots(snapshotDir(ws), states.get(id)!), [], `rewind to ${id}`);
          break;
        }
        case 'session': {
          tick();
          engine.rescan();
          const before = snapshotDir(ws);
          engine.newSession();
          adopt(before); // its root, and the safety checkpoint of the old session if one was sealed
          break;
        }
        case 'deleteOther': {
          const other = engine.sessions().find((s) => !s.active);
          if (other) engine.deleteSessions([other.id]);
          assert.equal(engine.verify().ok, true, 'verify after a delete');
          break;
        }
        case 'time':
          clock.now += op.days * DAY;
          break;
        case 'compact':
        case 'maintain': {
          const keepDays = op.t === 'compact' ? op.keepDays : 3;
          // What must survive, from the outside: roots, branch heads, fork points, labelled and
          // manual checkpoints, everything in the keep window.
          const must = new Set<string>();
          for (const s of engine.sessions()) {
            must.add(s.rootId);
            for (const b of s.branches) must.add(b.headId);
          }
          for (const id of existing()) {
            const c = engine.checkpoint(id);
            if (c.childIds.length !== 1 || c.createdAt >= clock.now - keepDays * DAY || labelled.has(id) || manual.has(id)) must.add(id);
          }
          const got = op.t === 'compact' ? engine.compact({ keepDays }).checkpoints : engine.maintain({ maxSize: 1, keepDays }).compacted;
          squashed += got;
          const left = new Set(existing());
          for (const id of must) if (states.has(id) && engine.sessions().some((s) => s.id === engineSession(id))) assert.ok(left.has(id), `protected checkpoint ${id} was kept`);
          const v = engine.verify();
          assert.equal(v.ok, true, `verify after ${op.t}: ${v.problems.join('; ')}`);
          break;
        }
        case 'reopen':
          await engine.close();
          engine = make();
          await engine.open();
          adopt(snapshotDir(ws)); // changes made while closed: a checkpoint of their own
          break;
      }
    }
    // Every checkpoint that remains restores exactly.
    for (const id of existing()) {
      const c = engine.checkpoint(id);
      if (engine.activeSession()!.id !== c.sessionId) engine.switchSession(c.sessionId);
      tick();
      engine.rescan(); // what the watcher does: the restore plans against the files as they are
      await engine.restore({ kind: 'rewind', checkpointId: id });
      assert.deepEqual(diffSnapshots(snapshotDir(ws), states.get(id)!), [], `checkpoint ${id} restores byte for byte`);
    }
    assert.equal(engine.verify().ok, true);
  } finally {
    await engine.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }

  function engineSession(id: string): string | undefined {
    try {
      return engine.checkpoint(id).sessionId;
    } catch {
      return undefined;
    }
  }
}

describe('compaction and gc keep every protected state (property)', () => {
  it('random histories with compactions', async () => {
    const seed = process.env.PROP_SEED ? Number(process.env.PROP_SEED) : undefined;
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 20, maxLength: 80 }), (ops) => runSequence(ops)), {
      numRuns: Number(process.env.PROP_RUNS ?? 20),
      seed,
      path: process.env.PROP_PATH,
      endOnFailure: true,
    });
    assert.ok(squashed > 0, 'the random histories compacted something');
  });
});
