// The workspace writes of a restore and of its crash recovery, in one place: the path check
// (never outside the folder, never through a link: the folders pinned and re-checked right before
// each operation, see dirs.ts), the atomic write of one file (a temp file with an unpredictable
// name, created exclusively without following links, then renamed over it: no reader sees half a
// file), removals, and pruning the folders a removal emptied. What cannot be done safely throws
// `UnsafePathError` with the reason.
import { randomBytes } from 'node:crypto';
import type * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { O_NOFOLLOW, O_NONBLOCK, removeQuietly, writeTempFile } from '../../storage/files';
import type { Fs } from '../context';
import { TEMP_SUFFIX, isTempName, tempNameFor } from '../tracking';
import type { RootFolder } from '../types';
import type { Aside } from './aside';
import { DirChain, type FolderPins, UnsafePathError } from './dirs';

export { DirChain, FolderPins, UnsafePathError } from './dirs';

/** A restore's token: the middle of its temp names (so recovery finds exactly its own temps). */
export const newToken = (): string => randomBytes(6).toString('hex');

/** Why `rel` is not a plain relative path inside its folder, or undefined. */
export function notPlain(rel: string): string | undefined {
  const parts = rel.split('/');
  if (parts.some((x) => x === '..' || x === '' || x === '.' || x.includes('\0'))) return 'the path is not a plain relative path inside the workspace';
  return undefined;
}

/**
 * The pinned folders of `rel` (created when `create`), and its file name in the innermost one.
 * `chain` undefined: a folder on the way is missing (and not created). Throws `UnsafePathError`.
 */
export function openChain(fs: Fs, root: RootFolder, rel: string, create: boolean, pins?: FolderPins): { chain?: DirChain; name: string; folders: string[] } {
  const bad = notPlain(rel);
  if (bad) throw new UnsafePathError(bad);
  const folders = rel.split('/');
  const name = folders.pop()!;
  return { chain: DirChain.open(fs, root.path, folders, create, pins), name, folders };
}

