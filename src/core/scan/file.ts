// One file's mirror entry brought up to date: its stat compared, its bytes read and stored when
// they may have changed, its version recorded through `Mirror.setVersion` (which keeps the working
// changes in step), or it marked gone or untracked.
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import type { EngineContext } from '../context';
import { O_NOFOLLOW, O_NONBLOCK } from '../../storage/files';
import { canPin, kernelPathOf } from '../restore/dirs';
import { describeIoError } from '../ioErrors';
import { behindLink } from '../links';
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
  let mode = st.mode & 0o777;
  if (
    !force && existing && !existing.untracked && !existing.racy && existing.size === st.size &&
    existing.mtime === st.mtimeMs && existing.ino === st.ino && existing.mode === mode
  ) {
    return undefined;
  }
  let read: { data: Buffer; st: nodeFs.Stats } | undefined;
  try {
    read = readRegular(ctx, root, rel, abs);
  } catch (e) {
    return describeIoError(e, abs, 'read');
  }
  // Behind a linked folder, or no longer a regular file: never read, as if gone.
  if (!read) {
    if (p !== undefined && existing) {
      if (existing.untracked) mirror.write(p, undefined);
      else mirror.setVersion(p, ABSENT);
    }
    return undefined;
  }
  const data = read.data;
  st = read.st;
  // The file's previous version is the likely base for a compact delta.
  mode = st.mode & 0o777;
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
 * The bytes of workspace file `rel` and the fstat of what was read, or undefined when it is not a
 * regular file inside the workspace: opened without following a link and without blocking (a
 * named pipe never blocks), checked by its descriptor to be a regular file reached through no
 * linked folder.
 */
export function readRegular(ctx: EngineContext, root: RootFolder, rel: string, abs: string): { data: Buffer; st: nodeFs.Stats } | undefined {
  let fd: number;
  try {
    fd = ctx.fs.openSync(abs, nodeFs.constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    const c = (e as NodeJS.ErrnoException).code;
    if (c === 'ENOENT' || c === 'ENOTDIR' || c === 'ELOOP' || c === 'ENXIO') return undefined;
    throw e;
  }
  try {
    const st = ctx.fs.fstatSync(fd);
    if (!st.isFile() || !insideRoot(ctx, root, rel, fd)) return undefined;
    return { data: readFd(ctx, fd, st.size), st };
  } finally {
    ctx.fs.closeSync(fd);
  }
}

/** The real path of each workspace folder, as the kernel names it (per engine). */
const realRoots = new WeakMap<EngineContext, Map<string, string>>();

/**
 * Whether open file `fd` is `rel` inside `root` reached through no link: on Linux by the path the
 * kernel gives the descriptor (no race: it is the file read); elsewhere by lstat of its folders.
 */
function insideRoot(ctx: EngineContext, root: RootFolder, rel: string, fd: number): boolean {
  if (!canPin(ctx.fs)) return !behindLink(ctx.fs, root.path, rel);
  const real = kernelPathOf(ctx.fs, fd);
  if (real === undefined) return !behindLink(ctx.fs, root.path, rel);
  let m = realRoots.get(ctx);
  if (!m) realRoots.set(ctx, (m = new Map()));
  const tail = path.sep + rel.split('/').join(path.sep);
  const known = m.get(root.path);
  if (known !== undefined && real === known + tail) return true;
  // First time, or the folder moved: ask the kernel for the folder's own path.
  let rootReal: string | undefined;
  try {
    const dfd = ctx.fs.openSync(root.path, nodeFs.constants.O_RDONLY | (nodeFs.constants.O_DIRECTORY ?? 0));
    try {
      rootReal = kernelPathOf(ctx.fs, dfd);
    } finally {
      ctx.fs.closeSync(dfd);
    }
  } catch {
    return false;
  }
  if (rootReal === undefined) return false;
  if (rootReal === path.sep) rootReal = '';
  m.set(root.path, rootReal);
  return real === rootReal + tail;
}

/**
 * An open file's bytes. With the real file system and a known size, into a buffer reused from
 * read to read (valid until the next call: the snapshot store keeps its own copy): no allocation.
 */
function readFd(ctx: EngineContext, fd: number, size: number): Buffer {
  if (ctx.fs !== nodeFs || size > READ_REUSE_MAX) return ctx.fs.readFileSync(fd);
  const scan = ctx.scan;
  if (scan.readBuffer.length < size + 1) scan.readBuffer = Buffer.allocUnsafe(Math.max(size + 1, 64 * 1024));
  let n = 0;
  // Asked for one byte more than its stat said: reads stop at the end, or at exactly `size`
  // bytes (one read, as a rule), or past it (it grew: the rest read below).
  let r: number;
  do {
    r = nodeFs.readSync(fd, scan.readBuffer, n, size + 1 - n, null);
    n += r;
  } while (r > 0 && n < size);
  // Longer than its stat said: it is being written; read it whole (the next scan sees the change).
  if (n > size) return Buffer.concat([scan.readBuffer.subarray(0, n), nodeFs.readFileSync(fd)]);
  return scan.readBuffer.subarray(0, n);
}
