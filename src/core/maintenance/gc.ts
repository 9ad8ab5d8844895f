// Garbage collection: removes snapshots nothing refers to.
import { ObjectCorruptError } from '../../storage/objects';
import type { EngineContext } from '../context';
import { ioError } from '../ioErrors';
import { safeJson } from '../model';
import { nextTurn } from '../scan/slice';
import { EngineError } from '../types';

/** Every content hash the metadata refers to. */
export function liveHashes(ctx: EngineContext): Set<string> {
  const { meta, history, mirror } = ctx;
  const live = new Set<string>();
  const add = (b: number) => {
    if (b) live.add(meta.hashOf(b));
  };
  for (const e of mirror.entries.values()) add(e.blob);
  for (const v of mirror.pending.values()) add(v.blob);
  history.forEachChanges((_id, changes) => {
    for (const ch of changes) {
      add(ch.beforeBlob);
      add(ch.afterBlob);
    }
  });
  for (const c of history.cps.values()) {
    if (c.manifest) {
      live.add(c.manifest);
      for (const v of ctx.states.manifestOf(c.manifest).values()) live.add(v.hash);
    }
  }
  return live;
}

/** Snapshots a Repair reported lost (no good copy exists). */
export function lostSnapshots(ctx: EngineContext): string[] {
  return safeJson<string[]>(ctx.meta.metaGet('lost_snapshots') ?? '[]', []);
}

/**
 * What gc keeps. The database log folded first, twice, so the last good copy (state.db.bak, with
 * its log) agrees with state.db.
 */
function keptHashes(ctx: EngineContext): Set<string> {
  // Were state.db damaged later, the copy opened instead must find every snapshot it refers to.
  ctx.saveNow({ fold: true });
  ctx.saveNow({ fold: true });
  const live = liveHashes(ctx);
  // Content a Repair reported lost has no good copy: its damaged bytes are not kept.
  for (const h of lostSnapshots(ctx)) live.delete(h);
  return live;
}

function gcFailed(e: unknown): never {
  if (e instanceof ObjectCorruptError) throw new EngineError('corrupt', `Cannot compact the store: ${e.message} Run Repair Store first. Nothing was removed.`);
  throw ioError(e, 'Could not compact the snapshot store', 'Nothing was removed.');
}

export function gc(ctx: EngineContext): { removed: number; freedBytes: number } {
  const live = keptHashes(ctx);
  try {
    return ctx.objects.gc((h) => live.has(h));
  } catch (e) {
    gcFailed(e);
  }
}

/**
 * `gc` pack by pack, letting the event loop turn after each pack (`turn`), so the engine's thread
 * answers reads meanwhile. Every step is complete and durable on its own (`ObjectStore.gcPack`):
 * a read in between sees every snapshot the store refers to. The caller keeps writers out until it
 * ends (the worker's scheduler does), so what is live does not change under it. A second pass
 * frees the bases the first one stopped storing deltas on.
 */
export async function gcYielding(ctx: EngineContext, turn: () => Promise<void> = nextTurn): Promise<{ removed: number; freedBytes: number }> {
  const live = keptHashes(ctx);
  const keep = (h: string) => live.has(h);
  let removed = 0;
  let freedBytes = 0;
  try {
    for (let pass = 0; pass < 3; pass++) {
      const packs = ctx.objects.garbageByPack(keep).filter((p) => p.dead > 0).map((p) => p.pack);
      if (packs.length === 0) break;
      for (const id of packs) {
        const r = ctx.objects.gcPack(id, keep);
        removed += r.removed;
        freedBytes += r.freedBytes;
        await turn();
      }
    }
  } catch (e) {
    gcFailed(e);
  }
  return { removed, freedBytes };
}

/**
 * One step of incremental gc: the pack with the most garbage (at least `minRatio` of it) is
 * rewritten without it. `done` when no pack qualifies. Each step is short and crash-safe on its own
 * (see `ObjectStore.gcPack`), so captures and restores run between steps.
 */
export function gcStep(ctx: EngineContext, minRatio: number): { removed: number; freedBytes: number; done: boolean } {
  const live = liveHashes(ctx);
  for (const h of lostSnapshots(ctx)) live.delete(h);
  const keep = (h: string) => live.has(h);
  const best = ctx.objects.garbageByPack(keep)
    .filter((p) => p.dead > 0 && p.dead >= p.size * minRatio)
    .sort((a, b) => b.dead - a.dead)[0];
  if (!best) return { removed: 0, freedBytes: 0, done: true };
  keptHashes(ctx); // the saves: what is removed is referred to by neither database copy
  try {
    return { ...ctx.objects.gcPack(best.pack, keep), done: false };
  } catch (e) {
    gcFailed(e);
  }
}

/** Stored bytes of snapshots nothing refers to. */
export function garbageBytes(ctx: EngineContext): number {
  const live = liveHashes(ctx);
  return ctx.objects.garbageByPack((h) => live.has(h)).reduce((n, p) => n + p.dead, 0);
}
