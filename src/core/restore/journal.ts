// The restore journal: before a restore writes any file it lists every file it will write with
// its version before and after (temp file + fsync + rename). A crash midway leaves the journal; at
// the next open `recoverJournal` puts back every file that still holds what the restore wrote —
// unless the restore was recorded as done — and leaves anything changed since alone.
import * as path from 'node:path';
import { replaceFile } from '../../storage/files';
import { sha256 } from '../../storage/objects';
import type { EngineContext } from '../context';
import { tempPathFor } from '../tracking';
import type { FileVersion } from '../types';
import { isDone } from './records';
import { pruneEmptyDirs, unsafePath, writeWorkspaceFile } from './workspaceWrite';

export interface JournalEntry {
  path: string;
  before?: FileVersion;
  after?: FileVersion;
}
export interface Journal {
  id: number;
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
  // Only files inside the open workspace folders, never through a symbolic link, are touched.
  const outside: string[] = [];
  j.entries = j.entries.filter((e) => {
    const loc = ctx.roots.locate(e.path);
    if (loc && !unsafePath(fs, loc.root, loc.rel, true)) return true;
    outside.push(e.path);
    return false;
  });
  for (const e of j.entries) fs.rmSync(tempPathFor(e.path), { force: true });
  // Removals first, deepest first, then writes: a file can take the place of a folder it removed.
  j.entries.sort((a, b) => (!a.before !== !b.before ? (!a.before ? -1 : 1) : !a.before ? b.path.localeCompare(a.path) : a.path.localeCompare(b.path)));
  if (isDone(ctx.meta, j.id)) {
    removeJournal(ctx);
    return undefined;
  }
  let putBack = 0;
  const left: string[] = [];
  for (const e of j.entries) {
    let now: string | undefined;
    try {
      now = sha256(fs.readFileSync(e.path));
    } catch {
      now = undefined;
    }
    if (now === e.before?.hash) continue;
    if (now !== e.after?.hash) {
      left.push(e.path);
      continue;
    }
    try {
      if (!e.before) {
        fs.unlinkSync(e.path);
        pruneEmptyDirs(fs, ctx.roots.locate(e.path)!.root.path, path.dirname(e.path));
      } else {
        const data = ctx.objects.get(e.before.hash);
        fs.mkdirSync(path.dirname(e.path), { recursive: true });
        writeWorkspaceFile(fs, e.path, data, e.before.mode);
      }
      putBack++;
    } catch (err) {
      left.push(`${e.path} (${(err as Error).message})`);
    }
  }
  removeJournal(ctx);
  return (
    `A restore was interrupted (${j.entries.length + outside.length} files); it was undone: ${putBack} file${putBack === 1 ? '' : 's'} put back.` +
    (left.length ? ` Left as found (changed by something else): ${left.join(', ')}.` : '') +
    (outside.length ? ` Left alone (outside the open workspace folders, or behind a symbolic link): ${outside.join(', ')}.` : '')
  );
}
