// What the end-to-end bench's runner (run.ts, plain Node) and its extension-host side (host.ts)
// pass each other: a config file in, a result file out. No `vscode` import.

/** Written by the runner, read by the extension host (path in SESSION_TREE_BENCH_CONFIG). */
export interface BenchConfig {
  /**
   * `baseline`: the same window without Session Tree installed (memory only); `activation`: the
   * window opened again on a store with a long history (the view's first paint only).
   */
  mode: 'session-tree' | 'baseline' | 'activation';
  /** The folder code-server opens (Session Tree records it). */
  workspace: string;
  /** An identical copy that only the shadow git touches, and its separate GIT_DIR. */
  gitWorkTree: string;
  gitDir: string;
  /** Tracked files of the workspace, relative, '/'-separated. */
  files: string[];
  /** Files written per timed step (1, 10, 100). */
  counts: number[];
  /** Timed runs per row, and untimed warm-up runs before them. */
  runs: number;
  warmup: number;
  seed: number;
  /** How long the window is left alone before the "at rest" memory sample. */
  restMs: number;
  /** Session exports timed while API reads are probed. */
  exportRuns: number;
  /** Where exports are written (outside the workspace). */
  scratchDir: string;
  resultFile: string;
  progressFile: string;
  /** `activation`: the runner creates this file once it has seen the tree's first row. */
  treeSeenFile?: string;
}

export type RowKind = 'willEdit' | 'noWillEdit' | 'rewind';

/** One timed operation. A wrong result is kept with its problem and is not a timing. */
export interface OpSample {
  row: RowKind;
  n: number;
  /** Negative: a warm-up run (not reported). */
  run: number;
  side: 'session-tree' | 'git';
  ms: number;
  ok: boolean;
  problem?: string;
  /** Longest gap of the extension host's 5 ms timer during the call (Session Tree side). */
  stallMs?: number;
}

/** API reads issued one after another while a long operation ran. */
export interface ReadSeries {
  during: string;
  /** How long the long operation took. */
  opMs: number;
  /** Latency of each read, in order. */
  latencies: number[];
  errors: number;
  firstError?: string;
  stallMs: number;
  detail?: string;
}

export interface MemorySample {
  at: string;
  /** Milliseconds since the extension host side started. */
  t: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface HostResult {
  mode: BenchConfig['mode'];
  extensionVersion?: string;
  beginTurn: boolean;
  /** From the bench's start in the extension host to `api.ready`. */
  readyMs?: number;
  /** `activation`: when the view was asked for (epoch ms), and whether Session Tree was already active then. */
  activation?: { startedAt: number; wasActive: boolean; readyMs: number };
  memory: MemorySample[];
  ops: OpSample[];
  reads: ReadSeries[];
  notes: string[];
  error?: string;
}

export const EXTENSION_ID = 'sessiontree.session-tree';
