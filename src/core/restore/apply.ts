// Applying one planned file: re-checked against what the plan saw, then written or removed
// through the workspace write (folders pinned and re-checked, see workspaceWrite.ts), and the
// mirror told. Never throws: a failure is the file's result.
import type * as nodeFs from 'node:fs';
import { ObjectCorruptError, sha256 } from '../../storage/objects';
import type { EngineContext } from '../context';
import { describeIoError } from '../ioErrors';
import { ABSENT, type Ver, sameVer } from '../model';
import type { RestoreFileResult } from '../types';
import { asideOf } from './aside';
import type { Planned } from './plan';
import { CHANGED_DURING, type DirChain, type FolderPins, UnsafePathError, kindProblem, lstatIn, openChain, pruneEmpty, readIn, removeIn, sameStat, writeIn } from './workspaceWrite';

const CHANGED = 'the file changed on disk after the restore was planned; it was left as it is';
// Chosen over keeping the displaced bytes: the safety checkpoint is sealed and saved before the
// first write, so bytes landing later could only join it by rewriting it; left in place they are
// not lost, the reason says why, and the restore can simply be run again.

/** Writes or removes one file. `token`: this restore's (its temp names carry it); `pins`: its open folders. */
export function applyOne(ctx: EngineContext, { p, out: plan, cur, tgt }: Planned, token: string, pins?: FolderPins): RestoreFileResult {
  const { fs, mirror, meta } = ctx;
  const res: RestoreFileResult = { path: plan.path, key: plan.key, status: 'failed', before: plan.current, after: plan.current };
  const loc = ctx.roots.rootOfKey(plan.key)!;
  const abs = plan.path;
  let chain: DirChain | undefined;
  try {
    // The content first: no folder is created for a file that cannot be written.
    let data: Buffer | undefined;
    if (tgt.blob !== 0) {
      try {
        data = ctx.objects.get(meta.hashOf(tgt.blob));
      } catch (e) {
        res.reason = e instanceof ObjectCorruptError ? e.message : `the stored content could not be read: ${(e as Error).message}`;
        return res;
      }
    }
    const o = openChain(fs, loc.root, loc.rel, tgt.blob !== 0, pins);
    chain = o.chain;
    const { name } = o;
    // A folder on the way is gone: so is the file (nothing to remove).
    const st = chain ? lstatIn(fs, chain, name) : undefined;
    const kind = kindProblem(st);
    if (kind) throw kind;
    // Re-check: the file must still be what the plan saw (its lstat, through the pinned folder).
    const version = (s: nodeFs.Stats | undefined): Ver => {
      if (!s || !chain) return ABSENT;
      const r = readIn(fs, chain, name);
      return r ? { blob: meta.blobOf(sha256(r.data)) ?? -1, mode: r.st.mode & 0o777 } : ABSENT;
    };
    const m = mirror.get(p);
    const unchanged = cur.blob === 0 ? !st : !!st && !!m && st.size === m.size && st.mtimeMs === m.mtime && st.ino === m.ino;
    if (!unchanged && !sameVer(version(st), cur)) {
      res.status = 'skipped';
      res.reason = CHANGED;
      return res;
    }
    if (st && cur.blob !== 0 && (st.mode & 0o200) === 0) {
      res.reason = `the file is read-only (mode ${(st.mode & 0o777).toString(8)})`;
      return res;
    }
    // Right before the rename or removal: still what was checked above, or still what the plan
    // saw — else another program wrote it meanwhile, and its bytes are not ours to destroy.
    const recheck = (): string | undefined => {
      const now = lstatIn(fs, chain!, name);
      if (sameStat(now, st)) return undefined;
      if (kindProblem(now)) return CHANGED_DURING;
      return sameVer(version(now), cur) ? undefined : CHANGED_DURING;
    };
    if (tgt.blob === 0) {
      if (!chain || !st) {
        mirror.write(p, undefined);
        res.status = 'removed';
        res.after = undefined;
        return res;
      }
      const why = recheck();
      if (why) throw new UnsafePathError(why, true);
      removeIn(fs, chain, name, token, st, asideOf(ctx));
      pruneEmpty(fs, chain, o.folders);
      mirror.write(p, undefined);
      res.status = 'removed';
      res.after = undefined;
      return res;
    }
    const after = writeIn(fs, chain!, name, data!, tgt.mode, token, recheck, asideOf(ctx));
    mirror.write(p, { blob: tgt.blob, mode: tgt.mode, size: after.size, mtime: after.mtimeMs, ino: after.ino, racy: true, untracked: false });
    res.status = 'restored';
    res.after = plan.target;
    return res;
  } catch (e) {
    if (e instanceof UnsafePathError) {
      res.status = e.skip ? 'skipped' : 'failed';
      res.reason = e.message;
      return res;
    }
    res.status = 'failed';
    res.reason = describeIoError(e, abs, 'write');
    return res;
  } finally {
    chain?.close();
  }
}
