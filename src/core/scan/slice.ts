// Long scans in slices. A scan is written as a generator that yields between files; `drain` runs
// one to its end at once (every seal's catch-up), `runSliced` lets the event loop turn whenever a
// slice of `SLICE_MS` has gone by, so the engine's thread answers reads meanwhile (the start-up scan
// of a large workspace: issue 11). The generator only yields while `ctx.scan.slice` is set: drained
// at once, it never does.

/** Time one slice of a sliced scan runs before the event loop turns. */
export const SLICE_MS = 8;

/** Decides when a sliced scan lets the event loop turn; the clock is read every few steps. */
export class Slice {
  private started = performance.now();
  private steps = 0;
  constructor(private readonly ms: number = SLICE_MS) {}

  /** True when this slice's time is up (then a new slice starts). */
  due(): boolean {
    if ((++this.steps & 31) !== 0) return false;
    const now = performance.now();
    if (now - this.started < this.ms) return false;
    this.started = now;
    return true;
  }

  /** `due` reading the clock now, for steps that each take a while (hundreds of entries, a piece of a buffer). */
  dueNow(): boolean {
    const now = performance.now();
    if (now - this.started < this.ms) return false;
    this.started = now;
    return true;
  }

  /** A new slice starts (after the loop turned). */
  restart(): void {
    this.started = performance.now();
  }
}

/** Lets the event loop turn once (the worker serves reads meanwhile). */
export const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs a step generator to its end without letting the loop turn. */
export function drain<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** Runs a step generator, awaiting `turn` at each of its yields. */
export async function runSliced<T>(steps: Generator<void, T, void>, slice: Slice, turn: () => Promise<void>): Promise<T> {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    await turn();
    slice.restart();
  }
}
