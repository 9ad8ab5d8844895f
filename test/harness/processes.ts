// Child processes of the test harness: each in its own process group, killed as a group on every
// path out (normal end, failure, time-out, SIGINT/SIGTERM), so no code-server or browser outlives a run.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { appendFileSync } from 'node:fs';

interface Tracked {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
}

const tracked = new Set<Tracked>();

/**
 * Spawns `command` detached (its own process group). When SESSION_TREE_PGID_FILE is set, the
 * group id is appended there so `scripts/test.sh` can kill it even if this process dies hard.
 */
export function spawnGroup(name: string, command: string, args: string[], options: SpawnOptions = {}): Tracked {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options, detached: true });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const entry: Tracked = { name, child, exited };
  tracked.add(entry);
  void exited.then(() => tracked.delete(entry));
  recordGroup(child.pid);
  return entry;
}

/** Records a process group (ours or one a library started) for the last-resort kill in test.sh. */
export function recordGroup(pgid: number | undefined): void {
  const file = process.env.SESSION_TREE_PGID_FILE;
  if (file && pgid) appendFileSync(file, `${pgid}\n`);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGTERM to the whole group, SIGKILL after `graceMs`, then waits until the leader has exited. */
export async function killGroup(entry: Tracked, graceMs = 3000): Promise<void> {
  const pid = entry.child.pid;
  if (pid === undefined) return;
  signalGroup(pid, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
  await entry.exited;
  clearTimeout(timer);
  // Members of the group may outlive the leader; they get no grace.
  signalGroup(pid, 'SIGKILL');
}

export async function killAll(): Promise<void> {
  await Promise.all([...tracked].map((entry) => killGroup(entry)));
}

/** Synchronous last resort for `process.on('exit')`: no waiting possible there. */
function killAllNow(): void {
  for (const entry of tracked) if (entry.child.pid) signalGroup(entry.child.pid, 'SIGKILL');
}

let cleanupInstalled = false;

/**
 * Makes SIGINT/SIGTERM/SIGHUP and uncaught errors end every tracked group before exiting, and
 * `onSignal` run first (to close a browser, say).
 */
export function installCleanup(onSignal?: () => Promise<void>): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', killAllNow);
  let exiting = false;
  const bail = (code: number) => async () => {
    if (exiting) return;
    exiting = true;
    const force = setTimeout(() => {
      killAllNow();
      process.exit(code);
    }, 8000);
    try {
      await onSignal?.();
    } catch {
      // Ending anyway.
    }
    await killAll();
    clearTimeout(force);
    process.exit(code);
  };
  process.on('SIGINT', bail(130));
  process.on('SIGTERM', bail(143));
  process.on('SIGHUP', bail(129));
}

/** Rejects with a clear message when `promise` takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
