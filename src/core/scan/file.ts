// One file's mirror entry brought up to date: its stat compared, its bytes read and stored when
// they may have changed, its version recorded through `Mirror.setVersion` (which keeps the working
// changes in step), or it marked gone or untracked.
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import type { EngineContext } from '../context';
import { describeIoError } from '../ioErrors';
import { ABSENT } from '../model';
import type { RootFolder } from '../types';

/** Files up to this size are read into a reused buffer. */
const READ_REUSE_MAX = 1 << 20;

/**
 * Brings one file's mirror entry up to date. `force` re-reads even when the stat looks unchanged.
 * Returns an error message when the file could not be read (the mirror keeps the old version).
 */
export function refreshPath(
  ctx: EngineContext, root: RootFolder, rel: string, key: string, force: boolean,
  /** Its lstat already made (undefined: it does not exist); `walked`: its folders are known not to be excluded. */
  known?: { st: nodeFs.Stats | undefined; abs: string; walked?: boolean },
): string | undefined {
  const { mirror, meta, tracking } = ctx;
  const abs = known?.abs ?? path.join(root.path, ...rel.split('/'));
  const p = meta.pathOf(key);
  const existing = p !== undefined ? mirror.get(p) : undefined;
  let st: nodeFs.Stats | undefined = known?.st;
  if (!known) {
    try {
      st = ctx.fs.lstatSync(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return describeIoError(e, abs, 'read');
    }
  }
  // A folder, link or other non-file where the file was: the file is gone (a rewind can bring it back).
  if (!st || !st.isFile()) {
    if (p !== undefined && existing) {
      if (existing.untracked) mirror.write(p, undefined);
      else mirror.setVersion(p, ABSENT);
    }
    return undefined;
  }
  const why = (known?.walked ? tracking.excluded(root.path, rel, false) : tracking.excludedWithAncestors(root.path, rel, false)) ?? tracking.tooLarge(st.size);
  if (why) {
    if (p !== undefined) mirror.markUntracked(p);
    return undefined;
  }
  const mode = st.mode & 0o777;
  if (
    !force && existing && !existing.untracked && !existing.racy && existing.size === st.size &&
    existing.mtime === st.mtimeMs && existing.ino === st.ino && existing.mode === mode
  ) {
    return undefined;
  }
  let data: Buffer;
  try {
    data = readFile(ctx, abs, st.size);
  } catch (e) {
    return describeIoError(e, abs, 'read');
  }
  // The file's previous version is the likely base for a compact delta.
  const hash = ctx.objects.put(data, existing?.blob ? meta.hashOrUndefined(existing.blob) : undefined);
  const id = p ?? meta.pathId(key);
  ctx.scan.captureFailures.delete(id);
  if (existing?.untracked) {
    // Tracked again: history continues from its last tracked version.
    mirror.write(id, { ...existing, untracked: false });
  }
  const racy = st.mtimeMs >= ctx.scan.startedAt - ctx.racyWindowMs;
  mirror.setVersion(id, { blob: meta.blobId(hash, data.length), mode }, { size: st.size, mtime: st.mtimeMs, ino: st.ino, racy });
  return undefined;
}

/**
 * A file's bytes. With the real file system and a known size, into a buffer reused from read to
 * read (valid until the next call: the snapshot store keeps its own copy): no allocation, no
 * fstat per file.
 */
function readFile(ctx: EngineContext, abs: string, size: number): Buffer {
  if (ctx.fs !== nodeFs || size > READ_REUSE_MAX) return ctx.fs.readFileSync(abs);
  const scan = ctx.scan;
  if (scan.readBuffer.length < size + 1) scan.readBuffer = Buffer.allocUnsafe(Math.max(size + 1, 64 * 1024));
  const fd = nodeFs.openSync(abs, 'r');
  let n = 0;
  try {
    // Asked for one byte more than its stat said: reads stop at the end, or at exactly `size`
    // bytes (one read, as a rule), or past it (it grew: read whole below).
    let r: number;
    do {
      r = nodeFs.readSync(fd, scan.readBuffer, n, size + 1 - n, null);
      n += r;
    } while (r > 0 && n < size);
  } finally {
    nodeFs.closeSync(fd);
  }
  // Longer than its stat said: it is being written; read it whole (the next scan sees the change).
  if (n > size) return nodeFs.readFileSync(abs);
  return scan.readBuffer.subarray(0, n);
}
