// The start-up scan waits for the Sessions tree's first paint, so the tree's reads are served
// first, from what the store holds (the scan would hold them for seconds on a large workspace).
// The tree reports its paint (`notePainted`); a tree that never reports does not hold the scan up.

/** The longest the start-up scan waits for the first paint (ms). */
export const FIRST_PAINT_WAIT_MS = 1000;

export class FirstPaint {
  /** Whether the Sessions view is on screen now (set by the extension; the paint is waited for only then). */
  viewVisible: () => boolean = () => false;
  private painted = true;
  private waiter: (() => void) | undefined;

  /** False between the store opening and the tree's first paint (that paint reads no storage sizes). */
  get done(): boolean {
    return this.painted;
  }

  /** Called by the Sessions tree once its first paint has what it shows. */
  notePainted(): void {
    this.waiter?.();
  }

  /** Resolves once the tree has painted (see notePainted), at once when its view is not on screen. */
  wait(): Promise<void> {
    this.waiter?.();
    if (!this.viewVisible()) return Promise.resolve();
    this.painted = false;
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.waiter === done) this.waiter = undefined;
        this.painted = true;
        resolve();
      };
      const timer = setTimeout(done, FIRST_PAINT_WAIT_MS);
      this.waiter = done;
    });
  }

  /** Lets a waiting scan go (the host closes). */
  release(): void {
    this.waiter?.();
  }
}
