// Links inside a workspace folder: a path behind a linked folder is treated as absent by every
// read (Session Tree never follows a link out of the workspace).
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { type Fs, O_NOFOLLOW, O_NONBLOCK } from '../storage/files';

/** Whether a folder between the workspace folder and `rel` is a symbolic link or not a folder (checked by lstat, now). */
export function behindLink(fs: Fs, rootPath: string, rel: string): boolean {
  const parts = rel.split('/');
  let cur = rootPath;
  for (let i = 0; i < parts.length - 1; i++) {
    cur = path.join(cur, parts[i]);
    try {
      const st = fs.lstatSync(cur);
      if (!st.isDirectory() || st.isSymbolicLink()) return true;
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * A small text file inside a workspace folder (a `.gitignore`), read without following a link —
 * neither the file nor a folder on its way — and without blocking on a pipe. Throws when absent,
 * behind a link, or not a regular file.
 */
export function readTextInside(fs: Fs, rootPath: string, rel: string): string {
  const abs = path.join(rootPath, ...rel.split('/'));
  if (behindLink(fs, rootPath, rel)) throw Object.assign(new Error(`${abs} is behind a symbolic link`), { code: 'ELOOP' });
  const fd = fs.openSync(abs, nodeFs.constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  try {
    if (!fs.fstatSync(fd).isFile()) throw Object.assign(new Error(`${abs} is not a regular file`), { code: 'EINVAL' });
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}
