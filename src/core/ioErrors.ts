// File-system errors in plain words, naming the file and the cause.
import { EngineError } from './types';

/**
 * An fs error (it has an errno code) as an EngineError('io') naming the file and the cause:
 * "<what>: could not write /x/state.db.tmp: the disk is full (ENOSPC). <after>". Other errors pass.
 */
export function ioError(e: unknown, what: string, after?: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (e instanceof EngineError || !err || typeof err.code !== 'string' || !/^E[A-Z]+$/.test(err.code)) return e;
  const sys = err.syscall ?? '';
  const action = /^(open|read|stat|lstat|fstat|access)$/.test(sys) ? (sys === 'open' ? 'open' : 'read') : /scandir|readdir/.test(sys) ? 'list' : 'write';
  return new EngineError('io', `${what}: ${describeIoError(err, err.path ?? 'a file of the store', action)}.${after ? ` ${after}` : ''}`);
}

const CAUSES: Record<string, string> = {
  EACCES: 'permission denied', EPERM: 'operation not permitted', ENOSPC: 'the disk is full', EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only', EBUSY: 'the file is busy or locked', EISDIR: 'a folder is in the way',
  ENOTDIR: 'a file is in the way of a folder', EMFILE: 'too many open files', ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links', EIO: 'an I/O error', EEXIST: 'something is in the way', EXDEV: 'it is on another drive',
  ENOENT: 'it does not exist',
};

export function describeIoError(e: unknown, file: string, action: 'read' | 'write' | 'list' | 'open'): string {
  const err = e as NodeJS.ErrnoException;
  const cause = (err?.code && CAUSES[err.code]) || err?.message || String(e);
  return `could not ${action} ${file}: ${cause}${err?.code ? ` (${err.code})` : ''}`;
}
