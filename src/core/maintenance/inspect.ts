// Inspecting the store: everything it holds, checked — every snapshot against its hash, every
// checkpoint's parent, session, starting state and change list, every branch, the mirror, and
// what nothing refers to. Shared by Verify Store and Repair Store.
import type { ChangeRecord } from '../encoding';
import type { EngineContext } from '../context';
import type { CpNode } from '../model';
import { lostSnapshots } from './gc';

/** What `inspect` finds. */
export interface Inspection {
  /** Snapshots whose bytes do not match their hash. */
  bad: Set<string>;
  /** Snapshots a Repair already reported lost. */
  lostBefore: Set<string>;
  /** Every snapshot something refers to: where (a few places, in words) and which file keys. */
  refs: Map<string, { where: string[]; keys: Set<string> }>;
  /** Checkpoints whose own record is unsound, and why. */
  own: Map<number, string>;
  /** Checkpoints whose state cannot be computed → the unsound checkpoint at the top of their line. */
  unsound: Map<number, number>;
  branchProblems: { session: number; name: string; why: string }[];
  sessionProblems: Map<number, string>;
  /** Mirror entries whose snapshot is missing or damaged. */
  mirrorMissing: number[];
  unknownMirror: number;
  /** Referenced snapshots that are missing or damaged. */
  lostContent: Map<string, { where: string[]; keys: Set<string>; damaged: boolean }>;
  orphanCount: number;
  orphanBytes: number;
  badOrphans: string[];
}

