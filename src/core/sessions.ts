// Session operations: new, rename, tag, switch, fork, delete. Every one that leaves the state the
// workspace is in seals its working changes first (a safety checkpoint), and working changes are
// always measured against the active session's head.
import type { EngineContext } from './context';
import { type Manifest, encodeManifest, encodeManifestSteps } from './encoding';
import { ABSENT, type CpNode, DEFAULT_BRANCH, DEFAULT_LABELS, type Ver, sameVer } from './model';
import { cleanName, cleanTags } from './names';
import { drain } from './scan/slice';
import { sealSafety } from './seal';
import { deleteCommandRecord } from './terminalSessions';
import { EngineError, type SessionInfo } from './types';

export function newSession(ctx: EngineContext, options: { title?: string }): SessionInfo {
  const title = cleanName(options.title ?? `Session ${ctx.history.sessions.size + 1}`, 'session title');
  sealSafety(ctx, 'Working changes before a new session');
  const id = startSessionAtCurrentState(ctx, title);
  return ctx.history.info(ctx.history.sessions.get(id)!);
}

export function renameSession(ctx: EngineContext, sessionId: string, title: string): void {
  const s = ctx.history.session(sessionId);
  ctx.history.renameSession(s, cleanName(title, 'session title'));
}

export function setSessionTags(ctx: EngineContext, sessionId: string, tags: string[]): void {
  const s = ctx.history.session(sessionId);
  ctx.history.setTags(s, cleanTags(tags));
}

/** Makes another session active without touching files; working changes are recomputed against its head. */
export function switchSession(ctx: EngineContext, sessionId: string): void {
  const s = ctx.history.session(sessionId);
  if (s.id === ctx.history.activeId) return;
  sealSafety(ctx, 'Working changes before switching sessions');
  ctx.history.setActiveSession(s.id);
  recomputePendingFull(ctx);
}

/** A new session whose history is a copy of this one's up to `checkpointId`. */
export function forkSession(ctx: EngineContext, checkpointId: string, options: { title?: string }): SessionInfo {
  const { history } = ctx;
  const from = history.node(checkpointId);
  const src = history.session(from.session);
  const title = cleanName(options.title ?? `${src.title} (fork)`, 'session title');
  sealSafety(ctx, 'Working changes before forking');
  const chain: CpNode[] = history.chain(from.id);
  const id = history.insertSession({ title, tags: src.tags, parentSession: src.id, parentCheckpoint: from.id, activeBranch: DEFAULT_BRANCH });
  let parent = 0;
  for (const c of chain) {
    parent = history.insertCheckpoint({
      session: id, parent, source: c.source, label: c.label, info: history.infoOf(c.id), changes: history.changesOf(c.id),
      manifest: c.manifest, createdAt: c.createdAt, exitCode: c.exitCode,
    });
    if (c.id === chain[0].id) history.setRoot(id, parent);
  }
  history.setBranchHead(id, DEFAULT_BRANCH, parent);
  history.setActiveSession(id);
  recomputePendingFull(ctx);
  return history.info(history.sessions.get(id)!);
}

export function deleteSession(ctx: EngineContext, sessionId: string): void {
  const { history } = ctx;
  const s = history.session(sessionId);
  const wasActive = s.id === history.activeId;
  if (wasActive) sealSafety(ctx, 'Working changes before deleting the session');
  deleteCommandRecord(ctx, s.id);
  history.deleteSession(s.id);
  if (!wasActive) return;
  const next = history.successor();
  if (next) {
    history.setActiveSession(next.id);
    recomputePendingFull(ctx);
  } else {
    // Never leave the workspace without a session: start a fresh one at the current state.
    startSessionAtCurrentState(ctx, 'Session 1');
  }
}

/**
 * Deletes several sessions in one transaction (Delete Sessions…). The active session is refused:
 * the workspace is in its state and its working changes are measured against it.
 */
