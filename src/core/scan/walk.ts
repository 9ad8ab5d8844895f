// Walking a folder tree for the scanner: which files to look at (folder listings and the rules),
// their stats (in a large scan, taken meanwhile in batches on the helper thread), and the common
// case — a tracked file whose stat is trusted and unchanged — in one lstat. Everything else goes
// to `refreshPath`.
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { HelperThread } from '../../storage/compressor';
import type { EngineContext, Fs } from '../context';
import { describeIoError } from '../ioErrors';
import type { RootFolder } from '../types';
import { refreshPath } from './file';
import { drain } from './slice';
import { watcherOf } from './watch';

/** In a scan with a helper thread, files are statted in batches of this many. */
const STAT_BATCH = 1024;
const PROGRESS_EVERY = 2000;

/** Walks `root` from `startRel`, refreshing what changed; adds the path ids met to `seen`. Returns the files looked at. */
export function walk(ctx: EngineContext, root: RootFolder, startRel: string, seen: Set<number>): number {
  return drain(walkSteps(ctx, root, startRel, seen));
}

/**
 * `walk` as steps: yields between folders and between files when `ctx.scan.slice` says a slice is
 * over (never when it is unset). Each yield is between whole files: every mirror entry is whole.
 */
export function* walkSteps(ctx: EngineContext, root: RootFolder, startRel: string, seen: Set<number>): Generator<void, number, void> {
  const { tracking, mirror, meta } = ctx;
  const slice = ctx.scan.slice;
  // Below the start, a folder is only entered when it is not excluded, so files need no ancestor checks.
  if (startRel !== '' && tracking.excludedWithAncestors(root.path, startRel, true)) return 0;
  // 1. The files to look at, from the folder listings. In a large scan their stats are taken
  //    meanwhile, in batches, by the helper thread (without one, here). Measured here: the
  //    helper taking every batch while this thread lists, checks rules and compares scans 100k
  //    files in about 310 ms; this thread taking one batch in four, 430 ms.
  const prefix = `${root.name}/`;
  const rels: string[] = [];
  /** Per file: its path id when it is tracked and the rules need not be asked (else -1). */
  const ids: number[] = [];
  const abss: string[] = [];
  const stats: (nodeFs.Stats | null | undefined)[] = [];
  const jobs: number[] = []; // per batch: the helper's job, or -1 (stats taken here)
  const useHelper = ctx.useHelpers;
  let helper: HelperThread | undefined;
  const batchDone = () => {
    const k = jobs.length;
    const from = k * STAT_BATCH;
    helper ??= scanHelper(ctx);
    if (!helper) {
      for (let i = from; i < from + STAT_BATCH; i++) stats[i] = statOrNull(ctx.fs, abss[i]);
      jobs.push(-1);
    } else {
      jobs.push(helper.lstat(abss.slice(from, from + STAT_BATCH)));
    }
  };
  const inner = ctx.roots.innerOf(root); // nested workspace folders: their files are theirs, not walked from here
  const stack = [startRel];
  // The engine's watcher (watch.ts): each folder is watched before it is listed.
  const watcher = watcherOf(ctx);
  while (stack.length) {
    if (slice?.due()) yield;
    const dirRel = stack.pop()!;
    const dirAbs = dirRel ? path.join(root.path, ...dirRel.split('/')) : root.path;
    watcher?.watchDir(dirAbs);
    let entries: nodeFs.Dirent[];
    try {
      entries = ctx.fs.readdirSync(dirAbs, { withFileTypes: true });
    } catch (e) {
      ctx.log('warn', describeIoError(e, dirAbs, 'list'));
      continue;
    }
    // No `.gitignore` here: the rules need not try to read one. A new one: they must.
    if (!entries.some((e) => e.name === '.gitignore')) tracking.noGitignoreIn(root.path, dirRel);
    else tracking.gitignoreIn(root.path, dirRel);
    // Rules unchanged since the last full scan: a file tracked then is not excluded now.
    const trusted = ctx.scan.rulesTrustedAt === tracking.generation;
    for (const ent of entries) {
      const rel = dirRel ? `${dirRel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) {
        if (inner.size && inner.has(path.join(dirAbs, ent.name))) continue;
        if (!tracking.excluded(root.path, rel, true, dirRel)) stack.push(rel);
      } else if (ent.isFile()) {
        let id = -1;
        if (trusted) {
          const p = meta.pathOf(prefix + rel);
          if (p !== undefined && mirror.get(p)?.untracked === false) id = p;
        }
        if (id >= 0 || !tracking.excluded(root.path, rel, false, dirRel)) {
          rels.push(rel);
          ids.push(id);
          abss.push(dirAbs + path.sep + ent.name);
          if (useHelper && rels.length % STAT_BATCH === 0) batchDone();
        }
      }
    }
  }
  // 2. The common case costs one lstat: a file whose stat is trusted and unchanged.
  let batch: Float64Array | undefined;
  for (let i = 0; i < rels.length; i++) {
    if (slice?.due()) yield;
    if ((i + 1) % PROGRESS_EVERY === 0) ctx.emit({ type: 'progress', progress: { phase: 'scan', done: i + 1 } });
    let st: nodeFs.Stats | undefined;
    // kind (1 file), size, mtime, ino, mode: from the helper's batch or from an lstat here
    let kind = -1;
    let size = 0;
    let mtime = 0;
    let ino = 0;
    let mode = 0;
    const k = Math.floor(i / STAT_BATCH);
    if (k < jobs.length && jobs[k] !== -1) {
      if (i % STAT_BATCH === 0) batch = helper!.takeStats(jobs[k], true);
      if (batch) {
        const o = (i % STAT_BATCH) * 5;
        kind = batch[o];
        if (kind === 0) continue; // gone since the listing
        size = batch[o + 1];
        mtime = batch[o + 2];
        ino = batch[o + 3];
        mode = batch[o + 4];
      }
    }
    if (kind < 0) {
      const s = k < jobs.length ? stats[i] : undefined;
      if (s === null) continue; // gone since the listing
      try {
        st = s ?? ctx.fs.lstatSync(abss[i]);
      } catch {
        continue; // gone since the listing: as if it had not been listed
      }
      kind = st.isFile() ? 1 : 4;
      size = st.size;
      mtime = st.mtimeMs;
      ino = st.ino;
      mode = st.mode;
    }
    const p = ids[i] >= 0 ? ids[i] : meta.pathOf(prefix + rels[i]);
    const e = p !== undefined ? mirror.get(p) : undefined;
    if (
      e && !e.untracked && !e.racy && kind === 1 && e.size === size && e.mtime === mtime &&
      e.ino === ino && e.mode === (mode & 0o777) && !tracking.tooLarge(size)
    ) {
      seen.add(p!);
      continue;
    }
    st ??= helperStat(batch!, i % STAT_BATCH)!;
    const key = prefix + rels[i];
    const err = refreshPath(ctx, root, rels[i], key, false, { st, abs: abss[i], walked: true });
    if (err) ctx.log('warn', err);
    const id = meta.pathOf(key);
    if (id !== undefined) seen.add(id);
  }
  return rels.length;
}

function scanHelper(ctx: EngineContext): HelperThread | undefined {
  try {
    ctx.scan.statHelper ??= new HelperThread();
  } catch {
    return undefined;
  }
  return ctx.scan.statHelper;
}

/** lstat; null when the file is gone, undefined on another error (the caller tries again and reports it). */
function statOrNull(fs: Fs, abs: string): nodeFs.Stats | null | undefined {
  try {
    return fs.lstatSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : undefined;
  }
}

/** A helper thread's lstat result as the few Stats fields a scan reads; null: absent; undefined: stat it here. */
function helperStat(batch: Float64Array, i: number): nodeFs.Stats | null | undefined {
  const kind = batch[i * 5];
  if (kind === 0) return null;
  if (kind < 0) return undefined;
  return new HelperStat(kind, batch[i * 5 + 1], batch[i * 5 + 2], batch[i * 5 + 3], batch[i * 5 + 4]) as unknown as nodeFs.Stats;
}

class HelperStat {
  constructor(readonly kind: number, readonly size: number, readonly mtimeMs: number, readonly ino: number, readonly mode: number) {}
  isFile(): boolean {
    return this.kind === 1;
  }
  isDirectory(): boolean {
    return this.kind === 2;
  }
  isSymbolicLink(): boolean {
    return this.kind === 3;
  }
}
