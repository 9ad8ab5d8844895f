// Reading checkpoints and working changes as the API returns them (strings, absolute paths,
// content hashes), and the one edit of a checkpoint: its label.
import type { ChangeRecord } from './encoding';
import type { EngineContext } from './context';
import type { CheckpointQuery } from './engineApi';
import { lineStats } from './lines';
import { type CpNode, DEFAULT_LABELS } from './model';
import { cleanName } from './names';
import { type CheckpointInfo, type CheckpointSummary, EngineError, type FileChange, type FileVersion } from './types';

/** Working changes get line counts (two snapshot reads a file) for this many files. */
const WORKING_CHANGE_STATS_LIMIT = 500;
/** Before a deferred open has read the mirror, this many working changes are read row by row. */
const WORKING_CHANGES_PEEK = 200;

export function checkpoint(ctx: EngineContext, id: string): CheckpointInfo {
  const c = ctx.history.node(id);
  const info = (ctx.history.infoOf(c.id) ?? {}) as Record<string, unknown>;
  return {
    ...ctx.history.summary(c),
    tools: info.tools as string[] | undefined, prompt: info.prompt as string | undefined,
    command: info.command as string | undefined, cwd: info.cwd as string | undefined,
    durationMs: info.durationMs as number | undefined,
    metadata: info.metadata as Record<string, unknown> | undefined,
    files: ctx.history.changesOf(c.id).map((ch) => fileChange(ctx, ch)),
  };
}

/** Newest first, walking parents from the branch head (or `fromId`). */
export function checkpoints(ctx: EngineContext, q: CheckpointQuery): CheckpointSummary[] {
  const { history } = ctx;
  let start: number;
  if (q.fromId !== undefined) start = history.node(q.fromId).id;
  else {
    const s = history.session(q.sessionId);
    const name = q.branch ?? s.activeBranch;
    const b = history.branchesOf(s.id).get(name);
    if (!b) throw new EngineError('not-found', `No branch named "${name}" in session "${s.title}".`);
    start = b.head;
  }
  const offset = Number.isFinite(q.offset) ? Math.max(0, Math.floor(q.offset!)) : 0;
  const limit = q.limit === undefined || q.limit === Infinity ? Infinity : Number.isFinite(q.limit) ? Math.max(0, Math.floor(q.limit)) : 0;
  const out: CheckpointSummary[] = [];
  let i = 0;
  for (const c of history.ancestors(start)) {
    if (out.length >= limit) break;
    if (i++ >= offset) out.push(history.summary(c));
  }
  return out;
}

/** Tips (checkpoints without children) of the subtree under `checkpointId`, newest first. */
export function tipsUnder(ctx: EngineContext, checkpointId: string): string[] {
  const start = ctx.history.node(checkpointId);
  const tips: CpNode[] = [];
  const stack = [start];
  while (stack.length) {
    const c = stack.pop()!;
    if (c.children.length === 0) tips.push(c);
    for (const k of c.children) stack.push(ctx.history.cps.get(k)!);
  }
  return tips.sort((a, b) => b.createdAt - a.createdAt || b.id - a.id).map((c) => String(c.id));
}

export function labelCheckpoint(ctx: EngineContext, checkpointId: string, label: string): void {
  const c = ctx.history.node(checkpointId);
  const l = cleanName(label, 'label', true);
  ctx.history.setLabel(c, l || DEFAULT_LABELS[c.source], true);
}

export function fileChange(ctx: EngineContext, c: ChangeRecord): FileChange {
  const key = ctx.meta.keyOf(c.path);
  const before = ctx.meta.verOut({ blob: c.beforeBlob, mode: c.beforeMode });
  const after = ctx.meta.verOut({ blob: c.afterBlob, mode: c.afterMode });
  const beforeSize = sizeOf(ctx, before);
  const afterSize = sizeOf(ctx, after);
  return {
    path: ctx.roots.absOf(key), key,
    change: c.beforeBlob === 0 ? 'added' : c.afterBlob === 0 ? 'deleted' : 'modified',
    added: c.added, removed: c.removed, binary: c.binary,
    before, after,
    ...(beforeSize !== undefined ? { beforeSize } : {}),
    ...(afterSize !== undefined ? { afterSize } : {}),
  };
}

