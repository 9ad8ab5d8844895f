// Verify Store: every problem `inspect` finds, in plain words.
import type { EngineContext } from '../context';
import { capital } from '../model';
import { formatBytes } from '../tracking';
import type { StoreCheck } from '../types';
import { humanBytes } from '../bytes';
import { inspect } from './inspect';
import { storageReport } from './usage';

/** Checks every snapshot's hash, every checkpoint's references and what is orphaned; reports in plain words. */
export function verify(ctx: EngineContext): StoreCheck {
  const { meta, history } = ctx;
  const f = inspect(ctx);
  const problems: string[] = [];
  const notes: string[] = [];
  const cap = (lines: string[], max = 50) => (lines.length > max ? [...lines.slice(0, max), `… and ${lines.length - max} more.`] : lines);
  const list: string[] = [];
  for (const [id, top] of f.unsound) {
    if (id !== top) continue;
    const below = [...f.unsound.values()].filter((t) => t === top).length - 1;
    list.push(`${capital(f.own.get(top)!)}: it${below ? ` and ${below} later checkpoint${below === 1 ? '' : 's'}` : ''} cannot be restored.`);
  }
  for (const [id, why] of f.sessionProblems) if (!f.unsound.has(history.sessions.get(id)!.root)) list.push(`${capital(why)}.`);
  for (const b of f.branchProblems) list.push(`${capital(b.why)}.`);
  for (const [h, r] of f.lostContent) {
    const line = `The content of ${r.where[0]}${r.where.length > 1 ? ` (and ${r.where.length - 1} more place${r.where.length > 2 ? 's' : ''})` : ''} is ${r.damaged ? 'damaged' : 'missing'} (snapshot ${h.slice(0, 12)}); restoring it marks the file failed.`;
    if (f.lostBefore.has(h)) notes.push(`${line.replace(/; restoring/, ' — lost before the last Repair; restoring')}`);
    else list.push(line);
  }
  if (f.mirrorMissing.length) list.push(`The saved copies of ${f.mirrorMissing.length} current file${f.mirrorMissing.length === 1 ? '' : 's'} (${f.mirrorMissing.slice(0, 3).map((p) => meta.keyOf(p)).join(', ')}${f.mirrorMissing.length > 3 ? ', …' : ''}) are missing or damaged; Repair reads them again from the workspace.`);
  if (f.unknownMirror) list.push(`${f.unknownMirror} current file record${f.unknownMirror === 1 ? ' refers' : 's refer'} to unknown content; Repair reads them again from the workspace.`);
  if (f.badOrphans.length) list.push(`${f.badOrphans.length} damaged snapshot${f.badOrphans.length === 1 ? '' : 's'} that nothing refers to (${f.badOrphans.slice(0, 3).map((h) => h.slice(0, 12)).join(', ')}); Repair drops ${f.badOrphans.length === 1 ? 'it' : 'them'}.`);
  problems.push(...cap(list));
  if (f.orphanCount > f.badOrphans.length) notes.push(`${f.orphanCount - f.badOrphans.length} snapshot${f.orphanCount - f.badOrphans.length === 1 ? '' : 's'} (${formatBytes(f.orphanBytes)}) no checkpoint refers to any more; they are freed in the background.`);
  try {
    notes.push(storageLine(ctx));
  } catch {
    /* sizes of a store too damaged to read: the problems above say why */
  }
  const checked = ctx.objects.count + history.cps.size;
  const what = `${ctx.objects.count} snapshot${ctx.objects.count === 1 ? '' : 's'}, ${history.cps.size} checkpoint${history.cps.size === 1 ? '' : 's'} in ${history.sessions.size} session${history.sessions.size === 1 ? '' : 's'}`;
  const summary = problems.length === 0
    ? `The store is sound: checked ${what}.`
    : `${list.length} problem${list.length === 1 ? '' : 's'} found in ${what}. Repair Store keeps everything that is sound and reports what it cannot keep.`;
  return { ok: problems.length === 0, problems, notes, checked, summary };
}
/** The store's size in words, for Verify Store's report. */
function storageLine(ctx: EngineContext): string {
  const r = storageReport(ctx);
  const top = [...r.sessions].sort((a, b) => b.ownBytes - a.ownBytes).slice(0, 3)
    .map((s) => `"${s.title}" ${humanBytes(s.bytes)} (${humanBytes(s.ownBytes)} its own)`);
  return `The store holds ${humanBytes(r.totalBytes)}: snapshots ${humanBytes(r.snapshotBytes)}, database ${humanBytes(r.databaseBytes)}` +
    `${r.garbageBytes ? `, ${humanBytes(r.garbageBytes)} of it referred to by nothing` : ''}. Sessions: ${top.join(', ')}${r.sessions.length > 3 ? ', …' : ''}.`;
}
