// The workspace writes of a restore and of its crash recovery, in one place: the path check
// (never outside the folder, never through a link), the atomic write of one file (temp file +
// rename: no reader sees half a file), and pruning the folders a removal emptied.
import type * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { replaceFile } from '../../storage/files';
import type { Fs } from '../context';
import { tempPathFor } from '../tracking';
import type { RootFolder } from '../types';

export interface PathProbe {
  /** A folder on the way is missing (created by the write). */
  missing: boolean;
  /** The path's own lstat (undefined: absent). */
  st?: nodeFs.Stats;
}

/**
 * Refuses writes that would leave the workspace or pass through a symbolic link. `probe`: told
 * whether a folder on the way is missing, and given the path's own lstat. `safeDirs`: folders
 * already found to be real folders inside the workspace during this restore.
 */
export function unsafePath(
  fs: Fs, root: RootFolder, rel: string, creating: boolean, probe?: PathProbe, safeDirs?: Set<string>,
): { reason: string; skip?: boolean } | undefined {
  const parts = rel.split('/');
  if (parts.some((x) => x === '..' || x === '' || x === '.')) return { reason: 'the path is not a plain relative path inside the workspace' };
  let cur = root.path;
  for (let i = 0; i < parts.length - 1; i++) {
    cur = path.join(cur, parts[i]);
    if (safeDirs?.has(cur)) continue;
    let st: nodeFs.Stats;
    try {
      st = fs.lstatSync(cur);
    } catch {
      if (probe) probe.missing = true;
      break; // missing folders are created below a checked one
    }
    if (st.isSymbolicLink()) return { reason: `the folder ${cur} is a symbolic link; Session Tree never writes through links` };
    if (!st.isDirectory()) return { reason: `${cur} is a file where a folder is needed` };
    safeDirs?.add(cur);
  }
  const abs = path.join(root.path, ...parts);
  try {
    const st = fs.lstatSync(abs);
    if (probe) probe.st = st;
    if (st.isSymbolicLink()) return { reason: 'the path is a symbolic link; Session Tree never writes through links', skip: true };
    if (st.isDirectory()) return { reason: 'a folder is in the way' };
  } catch {
    if (!creating) return undefined;
  }
  return undefined;
}

/** Writes one workspace file whole (temp file beside it, then renamed over it) with `mode`. Returns its stat. */
export function writeWorkspaceFile(fs: Fs, abs: string, data: Uint8Array, mode: number): nodeFs.Stats {
  return replaceFile(fs, abs, tempPathFor(abs), data, { mode });
}

/** Removes the folders from `dir` up that a removal left empty, never `rootPath` itself or above it. */
export function pruneEmptyDirs(fs: Fs, rootPath: string, dir: string, safeDirs?: Set<string>): void {
  const root = path.resolve(rootPath);
  let d = path.resolve(dir);
  while (d.startsWith(root + path.sep)) {
    try {
      if (fs.readdirSync(d).length > 0) return;
      fs.rmdirSync(d);
      safeDirs?.delete(d);
    } catch {
      return;
    }
    d = path.dirname(d);
  }
}
