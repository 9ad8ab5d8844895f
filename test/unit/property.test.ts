// "Nothing is lost", checked against a model: random sequences of file creates, edits, deletes and
// renames (binary, empty, unicode, nested), checkpoints, branches, rewinds, rollbacks, checkouts,
// file restores, undos and reopens run against a real temp folder; after every step the folder
// equals the model, and at the end every state ever checkpointed is restored byte for byte.
// Rescans trust the engine's own watcher (scan/watch.ts) where it may be trusted, as in the worker.
// The workspace is three folders, two of them called "app": between reopenings they are reordered
// and given other display names (also all the same one), and every checkpoint still restores into
// the right folder.
// Reproduce a failure with PROP_SEED=<seed> (and PROP_PATH=<path>) printed by fast-check.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Engine } from '../../src/core/engine';
import type { EngineContext } from '../../src/core/context';
import { barrier, watcherOf } from '../../src/core/scan/watch';
import { isWrite, proxyFs } from './faultfs';
import { diffSnapshots, snapshotDir, tempDir } from './helpers';

/** The workspace folders, relative to the test's folder. */
const FOLDERS = ['p/app', 'q/app', 'r'];
/** Display names the folders are opened with (by folder), one set per reopening. */
const NAMES = [['app', 'app', 'r'], ['app', 'app', 'app'], ['lib', 'app', 'r'], ['x', 'y', 'z'], ['app (2)', 'app', 'r']];
const ORDERS = [[0, 1, 2], [1, 0, 2], [2, 1, 0], [1, 2, 0]];
const PATHS = [
  ...['top.txt', 'e.txt', 'd1/x.txt', 'd1/d2/y.bin', 'ünï cödé/ž.txt', 'sp ace/f.md', 'd1/d2/d3/deep.txt'].map((p) => `p/app/${p}`),
  'q/app/top.txt', 'q/app/d1/x.txt', 'r/top.txt', 'r/d/z.txt',
];
const BRANCHES = ['feature', 'alt', 'x y'];

const contentArb = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc.constant(Buffer.from('hello\nworld\n')),
  fc.constant(Buffer.from('héllo ✓ 日本\n')),
  fc.constant(Buffer.from([0, 1, 2, 0, 255, 254])),
  fc.string({ maxLength: 60 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ minLength: 100, maxLength: 3000 }).map((a) => Buffer.from(a)),
  // Versions of one source-like text, each a small edit of the others: stored as deltas on a
  // file's previous version and in groups with other files (see src/storage/objects.ts).
  { weight: 4, arbitrary: fc.tuple(fc.constant(0), fc.nat(400), fc.string({ maxLength: 30 })).map(([seed, at, s]) => editedText(seed, at, s)) },
);

function editedText(seed: number, at: number, insert: string): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < 120 + seed * 60; i++) lines.push(`  const value${seed}_${i} = compute(${i % 7}, 'item ${(i * 31 + seed) % 97}');`);
  lines.splice(at % lines.length, at % 3, insert);
  return Buffer.from(lines.join('\n') + '\n');
}

