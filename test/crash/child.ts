// One crash trial's victim: runs the real engine on a real workspace with a random mix of work
// (edits, checkpoints, rewinds, roll backs, checkouts, file restores, undos, branches, gc,
// compactions, background maintenance, deleting sessions, reopens; the database log appended on
// every save and folded past a small size and at close) and dies by SIGKILL at the Nth file-system call the engine makes (counted through the
// injected fs), or whenever the parent kills it. Optionally the fatal call is a write that only
// lands partly ("torn"), as a crash in the middle of a write would leave it.
//
// It tells the parent what it did through an append-only log (one JSON object a line, written
// with plain write(2) so every line written before the kill is there):
//   {t:'opened', ws}               the engine opened; ws = the workspace now (rel → sha256)
//   {t:'begin', kind, target}      about to change these files (rel → sha256 | null)
//   {t:'end', ws, outcome?, odd?}  the change is done; ws = the workspace now (restore: what it wrote, and any file it did not)
//   {t:'cp', id, state}            a checkpoint was reported saved, with its full state
//   {t:'drop', ids}                about to compact or delete sessions: these checkpoints may go (all or none)
//   {t:'dropped', ids}             they are gone (the compaction or delete is done)
//   {t:'kill', n, op, phase, file} the fatal call
//   {t:'exit', calls, writes}      ran to the end without being killed
//
//   node out/test/crash/child.js '<json options>'
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../../src/core/engine';
import type { RestoreTarget } from '../../src/core/types';
import { type FsCall, isWrite, proxyFs, writeHalf } from '../unit/faultfs';

export interface ChildOptions {
  ws: string;
  store: string;
  log: string;
  /** Scratch folder on the same file system (the child's own edits are written there, then renamed in). */
  scratch: string;
  seed: number;
  /** Die at this fs call of the engine (1-based); 0 = never. */
  killAt: number;
  /**
   * Count only calls that write (writes, renames, removals, fsyncs…), or with 'data' only the ones
   * that write bytes (writeSync, writeFileSync): kill points land on writes, torn ones on data.
   */
  killOnWrites?: boolean | 'data';
  /** When the fatal call is a write, write part of it first. */
  torn: boolean;
  savePolicy: 'always' | 'debounced';
  maxOps: number;
  /** Fold the database log into a new base past this size (small: folds land among the kills, not only at close). */
  logFoldBytes?: number;
}

export const POOL = [
  'a.txt', 'b.txt', 'src/main.ts', 'src/util/helpers.ts', 'docs/ünïcödé.md', 'docs/with space.txt', 'bin/data.bin',
  'empty.txt', 'deep/er/and/deeper/leaf.txt', 'big.dat', 'src/new.ts', 'notes.md',
];

/** Size of every content seen by `workspaceState`, by hash (for the "bytes lost" figure). */
export const sizeOf = new Map<string, number>();

/** What a trial may see of the workspace: tracked files only (not .git, not ignored, not temp files). */
export function workspaceState(ws: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string, rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.name === '.git' || r === 'build' || e.name.endsWith('.st-tmp')) continue;
      if (e.isDirectory()) walk(path.join(dir, e.name), r);
      else if (e.isFile()) {
        const b = fs.readFileSync(path.join(dir, e.name));
        const h = sha(b);
        sizeOf.set(h, b.length);
        out.set(r, h);
      }
    }
  };
  walk(ws, '');
  return out;
}

export function sha(b: Uint8Array): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

/** Kind of file a call touches, for the "kill points hit" figures. */
export function fileKind(p: string | undefined, o: { ws: string; store: string }): string {
  if (!p) return 'none';
  const rel = path.relative(o.store, p);
  if (!rel.startsWith('..')) {
    if (rel === 'state.db.tmp') return 'db-temp';
    if (rel === 'state.db.log' || rel === 'state.db.log.tmp') return 'db-log';
    if (rel === 'state.db.new') return 'db-move';
    if (rel.startsWith('state.db')) return 'db';
    if (/pack-\d+\.pack$/.test(rel)) return 'pack';
    if (/pack-\d+\.idx$/.test(rel)) return 'pack-index';
    if (rel.startsWith('objects')) return 'objects-dir';
    if (rel.startsWith('restore.journal')) return 'journal';
    if (rel === 'store.lock') return 'lock';
    return rel === '' ? 'store-dir' : 'store-other';
  }
  const wrel = path.relative(o.ws, p);
  if (!wrel.startsWith('..')) return p.endsWith('.st-tmp') ? 'workspace-temp' : 'workspace';
  return 'other';
}