/** The bytes of a stored version, from the snapshot index (undefined: absent, or not known). */
function sizeOf(ctx: EngineContext, v: FileVersion | undefined): number | undefined {
  if (!v) return undefined;
  try {
    return ctx.objects.rawSize(v.hash);
  } catch {
    return undefined; // sizes are cosmetic
  }
}

export function workingChanges(ctx: EngineContext): FileChange[] {
  const { mirror, meta } = ctx;
  if (!meta.isLoaded && mirror.pending.size <= WORKING_CHANGES_PEEK) return workingChangesAsSaved(ctx);
  const out: FileChange[] = [];
  for (const [p, headVer] of mirror.pending) {
    const cur = mirror.version(p);
    // Line counts cost two snapshot reads a file: worth it for the working changes a person reads.
    let stats = { added: 0, removed: 0, binary: false };
    if (out.length < WORKING_CHANGE_STATS_LIMIT) {
      try {
        stats = lineStats(headVer.blob ? ctx.objects.get(meta.hashOf(headVer.blob), true) : undefined, cur.blob ? ctx.objects.get(meta.hashOf(cur.blob), true) : undefined);
      } catch {
        /* counts are cosmetic */
      }
    }
    out.push(fileChange(ctx, { path: p, beforeBlob: headVer.blob, beforeMode: headVer.mode, afterBlob: cur.blob, afterMode: cur.mode, ...stats }));
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/**
 * Working changes as last saved, read row by row (a deferred open has not read the mirror yet);
 * line counts follow once it has (a `changed` event).
 */
function workingChangesAsSaved(ctx: EngineContext): FileChange[] {
  const { meta } = ctx;
  const version = (blob: number, mode: number): FileVersion | undefined => {
    if (!blob) return undefined;
    const h = meta.one('SELECT hash FROM blobs WHERE id = ?', [blob])?.[0] as Uint8Array | undefined;
    if (!h) throw new EngineError('corrupt', `Content record ${blob} is missing from the store.`);
    return { hash: Buffer.from(h).toString('hex'), mode };
  };
  const out: FileChange[] = [];
  for (const [p, headVer] of ctx.mirror.pending) {
    const key = String(meta.one('SELECT key FROM paths WHERE id = ?', [p])?.[0] ?? '');
    const m = meta.one('SELECT blob, mode FROM mirror WHERE path = ?', [p]);
    const afterBlob = (m?.[0] as number) ?? 0;
    const afterMode = (m?.[1] as number) ?? 0;
    out.push({
      path: ctx.roots.absOf(key), key,
      change: headVer.blob === 0 ? 'added' : afterBlob === 0 ? 'deleted' : 'modified',
      added: 0, removed: 0, binary: false,
      before: version(headVer.blob, headVer.mode), after: version(afterBlob, afterMode),
    });
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/** The version of an absolute path in a checkpoint's state (undefined: absent there). */
export function fileAt(ctx: EngineContext, checkpointId: string, abs: string): FileVersion | undefined {
  const c = ctx.history.node(checkpointId);
  const loc = ctx.roots.locate(abs);
  if (!loc) throw new EngineError('outside-workspace', `${abs} is outside the workspace folders.`);
  const p = ctx.meta.pathOf(loc.key);
  if (p === undefined) return undefined;
  return ctx.meta.verOut(ctx.states.versionAt(c.id, p));
}

/** Bytes of a stored file version (verified against its hash). */
export function readContent(ctx: EngineContext, hash: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new EngineError('invalid-argument', `"${hash}" is not a content hash.`);
  try {
    return ctx.objects.get(hash);
  } catch (e) {
    throw new EngineError('corrupt', (e as Error).message);
  }
}
