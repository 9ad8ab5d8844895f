// Background maintenance within a storage budget: garbage is freed pack by pack once there is
// enough of it, and when the store is over its budget old history is compacted (see compact.ts)
// and freed. Each call does a bounded amount of work, so the caller runs it between other calls.
import type { EngineContext } from '../context';
import type { MaintenanceReport, StorageBudget } from '../storageTypes';
import { compactHistory } from './compact';
import { garbageBytes, gcStep } from './gc';
import { folderBytes } from './usage';

/** A pack is rewritten in the background once this share of it is garbage. */
const GARBAGE_RATIO = 0.3;
/** Steps one call may take. */
const MAX_STEPS = 2;

export function maintain(ctx: EngineContext, budget: StorageBudget): MaintenanceReport {
  const report: MaintenanceReport = { gcSteps: 0, freedBytes: 0, compacted: 0, totalBytes: 0 };
  const step = (ratio: number): boolean => {
    const r = gcStep(ctx, ratio);
    if (r.done) return false;
    report.gcSteps++;
    report.freedBytes += r.freedBytes;
    return true;
  };
  while (report.gcSteps < MAX_STEPS && step(GARBAGE_RATIO));
  report.totalBytes = folderBytes(ctx, ctx.storageDir);
  if (budget.maxSize > 0 && report.totalBytes > budget.maxSize) {
    report.compacted = compactHistory(ctx, { keepDays: budget.keepDays }).checkpoints;
    // Over the budget, any garbage is worth freeing.
    while (report.gcSteps < MAX_STEPS + 4 && step(0));
    report.totalBytes = folderBytes(ctx, ctx.storageDir);
    if (report.totalBytes > budget.maxSize && garbageBytes(ctx) === 0) report.overBudget = { totalBytes: report.totalBytes, maxSize: budget.maxSize };
  }
  return report;
}

/** Frees every snapshot nothing refers to now, pack by pack (after a delete or a compaction). */
export function freeGarbage(ctx: EngineContext): { removed: number; freedBytes: number } {
  let removed = 0;
  let freedBytes = 0;
  for (;;) {
    const r = gcStep(ctx, 0);
    if (r.done) return { removed, freedBytes };
    removed += r.removed;
    freedBytes += r.freedBytes;
  }
}
