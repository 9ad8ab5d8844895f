// Which stored folder each open workspace folder is: the `folders` table (its only writer) and the
// rule that matches open folders to it.
//
// A tracked file's store key is `<folder key>/<relative path>`. The folder key is assigned once,
// when the store first sees the folder, and never changes: the history follows the folder, not
// its display name or its position in a multi-root workspace. At each open the folders are
// matched to their keys by, in this order:
//   1. the user's word: a folder the user confirmed is a stored one (`sameAs`, see the host);
//   2. path: the folder at the path a key was last seen at (also when it was deleted and cloned
//      again there);
//   3. identity: the folder's dev + inode (and birth time, as inodes are reused), for a folder
//      renamed or moved on disk;
//   4. otherwise a new key: its display name, made unique against every key the store has ever
//      had (so it can never pick up another folder's history). When a stored folder has gone from
//      where it was, the open reports the new folder as unrecognised and the host asks the user
//      once whether it is that one.
// A store from before this table (a legacy store) keyed folders by display name, ` (2)`, ` (3)`
// added by order: its first open matches by that rule (the "legacy" match, between 3 and 4) and
// records the folders' identities. A legacy key no row names yet (its folder was not open then)
// is matched by that rule when its folder next opens; a key with a row never is.
import * as path from 'node:path';
import type { FolderInfo, FolderMatch, UnrecognisedFolder } from '../types';
import type { Metadata } from './metadata';

export interface FolderRow {
  key: string;
  /** Where the folder was last seen ('' once another folder took that path). */
  path: string;
  dev: number;
  ino: number;
  /** The folder's birth time (0 where the file system has none): a deleted folder's inode may be reused. */
  born: number;
  /** Its display name when last seen. */
  label: string;
  lastSeen: number;
  /**
   * The first checkpoint id that can hold the folder's files: checkpoints before it were made
   * while the folder was not in the workspace (0: a folder from before the table, unknown).
   */
  since: number;
}

/** An open workspace folder, as the host gives it. */
export interface OpenFolder {
  label: string;
  path: string;
  /** The folder's dev, inode and birth time (0 when it could not be read). */
  dev: number;
  ino: number;
  born: number;
  /** The key of a stored folder the user said this one is. */
  sameAs?: string;
}

/** The same folder on disk: dev and inode, and its birth time where both have one (inodes are reused). */
export function sameIdentity(a: { dev: number; ino: number; born: number }, b: { dev: number; ino: number; born: number }): boolean {
  return a.ino !== 0 && a.ino === b.ino && a.dev === b.dev && (a.born === 0 || b.born === 0 || a.born === b.born);
}

/** The folder name as a key: no `/` (the key's separator) nor `\`, never empty. */
export function keyBase(label: string): string {
  return label.replace(/[\\/]/g, '_') || 'root';
}

/** The rule folders were keyed by before the `folders` table: display name, then ` (2)`… by order. */
export function legacyKeys(labels: readonly string[]): string[] {
  const used = new Set<string>();
  return labels.map((l) => {
    const base = keyBase(l);
    let key = base;
    for (let i = 2; used.has(key); i++) key = `${base} (${i})`;
    used.add(key);
    return key;
  });
}

/**
 * Matches `open` to the stored `rows` (see the header). `storeKeys`: every folder key the store's
 * paths have ever used; `gone(row)`: the row's folder is no longer at its path.
 */
