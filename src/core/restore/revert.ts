// Reverting one checkpoint: for each file it changed, the version that undoes only its change while
// keeping everything after it. Untouched since: its version before the checkpoint. Changed since:
// text is merged three ways (base = what the checkpoint left, ours = the file now, theirs = what it
// found) where clean; otherwise, and for binary files, the file is left as it is and the plan says
// why and which checkpoint changed it since.
import { sha256 } from '../../storage/objects';
import type { EngineContext } from '../context';
import { isBinary } from '../lines';
import { type CpNode, type Ver, sameVer } from '../model';
import { EngineError, type FileVersion } from '../types';
import { merge3 } from './merge';

/** How far back the search for "the checkpoint that changed it since" looks. */
const MAX_SINCE_SCAN = 100_000;

export interface RevertPlan {
  /** Path → the version the revert writes (or, for a skipped one, the version it wanted). */
  targets: Map<number, Ver>;
  /** Path → why it is left as it is. */
  skips: Map<number, string>;
  /** Path → the merged version, where it is not in the store yet (a plan that does not store). */
  unstored: Map<number, FileVersion>;
}

/** The checkpoint a revert undoes, checked. */
export function revertable(ctx: EngineContext, checkpointId: string): CpNode {
  const c = ctx.history.node(checkpointId);
  // A terminal session's command is reverted from any session: it runs side by side (terminalSessions.ts).
  if (c.session !== ctx.history.session().id && !ctx.history.sessions.get(c.session)?.terminal) throw new EngineError('invalid-argument', `Checkpoint ${checkpointId} belongs to another session; switch to it first.`);
  if (!c.parent) throw new EngineError('invalid-argument', `Checkpoint ${c.id} is the start of the session; it changed nothing that could be reverted.`);
  return c;
}

/** The paths a revert of `c` looks at. */
export function revertPaths(ctx: EngineContext, c: CpNode): Map<number, Ver> {
  return new Map(ctx.history.changesOf(c.id).map((ch) => [ch.path, { blob: ch.beforeBlob, mode: ch.beforeMode }]));
}

/**
 * What a revert of `c` writes, from the mirror as it is now. `store`: merged versions are put in
 * the snapshot store and interned (a restore, inside its transaction); else they are only put in
 * the snapshot store when it is writable, so a preview can show them.
 */
export function planRevert(ctx: EngineContext, c: CpNode, store: boolean): RevertPlan {
  const { mirror, meta } = ctx;
  const out: RevertPlan = { targets: new Map(), skips: new Map(), unstored: new Map() };
  const changedSince: number[] = [];
  const pending: { p: number; why: (who: string) => string; want: Ver }[] = [];
  const merges: { p: number; a: Ver; b: Ver; cur: Ver }[] = [];
  for (const ch of ctx.history.changesOf(c.id)) {
    const p = ch.path;
    const after: Ver = { blob: ch.afterBlob, mode: ch.afterMode };
    const before: Ver = { blob: ch.beforeBlob, mode: ch.beforeMode };
    const cur = mirror.version(p);
    if (sameVer(cur, before)) continue;
    if (cur.blob === after.blob) {
      // Its content is as the checkpoint left it: back to what it found (a mode changed since stays).
      const mode = before.blob === 0 ? 0 : cur.blob === 0 || cur.mode === after.mode ? before.mode : cur.mode;
      out.targets.set(p, { blob: before.blob, mode });
      continue;
    }
    changedSince.push(p);
    if (after.blob === 0) pending.push({ p, want: before, why: (who) => `the checkpoint deleted it and it was created again since${who}; it was left as it is` });
    else if (before.blob === 0) pending.push({ p, want: before, why: (who) => `the checkpoint created it and it was changed since${who}; it was left as it is` });
    else if (cur.blob === 0) pending.push({ p, want: before, why: (who) => `it was deleted since${who}; it was left as it is` });
    else merges.push({ p, a: after, b: before, cur });
  }
  if (changedSince.length === 0) return out;
  const who = changedBy(ctx, c, new Set(changedSince));
  for (const x of pending) {
    out.targets.set(x.p, x.want);
    out.skips.set(x.p, x.why(who(x.p)));
  }
  for (const m of merges) {
    out.targets.set(m.p, m.b);
    let data: Buffer[];
    try {
      data = [m.a, m.cur, m.b].map((v) => ctx.objects.get(meta.hashOf(v.blob)));
    } catch (e) {
      out.skips.set(m.p, `it was changed since${who(m.p)} and a version to merge could not be read (${(e as Error).message}); it was left as it is`);
      continue;
    }
    if (data.some(isBinary)) {
      out.skips.set(m.p, `it is a binary file changed since${who(m.p)}: binary files are reverted only when untouched since; it was left as it is`);
      continue;
    }
    const r = merge3(data[0], data[1], data[2]);
    if (!r.ok) {
      out.skips.set(m.p, `it was changed since${who(m.p)} and ${r.reason}; it was left as it is`);
      continue;
    }
    const mode = m.cur.mode === m.a.mode ? m.b.mode : m.cur.mode;
    if (r.merged.equals(data[1]) && mode === m.cur.mode) {
      // The checkpoint's change is no longer there: nothing to undo.
      out.targets.delete(m.p);
      continue;
    }
    if (store) {
      const hash = ctx.objects.put(r.merged);
      out.targets.set(m.p, { blob: meta.blobId(hash, r.merged.length), mode });
    } else {
      const hash = ctx.readOnly ? sha256(r.merged) : ctx.objects.put(r.merged);
      out.targets.set(m.p, { blob: -1, mode });
      out.unstored.set(m.p, { hash, mode });
    }
  }
  return out;
}

/**
 * For each path, who changed it since `c`, in words (" by checkpoint "x" (#12)"): working changes,
 * else the newest checkpoint on the active line after `c` that changed it.
 */
function changedBy(ctx: EngineContext, c: CpNode, paths: Set<number>): (p: number) => string {
  const { history, mirror } = ctx;
  const found = new Map<number, CpNode>();
  let left = paths.size;
  let n = 0;
  for (const x of history.ancestors(history.head)) {
    if (x.id === c.id || left === 0 || n++ >= MAX_SINCE_SCAN) break;
    for (const ch of history.changesOf(x.id)) {
      if (paths.has(ch.path) && !found.has(ch.path)) {
        found.set(ch.path, x);
        left--;
      }
    }
  }
  return (p) => {
    const pend = mirror.pending.get(p);
    if (pend && !sameVer(pend, mirror.version(p))) return ' by edits not yet in a checkpoint';
    const x = found.get(p);
    return x ? ` by checkpoint "${x.label}" (#${x.id})` : '';
  };
}
