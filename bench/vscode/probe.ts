// Measuring instruments of the extension-host side: a 5 ms timer for the thread's longest stall,
// API reads issued while a long operation runs, and the process's memory. No `vscode` import.
import { performance } from 'node:perf_hooks';
import type { MemorySample, ReadSeries } from './types';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A timer ticking every 5 ms on the extension host's thread. The longest gap between two ticks
 * (about 5 ms on an idle thread) is the longest the thread was busy: what every other extension,
 * and Session Tree's own tree and quick picks, waited for.
 */
export class StallMonitor {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private max = 0;

  start(): void {
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.max = Math.max(this.max, now - this.last);
      this.last = now;
    }, 5);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Starts a window: the longest gap is counted from now. */
  begin(): void {
    this.max = 0;
    this.last = performance.now();
  }

  /** The longest gap since `begin`, including the one still open. */
  end(): number {
    return Math.max(this.max, performance.now() - this.last);
  }
}

export interface Reader {
  name: string;
  read: () => Promise<unknown>;
}

/**
 * Issues `readers` in turn, one at a time with a 10 ms pause between, until `operation` settles;
 * each read's latency is kept. A read that is still waiting when the operation ends counts in full.
 */
export async function probeReads(
  during: string,
  operation: Promise<unknown>,
  readers: Reader[],
  stall: StallMonitor,
): Promise<{ series: ReadSeries; value: unknown }> {
  const t0 = performance.now();
  stall.begin();
  let done = false;
  let value: unknown;
  let failure: unknown;
  const finished = operation.then(
    (v) => {
      value = v;
    },
    (e: unknown) => {
      failure = e;
    },
  ).finally(() => {
    done = true;
  });
  const opEnd = finished.then(() => performance.now() - t0);
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  for (let i = 0; !done; i++) {
    const reader = readers[i % readers.length];
    const r0 = performance.now();
    try {
      await reader.read();
    } catch (e) {
      errors++;
      firstError ??= `${reader.name}: ${e instanceof Error ? e.message : String(e)}`;
    }
    latencies.push(performance.now() - r0);
    if (!done) await Promise.race([sleep(10), finished]);
  }
  const opMs = await opEnd;
  const stallMs = stall.end();
  if (failure !== undefined) throw failure;
  return { series: { during, opMs, latencies, errors, ...(firstError ? { firstError } : {}), stallMs }, value };
}

export function memorySample(at: string, since: number): MemorySample {
  const m = process.memoryUsage();
  return { at, t: Math.round(performance.now() - since), rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}
