// Garbage collection: removes snapshots nothing refers to.
import { ObjectCorruptError } from '../../storage/objects';
import type { EngineContext } from '../context';
import { ioError } from '../ioErrors';
import { safeJson } from '../model';
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
  for (const c of history.cps.values()) {
    for (const ch of history.changesOf(c.id)) {
      add(ch.beforeBlob);
      add(ch.afterBlob);
    }
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

export function gc(ctx: EngineContext): { removed: number; freedBytes: number } {
  // Saved twice, so the last good copy (state.db.bak) agrees with state.db: were state.db damaged
  // later, the copy opened instead must find every snapshot it refers to.
  ctx.saveNow();
  ctx.saveNow();
  const live = liveHashes(ctx);
  // Content a Repair reported lost has no good copy: its damaged bytes are not kept.
  for (const h of lostSnapshots(ctx)) live.delete(h);
  try {
    return ctx.objects.gc((h) => live.has(h));
  } catch (e) {
    if (e instanceof ObjectCorruptError) throw new EngineError('corrupt', `Cannot compact the store: ${e.message} Run Repair Store first. Nothing was removed.`);
    throw ioError(e, 'Could not compact the snapshot store', 'Nothing was removed.');
  }
}