export function inspect(ctx: EngineContext): Inspection {
  const { meta, history, mirror } = ctx;
  const bad = new Set(ctx.objects.verify());
  const lostBefore = new Set(lostSnapshots(ctx));
  const refs = new Map<string, { where: string[]; keys: Set<string> }>();
  const ref = (hash: string, key: string | undefined, where: string) => {
    let r = refs.get(hash);
    if (!r) refs.set(hash, (r = { where: [], keys: new Set() }));
    if (r.where.length < 3) r.where.push(where);
    if (key) r.keys.add(key);
  };
  const name = (c: CpNode) => `checkpoint ${c.id} ("${c.label}")`;
  const own = new Map<number, string>(); // checkpoint → why its own record is unsound
  for (const c of history.cps.values()) {
    const s = history.sessions.get(c.session);
    if (!s) own.set(c.id, `${name(c)} belongs to a session that no longer exists (${c.session})`);
    else if (c.parent) {
      const p = history.cps.get(c.parent);
      if (!p) own.set(c.id, `${name(c)} has lost its parent checkpoint ${c.parent}`);
      else if (p.session !== c.session) own.set(c.id, `${name(c)} has a parent in another session`);
      else if (p.id >= c.id) own.set(c.id, `${name(c)} has a parent newer than itself`);
    } else if (!c.manifest) own.set(c.id, `${name(c)} starts a history but has no saved starting state`);
    else if (!ctx.objects.has(c.manifest) || bad.has(c.manifest)) own.set(c.id, `the starting state of session "${s.title}" (${name(c)}) is ${bad.has(c.manifest) ? 'damaged' : 'missing'}`);
    else {
      ref(c.manifest, undefined, `the starting state of session "${s.title}"`);
      try {
        for (const [key, v] of ctx.states.manifestOf(c.manifest)) ref(v.hash, key, `${key} at the start of session "${s.title}"`);
      } catch {
        own.set(c.id, `the starting state of session "${s.title}" cannot be read`);
      }
    }
    let changes: ChangeRecord[] = [];
    try {
      changes = history.changesOf(c.id);
    } catch {
      if (!own.has(c.id)) own.set(c.id, `the list of files changed by ${name(c)} is damaged`);
    }
    for (const ch of changes) {
      const key = meta.keyOf(ch.path);
      if (!key) {
        if (!own.has(c.id)) own.set(c.id, `${name(c)} refers to an unknown file record ${ch.path}`);
        continue;
      }
      for (const b of [ch.beforeBlob, ch.afterBlob]) {
        if (!b) continue;
        const h = meta.hashOrUndefined(b);
        if (!h) {
          if (!own.has(c.id)) own.set(c.id, `${name(c)} refers to an unknown content record ${b}`);
        } else ref(h, key, `${key} at ${name(c)}`);
      }
    }
  }
  // A checkpoint is unsound when it or an ancestor is: its state cannot be computed.
  const unsound = new Map<number, number>(); // checkpoint → the unsound ancestor (or itself)
  const sound = new Set<number>();
  const topOf = (id: number): void => {
    const chain: number[] = [];
    let top: number | undefined;
    let topIdx = -1;
    let cached = false;
    for (let c = history.cps.get(id); c; c = c.parent ? history.cps.get(c.parent) : undefined) {
      if (sound.has(c.id)) break;
      if (unsound.has(c.id)) {
        top = unsound.get(c.id);
        cached = true;
        break;
      }
      chain.push(c.id);
      if (own.has(c.id)) {
        top = c.id; // the highest one found wins: everything below it is unsound
        topIdx = chain.length - 1;
      }
      if (chain.length > history.cps.size) break; // a loop: reported as "parent newer than itself"
    }
    chain.forEach((k, i) => {
      if (top !== undefined && (cached || i <= topIdx)) unsound.set(k, top);
      else sound.add(k);
    });
  };
  for (const id of history.cps.keys()) topOf(id);
  const branchProblems: { session: number; name: string; why: string }[] = [];
  const sessionProblems = new Map<number, string>();
  for (const [id, s] of history.sessions) {
    const root = history.cps.get(s.root);
    if (!root || root.session !== id || root.parent) sessionProblems.set(id, `session "${s.title}" has lost its starting checkpoint`);
    else if (unsound.has(root.id)) sessionProblems.set(id, own.get(root.id)!);
    const m = history.branchesOf(id) ?? new Map();
    for (const [bn, b] of m) {
      const head = history.cps.get(b.head);
      if (!head || head.session !== id) branchProblems.push({ session: id, name: bn, why: `branch "${bn}" of session "${s.title}" points to a checkpoint that no longer exists (${b.head})` });
    }
    if (!m.has(s.activeBranch)) branchProblems.push({ session: id, name: s.activeBranch, why: `the active branch "${s.activeBranch}" of session "${s.title}" does not exist` });
  }
  const mirrorMissing: number[] = [];
  let unknownMirror = 0;
  for (const [p, e] of mirror.entries) {
    if (!e.blob) continue;
    const h = meta.hashOrUndefined(e.blob);
    if (!h) unknownMirror++;
    else if (!ctx.objects.has(h) || bad.has(h)) mirrorMissing.push(p);
    else ref(h, meta.keyOf(p), `the current version of ${meta.keyOf(p)}`);
  }
  for (const [p, v] of mirror.pending) {
    const h = v.blob ? meta.hashOrUndefined(v.blob) : undefined;
    if (h) ref(h, meta.keyOf(p), `${meta.keyOf(p)} as it was at head`);
  }
  const lostContent = new Map<string, { where: string[]; keys: Set<string>; damaged: boolean }>();
  for (const [h, r] of refs) if (!ctx.objects.has(h) || bad.has(h)) lostContent.set(h, { ...r, damaged: bad.has(h) });
  let orphanCount = 0;
  let orphanBytes = 0;
  const badOrphans: string[] = [];
  for (const h of ctx.objects.hashes()) {
    if (refs.has(h)) continue;
    orphanCount++;
    orphanBytes += ctx.objects.storedSize(h) ?? 0;
    if (bad.has(h)) badOrphans.push(h);
  }
  return { bad, lostBefore, refs, own, unsound, branchProblems, sessionProblems, mirrorMissing, unknownMirror, lostContent, orphanCount, orphanBytes, badOrphans };
}
