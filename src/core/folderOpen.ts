// The workspace folders at open: which stored folder each open one is (src/core/store/folders.ts
// has the rule), recorded with the start-up, and the one-time migration of a store from before
// folder identities. That migration rewrites nothing: a legacy store's path keys are its folders'
// old display names, which stay their keys. It runs as a dry run (the mapping, reported before
// anything is written), the write of the `folders` rows, a verify step (the rows read back match
// every open folder to the same key by its path; the saved file holds them), and keeps the
// database as it was (`state.db.before-folders`) until it is verified — if it is not, the rows are
// rolled back, so the store goes on as the old copy has it, and the copy stays.
import * as path from 'node:path';
import type { SqlJsStatic } from 'sql.js';
import type { EngineContext } from './context';
import { Roots } from './roots';
import { Folders, type FolderRow, type OpenFolder, resolveFolders, sameIdentity } from './store/folders';
import type { FolderInfo, FolderMatch, FolderMigration, OpenReport, RootFolder, UnrecognisedFolder } from './types';

export const KEPT_COPY = 'state.db.before-folders';

/** What the open resolved, kept until the start-up records it. */
export interface FolderState {
  open: (OpenFolder & { key: string; matchedBy: FolderMatch })[];
  folders: FolderInfo[];
  unrecognised: UnrecognisedFolder[];
  migration?: FolderMigration;
  /** Rows recorded by this engine since open. */
  recorded: boolean;
  /** sql.js, to read the saved database back (set by the lifecycle). */
  sql?: SqlJsStatic;
}

function identity(ctx: EngineContext, p: string): { dev: number; ino: number; born: number } {
  try {
    const st = ctx.fs.statSync(p);
    return st.isDirectory() ? { dev: st.dev, ino: st.ino, born: st.birthtimeMs || 0 } : { dev: 0, ino: 0, born: 0 };
  } catch {
    return { dev: 0, ino: 0, born: 0 };
  }
}

/** Resolves the open folders' keys (nothing written yet) and makes them the context's roots. */
export function resolveAtOpen(ctx: EngineContext, report: OpenReport): void {
  const folders = new Folders(ctx.meta);
  folders.load();
  ctx.folders = folders;
  const requested: OpenFolder[] = ctx.options.roots.map((r: RootFolder) => ({
    label: r.label ?? r.name,
    path: path.resolve(r.path),
    ...identity(ctx, r.path),
    sameAs: r.sameAs,
  }));
  const gone = (row: FolderRow) => {
    if (row.path === '') return false;
    return !sameIdentity(identity(ctx, row.path), row);
  };
  const storeKeys = folders.storeKeys();
  const { folders: resolved, unrecognised } = resolveFolders(requested, folders.list, storeKeys, gone);
  ctx.roots = new Roots(resolved.map((f) => ({ name: f.key, label: f.label, path: f.path })));
  const state: FolderState = { open: requested.map((f, i) => ({ ...f, key: resolved[i].key, matchedBy: resolved[i].matchedBy })), folders: resolved, unrecognised, recorded: false };
  const legacy = resolved.filter((f) => f.matchedBy === 'legacy');
  if (legacy.length) {
    const mapping = resolved.map((f) =>
      f.matchedBy === 'legacy' ? `"${f.label}" (${f.path}) keeps the history stored as "${f.key}"` : `"${f.label}" (${f.path}) is new to the store: "${f.key}"`,
    );
    const open = new Set(resolved.map((f) => f.key));
    for (const k of storeKeys) if (!open.has(k) && !folders.list.some((r) => r.key === k)) mapping.push(`"${k}" is not open: matched by its name when it next is`);
    state.migration = { mapping, verified: false };
  }
  ctx.folderState = state;
  report.folders = resolved;
  if (unrecognised.length) report.unrecognisedFolders = unrecognised;
  if (state.migration) report.folderMigration = state.migration;
}

/**
 * Records the open folders (in the start-up's transaction): where each is, its dev/inode and
 * display name. A migration writes its rows in a savepoint of their own, verified before they stay.
 */
export function recordFolders(ctx: EngineContext, diagnostics: string[]): void {
  const state = ctx.folderState;
  if (!state || state.recorded) return;
  const now = ctx.clock();
  const migration = state.migration;
  const next = ctx.meta.nextId('checkpoints');
  if (!migration) {
    ctx.folders.record(state.open, now, next);
    state.recorded = true;
    return;
  }
  try {
    if (ctx.fs.existsSync(ctx.storeDb.file)) {
      migration.keptCopy = path.join(ctx.storageDir, KEPT_COPY);
      ctx.fs.copyFileSync(ctx.storeDb.file, migration.keptCopy);
    }
  } catch (e) {
    diagnostics.push(`The folders were not migrated: the database could not be copied first (${(e as Error).message}); the store goes on by folder names.`);
    return;
  }
  const paths = ctx.meta.value('SELECT COUNT(*) FROM paths');
  ctx.meta.begin();
  ctx.folders.record(state.open, now, next);
  const problem = verifyRows(ctx, state, paths);
  if (problem) {
    ctx.meta.rollback();
    ctx.folders.load();
    diagnostics.push(`The folders were not migrated (${problem}); the store goes on as it was${migration.keptCopy ? `, and its copy is kept at ${migration.keptCopy}` : ''}.`);
    return;
  }
  ctx.meta.commit();
  state.recorded = true;
}

/** Why the rows just written do not give every open folder the key the dry run gave it, if so. */
function verifyRows(ctx: EngineContext, state: FolderState, pathsBefore: unknown): string | undefined {
  const check = new Folders(ctx.meta);
  check.load();
  const again = resolveFolders(state.open.map((f) => ({ ...f, sameAs: undefined })), check.list, check.storeKeys(), () => false).folders;
  for (const [i, f] of again.entries()) {
    if (f.key !== state.folders[i].key || f.matchedBy !== 'path') return `"${f.label}" would be read back as "${f.key}", not "${state.folders[i].key}"`;
  }
  if (ctx.meta.value('SELECT COUNT(*) FROM paths') !== pathsBefore) return 'the stored paths changed';
  return undefined;
}

/**
 * After the start-up's save: a migration is verified once the saved database holds its rows; then
 * the copy kept from before goes.
 */
export function finishMigration(ctx: EngineContext, diagnostics: string[]): void {
  const migration = ctx.folderState?.migration;
  const SQL = ctx.folderState?.sql;
  if (!migration || !SQL || !ctx.folderState!.recorded || migration.verified) return;
  let saved: Set<string>;
  try {
    const db = ctx.storeDb.loadSaved();
    try {
      saved = new Set((db.exec('SELECT key FROM folders')[0]?.values ?? []).map((r) => String(r[0])));
    } finally {
      db.close();
    }
  } catch (e) {
    diagnostics.push(`The folder migration could not be verified (${(e as Error).message}); the database from before is kept at ${migration.keptCopy}.`);
    return;
  }
  const missing = ctx.folderState!.folders.filter((f) => !saved.has(f.key));
  if (missing.length) {
    diagnostics.push(`The saved database lacks the folders ${missing.map((f) => `"${f.key}"`).join(', ')}; the database from before is kept at ${migration.keptCopy}.`);
    return;
  }
  migration.verified = true;
  if (migration.keptCopy) {
    try {
      ctx.fs.rmSync(migration.keptCopy, { force: true });
      migration.keptCopy = undefined;
    } catch {
      /* the copy stays: harmless */
    }
  }
  ctx.log('info', `Folders migrated to stable identities: ${migration.mapping.join('; ')}.`);
}