export function deleteSessions(ctx: EngineContext, sessionIds: string[]): { deleted: number; checkpoints: number } {
  const { history } = ctx;
  const rows = [...new Set(sessionIds)].map((id) => history.session(id));
  const active = rows.find((s) => s.id === history.activeId);
  if (active) {
    throw new EngineError('invalid-argument', `Session "${active.title}" is the active session and cannot be deleted here: the workspace is in its state. Switch to another session first. Nothing was deleted.`);
  }
  let checkpoints = 0;
  for (const s of rows) {
    checkpoints += history.checkpointsOf(s.id).length;
    deleteCommandRecord(ctx, s.id);
    history.deleteSession(s.id);
  }
  return { deleted: rows.length, checkpoints };
}

/** A new active session whose root is the workspace as it is now (the mirror); no working changes. */
export function startSessionAtCurrentState(ctx: EngineContext, title: string): number {
  return startSessionAt(ctx, title, currentManifest(ctx));
}

/**
 * `startSessionAtCurrentState` in steps: yields when the scan's slice is due (the first session of a
 * large workspace starts at the end of the start-up scan, while reads wait).
 */
export function* startSessionAtCurrentStateSteps(ctx: EngineContext, title: string): Generator<void, number, void> {
  return startSessionAt(ctx, title, yield* currentManifestSteps(ctx));
}

function startSessionAt(ctx: EngineContext, title: string, manifest: string): number {
  const id = ctx.history.startSession(title, manifest, undefined, DEFAULT_LABELS.start);
  ctx.mirror.clearPending();
  return id;
}

/** A manifest of the current workspace (mirror), stored as an object. */
export function currentManifest(ctx: EngineContext): string {
  const m = drain(mirrorManifest(ctx, () => false));
  return remembered(ctx, ctx.objects.put(encodeManifest(m)), m);
}

/**
 * `currentManifest` in steps (the same object): the map, its encoding, hash and compression yield
 * when the scan's slice is due. Only reads run meanwhile: the mirror does not change. (The one-go
 * version keeps the native sort of `encodeManifest`, faster than the sort in steps.)
 */
function* currentManifestSteps(ctx: EngineContext): Generator<void, string, void> {
  const due = (): boolean => ctx.scan.slice?.dueNow() ?? false;
  const m = yield* mirrorManifest(ctx, due);
  return remembered(ctx, yield* ctx.objects.putSteps(yield* encodeManifestSteps(m, due), due), m);
}

/** The tracked files of the mirror as a manifest, yielding every 256 entries when `due` says so. */
function* mirrorManifest(ctx: EngineContext, due: () => boolean): Generator<void, Manifest, void> {
  const m: Manifest = new Map();
  let n = 0;
  for (const [p, e] of ctx.mirror.entries) {
    if (e.blob) m.set(ctx.meta.keyOf(p), { hash: ctx.meta.hashOf(e.blob), mode: e.mode });
    if ((++n & 255) === 0 && due()) yield;
  }
  return m;
}

function remembered(ctx: EngineContext, hash: string, m: Manifest): string {
  ctx.states.remember(hash, m);
  return hash;
}

/** Working changes = difference between the mirror and the full state of head (O(workspace); rare). */
export function recomputePendingFull(ctx: EngineContext): void {
  const { mirror } = ctx;
  const state = ctx.states.stateOf(ctx.history.head);
  mirror.clearPending();
  const seen = new Set<number>();
  // A folder that is not open (removed, or an imported session's unmapped folder) has no working changes.
  const closed = (p: number) => !ctx.roots.rootOfKey(ctx.meta.keyOf(p));
  for (const [p, v] of state) {
    seen.add(p);
    if (closed(p)) continue;
    const e = mirror.get(p);
    const cur: Ver = e ? { blob: e.blob, mode: e.mode } : ABSENT;
    if (e?.untracked) continue;
    if (!sameVer(cur, v)) mirror.setPending(p, v);
  }
  for (const [p, e] of mirror.entries) {
    if (!seen.has(p) && e.blob && !e.untracked && !closed(p)) mirror.setPending(p, ABSENT);
  }
}