type Op =
  | { t: 'write'; p: number; c: Buffer }
  | { t: 'delete'; p: number }
  | { t: 'rename'; a: number; b: number }
  | { t: 'checkpoint'; rescan: boolean }
  | { t: 'branch'; name: number; from: number }
  | { t: 'rewind'; i: number; before: boolean; dirty: number }
  | { t: 'rollback'; n: number }
  | { t: 'checkout'; name: number }
  | { t: 'restoreFiles'; i: number; ps: number[] }
  | { t: 'undo' }
  | { t: 'reopen'; order: number; names: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('write' as const), p: fc.nat(PATHS.length - 1), c: contentArb }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('delete' as const), p: fc.nat(PATHS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('rename' as const), a: fc.nat(PATHS.length - 1), b: fc.nat(PATHS.length - 1) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('checkpoint' as const), rescan: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('branch' as const), name: fc.nat(BRANCHES.length - 1), from: fc.nat(50) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('rewind' as const), i: fc.nat(50), before: fc.boolean(), dirty: fc.integer({ min: -3, max: PATHS.length - 1 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('rollback' as const), n: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('checkout' as const), name: fc.nat(BRANCHES.length) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('restoreFiles' as const), i: fc.nat(50), ps: fc.uniqueArray(fc.nat(PATHS.length - 1), { minLength: 1, maxLength: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('undo' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('reopen' as const), order: fc.nat(ORDERS.length - 1), names: fc.nat(NAMES.length - 1) }) },
);

/** Rescans across every run that trusted the engine's watcher, and that walked (it must be exercised). */
const rescans = { trusted: 0, walked: 0 };
const countRescans = (e: Engine) => {
  const w = watcherOf((e as unknown as { ctx: EngineContext }).ctx);
  rescans.trusted += w?.stats.trusted ?? 0;
  rescans.walked += w?.stats.walked ?? 0;
};

type State = Map<string, Buffer>;
const copy = (m: State): State => new Map([...m].map(([k, v]) => [k, Buffer.from(v)]));

async function runSequence(initial: Map<number, Buffer>, ops: Op[]): Promise<void> {
  const dir = tempDir('st-prop-');
  const ws = path.join(dir, 'ws');
  const store = path.join(dir, 'store');
  fs.mkdirSync(ws);
  for (const f of FOLDERS) fs.mkdirSync(path.join(ws, f), { recursive: true });
  const abs = (rel: string) => path.join(ws, ...rel.split('/'));
  const model: State = new Map();
  const put = (rel: string, c: Buffer) => {
    fs.mkdirSync(path.dirname(abs(rel)), { recursive: true });
    fs.writeFileSync(abs(rel), c);
    model.set(rel, Buffer.from(c));
  };
  for (const [i, c] of initial) put(PATHS[i], c);
  // Files outside the tracked set: a .git folder, an ignored build folder, an excluded file.
  // No path of the engine may ever write them; checked after every step.
  const untouchable = new Map<string, Buffer>([
    ['p/app/.git/HEAD', Buffer.from('ref: refs/heads/main\n')],
    ['p/app/.git/index', Buffer.from([1, 2, 3])],
    ['p/app/build/out.js', Buffer.from('generated')],
    ['p/app/d1/notes.secret', Buffer.from('excluded by setting')],
  ]);
  fs.writeFileSync(path.join(ws, 'p/app/.gitignore'), 'build/\n');
  model.set('p/app/.gitignore', Buffer.from('build/\n'));
  for (const [rel, c] of untouchable) {
    fs.mkdirSync(path.dirname(abs(rel)), { recursive: true });
    fs.writeFileSync(abs(rel), c);
  }
  const untouchableStat = new Map([...untouchable.keys()].map((rel) => [rel, fs.statSync(abs(rel)).mtimeMs]));
  // Every file-system call the engine makes goes through this: one that could write a path in
  // .git, an ignored folder or an excluded file (even to put it back as it was) is recorded.
  const guard = proxyFs();
  const forbidden: string[] = [];
  guard.onCall = (call) => {
    if (!isWrite(call)) return;
    for (const p of call.paths) {
      const rel = path.relative(ws, p).split(path.sep).join('/');
      if (rel.startsWith('..')) continue;
      if (/(^|\/)\.git(\/|$)/.test(rel) || /(^|\/)build(\/|$)/.test(rel) || rel.endsWith('.secret')) forbidden.push(`${call.op} ${rel}`);
    }
  };
  let layout = { order: ORDERS[0], names: NAMES[0] };
  const roots = () => layout.order.map((i) => ({ name: layout.names[i], path: path.join(ws, FOLDERS[i]) }));
  const make = () => new Engine({ storageDir: store, roots: roots(), racyWindowMs: 5000, savePolicy: 'debounced', saveDelayMs: 10, exclude: ['*.secret'], fs: guard.fs, watch: true });
  let engine = make();
  await engine.open();
  // The model of the history: states by checkpoint, parents, branches.
  const states = new Map<string, State>();
  const parent = new Map<string, string | undefined>();
  const branches = new Map<string, string>();
  const s0 = engine.activeSession()!;
  states.set(s0.rootId, copy(model));
  parent.set(s0.rootId, undefined);
  branches.set('main', s0.rootId);
  let active = 'main';
  let changed = new Set<string>();
  // The restore history (issue 16): where each restore in effect is undone to; where each undone one is redone to.
  const undoStack: { branch: string; head: string }[] = [];
  const redoStack: { branch: string; head: string }[] = [];
  const ids = () => [...states.keys()];
  const pick = (i: number) => ids()[i % states.size];
  const head = () => branches.get(active)!;
  const trace: string[] = [];

  const checkUntouched = (what: string, onDisk: Map<string, Buffer>) => {
    assert.deepEqual(forbidden, [], `the engine called a writing fs function on files outside the tracked set (after ${what})`);
    for (const [rel, c] of untouchable) {
      assert.ok(fs.readFileSync(abs(rel)).equals(c) && fs.statSync(abs(rel)).mtimeMs === untouchableStat.get(rel), `${rel} was written (after ${what})`);
      onDisk.delete(rel);
    }
    return onDisk;
  };
  const check = (what: string) => {
    const problems = diffSnapshots(checkUntouched(what, snapshotDir(ws)), model);
    assert.deepEqual(problems, [], `after ${what}:\n${trace.join('\n')}`);
    const s = engine.activeSession()!;
    assert.equal(s.activeBranch, active, `active branch after ${what}`);
    assert.equal(s.headId, head(), `head after ${what}:\n${trace.join('\n')}`);
  };
  // A rescan (as before a seal nobody declared paths for) trusts the engine's own watcher (scan/watch.ts)
  // after the barrier the worker runs; the model says whether it missed anything.
  const sync = async (rescan: boolean) => {
    if (rescan || changed.size === 0) {
      await barrier();
      engine.rescan();
    }
    else engine.notifyChanged([...changed].map(abs));
    changed = new Set();
  };
  const applyRestore = async (
    target: Parameters<Engine['restore']>[0], expected: State, newHead: string | undefined, newActive: string, dirtyRel?: string,
  ) => {
    await sync(false);
    const before = copy(model);
    const oldHead = head();
    const r = await engine.restore(target, dirtyRel ? { isDirty: (ps) => ps.filter((p) => p === abs(dirtyRel)) } : {});
    let undoHead = oldHead;
    if (r.safetyCheckpointId) {
      states.set(r.safetyCheckpointId, before);
      parent.set(r.safetyCheckpointId, oldHead);
      branches.set(active, r.safetyCheckpointId);
      undoHead = r.safetyCheckpointId;
    }
    if (target.kind === 'undo') {
      undoStack.pop();
      redoStack.push({ branch: active, head: undoHead });
    } else {
      undoStack.push({ branch: active, head: undoHead });
      redoStack.length = 0;
    }
    for (const f of r.files) {
      assert.ok(f.status === 'restored' || f.status === 'removed' || (dirtyRel && f.path === abs(dirtyRel) && f.status === 'skipped'), `unexpected ${f.status} for ${f.key}: ${f.reason}`);
    }
    model.clear();
    for (const [k, v] of expected) model.set(k, Buffer.from(v));
    if (dirtyRel && r.files.some((f) => f.status === 'skipped')) {
      const b = before.get(dirtyRel);
      if (b) model.set(dirtyRel, b);
      else model.delete(dirtyRel);
    }
    active = newActive;
    if (newHead !== undefined) branches.set(active, newHead);
  };

  try {
    check('open');
    for (const op of ops) {
      trace.push(JSON.stringify(op, (_k, v) => (v && v.type === 'Buffer' ? `<${v.data.length} bytes>` : v)));
      switch (op.t) {
        case 'write':
          put(PATHS[op.p], op.c);
          changed.add(PATHS[op.p]);
          break;
        case 'delete':
          if (model.has(PATHS[op.p])) {
            fs.rmSync(abs(PATHS[op.p]));
            model.delete(PATHS[op.p]);
            changed.add(PATHS[op.p]);
          }
          break;
        case 'rename': {
          const a = PATHS[op.a];
          const b = PATHS[op.b];
          if (a !== b && model.has(a)) {
            fs.mkdirSync(path.dirname(abs(b)), { recursive: true });
            fs.renameSync(abs(a), abs(b));
            model.set(b, model.get(a)!);
            model.delete(a);
            changed.add(a).add(b);
          }
          break;
        }
        case 'checkpoint': {
          await sync(op.rescan);
          const cp = engine.createCheckpoint({ label: `cp${states.size}` });
          if (cp) {
            states.set(cp.id, copy(model));
            parent.set(cp.id, head());
            branches.set(active, cp.id);
          } else {
            assert.deepEqual(diffSnapshots(model, states.get(head())!), [], 'no checkpoint means nothing changed since head');
          }
          break;
        }
        case 'branch': {
          const name = BRANCHES[op.name];
          if (branches.has(name)) {
            assert.throws(() => engine.createBranch(name), /already exists/);
            break;
          }
          const from = pick(op.from);
          engine.createBranch(name, { from });
          branches.set(name, from);
          break;
        }
        case 'rewind': {
          let target = pick(op.i);
          if (op.before) {
            const p = parent.get(target);
            if (!p) {
              await assert.rejects(engine.restore({ kind: 'rewind', checkpointId: target, before: true }), /nothing before it/);
              break;
            }
            target = p;
          }
          const dirty = op.dirty >= 0 ? PATHS[op.dirty] : undefined;
          await applyRestore({ kind: 'rewind', checkpointId: op.before ? pick(op.i) : target, before: op.before }, states.get(target)!, target, active, dirty);
          break;
        }
        case 'rollback': {
          let t: string | undefined = head();
          for (let i = 0; i < op.n && t; i++) t = parent.get(t);
          if (!t) {
            await assert.rejects(engine.restore({ kind: 'rollback', count: op.n }), /cannot roll back/);
            break;
          }
          await applyRestore({ kind: 'rollback', count: op.n }, states.get(t)!, t, active);
          break;
        }
        case 'checkout': {
          const name = op.name === BRANCHES.length ? 'main' : BRANCHES[op.name];
          if (!branches.has(name)) {
            await assert.rejects(engine.restore({ kind: 'checkout', branch: name }), /No branch/);
            break;
          }
          // Checking out the branch one is on keeps the working changes (sealed as its new head).
          const expected = name === active ? copy(model) : states.get(branches.get(name)!)!;
          await applyRestore({ kind: 'checkout', branch: name }, expected, undefined, name);
          break;
        }
        case 'restoreFiles': {
          const from = pick(op.i);
          const rels = op.ps.map((i) => PATHS[i]);
          const expected = copy(model);
          for (const rel of rels) {
            const v = states.get(from)!.get(rel);
            if (v) expected.set(rel, v);
            else expected.delete(rel);
          }
          await applyRestore({ kind: 'restoreFiles', checkpointId: from, paths: rels.map(abs) }, expected, undefined, active);
          break;
        }
        case 'undo': {
          const u = undoStack[undoStack.length - 1];
          if (!u) {
            await assert.rejects(engine.restore({ kind: 'undo' }), /no restore to undo/);
            break;
          }
          await applyRestore({ kind: 'undo' }, states.get(u.head)!, u.head, u.branch);
          break;
        }
        case 'reopen': {
          await sync(false);
          const unsealed = diffSnapshots(model, states.get(head())!).length > 0;
          countRescans(engine);
          await engine.close();
          layout = { order: ORDERS[op.order], names: NAMES[op.names] };
          engine = make();
          const report = await engine.open();
          assert.equal(report.externalCheckpointId, undefined, 'nothing changed while closed (the folders are the same ones, whatever their order and names)');
          assert.deepEqual(report.diagnostics, []);
          assert.deepEqual(report.folders?.map((f) => [f.path, f.matchedBy]), roots().map((r) => [r.path, 'path']));
          if (unsealed) {
            // Working changes left at close are sealed at the next open, as their own checkpoint.
            const h = engine.activeSession()!.headId;
            assert.notEqual(h, head());
            assert.equal(engine.checkpoint(h).parentId, head());
            states.set(h, copy(model));
            parent.set(h, head());
            branches.set(active, h);
          }
          break;
        }
      }
      check(trace[trace.length - 1]);
    }
    // Every state ever checkpointed can still be restored byte for byte.
    await sync(true);
    for (const [id, state] of states) {
      await engine.restore({ kind: 'rewind', checkpointId: id });
      const onDisk = checkUntouched(`restoring checkpoint ${id}`, snapshotDir(ws));
      assert.deepEqual(diffSnapshots(onDisk, state), [], `restoring checkpoint ${id} at the end:\n${trace.join('\n')}`);
    }
    assert.equal(engine.verify().ok, true);
  } finally {
    countRescans(engine);
    await engine.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('property: nothing is lost', () => {
  it('random histories restore exactly, every state byte for byte', async () => {
    const runs = Number(process.env.PROP_RUNS ?? 300);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(fc.nat(PATHS.length - 1), contentArb), { selector: (t) => t[0], maxLength: 4 }).map((a) => new Map(a)),
        fc.array(opArb, { minLength: 1, maxLength: 30 }),
        (initial, ops) => runSequence(initial, ops).catch((e) => {
          if (process.env.PROP_VERBOSE) console.error(e);
          throw e;
        }),
      ),
      {
        numRuns: runs,
        seed: process.env.PROP_SEED ? Number(process.env.PROP_SEED) : undefined,
        path: process.env.PROP_PATH,
      },
    );
    assert.ok(rescans.trusted > rescans.walked, `rescans that trusted the watcher: ${rescans.trusted}, that walked: ${rescans.walked}`);
  });
});
