// Applying one planned file: re-checked against what the plan saw, then written or removed
// through the workspace write, and the mirror told. Never throws: a failure is the file's result.
import * as path from 'node:path';
import { ObjectCorruptError, sha256 } from '../../storage/objects';
import type { EngineContext } from '../context';
import { describeIoError } from '../ioErrors';
import { ABSENT, type Ver, sameVer } from '../model';
import type { RestoreFileResult } from '../types';
import type { Planned } from './plan';
import { type PathProbe, pruneEmptyDirs, unsafePath, writeWorkspaceFile } from './workspaceWrite';

/** Writes or removes one file. `safeDirs`: folders already checked during this restore. */
export function applyOne(ctx: EngineContext, { p, out: plan, cur, tgt }: Planned, safeDirs: Set<string>): RestoreFileResult {
  const { fs, mirror, meta } = ctx;
  const res: RestoreFileResult = { path: plan.path, key: plan.key, status: 'failed', before: plan.current, after: plan.current };
  const loc = ctx.roots.rootOfKey(plan.key)!;
  const abs = plan.path;
  try {
    const probe: PathProbe = { missing: false };
    const unsafe = unsafePath(fs, loc.root, loc.rel, tgt.blob !== 0, probe, safeDirs);
    if (unsafe) {
      res.status = unsafe.skip ? 'skipped' : 'failed';
      res.reason = unsafe.reason;
      return res;
    }
    // Re-check: the file must still be what the plan saw (its lstat, taken by the check above).
    const st = probe.st;
    const m = mirror.get(p);
    const unchanged = cur.blob === 0 ? !st : !!st && !!m && st.size === m.size && st.mtimeMs === m.mtime && st.ino === m.ino;
    if (!unchanged) {
      let nowVer: Ver = ABSENT;
      if (st?.isFile()) {
        const data = fs.readFileSync(abs);
        nowVer = { blob: meta.blobOf(sha256(data)) ?? -1, mode: st.mode & 0o777 };
      }
      if (!sameVer(nowVer, cur)) {
        res.status = 'skipped';
        res.reason = 'the file changed on disk after the restore was planned; it was left as it is';
        return res;
      }
    }
    if (st && cur.blob !== 0 && (st.mode & 0o200) === 0) {
      res.reason = `the file is read-only (mode ${(st.mode & 0o777).toString(8)})`;
      return res;
    }
    if (tgt.blob === 0) {
      fs.unlinkSync(abs);
      pruneEmptyDirs(fs, loc.root.path, path.dirname(abs), safeDirs);
      mirror.write(p, undefined);
      res.status = 'removed';
      res.after = undefined;
      return res;
    }
    let data: Buffer;
    try {
      data = ctx.objects.get(meta.hashOf(tgt.blob));
    } catch (e) {
      res.reason = e instanceof ObjectCorruptError ? e.message : `the stored content could not be read: ${(e as Error).message}`;
      return res;
    }
    if (probe.missing) {
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      if (unsafePath(fs, loc.root, loc.rel, true, undefined, safeDirs)) throw new Error('a folder on the path changed while writing');
    }
    const after = writeWorkspaceFile(fs, abs, data, tgt.mode);
    mirror.write(p, { blob: tgt.blob, mode: tgt.mode, size: after.size, mtime: after.mtimeMs, ino: after.ino, racy: true, untracked: false });
    res.status = 'restored';
    res.after = plan.target;
    return res;
  } catch (e) {
    res.status = 'failed';
    res.reason = describeIoError(e, abs, 'write');
    return res;
  }
}
