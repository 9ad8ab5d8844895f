// Which engine calls may be under way at the same time on the engine's thread. There is one thread:
// "at the same time" means one call is suspended at an `await` (a long export letting the event loop
// turn between snapshots) while another runs.
//
//   read           (change 'none' in operations.ts) runs beside other reads, and beside a yielding
//                  writer while it is suspended
//   write          runs alone: never beside another call
//   yielding-write a writer that suspends only between complete transactions (YIELDING_WRITERS):
//                  reads run beside it, other writers never
//
// Calls start in the order they arrived: none starts before one that arrived earlier has started, so
// a read sent after a write sees that write, and two writers never interleave.
import { OPERATIONS } from '../core/operations';
import { isEngineMethod, type EngineMethod } from './protocol';

export type CallKind = 'read' | 'write' | 'yielding-write';

/**
 * Writers that may serve reads while suspended. A method goes here only when every `await` in it is
 * between complete transactions, so a read in between sees a whole state (before or after each
 * step, never half of one): gc (between packs) and import (between snapshots, before its one
 * transaction) — or, for the start-up scan, when what a read may see half-way is what a watcher
 * reporting the same files one by one would show: the history as it was opened, and the working
 * changes found so far, each file's entry whole (lifecycle.ts, `startupScanSliced`).
 */
export const YIELDING_WRITERS: ReadonlySet<EngineMethod> = new Set<EngineMethod>(['gc', 'importSession', 'startupScan']);

/** How a call of `method` is scheduled; a name that is not an engine method is kept alone (it fails). */
export function kindOf(method: unknown, yielding: ReadonlySet<EngineMethod> = YIELDING_WRITERS): CallKind {
  if (!isEngineMethod(method)) return 'write';
  if (OPERATIONS[method].change === 'none') return 'read';
  return yielding.has(method) ? 'yielding-write' : 'write';
}

/** Starts calls as soon as what runs allows, in arrival order. */
export class CallScheduler {
  private readonly waiting: { kind: CallKind; run: () => Promise<void> }[] = [];
  private reads = 0;
  private writer: CallKind | undefined;

  /** Queues `run`; it starts when every earlier call has started and what runs allows it. */
  submit(kind: CallKind, run: () => Promise<void>): void {
    this.waiting.push({ kind, run });
    this.pump();
  }

  /** Calls started and not yet finished, for tests. */
  get running(): { reads: number; writer: CallKind | undefined } {
    return { reads: this.reads, writer: this.writer };
  }

  private canStart(kind: CallKind): boolean {
    if (kind === 'read') return this.writer === undefined || this.writer === 'yielding-write';
    return this.writer === undefined && this.reads === 0;
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.canStart(this.waiting[0].kind)) {
      const next = this.waiting.shift()!;
      if (next.kind === 'read') this.reads++;
      else this.writer = next.kind;
      const done = () => {
        if (next.kind === 'read') this.reads--;
        else this.writer = undefined;
        this.pump();
      };
      // Started on the microtask queue, in order; `run` reports its own failures.
      Promise.resolve().then(next.run).then(done, done);
    }
  }
}