/** Seeded PRNG (mulberry32): trials are reproducible from their seed. Shared with the parent test. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2]) as ChildOptions;
  const rand = rng(o.seed);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(a: T[]): T => a[int(a.length)];
  const logFd = fs.openSync(o.log, 'a');
  const emit = (obj: unknown) => fs.writeSync(logFd, JSON.stringify(obj) + '\n');
  let phase = 'start';
  let calls = 0;
  let writes = 0;

  const px = proxyFs();
  px.onCall = (call: FsCall) => {
    calls++;
    const writing = o.killOnWrites === 'data' ? call.op === 'writeSync' || call.op === 'writeFileSync' : isWrite(call) || call.op === 'fsyncSync';
    if (writing) writes++;
    if (o.killAt === 0 || (o.killOnWrites ? !writing || writes !== o.killAt : calls !== o.killAt)) return;
    const torn = o.torn && isWrite(call) && (call.op === 'writeSync' || call.op === 'writeFileSync');
    emit({ t: 'kill', n: calls, op: call.op, phase, file: fileKind(call.paths[0] ?? call.paths[1], o), torn });
    if (torn) {
      try {
        writeHalf(fs, call);
      } catch {
        /* the crash is what matters */
      }
    }
    process.kill(process.pid, 'SIGKILL');
    for (;;) {
      /* the signal is on its way */
    }
  };

  const sizes = (w: Map<string, string>) => Object.fromEntries([...w.values()].map((h) => [h, sizeOf.get(h) ?? 0]));
  const abs = (rel: string) => path.join(o.ws, ...rel.split('/'));
  const make = () => new Engine({
    storageDir: o.store, roots: [{ name: 'ws', path: o.ws }], fs: px.fs, savePolicy: o.savePolicy, saveDelayMs: 5, racyWindowMs: 0,
    logFoldBytes: o.logFoldBytes,
  });
  let engine = make();
  let W = new Map<string, string>();
  const open = async () => {
    phase = 'open';
    await engine.open();
    W = workspaceState(o.ws);
    emit({ t: 'opened', ws: Object.fromEntries(W), sizes: sizes(W) });
  };
  await open();

  const content = (): Buffer => {
    const r = rand();
    if (r < 0.1) return Buffer.alloc(0);
    if (r < 0.2) return crypto.randomBytes(200_000 + int(900_000)); // big, incompressible: fills the pack buffer
    if (r < 0.35) return Buffer.from(Array.from({ length: 1 + int(2000) }, (_, i) => `line ${i} ${int(1e6)}\n`).join(''));
    if (r < 0.45) return crypto.randomBytes(1 + int(5000));
    return Buffer.from(`text ${o.seed} ${int(1e9)}\n`);
  };

  /** Every checkpoint of every session. */
  const allIds = (): string[] => {
    const ids = new Set<string>();
    for (const s of engine.sessions()) {
      ids.add(s.rootId);
      for (const tip of engine.tipsUnder(s.rootId)) for (const c of engine.checkpoints({ sessionId: s.id, fromId: tip, limit: 100000 })) ids.add(c.id);
    }
    return [...ids];
  };
  const report = (id: string, state: Map<string, string>) => emit({ t: 'cp', id, state: Object.fromEntries(state) });

  for (let i = 0; i < o.maxOps; i++) {
    const r = rand();
    if (r < 0.3) {
      // The user or an agent edits files (atomically: written beside, renamed in).
      const target = new Map<string, string | null>();
      for (let k = 1 + int(3); k > 0; k--) {
        const rel = pick(POOL);
        if (rand() < 0.2) target.set(rel, null);
        else target.set(rel, 'x');
      }
      const bytes = new Map<string, Buffer>();
      for (const [rel, v] of target) {
        if (v === null) continue;
        const b = content();
        bytes.set(rel, b);
        target.set(rel, sha(b));
      }
      emit({ t: 'begin', kind: 'user', target: Object.fromEntries(target) });
      for (const [rel, v] of target) {
        if (v === null) fs.rmSync(abs(rel), { force: true });
        else {
          const tmp = path.join(o.scratch, `w${i}`);
          fs.writeFileSync(tmp, bytes.get(rel)!);
          fs.mkdirSync(path.dirname(abs(rel)), { recursive: true });
          fs.renameSync(tmp, abs(rel));
        }
      }
      W = workspaceState(o.ws);
      emit({ t: 'end', ws: Object.fromEntries(W), sizes: sizes(W) });
      phase = 'scan';
      if (rand() < 0.5) engine.notifyChanged([...target.keys()].map(abs));
      else engine.rescan();
    } else if (r < 0.5) {
      phase = 'checkpoint';
      const cp = engine.createCheckpoint({ label: `cp ${i}`, source: pick(['manual', 'agent', 'terminal', 'editor'] as const) });
      if (o.savePolicy === 'debounced') {
        phase = 'save';
        engine.saveNow();
      }
      if (cp) report(cp.id, W);
    } else if (r < 0.78) {
      const s = engine.activeSession()!;
      const all = [s.rootId, ...engine.tipsUnder(s.rootId)];
      for (const tip of engine.tipsUnder(s.rootId)) for (const c of engine.checkpoints({ fromId: tip, limit: 20 })) all.push(c.id);
      const kinds: RestoreTarget[] = [
        { kind: 'rewind', checkpointId: pick(all) },
        { kind: 'rewind', checkpointId: pick(all) },
        { kind: 'rollback', count: 1 + int(2) },
        { kind: 'checkout', branch: pick(s.branches).name },
        { kind: 'undo' },
        { kind: 'restoreFiles', checkpointId: pick(all), paths: [abs(pick(POOL)), abs(pick(POOL))] },
      ];
      const target = pick(kinds);
      phase = 'plan';
      let plan;
      try {
        plan = engine.plan(target);
      } catch {
        continue; // e.g. nothing to undo, cannot roll back that far
      }
      const t = new Map<string, string | null>();
      for (const e of plan.entries) {
        if (e.action === 'write') t.set(e.key.slice(3), e.target!.hash);
        else if (e.action === 'remove') t.set(e.key.slice(3), null);
      }
      const pre = W;
      emit({ t: 'begin', kind: 'restore', target: Object.fromEntries(t) });
      phase = 'restore';
      const res = await engine.restore(target);
      W = workspaceState(o.ws);
      const outcome: Record<string, string | null> = {};
      for (const f of res.files) if (f.status === 'restored' || f.status === 'removed') outcome[f.key.slice(3)] = f.after?.hash ?? null;
      const odd = res.files.filter((f) => f.status === 'failed' || f.status === 'skipped').map((f) => `${f.key}: ${f.status} (${f.reason})`);
      emit({ t: 'end', ws: Object.fromEntries(W), sizes: sizes(W), outcome, odd });
      if (res.safetyCheckpointId) report(res.safetyCheckpointId, pre);
    } else if (r < 0.84) {
      phase = 'branch';
      const s = engine.activeSession()!;
      try {
        engine.createBranch(pick(['feature', 'alt', 'try 2', 'x']), { from: s.headId });
      } catch {
        /* exists */
      }
    } else if (r < 0.86) {
      phase = 'gc';
      engine.gc();
    } else if (r < 0.88) {
      // Storage work: a compaction (all history older than now is old enough), one background
      // maintenance pass over a tiny budget (gc steps pack by pack, and a compaction), or deleting
      // the other sessions. Which checkpoints go is told first, and again once they are gone.
      const which = int(3);
      phase = ['compact', 'maintain', 'deleteSessions'][which];
      const gone: string[] = [];
      const others = engine.sessions().filter((s) => !s.active);
      if (which === 2) {
        for (const s of others) {
          const all = new Set([s.rootId]);
          for (const tip of engine.tipsUnder(s.rootId)) for (const c of engine.checkpoints({ sessionId: s.id, fromId: tip, limit: 100000 })) all.add(c.id);
          gone.push(...all);
        }
      } else {
        for (const run of engine.compactPlan({ keepDays: 0 }).runs) {
          let id: string | undefined = engine.checkpoint(run.intoId).parentId;
          for (let k = 1; k < run.count && id; k++, id = engine.checkpoint(id).parentId) gone.push(id);
        }
      }
      emit({ t: 'drop', ids: gone });
      const before = allIds();
      if (which === 0) engine.compact({ keepDays: 0 });
      else if (which === 1) engine.maintain({ maxSize: 1, keepDays: 0 });
      else if (others.length) engine.deleteSessions(others.map((s) => s.id));
      const after = new Set(allIds());
      emit({ t: 'dropped', ids: before.filter((id) => !after.has(id)) });
    } else if (r < 0.94) {
      phase = 'close';
      await engine.close();
      engine = make();
      await open();
    } else if (r < 0.97) {
      phase = 'session';
      const ss = engine.sessions();
      if (rand() < 0.5 || ss.length < 2) engine.newSession({ title: `s${i}` });
      else engine.switchSession(pick(ss).id);
      if (o.savePolicy === 'debounced') engine.saveNow();
    } else {
      phase = 'save';
      engine.saveNow();
    }
  }
  phase = 'close';
  await engine.close();
  emit({ t: 'exit', calls, writes });
  fs.closeSync(logFd);
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`child failed: ${(e as Error).stack}\n`);
    process.exit(3);
  });
}
