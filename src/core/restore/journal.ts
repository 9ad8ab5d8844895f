// The restore journal: before a restore writes any file it lists every file it will write with
// its version before and after (temp file + fsync + rename). A crash midway leaves the journal; at
// the next open `recoverJournal` puts back every file that still holds what the restore wrote —
// unless the restore was recorded as done — and leaves anything changed since alone.
import * as path from 'node:path';
import { replaceFile } from '../../storage/files';
import { sha256 } from '../../storage/objects';
import type { EngineContext } from '../context';
import type { FileVersion } from '../types';
import { isDone } from './records';
import {
  type DirChain, UnsafePathError, kindProblem, lstatIn, newToken, notPlain, openChain, pruneEmpty, readIn, removeIn, removeTempsIn, sameStat, writeIn,
} from './workspaceWrite';

export interface JournalEntry {
  path: string;
  before?: FileVersion;
  after?: FileVersion;
}
export interface Journal {
  id: number;
  /** The restore's token: the middle of its temp file names. */
  token?: string;
  entries: JournalEntry[];
}

export const journalFile = (ctx: EngineContext): string => path.join(ctx.storageDir, 'restore.journal');

export function writeJournal(ctx: EngineContext, j: Journal): void {
  const file = journalFile(ctx);
  replaceFile(ctx.fs, file, file + '.tmp', Buffer.from(JSON.stringify(j)), { fsync: true });
}

export function removeJournal(ctx: EngineContext): void {
  ctx.fs.rmSync(journalFile(ctx), { force: true });
}

/** A restore interrupted by a crash: if it was not recorded as done, put every file back. Returns what it did, in words. */
export function recoverJournal(ctx: EngineContext): string | undefined {
  const { fs } = ctx;
  const file = journalFile(ctx);
  // A journal temp file is a journal that was never complete: nothing was written under it.
  fs.rmSync(file + '.tmp', { force: true });
  let j: Journal;
  try {
    j = JSON.parse(fs.readFileSync(file, 'utf8'));
    const ver = (v: unknown) => v === undefined || v === null || (typeof v === 'object' && /^[0-9a-f]{64}$/.test(String((v as FileVersion).hash)) && Number.isInteger((v as FileVersion).mode));
    if (!j || typeof j !== 'object' || !Array.isArray(j.entries) || !j.entries.every((e) => e && typeof e.path === 'string' && path.isAbsolute(e.path) && ver(e.before) && ver(e.after))) {
      throw new Error('not a restore journal');
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    removeJournal(ctx);
    return 'A damaged restore journal was found and removed; no files were changed.';
  }
  // Only files inside the open workspace folders, never through a symbolic link, are touched: the
  // same workspace write as a restore (folders pinned and re-checked before each operation).
  const total = j.entries.length;
  const outside: string[] = [];
  j.entries = j.entries.filter((e) => {
    const loc = ctx.roots.locate(e.path);
    if (loc && !notPlain(loc.rel)) return true;
    outside.push(e.path);
    return false;
  });
  // The restore's own temp files (its token is in their names); a journal without one predates
  // random temp names, and nothing that merely looks like a temp file is removed.
  if (typeof j.token === 'string' && /^[0-9a-f]{12}$/.test(j.token)) {
    const dirs = new Set<string>();
    for (const e of j.entries) {
      const loc = ctx.roots.locate(e.path)!;
      const dir = loc.rel.includes('/') ? loc.rel.slice(0, loc.rel.lastIndexOf('/') + 1) : '';
      if (dirs.has(loc.root.path + '\0' + dir)) continue;
      dirs.add(loc.root.path + '\0' + dir);
      try {
        withChain(ctx, e.path, false, (chain) => removeTempsIn(fs, chain, j.token!));
      } catch {
        /* a folder that is a link or gone: nothing of ours to remove there */
      }
    }
  }
  // Removals first, deepest first, then writes: a file can take the place of a folder it removed.
  j.entries.sort((a, b) => (!a.before !== !b.before ? (!a.before ? -1 : 1) : !a.before ? b.path.localeCompare(a.path) : a.path.localeCompare(b.path)));
  if (isDone(ctx.meta, j.id)) {
    removeJournal(ctx);
    return undefined;
  }
  const token = typeof j.token === 'string' && /^[0-9a-f]{12}$/.test(j.token) ? j.token : newToken();
  let putBack = 0;
  const left: string[] = [];
  for (const e of j.entries) {
    try {
      const r = withChain(ctx, e.path, !!e.before, (chain, name, folders) => {
        const st = lstatIn(fs, chain, name);
        const kind = kindProblem(st);
        if (kind) throw kind;
        const nowRead = st ? readIn(fs, chain, name) : undefined;
        const now = nowRead ? sha256(nowRead.data) : undefined;
        if (now === e.before?.hash) return 'same';
        if (now !== e.after?.hash) return 'changed';
        const recheck = () => (sameStat(lstatIn(fs, chain, name), st) ? undefined : 'it changed while it was being put back');
        if (!e.before) {
          const why = recheck();
          if (why) throw new UnsafePathError(why, true);
          removeIn(fs, chain, name, token, st);
          pruneEmpty(fs, chain, folders);
        } else {
          writeIn(fs, chain, name, ctx.objects.get(e.before.hash), e.before.mode, token, recheck);
        }
        return 'put back';
      });
      // A folder on the way is missing: the file is absent.
      const state = r ?? (e.before ? 'changed' : 'same');
      if (state === 'put back') putBack++;
      else if (state === 'changed') left.push(e.path);
    } catch (err) {
      if (err instanceof UnsafePathError && !err.skip && /symbolic link/.test(err.message)) outside.push(e.path);
      else left.push(`${e.path} (${(err as Error).message})`);
    }
  }
  removeJournal(ctx);
  return (
    `A restore was interrupted (${total} files); it was undone: ${putBack} file${putBack === 1 ? '' : 's'} put back.` +
    (left.length ? ` Left as found (changed by something else): ${left.join(', ')}.` : '') +
    (outside.length ? ` Left alone (outside the open workspace folders, or behind a symbolic link): ${outside.join(', ')}.` : '')
  );
}

/** Runs `fn` with the pinned folders of workspace file `abs` (undefined when a folder is missing and not created). */
function withChain<T>(ctx: EngineContext, abs: string, create: boolean, fn: (chain: DirChain, name: string, folders: string[]) => T): T | undefined {
  const loc = ctx.roots.locate(abs)!;
  const o = openChain(ctx.fs, loc.root, loc.rel, create);
  if (!o.chain) return undefined;
  try {
    return fn(o.chain, o.name, o.folders);
  } finally {
    o.chain.close();
  }
}
