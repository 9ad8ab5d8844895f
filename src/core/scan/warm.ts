// Before an announced edit (`willEdit`), the current bytes of the announced files — still the
// versions the store holds — are read from disk and kept in the object cache: the checkpoint that
// follows stores each new version as a delta on that one and counts its lines against it, and
// would otherwise inflate the old version's group from its pack (~100 µs a file, the largest part
// of a 100-file checkpoint after `willEdit`). Reading the file is cheaper, and it is kept only when
// its hash is the stored version's (a file already being written is simply not kept). Bounded per
// call, so announcing a whole tree costs no more than this.
import type { EngineContext } from '../context';
import { readRegular } from './file';

/** At most this many files, and this many bytes, are read per `willEdit`. */
const WARM_FILES = 256;
const WARM_BYTES = 4 * 1024 * 1024;
/** Files larger than this are not read ahead (the cache does not keep them either). */
const WARM_MAX_FILE = 256 * 1024;

/** Keeps the stored versions of `paths` (absolute) in the object cache where the file on disk still is that version. */
export function warmVersions(ctx: EngineContext, paths: Iterable<string>): number {
  const { meta, mirror } = ctx;
  let files = 0;
  let bytes = 0;
  for (const abs of paths) {
    if (files >= WARM_FILES || bytes >= WARM_BYTES) break;
    const loc = ctx.roots.locate(abs);
    const p = loc && meta.pathOf(loc.key);
    const e = p !== undefined ? mirror.get(p) : undefined;
    if (!loc || !e || !e.blob || e.untracked || e.size > WARM_MAX_FILE) continue;
    let read: ReturnType<typeof readRegular>;
    try {
      read = readRegular(ctx, loc.root, loc.rel, abs);
    } catch {
      continue; // unreadable now: the checkpoint reads the stored copy as before
    }
    if (!read || read.st.size !== e.size || read.st.ino !== e.ino) continue;
    files++;
    bytes += read.data.length;
    ctx.objects.warm(meta.hashOf(e.blob), read.data);
  }
  return files;
}
