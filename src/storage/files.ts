// Whole-file writes, shared by the store (database, packs) and the engine (restores, the journal,
// exports): the write-all loop, the temp-file-then-rename and the naming of fd errors live here
// once, so a change to how a file is written safely (say, exclusive creation) lands in one place.
import * as nodeFs from 'node:fs';

export type Fs = typeof nodeFs;

/** Open flags every no-follow, never-blocking open shares (0 where the platform has none). */
export const O_NOFOLLOW = nodeFs.constants.O_NOFOLLOW ?? 0;
export const O_NONBLOCK = nodeFs.constants.O_NONBLOCK ?? 0;

/** Names the file on an fd-based error (Node's write/fsync errors carry no path). */
export function withPath(e: unknown, file: string): unknown {
  if (e && typeof e === 'object' && !('path' in e)) Object.assign(e, { path: file });
  return e;
}

/** Writes all of `data` (one write call may take only part of it), at `position` or at the file's offset. */
export function writeAll(fs: Fs, fd: number, data: Uint8Array, position?: number): void {
  for (let off = 0; off < data.length; ) {
    off += position === undefined ? fs.writeSync(fd, data, off, data.length - off) : fs.writeSync(fd, data, off, data.length - off, position + off);
  }
}

export interface TempFileOptions {
  /** Permission bits of the new file (set with fchmod too: the mode asked for at creation is narrowed by the umask). */
  mode?: number;
  /** fsync the file before it is closed. */
  fsync?: boolean;
  /**
   * Create it exclusively and never through a link (O_CREAT | O_EXCL | O_NOFOLLOW): an existing
   * file or link of that name fails the call (EEXIST) and is left untouched.
   */
  exclusive?: boolean;
}

/** Opens a new file for writing: created exclusively, the last component never followed. */
export function createExclusive(fs: Fs, file: string, mode = 0o666): number {
  const c = (fs.constants ?? {}) as typeof nodeFs.constants;
  return fs.openSync(file, c.O_WRONLY | c.O_CREAT | c.O_EXCL | O_NOFOLLOW, mode);
}

/**
 * Writes a new file `tmp` through one descriptor: `content` (bytes, or a function writing through the
 * descriptor), its mode, an fsync if asked. Returns its fstat, which is also its stat after a rename
 * (a rename changes the folder, not the file). On failure the file is removed and the error, named
 * after `tmp`, is thrown.
 */
export function writeTempFile(fs: Fs, tmp: string, content: Uint8Array | ((fd: number) => void), options: TempFileOptions = {}): nodeFs.Stats {
  let fd: number;
  try {
    if (options.exclusive) fd = createExclusive(fs, tmp, options.mode);
    else fd = options.mode === undefined ? fs.openSync(tmp, 'w') : fs.openSync(tmp, 'w', options.mode);
  } catch (e) {
    // Nothing of ours is there to remove (an exclusive create leaves what was there alone).
    if (!options.exclusive) removeQuietly(fs, tmp);
    throw withPath(e, tmp);
  }
  try {
    try {
      if (typeof content === 'function') content(fd);
      else writeAll(fs, fd, content);
      if (options.mode !== undefined) fs.fchmodSync(fd, options.mode);
      if (options.fsync) fs.fsyncSync(fd);
      return fs.fstatSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    removeQuietly(fs, tmp);
    throw withPath(e, tmp);
  }
}

/**
 * Replaces `file` whole or not at all: written to `tmp` (see `writeTempFile`), then renamed over it,
 * so no reader ever sees half a file. Returns the new file's stat. On failure nothing is left of
 * `tmp` and `file` is as it was.
 */
export function replaceFile(fs: Fs, file: string, tmp: string, content: Uint8Array | ((fd: number) => void), options: TempFileOptions = {}): nodeFs.Stats {
  const st = writeTempFile(fs, tmp, content, options);
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    removeQuietly(fs, tmp);
    throw e;
  }
  return st;
}

/** Removes a file if it is there; a failure to clean up is not the caller's error. */
export function removeQuietly(fs: Fs, file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    /* nothing more to clean */
  }
}