/** The lstat of `name` in the chain's folder; undefined when absent. */
export function lstatIn(fs: Fs, chain: DirChain, name: string): nodeFs.Stats | undefined {
  try {
    return fs.lstatSync(chain.at(name));
  } catch (e) {
    const c = (e as NodeJS.ErrnoException).code;
    if (c === 'ENOENT' || c === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** Why what is at a path (its lstat) must not be replaced or read, or undefined (absent or a regular file). */
export function kindProblem(st: nodeFs.Stats | undefined): UnsafePathError | undefined {
  if (!st || st.isFile()) return undefined;
  if (st.isSymbolicLink()) return new UnsafePathError('the path is a symbolic link; Session Tree never writes through links', true);
  if (st.isDirectory()) return new UnsafePathError('a folder is in the way');
  return new UnsafePathError('the path is a named pipe, socket or device, not a regular file; Session Tree never reads or replaces those');
}

/** Same file, untouched since `a` was taken: device, inode, size, modification and change times. */
export function sameStat(a: nodeFs.Stats | undefined, b: nodeFs.Stats | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/**
 * The bytes of regular file `name` in the chain's folder: opened without following a link and
 * without blocking (a named pipe never blocks), checked to be a regular file. Undefined when absent
 * or not a regular file.
 */
export function readIn(fs: Fs, chain: DirChain, name: string): { data: Buffer; st: nodeFs.Stats } | undefined {
  let fd: number;
  try {
    fd = fs.openSync(chain.at(name), fs.constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    const c = (e as NodeJS.ErrnoException).code;
    if (c === 'ENOENT' || c === 'ENOTDIR' || c === 'ELOOP' || c === 'ENXIO') return undefined;
    throw e;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return undefined;
    return { data: fs.readFileSync(fd), st };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes `name` in the chain's folder whole with `mode`: a temp file beside it, created exclusively
 * and never through a link, then — after `recheck` (the target re-checked right before the rename;
 * a reason skips the write) and the folders re-checked — renamed over it. Returns its stat. On any
 * failure the temp file is removed (through the pinned folder) and the target is as it was.
 */
export function writeIn(fs: Fs, chain: DirChain, name: string, data: Uint8Array, mode: number, token: string, recheck?: () => string | undefined, aside?: Aside): nodeFs.Stats {
  let tmp = '';
  let st: nodeFs.Stats | undefined;
  // A name taken (planted, or by chance): another name, never the file that is there.
  for (let attempt = 0; !st; attempt++) {
    tmp = chain.at(tempNameFor(name, token));
    chain.verify();
    try {
      // Permission bits only: a restore never sets setuid, setgid or sticky bits.
      st = writeTempFile(fs, tmp, data, { mode: mode & 0o777, exclusive: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 4) throw e;
    }
  }
  const target = chain.at(name);
  let kept: Kept | undefined;
  try {
    const why = recheck?.();
    if (why) throw new UnsafePathError(why, true);
    chain.verify();
    // The file being replaced keeps a second name (a hard link) across the rename: an in-place
    // write by another program landing between the re-check and the rename is seen there, and
    // that file is put back. Where hard links are not possible, the plain rename.
    const before = lstatIn(fs, chain, name);
    if (before?.isFile()) kept = keepAside(fs, chain, name, token, before, aside);
    fs.renameSync(tmp, target);
  } catch (e) {
    removeQuietly(fs, tmp);
    if (kept) removeQuietly(fs, kept.path);
    throw e;
  }
  if (kept) {
    let now: nodeFs.Stats | undefined;
    try {
      now = fs.lstatSync(kept.path);
    } catch {
      now = undefined;
    }
    if (!sameContentStat(now, kept.st)) {
      // Written meanwhile: its bytes are not ours to destroy. Put back over our copy (stored).
      fs.renameSync(kept.path, target);
      throw new UnsafePathError(CHANGED_DURING, true);
    }
    letGo(fs, kept);
  }
  return st;
}

/** The second name a file keeps across its replacement or removal (see `keepAside`). */
interface Kept {
  path: string;
  st: nodeFs.Stats;
  /** In the store's aside folder: unlinked after the restore returned. */
  aside?: Aside;
}

/** The second name is no longer needed: removed now beside the file, later in the store's folder. */
function letGo(fs: Fs, kept: Kept): void {
  if (kept.aside) kept.aside.release(kept.path);
  else removeQuietly(fs, kept.path);
}

/** Why a restore leaves a file that another program wrote while it ran. */
export const CHANGED_DURING = 'the file was changed by another program while it was being restored; it was left as it is, with that change';

/** Same inode with the same size and modification time (a link or rename changes only the change time). */
function sameContentStat(a: nodeFs.Stats | undefined, b: nodeFs.Stats): boolean {
  return !!a && a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/**
 * A hard link to `name`: in the store's aside folder when it is on the same file system (see
 * aside.ts), else beside it under a temp name; undefined when the file system has none, or the
 * file changed first.
 */
function keepAside(fs: Fs, chain: DirChain, name: string, token: string, expect: nodeFs.Stats, aside?: Aside): Kept | undefined {
  const inStore = aside?.link(chain.at(name), expect, token);
  const p = inStore ?? chain.at(tempNameFor(name, token));
  if (!inStore) {
    try {
      fs.linkSync(chain.at(name), p);
    } catch {
      return undefined;
    }
  }
  const st = fs.lstatSync(p);
  if (!sameContentStat(st, expect)) {
    removeQuietly(fs, p);
    throw new UnsafePathError(CHANGED_DURING, true);
  }
  return { path: p, st, aside: inStore ? aside : undefined };
}

/**
 * Removes `name` from the chain's folder, the folders re-checked first. With `expect` (its lstat
 * at the re-check) it keeps a second name (a hard link) across the removal: written meanwhile by
 * another program, it is put back and the removal skipped.
 */
export function removeIn(fs: Fs, chain: DirChain, name: string, token: string, expect?: nodeFs.Stats, aside?: Aside): void {
  chain.verify();
  const kept = expect ? keepAside(fs, chain, name, token, expect, aside) : undefined;
  try {
    fs.unlinkSync(chain.at(name));
  } catch (e) {
    if (kept) removeQuietly(fs, kept.path);
    throw e;
  }
  if (!kept) return;
  let now: nodeFs.Stats | undefined;
  try {
    now = fs.lstatSync(kept.path);
  } catch {
    now = undefined;
  }
  if (now && !sameContentStat(now, kept.st)) {
    // Never over something that appeared meanwhile (a link fails where a name is taken).
    try {
      fs.linkSync(kept.path, chain.at(name));
    } catch {
      throw new UnsafePathError(`${CHANGED_DURING}; its content is kept as ${besideName(fs, chain, name, token, kept)}`, true);
    }
    removeQuietly(fs, kept.path);
    throw new UnsafePathError(CHANGED_DURING, true);
  }
  letGo(fs, kept);
}

/** Where a second name that cannot be put back is left for the user: beside the file (moved there from the store's folder). */
function besideName(fs: Fs, chain: DirChain, name: string, token: string, kept: Kept): string {
  if (!kept.aside) return kept.path;
  const p = chain.at(tempNameFor(name, token));
  try {
    fs.renameSync(kept.path, p);
    return p;
  } catch {
    return kept.path;
  }
}

/** Removes the folders of the chain that a removal left empty, innermost first, never the workspace folder itself. */
export function pruneEmpty(fs: Fs, chain: DirChain, folders: string[]): void {
  for (let i = chain.depth - 1; i >= 1; i--) {
    try {
      if (fs.readdirSync(chain.at('', i)).length > 0) return;
      chain.verify(i - 1);
      fs.rmdirSync(chain.at(folders[i - 1], i - 1));
      chain.removed(i);
    } catch {
      return;
    }
  }
}

/**
 * Removes the temp files restore `token` left in the chain's folder (a crash between their
 * creation and their rename). Only names with that restore's random token: a user's file is never
 * removed because its name looks like ours.
 */
export function removeTempsIn(fs: Fs, chain: DirChain, token: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(chain.at(''));
  } catch {
    return;
  }
  const tail = new RegExp(`\\.${token}[0-9a-f]{8}${TEMP_SUFFIX.replace('.', '\\.')}$`);
  for (const n of names) {
    if (!isTempName(n) || !tail.test(n)) continue;
    const st = lstatIn(fs, chain, n);
    if (!st?.isFile()) continue;
    try {
      chain.verify();
      fs.unlinkSync(chain.at(n));
    } catch {
      /* left for later; never tracked */
    }
  }
}
