// Keeping the mirror current beyond one file (scan/file.ts): a reported path (`refreshAbs`: a
// file, a folder, a deleted folder, a changed .gitignore), a folder (`rescanUnder`) and every root
// (`fullScan`).
import type * as nodeFs from 'node:fs';
import * as path from 'node:path';
import type { EngineContext } from '../context';
import type { RootFolder } from '../types';
import { refreshPath } from './file';
import { drain } from './slice';
import { walk, walkSteps } from './walk';
import { watcherOf } from './watch';

/** A path reported changed (by a watcher, an announcement, a seal): a file, a folder, or gone. */
export function refreshAbs(ctx: EngineContext, abs: string, force: boolean): string | undefined {
  const loc = ctx.roots.locate(abs);
  if (!loc) return undefined;
  // A nested workspace folder itself (`ws/sub` when `sub` is open too): its own files are its own.
  const inner = ctx.roots.innerOf(loc.root).size ? ctx.roots.list.find((r) => r.path === path.resolve(abs)) : undefined;
  if (inner) {
    rescanUnder(ctx, inner, '');
    return undefined;
  }
  let st: nodeFs.Stats | undefined;
  try {
    st = ctx.fs.lstatSync(abs);
  } catch {
    st = undefined;
  }
  if (path.basename(loc.rel) === '.gitignore') {
    // Rules changed: what is tracked below this folder may have changed.
    const dir = loc.rel.includes('/') ? loc.rel.slice(0, loc.rel.lastIndexOf('/')) : '';
    ctx.tracking.invalidate(loc.root.path);
    rescanUnder(ctx, loc.root, dir);
  }
  if (st?.isDirectory()) {
    if (!ctx.tracking.excludedWithAncestors(loc.root.path, loc.rel, true)) rescanUnder(ctx, loc.root, loc.rel);
    return undefined;
  }
  if (!st && ctx.mirror.hasFilesUnder(loc.key)) {
    // A deleted folder: every file we know under it is gone.
    refreshKnownUnder(ctx, loc.key + '/', true);
  }
  return refreshPath(ctx, loc.root, loc.rel, loc.key, force, { st, abs: path.resolve(abs) });
}

/** Walks one folder, then refreshes what the mirror knows below it that the walk did not meet. */
function rescanUnder(ctx: EngineContext, root: RootFolder, dirRel: string): void {
  const seen = new Set<number>();
  walk(ctx, root, dirRel, seen);
  refreshKnownUnder(ctx, `${root.name}/${dirRel ? dirRel + '/' : ''}`, false, seen);
}

function refreshKnownUnder(ctx: EngineContext, prefix: string, force: boolean, seen?: Set<number>): void {
  for (const p of [...ctx.mirror.entries.keys()]) {
    const key = ctx.meta.keyOf(p);
    if (seen?.has(p) || !key.startsWith(prefix)) continue;
    const r = ctx.roots.rootOfKey(key)!;
    if (ctx.roots.shadowed(key)) ctx.mirror.markUntracked(p); // a nested folder owns it (kept by a store from before)
    else refreshPath(ctx, r.root, r.rel, key, force);
  }
}

/** Walks every root; re-reads only files whose stat changed. Returns files seen. */
export function fullScan(ctx: EngineContext): number {
  return drain(fullScanSteps(ctx));
}

/** `fullScan` as steps (see `walkSteps`): yields only while `ctx.scan.slice` is set. */
export function* fullScanSteps(ctx: EngineContext): Generator<void, number, void> {
  ctx.scan.startedAt = ctx.clock();
  watcherOf(ctx)?.beginWalk();
  const { mirror, meta, tracking } = ctx;
  const seen = new Set<number>();
  let count = 0;
  for (const root of ctx.roots.list) {
    tracking.revalidate(root.path);
    count += yield* walkSteps(ctx, root, '', seen);
  }
  // Whatever the walk did not meet is gone, or excluded now.
  const unseen: number[] = [];
  for (const p of mirror.entries.keys()) if (!seen.has(p)) unseen.push(p);
  for (const p of unseen) {
    if (ctx.scan.slice?.due()) yield;
    const e = mirror.get(p);
    if (!e) continue;
    const key = meta.keyOf(p);
    const loc = ctx.roots.rootOfKey(key);
    if (!loc) continue; // its folder is not open: leave it alone
    if (e.untracked) {
      if (!ctx.fs.existsSync(path.join(loc.root.path, loc.rel))) mirror.write(p, undefined);
      continue;
    }
    // A path of a nested workspace folder, recorded under the outer one too by a store from before: the inner one owns it.
    if (tracking.excludedWithAncestors(loc.root.path, loc.rel, false) || ctx.roots.shadowed(key)) mirror.markUntracked(p);
    else refreshPath(ctx, loc.root, loc.rel, key, false);
  }
  ctx.scan.rulesTrustedAt = tracking.generation;
  return count;
}

/**
 * Brings the mirror up to what is on disk, exactly: re-stats what the engine's watcher marked
 * dirty when it may be trusted (see watch.ts; the caller ran `barrier` first), else walks every
 * root. Returns which it did.
 */
export function catchUp(ctx: EngineContext, options: { walk?: boolean } = {}): 'dirty' | 'walk' {
  const dirty = options.walk ? undefined : watcherOf(ctx)?.take();
  if (!dirty) {
    fullScan(ctx);
    return 'walk';
  }
  ctx.scan.startedAt = ctx.clock();
  for (const abs of dirty) refreshAbs(ctx, abs, false);
  return 'dirty';
}
