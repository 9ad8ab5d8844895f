// Sealing: the working changes become one checkpoint on the active branch, with each changed
// file's versions before and after and its line counts.
import type { ChangeRecord } from './encoding';
import type { EngineContext } from './context';
import { lineStats } from './lines';
import { DEFAULT_LABELS, type Ver, ABSENT, sameVer } from './model';
import { willEdit } from './capture';
import { catchUp, refreshAbs } from './scan/refresh';
import type { CheckpointMeta, CheckpointSource } from './types';

/**
 * How a seal learns what is on disk. `rescan`: everything first — exact whatever the editor's
 * watcher reported (the caller declared no paths): what the engine's own watcher marked dirty,
 * or a stat walk of every folder when it cannot be trusted (scan/watch.ts); `paths`: these are
 * re-read too.
 */
export interface SealScope {
  rescan?: boolean;
  paths?: string[];
}

/** Brings the mirror up to date for a seal: the walk (if asked), then announced and given paths. */
function bringUpToDate(ctx: EngineContext, scope: SealScope): void {
  ctx.scan.startedAt = ctx.clock();
  if (scope.rescan) catchUp(ctx);
  for (const abs of [...ctx.scan.announced, ...(scope.paths ?? [])]) refreshAbs(ctx, abs, false);
  ctx.scan.announced.clear();
}

/** `createCheckpoint`: brings announced (and given) paths up to date, then seals. Returns the new checkpoint's id. */
export function createCheckpoint(ctx: EngineContext, meta: CheckpointMeta & { allowEmpty?: boolean } & SealScope): number | undefined {
  bringUpToDate(ctx, meta);
  return seal(ctx, meta, meta.allowEmpty);
}

/**
 * `beginTurn`: whatever is pending before an agent's turn — what the watcher reported, the files
 * the turn is about to write as they are now, and (`rescan`) whatever else a walk finds — is
 * sealed into its own checkpoint (`before`: as the editor's or another tool's), and only then are
 * the turn's files captured. So the turn's checkpoint holds the turn's changes only, and a
 * person's unsealed edit is never folded into it. Returns the id of that earlier checkpoint, if
 * anything was pending.
 */
export function beginTurn(ctx: EngineContext, options: { before: CheckpointMeta } & SealScope): number | undefined {
  bringUpToDate(ctx, options);
  const id = seal(ctx, options.before);
  if (options.paths?.length) willEdit(ctx, options.paths);
  return id;
}

/** Seals working changes into a checkpoint; undefined when nothing changed (unless allowEmpty). */
export function seal(ctx: EngineContext, meta: CheckpointMeta, allowEmpty = false): number | undefined {
  const { mirror, history, meta: md } = ctx;
  if (mirror.pending.size === 0 && !allowEmpty) return undefined;
  const s = history.session();
  const head = history.headOf(s);
  const changes: ChangeRecord[] = [];
  const keys: string[] = [];
  for (const [p, before] of mirror.pending) {
    const e = mirror.get(p);
    const after: Ver = e ? { blob: e.blob, mode: e.mode } : ABSENT;
    if (sameVer(before, after)) continue;
    let stats = { added: 0, removed: 0, binary: false };
    try {
      stats = lineStats(before.blob ? ctx.objects.get(md.hashOf(before.blob), true) : undefined, after.blob ? ctx.objects.get(md.hashOf(after.blob), true) : undefined);
    } catch {
      /* counts are cosmetic; a missing snapshot is reported by Verify Store */
    }
    changes.push({ path: p, beforeBlob: before.blob, beforeMode: before.mode, afterBlob: after.blob, afterMode: after.mode, ...stats });
    keys.push(md.keyOf(p));
  }
  if (changes.length === 0 && !allowEmpty) {
    mirror.clearPending();
    return undefined;
  }
  changes.sort((a, b) => md.keyOf(a.path).localeCompare(md.keyOf(b.path)));
  const source = meta.source ?? 'manual';
  const info: Record<string, unknown> = {};
  for (const k of ['tools', 'prompt', 'command', 'cwd', 'durationMs', 'metadata'] as const) if (meta[k] !== undefined) info[k] = meta[k];
  const label = meta.label?.trim() || defaultLabel(source, keys, meta);
  const id = history.insertCheckpoint({ session: s.id, parent: head, source, label, info, changes, exitCode: meta.exitCode });
  history.setBranchHead(s.id, s.activeBranch, id);
  mirror.clearPending();
  return id;
}

/** Seals pending working changes, if any, as a safety checkpoint before an operation that moves away from them. */
export function sealSafety(ctx: EngineContext, label: string): number | undefined {
  return ctx.mirror.pending.size > 0 ? seal(ctx, { source: 'safety', label }) : undefined;
}

function defaultLabel(source: CheckpointSource, keys: string[], meta: CheckpointMeta): string {
  if (source === 'terminal' && meta.command) return meta.command.length > 80 ? meta.command.slice(0, 79) + '…' : meta.command;
  if (source === 'editor' || source === 'manual') {
    if (keys.length === 1) return `${source === 'editor' ? 'Saved' : 'Changed'} ${keys[0].slice(keys[0].lastIndexOf('/') + 1)}`;
    if (keys.length > 1) return `${source === 'editor' ? 'Saved' : 'Changed'} ${keys.length} files`;
  }
  return DEFAULT_LABELS[source];
}
