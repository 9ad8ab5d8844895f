// Repair Store: keeps everything sound and reports what it cannot keep.
import type { EngineContext } from '../context';
import { DEFAULT_BRANCH, capital } from '../model';
import { readRegular, refreshPath } from '../scan/file';
import { recomputePendingFull, startSessionAtCurrentState } from '../sessions';
import { sha256 } from '../../storage/objects';
import type { RepairReport } from '../types';
import { inspect } from './inspect';
import { verify } from './verify';


/**
 * Repairs what Verify Store finds, keeping everything sound: missing or damaged snapshots are
 * recovered from other copies in the packs or from workspace files with the same content; what
 * cannot be recovered is reported (restores mark those files failed); checkpoints whose history
 * is broken, and branches pointing nowhere, are removed or moved to the start of their session.
 */
export function repair(ctx: EngineContext): RepairReport {
  const { meta, history, mirror } = ctx;
  const fixed: string[] = [];
  const lost: string[] = [];
  ctx.mutate(() => {
    const f = inspect(ctx);
    // 1. Snapshots: another good copy in the packs, or a workspace file with the same content.
    const wanted = new Set<string>([...f.lostContent.keys()]);
    for (const p of f.mirrorMissing) wanted.add(meta.hashOf(mirror.get(p)!.blob));
    for (const h of wanted) if (f.bad.has(h)) ctx.objects.forget(h);
    const fromPacks = ctx.objects.salvage(wanted);
    // Written again as the newest copy, so it is the one found when the store opens next.
    for (const h of fromPacks) {
      const data = ctx.objects.get(h);
      ctx.objects.forget(h);
      ctx.objects.put(data);
    }
    const fromWorkspace = new Set<string>();
    const candidates = new Set<string>();
    for (const h of wanted) {
      if (fromPacks.has(h)) continue;
      for (const k of f.lostContent.get(h)?.keys ?? []) candidates.add(k);
    }
    for (const p of f.mirrorMissing) candidates.add(meta.keyOf(p));
    for (const key of candidates) {
      const loc = ctx.roots.rootOfKey(key);
      if (!loc) continue;
      let data: Buffer;
      try {
        // A regular file inside the workspace only: never through a link, never a pipe (its lstat first).
        const abs = ctx.roots.absOf(key);
        if (!ctx.fs.lstatSync(abs).isFile()) continue;
        const r = readRegular(ctx, loc.root, loc.rel, abs);
        if (!r) continue;
        data = Buffer.from(r.data);
      } catch {
        continue;
      }
      const h = sha256(data);
      if (wanted.has(h) && !fromPacks.has(h) && !fromWorkspace.has(h)) {
        ctx.objects.put(data);
        fromWorkspace.add(h);
      }
    }
    if (fromPacks.size) fixed.push(`Recovered ${fromPacks.size} damaged or missing snapshot${fromPacks.size === 1 ? '' : 's'} from other copies in the store.`);
    if (fromWorkspace.size) fixed.push(`Recovered ${fromWorkspace.size} damaged or missing snapshot${fromWorkspace.size === 1 ? '' : 's'} from files in the workspace with the same content.`);
    const stillLost = [...f.lostContent.entries()].filter(([h]) => !fromPacks.has(h) && !fromWorkspace.has(h));
    for (const [h, r] of stillLost) {
      lost.push(`The content of ${r.where.join(', ')}${r.where.length >= 3 ? ', …' : ''} (snapshot ${h.slice(0, 12)}): no undamaged copy exists; restoring it marks the file failed.`);
    }
    if (stillLost.length) {
      const all = new Set([...f.lostBefore, ...stillLost.map(([h]) => h)]);
      meta.metaSet('lost_snapshots', JSON.stringify([...all]));
    }
    for (const h of f.badOrphans) ctx.objects.forget(h);
    if (f.badOrphans.length) fixed.push(`Dropped ${f.badOrphans.length} damaged snapshot${f.badOrphans.length === 1 ? '' : 's'} that nothing referred to.`);
    // Current files whose saved copy is gone: read again (a changed file becomes a working change).
    for (const p of f.mirrorMissing) {
      const h = meta.hashOf(mirror.get(p)!.blob);
      if (fromPacks.has(h) || fromWorkspace.has(h)) continue;
      const loc = ctx.roots.rootOfKey(meta.keyOf(p));
      const e = mirror.get(p)!;
      mirror.write(p, { ...e, racy: true });
      if (loc) refreshPath(ctx, loc.root, loc.rel, meta.keyOf(p), true);
    }
    // 2. History: checkpoints whose state cannot be computed go, with everything after them.
    const doomedSessions = new Set<number>();
    for (const [id, why] of f.sessionProblems) {
      doomedSessions.add(id);
      const s = history.sessions.get(id)!;
      const n = [...history.cps.values()].filter((c) => c.session === id).length;
      lost.push(`Session "${s.title}" and its ${n} checkpoint${n === 1 ? '' : 's'}: ${why}, so none of its states can be computed.`);
    }
    const doomed = new Set<number>();
    for (const [id, top] of f.unsound) {
      const c = history.cps.get(id)!;
      if (doomedSessions.has(c.session)) continue;
      doomed.add(id);
      if (id === top) {
        const below = [...f.unsound.values()].filter((t) => t === top).length - 1;
        lost.push(`${capital(f.own.get(top)!)}; it${below ? ` and ${below} later checkpoint${below === 1 ? '' : 's'}` : ''} could not be kept.`);
      }
    }
    for (const c of [...history.cps.values()]) if (doomedSessions.has(c.session)) doomed.add(c.id);
    const activeBefore = history.activeId;
    const activeHeadBefore = history.sessions.has(activeBefore) ? history.branchesOf(activeBefore).get(history.sessions.get(activeBefore)!.activeBranch)?.head : undefined;
    for (const id of doomed) history.deleteCheckpoint(id);
    for (const id of doomedSessions) history.dropSessionRow(id);
    // 3. Branches pointing nowhere move to the start of their session.
    for (const [id, s] of history.sessions) {
      const m = history.branchesOf(id);
      for (const [bn, b] of [...m]) {
        const head = history.cps.get(b.head);
        if (head && head.session === id) continue;
        history.setBranchHead(id, bn, s.root);
        fixed.push(`Branch "${bn}" of session "${s.title}" pointed to a checkpoint that no longer exists; it now points to the start of the session.`);
      }
      if (!m.has(s.activeBranch)) {
        const name = m.has(DEFAULT_BRANCH) ? DEFAULT_BRANCH : [...m.keys()][0] ?? DEFAULT_BRANCH;
        if (!m.has(name)) history.setBranchHead(id, name, s.root);
        fixed.push(`Session "${s.title}" had no active branch "${s.activeBranch}"; "${name}" is active now.`);
        history.setActiveBranch(s, name);
      }
    }
    // 4. The active session: still there, and working changes measured against its (maybe new) head.
    if (!history.sessions.has(history.activeId)) {
      const next = history.successor();
      if (next) history.setActiveSession(next.id);
      else {
        startSessionAtCurrentState(ctx, 'Recovered session');
        fixed.push('No sound session was left; a new one starts at the workspace as it is now.');
      }
    }
    const s = history.session();
    if (s.id !== activeBefore || history.headOf(s) !== activeHeadBefore || doomed.size || f.mirrorMissing.length) recomputePendingFull(ctx);
  });
  ctx.saveNow();
  const check = verify(ctx);
  const summary = lost.length === 0 && fixed.length === 0
    ? `Nothing needed repair. ${check.summary}`
    : `Repair kept everything that is sound${fixed.length ? `, fixed ${fixed.length} thing${fixed.length === 1 ? '' : 's'}` : ''}${lost.length ? ` and could not keep ${lost.length}` : ''}. ${check.summary}`;
  ctx.log(lost.length ? 'warn' : 'info', summary);
  return { fixed, lost, check, summary };
}
