// How the store's own files are opened and recognised: never through a link (O_NOFOLLOW; folders
// checked with lstat), and by identity (device + inode), so that a file or folder removed or
// replaced under an open descriptor is noticed (see PackFiles.changedUnder, the store watch).
import { constants } from 'node:fs';
import { type Fs, O_NOFOLLOW as NOFOLLOW } from './files';

export const OPEN_READ = constants.O_RDONLY | NOFOLLOW;
export const OPEN_RW = constants.O_RDWR | NOFOLLOW;
export const OPEN_APPEND = constants.O_RDWR | constants.O_CREAT | constants.O_APPEND | NOFOLLOW;
/** A new file only: fails with EEXIST on anything there, a link included. */
export const CREATE_NEW = OPEN_APPEND | constants.O_EXCL;

/** A file's identity: a file removed or replaced under an open descriptor has another (or none). */
export interface FileId {
  dev: number;
  ino: number;
}

export const sameId = (a: FileId, b: FileId): boolean => a.dev === b.dev && a.ino === b.ino;

/** The identity of what `p` names now (not following a link), or undefined when nothing is there. */
export function pathId(fs: Fs, p: string): FileId | undefined {
  try {
    const st = fs.lstatSync(p);
    return { dev: st.dev, ino: st.ino };
  } catch {
    return undefined;
  }
}

/** Checks `dir` is a real folder (not a link to one); returns its identity. */
export function realFolder(fs: Fs, dir: string, what: string): FileId {
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) {
    const link = st.isSymbolicLink();
    throw Object.assign(new Error(`${link ? 'ELOOP' : 'ENOTDIR'}: ${what} is ${link ? 'a symbolic link' : 'not a folder'}, '${dir}'`), {
      code: link ? 'ELOOP' : 'ENOTDIR', path: dir, syscall: 'open',
    });
  }
  return { dev: st.dev, ino: st.ino };
}

/**
 * What was removed or replaced since it was opened: the folder (against `dirId`), or a file whose
 * path no longer names the file its descriptor has open (fstat of the fd against lstat of the path).
 */
export function changedUnder(fs: Fs, what: string, dir: string, dirId: FileId | undefined, files: [fd: number, file: string][]): string | undefined {
  if (dirId) {
    const now = pathId(fs, dir);
    if (!now) return `the ${what} folder ${dir} was removed`;
    if (!sameId(now, dirId)) return `the ${what} folder ${dir} was replaced`;
  }
  for (const [fd, file] of files) {
    if (fd < 0) continue;
    let open: FileId;
    try {
      open = fs.fstatSync(fd);
    } catch {
      continue;
    }
    const now = pathId(fs, file);
    if (!now) return `the ${what} file ${file} was removed`;
    if (!sameId(now, open)) return `the ${what} file ${file} was replaced`;
  }
  return undefined;
}

/** The first of `files` that is there but is not a regular file (a link, say), if any. */
export function notRegular(fs: Fs, files: string[]): string | undefined {
  return files.find((f) => {
    try {
      return !fs.lstatSync(f).isFile();
    } catch {
      return false;
    }
  });
}