export function resolveFolders(
  open: readonly OpenFolder[],
  rows: readonly FolderRow[],
  storeKeys: ReadonlySet<string>,
  gone: (row: FolderRow) => boolean,
): { folders: FolderInfo[]; unrecognised: UnrecognisedFolder[] } {
  const out: (FolderInfo | undefined)[] = open.map(() => undefined);
  const taken = new Set<string>();
  const take = (i: number, key: string | undefined, by: FolderMatch) => {
    if (key === undefined || out[i] || taken.has(key)) return;
    taken.add(key);
    out[i] = { key, label: open[i].label, path: path.resolve(open[i].path), matchedBy: by };
  };
  const free = (r: FolderRow) => !taken.has(r.key);
  open.forEach((f, i) => take(i, rows.find((r) => r.key === f.sameAs)?.key, 'confirmed'));
  open.forEach((f, i) => take(i, rows.find((r) => free(r) && r.path !== '' && r.path === path.resolve(f.path))?.key, 'path'));
  open.forEach((f, i) => {
    if (f.ino !== 0) take(i, rows.find((r) => free(r) && sameIdentity(r, f))?.key, 'identity');
  });
  // A key the paths use but no row names is a legacy one (or one whose folder was not open when
  // the store was migrated): it is matched by the rule it was made by.
  const rowKeys = new Set(rows.map((r) => r.key));
  const legacy = legacyKeys(open.map((f) => f.label));
  open.forEach((_, i) => {
    if (storeKeys.has(legacy[i]) && !rowKeys.has(legacy[i])) take(i, legacy[i], 'legacy');
  });
  const used = new Set([...storeKeys, ...rowKeys, ...taken]);
  const candidates = rows.filter((r) => free(r) && gone(r)).map((r) => ({ key: r.key, label: r.label, path: r.path }));
  const unrecognised: UnrecognisedFolder[] = [];
  open.forEach((f, i) => {
    if (out[i]) return;
    const base = keyBase(f.label);
    let key = base;
    for (let n = 2; used.has(key); n++) key = `${base} (${n})`;
    used.add(key);
    out[i] = { key, label: f.label, path: path.resolve(f.path), matchedBy: 'new' };
    if (candidates.length) unrecognised.push({ key, label: f.label, path: out[i]!.path, candidates });
  });
  return { folders: out as FolderInfo[], unrecognised };
}

/** The `folders` table. */
export class Folders {
  private rows = new Map<string, FolderRow>();

  constructor(private readonly meta: Metadata) {}

  load(): void {
    this.rows.clear();
    this.meta.forEachRow('SELECT key, path, dev, ino, born, label, last_seen, since FROM folders', (r) => {
      const row: FolderRow = {
        key: r[0] as string, path: r[1] as string, dev: r[2] as number, ino: r[3] as number, born: r[4] as number,
        label: r[5] as string, lastSeen: r[6] as number, since: r[7] as number,
      };
      this.rows.set(row.key, row);
    });
  }

  get list(): FolderRow[] {
    return [...this.rows.values()];
  }

  /** Every folder key the stored paths use (a legacy store's are its old display names). */
  storeKeys(): Set<string> {
    const keys = new Set<string>();
    this.meta.forEachRow("SELECT DISTINCT substr(key, 1, instr(key, '/') - 1) FROM paths WHERE instr(key, '/') > 0", (r) => keys.add(r[0] as string));
    return keys;
  }

  /** The display name a folder key was last seen with (the key itself when unknown). */
  labelOf(key: string): string {
    return this.rows.get(key)?.label ?? key;
  }

  /** Whether checkpoint `checkpointId` was made before the folder `key` was in the workspace. */
  addedAfter(key: string, checkpointId: number): boolean {
    const row = this.rows.get(key);
    return row !== undefined && checkpointId < row.since;
  }

  /**
   * Records where each open folder is now (`nextCheckpoint`: the id the next checkpoint gets; a
   * folder new to the store holds no files in the checkpoints before it; a legacy one may).
    A path holds one folder: a stored folder last seen at
   * a path another one now has keeps its key and history, but no longer its path.
   */
  record(
    open: readonly { key: string; label: string; path: string; dev: number; ino: number; born: number; matchedBy: FolderMatch }[],
    now: number,
    nextCheckpoint: number,
  ): void {
    for (const f of open) {
      for (const r of this.rows.values()) {
        if (r.key === f.key || r.path !== f.path) continue;
        this.write({ ...r, path: '', dev: 0, ino: 0, born: 0 });
      }
      const since = this.rows.get(f.key)?.since ?? (f.matchedBy === 'new' ? nextCheckpoint : 0);
      this.write({ key: f.key, path: f.path, dev: f.dev, ino: f.ino, born: f.born, label: f.label, lastSeen: now, since });
    }
  }

  private write(row: FolderRow): void {
    this.meta.run(
      'INSERT OR REPLACE INTO folders(key, path, dev, ino, born, label, last_seen, since) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [row.key, row.path, row.dev, row.ino, row.born, row.label, row.lastSeen, row.since],
    );
    this.rows.set(row.key, row);
  }
}
