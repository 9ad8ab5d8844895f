// How big the store is and who holds what: the folder on disk (packs, database), each session's
// share (what it refers to, and what only it refers to — what deleting it frees), and garbage.
import * as path from 'node:path';
import type { EngineContext } from '../context';
import type { SessionUsage, StorageReport } from '../storageTypes';
import { garbageBytes } from './gc';

/** Bytes of every regular file under `dir` (links not followed). */
export function folderBytes(ctx: EngineContext, dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = ctx.fs.readdirSync(dir);
  } catch {
    return 0;
  }
  for (const n of names) {
    const p = path.join(dir, n);
    try {
      const st = ctx.fs.lstatSync(p);
      if (st.isDirectory()) total += folderBytes(ctx, p);
      else if (st.isFile()) total += st.size;
    } catch {
      /* removed meanwhile */
    }
  }
  return total;
}

/** Snapshot hashes each session refers to (its checkpoints' versions and its starting state). */
function hashesBySession(ctx: EngineContext): Map<number, Set<string>> {
  const { history, meta } = ctx;
  const out = new Map<number, Set<string>>();
  for (const s of history.sessions.keys()) out.set(s, new Set());
  for (const c of history.cps.values()) {
    const set = out.get(c.session);
    if (!set) continue;
    // Sizes of a damaged store (Verify reports it) leave out what cannot be read.
    try {
      for (const ch of history.changesOf(c.id)) {
        if (ch.beforeBlob) set.add(meta.hashOf(ch.beforeBlob));
        if (ch.afterBlob) set.add(meta.hashOf(ch.afterBlob));
      }
    } catch {
      /* a damaged change list */
    }
    if (c.manifest) {
      set.add(c.manifest);
      try {
        for (const v of ctx.states.manifestOf(c.manifest).values()) set.add(v.hash);
      } catch {
        /* a lost starting state */
      }
    }
  }
  return out;
}

export function storageReport(ctx: EngineContext): StorageReport {
  const { history, mirror, meta, objects } = ctx;
  objects.writeOut();
  const bySession = hashesBySession(ctx);
  // How many sessions (and whether the current files) refer to each snapshot.
  const holders = new Map<string, number>();
  for (const set of bySession.values()) for (const h of set) holders.set(h, (holders.get(h) ?? 0) + 1);
  const current = new Set<string>();
  for (const e of mirror.entries.values()) if (e.blob) current.add(meta.hashOf(e.blob));
  for (const v of mirror.pending.values()) if (v.blob) current.add(meta.hashOf(v.blob));
  const size = new Map<string, number>();
  const sizeOf = (h: string) => {
    let n = size.get(h);
    if (n === undefined) size.set(h, (n = objects.storedSize(h) ?? 0));
    return n;
  };
  const last = new Map<number, number>();
  const counts = new Map<number, number>();
  for (const c of history.cps.values()) {
    last.set(c.session, Math.max(last.get(c.session) ?? 0, c.createdAt));
    counts.set(c.session, (counts.get(c.session) ?? 0) + 1);
  }
  const sessions: SessionUsage[] = history.newestFirst().map((s) => {
    let bytes = 0;
    let ownBytes = 0;
    for (const h of bySession.get(s.id) ?? []) {
      const n = sizeOf(h);
      bytes += n;
      if (holders.get(h) === 1 && !current.has(h)) ownBytes += n;
    }
    return {
      id: String(s.id), title: s.title, createdAt: s.createdAt, lastActivity: last.get(s.id) ?? s.createdAt,
      checkpoints: counts.get(s.id) ?? 0, active: s.id === history.activeId, bytes, ownBytes,
    };
  });
  const databaseBytes = [ctx.storeDb.file, ctx.storeDb.backup, ctx.storeDb.logFile, ctx.storeDb.backupLog].reduce((n, f) => {
    try {
      return n + ctx.fs.lstatSync(f).size;
    } catch {
      return n;
    }
  }, 0);
  return {
    folder: ctx.storageDir, totalBytes: folderBytes(ctx, ctx.storageDir), snapshotBytes: objects.diskSize(), databaseBytes,
    snapshots: objects.count, checkpoints: history.cps.size, garbageBytes: safeGarbage(ctx), sessions,
  };
}

/** Garbage, or 0 when the store is too damaged to tell what is referenced (Verify says why). */
function safeGarbage(ctx: EngineContext): number {
  try {
    return garbageBytes(ctx);
  } catch {
    return 0;
  }
}
