// The mirror and the working changes: the only writer of the `mirror` and `pending` tables.
//
// The mirror holds every tracked file's latest known content (an interned blob) and stat. The
// working changes (`pending`) hold, for each path changed since head, its version at head.
// Invariant: for every tracked path, mirror = head state + working changes. `setVersion` keeps it:
// every change of a path's version goes through it (or through `markUntracked`).
//
// The mirror is read with the interned ids, when first needed (see Metadata); the working changes
// are small and read at once. In memory the mirror is one slot per path id in typed arrays
// (mirrorTable.ts), not an object per file.
import { ABSENT, type MirrorEntry, type Ver, sameVer } from '../model';
import type { Metadata } from './metadata';
import { MirrorTable } from './mirrorTable';

export interface StatFields {
  size: number;
  mtime: number;
  ino: number;
  racy: boolean;
}

export class Mirror {
  /** Compact: typed arrays by path id (see mirrorTable.ts). */
  private readonly loadedEntries = new MirrorTable();
  /** Working changes: path → its version at head. */
  readonly pending = new Map<number, Ver>();
  /** Folder keys with tracked files below them (built when first needed). */
  private dirKeys: Set<string> | undefined;
  /** Set while the scan that starts the first session runs: every file is new, no working changes to keep. */
  firstScan = false;

  constructor(private readonly meta: Metadata) {
    meta.onLoad(() => this.load());
  }

  /** Every mirror entry (reads the table when first needed). */
  get entries(): ReadonlyMap<number, MirrorEntry> {
    this.meta.ensureLoaded();
    return this.loadedEntries;
  }

  get(p: number): MirrorEntry | undefined {
    return this.entries.get(p);
  }

  /** The version the mirror holds for `p` (ABSENT when none). */
  version(p: number): Ver {
    const e = this.entries.get(p);
    return e ? { blob: e.blob, mode: e.mode } : ABSENT;
  }

  private load(): void {
    this.loadedEntries.clear();
    this.dirKeys = undefined;
    this.meta.forEachRow('SELECT path, blob, size, mtime, mode, ino FROM mirror', (r) => {
      const ino = r[5] as number;
      this.loadedEntries.set(r[0] as number, {
        blob: r[1] as number, size: r[2] as number, mtime: r[3] as number, mode: r[4] as number,
        ino: Math.max(ino, 0), racy: ino === -1, untracked: ino === -2,
      });
    });
  }

  loadPending(): void {
    this.pending.clear();
    this.meta.forEachRow('SELECT path, blob, mode FROM pending', (r) => {
      this.pending.set(r[0] as number, { blob: r[1] as number, mode: r[2] as number });
    });
  }

  trackedCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (!e.untracked && e.blob) n++;
    return n;
  }

  /** Writes (or with undefined, removes) one entry as it is; working changes are the caller's. */
  write(p: number, e: MirrorEntry | undefined): void {
    const entries = this.entries;
    if (!e) {
      this.loadedEntries.delete(p);
      this.meta.run('DELETE FROM mirror WHERE path = ?', [p]);
      return;
    }
    if (this.dirKeys && !entries.has(p)) this.addDirKeys(this.meta.keyOf(p));
    this.loadedEntries.set(p, e);
    const ino = e.untracked ? -2 : e.racy ? -1 : e.ino;
    // An upsert, not INSERT OR REPLACE (a delete and an insert): a tenth of the cost per row in sql.js.
    this.meta.run('INSERT INTO mirror(path, blob, size, mtime, mode, ino) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET blob = excluded.blob, size = excluded.size, mtime = excluded.mtime, mode = excluded.mode, ino = excluded.ino', [
      p, e.blob, e.size, e.mtime, e.mode, ino,
    ]);
  }

  /** Sets (or with undefined, drops) the working change of `p`: its version at head. */
  setPending(p: number, v: Ver | undefined): void {
    if (this.firstScan) return;
    if (!v) {
      if (this.pending.delete(p)) this.meta.run('DELETE FROM pending WHERE path = ?', [p]);
      return;
    }
    this.pending.set(p, v);
    this.meta.run('INSERT INTO pending(path, blob, mode) VALUES (?, ?, ?) ON CONFLICT(path) DO UPDATE SET blob = excluded.blob, mode = excluded.mode', [p, v.blob, v.mode]);
  }

  clearPending(): void {
    this.pending.clear();
    this.meta.run('DELETE FROM pending', []);
  }

  /** Records that path `p` now holds `v` (ABSENT = deleted); keeps working changes in step. */
  setVersion(p: number, v: Ver, stat?: StatFields): void {
    const old = this.entries.get(p);
    const oldVer: Ver = old ? { blob: old.blob, mode: old.mode } : ABSENT;
    if (!sameVer(oldVer, v)) {
      const headVer = this.pending.get(p);
      if (headVer === undefined) this.setPending(p, oldVer);
      else if (sameVer(headVer, v)) this.setPending(p, undefined);
    }
    if (v.blob === 0) {
      if (old) this.write(p, undefined);
      return;
    }
    const next: MirrorEntry = { blob: v.blob, mode: v.mode, size: stat?.size ?? 0, mtime: stat?.mtime ?? 0, ino: stat?.ino ?? 0, racy: stat?.racy ?? true, untracked: false };
    if (old && !old.untracked && sameVer(oldVer, v) && old.size === next.size && old.mtime === next.mtime && old.ino === next.ino) {
      if (old.racy === next.racy) return;
      // Only settled (its timestamp now old enough to trust): in memory. The stored row still says
      // "re-read it", which after a restart costs one read and is never wrong.
      if (old.racy) {
        this.loadedEntries.set(p, next);
        return;
      }
    }
    this.write(p, next);
  }

  /** `p` is no longer tracked: history keeps its last tracked version; a working change to it is dropped. */
  markUntracked(p: number): void {
    const e = this.entries.get(p);
    if (!e || e.untracked) return;
    const headVer = this.pending.get(p);
    if (headVer !== undefined) {
      this.setPending(p, undefined);
      if (headVer.blob === 0) {
        this.write(p, undefined);
        return;
      }
      this.write(p, { ...e, blob: headVer.blob, mode: headVer.mode, untracked: true });
      return;
    }
    this.write(p, { ...e, untracked: true });
  }

  /** Whether tracked files lie below the folder `key`: a deleted path that is no such folder needs no search. */
  hasFilesUnder(key: string): boolean {
    if (!this.dirKeys) {
      this.dirKeys = new Set();
      for (const p of this.entries.keys()) this.addDirKeys(this.meta.keyOf(p));
    }
    return this.dirKeys.has(key);
  }

  private addDirKeys(key: string): void {
    for (let i = key.lastIndexOf('/'); i > 0; i = key.lastIndexOf('/', i - 1)) {
      const dir = key.slice(0, i);
      if (this.dirKeys!.has(dir)) return; // and so are its ancestors
      this.dirKeys!.add(dir);
    }
  }
}
