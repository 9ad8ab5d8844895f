// Capture operations: what a file watcher reports, what an agent announces before it writes, a
// full rescan, and whether a path is tracked. Each is a function of the engine context; the
// facade decides their guards and transactions (see operations.ts).
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import type { EngineContext } from './context';
import { behindLink } from './links';
import { catchUp, refreshAbs } from './scan/refresh';
import { warmVersions } from './scan/warm';

/** Watcher report: these absolute paths were created, changed or deleted. Cost O(paths). */
export function notifyChanged(ctx: EngineContext, paths: string[]): void {
  ctx.scan.startedAt = ctx.clock();
  for (const abs of paths) refreshAbs(ctx, abs, true);
}

/** Before-edit capture: makes sure the current bytes of these files are in the store. */
export function willEdit(ctx: EngineContext, paths: string[]): void {
  const { scan, meta } = ctx;
  scan.startedAt = ctx.clock();
  for (const abs of paths) {
    const loc = ctx.roots.locate(abs);
    if (!loc) continue;
    scan.announced.add(path.resolve(abs));
    let err: string | undefined;
    try {
      err = refreshAbs(ctx, abs, false);
    } catch (e) {
      err = (e as Error).message;
    }
    const p = meta.pathOf(loc.key);
    if (err) {
      ctx.log('warn', `Could not save ${abs} before it changes: ${err}`);
      scan.captureFailures.set(p ?? meta.pathId(loc.key), err);
    } else if (p !== undefined) scan.captureFailures.delete(p);
  }
  warmVersions(ctx, paths);
}

/** Brings the mirror up to what is on disk: the engine watcher's dirty paths when trusted, else (or with `walk`) a walk of every folder. */
export function rescan(ctx: EngineContext, options: { walk?: boolean } = {}): void {
  catchUp(ctx, options);
}

export function trackingStatus(ctx: EngineContext, abs: string): { tracked: boolean; reason?: string } {
  const loc = ctx.roots.locate(abs);
  if (!loc) return { tracked: false, reason: 'outside the workspace folders' };
  let st: nodeFs.Stats | undefined;
  try {
    st = ctx.fs.lstatSync(abs);
  } catch {
    st = undefined;
  }
  if (st?.isSymbolicLink()) return { tracked: false, reason: 'a symbolic link' };
  if (behindLink(ctx.fs, loc.root.path, loc.rel)) return { tracked: false, reason: 'behind a linked folder (links are not followed)' };
  if (st && !st.isFile() && !st.isDirectory()) return { tracked: false, reason: 'not a regular file' };
  const why = ctx.tracking.excludedWithAncestors(loc.root.path, loc.rel, !!st?.isDirectory()) ?? (st ? ctx.tracking.tooLarge(st.size) : undefined);
  return why ? { tracked: false, reason: why } : { tracked: true };
}
