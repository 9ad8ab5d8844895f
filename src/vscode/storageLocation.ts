// Where the store lives (`sessionTree.storage.location`) and moving it there safely. No `vscode`
// import: the extension host gives it the registry, the setting and a way to open a store
// (`inspect`, an engine in its worker), and the tests run it against real folders.
//
// A move, with its state in the registry (global storage, storeFolder.ts) at every step:
//   1. `copying` is recorded; the store (closed) is copied file by file into `<to>.st-move`, each
//      file made durable;
//   2. the copy is opened and compared with the original: sessions, checkpoints and snapshot
//      counts, and a sample of snapshots read back byte for byte;
//   3. the copy is renamed to `<to>`;
//   4. the switch, one registry write: the store is at `<to>`, the move is `switched`;
//   5. the old folder is removed, and the move ends.
// A crash before 4 leaves the old store in use, untouched (the next activation removes the copy
// and tries the move again); after 4, the new one (the next activation removes what is left of the
// old). There is always exactly one store the next activation opens.
import { createHash } from 'node:crypto';
import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LOCK_FILE } from '../core/lock';
import type { EngineApi } from '../core/engineApi';
import { hasDatabase, type MoveRecord, type StoreRegistry } from './storeFolder';

/** What opening a store found: its counts, and the sha256 of each sampled snapshot as read. */
export interface StoreCounts {
  sessions: number;
  checkpoints: number;
  objects: number;
  /** Snapshot hash → sha256 of the bytes read for it. */
  sample: Record<string, string>;
}

/** Opens the store in `dir` (closed afterwards), counts, and reads `hashes` (or a sample of its own choosing). */
export type InspectStore = (dir: string, hashes?: readonly string[]) => Promise<StoreCounts>;

export type MoveStep = 'copied' | 'verified' | 'renamed' | 'switched' | 'removed';

export interface MoveDeps {
  registry: StoreRegistry;
  inspect: InspectStore;
  fs?: typeof nodeFs;
  /** Progress for the user ("Copying 3 of 12 files"). */
  progress?: (message: string) => void;
  /** Tests: called after each step (a throw stands for a crash there). */
  after?: (step: MoveStep) => void;
}

/** A location that cannot be used; the message says why and what to do. Nothing was changed. */
export class LocationError extends Error {
  readonly code = 'invalid-argument';
  constructor(message: string) {
    super(message);
    this.name = 'LocationError';
  }
}

const COPY_SUFFIX = '.st-move';

/**
 * The folder the setting names, absolute: `~` is the home folder, a relative path is taken from the
 * home folder. Empty (the default): undefined — VS Code's workspace storage.
 */
export function resolveLocation(setting: unknown, home = os.homedir()): string | undefined {
  if (typeof setting !== 'string' || setting.trim() === '') return undefined;
  let p = setting.trim();
  if (p === '~') p = home;
  else if (p.startsWith('~/') || p.startsWith('~\\')) p = path.join(home, p.slice(2));
  return path.resolve(home, p);
}

/** The store folder of this workspace inside `location`: one per workspace, named like its workspace storage. */
export function storeFolderIn(location: string, defaultDir: string): string {
  return path.join(location, path.basename(path.dirname(defaultDir)));
}

/** The path with every existing part resolved through links (the missing tail kept as written). */
function realish(p: string, fs: typeof nodeFs): string {
  const missing: string[] = [];
  let at = path.resolve(p);
  for (;;) {
    try {
      return path.join(fs.realpathSync(at), ...missing.reverse());
    } catch {
      const up = path.dirname(at);
      if (up === at) return path.resolve(p);
      missing.push(path.basename(at));
      at = up;
    }
  }
}

const inside = (child: string, parent: string) => {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/**
 * Refuses a location inside one of the workspace folders (the store would be recorded as the
 * user's files, and written into them) or one that cannot be written; creates it otherwise.
 */
export function checkLocation(location: string, workspaceFolders: readonly string[], fs: typeof nodeFs = nodeFs): void {
  const real = realish(location, fs);
  for (const f of workspaceFolders) {
    if (inside(real, realish(f, fs))) {
      throw new LocationError(`The store location ${location} is inside the workspace folder ${f}: the store must not be kept in your own files. Choose a folder outside the workspace (sessionTree.storage.location).`);
    }
  }
  const probe = path.join(location, `.st-probe-${process.pid}`);
  try {
    fs.mkdirSync(location, { recursive: true });
    fs.writeFileSync(probe, 'probe');
    fs.rmSync(probe, { force: true });
  } catch (e) {
    throw new LocationError(`The store location ${location} cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). The store stays where it is; choose a folder you can write to (sessionTree.storage.location).`);
  }
}

/** Finishes or undoes a move a crash interrupted (see the top of this file). Returns what it did, for the log. */
export function recoverMove(registry: StoreRegistry, defaultDir: string, fs: typeof nodeFs = nodeFs): string | undefined {
  const move = registry.move(defaultDir);
  if (!move) return undefined;
  if (move.step === 'switched') {
    removeStore(move.from, fs);
    registry.setMove(defaultDir, undefined);
    return `A move of the store to ${move.to} was interrupted after the switch: the old folder ${move.from} was removed.`;
  }
  // Not switched: the old store is the one in use; the copy (whole or partial) goes.
  fs.rmSync(move.to + COPY_SUFFIX, { recursive: true, force: true });
  if (move.to !== registry.located(defaultDir)) fs.rmSync(move.to, { recursive: true, force: true });
  registry.setMove(defaultDir, undefined);
  return `A move of the store to ${move.to} was interrupted before the switch: the store stays in ${move.from}; the move is tried again.`;
}

/** Every regular file under `dir`, relative, but the lock and temporary files (the store is closed). */
function storeFiles(dir: string, fs: typeof nodeFs, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...storeFiles(dir, fs, r));
    else if (e.isFile() && r !== LOCK_FILE && !e.name.endsWith('.tmp')) out.push(r);
  }
  return out;
}

/**
 * Removes a store's files (and the lock), then the folders left empty: the folder may be VS Code's
 * workspace storage of the extension, where nothing else of the user's lives, but only what is the
 * store's goes.
 */
function removeStore(dir: string, fs: typeof nodeFs): void {
  let files: string[];
  try {
    files = [...storeFiles(dir, fs), LOCK_FILE];
  } catch {
    return; // gone already
  }
  for (const rel of files) fs.rmSync(path.join(dir, rel), { force: true });
  const prune = (d: string): boolean => {
    let empty = true;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory() || !prune(path.join(d, e.name))) empty = false;
    }
    if (empty) fs.rmdirSync(d);
    return empty;
  };
  prune(dir);
}

async function copyDurably(from: string, to: string, fs: typeof nodeFs): Promise<void> {
  await fs.promises.copyFile(from, to);
  const h = await fs.promises.open(to, 'r+');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Why two inspections differ, or undefined when they agree. */
function difference(a: StoreCounts, b: StoreCounts): string | undefined {
  for (const k of ['sessions', 'checkpoints', 'objects'] as const) if (a[k] !== b[k]) return `${k}: ${a[k]} in the store, ${b[k]} in the copy`;
  for (const [h, sum] of Object.entries(a.sample)) if (b.sample[h] !== sum) return `snapshot ${h.slice(0, 12)} reads differently in the copy`;
  return undefined;
}

/**
 * Moves the (closed) store from `from` to `to` (see the top of this file). On a failure before the
 * switch, the copy is removed and the store stays in `from`; the error says why.
 */
export async function moveStore(deps: MoveDeps, defaultDir: string, from: string, to: string): Promise<void> {
  const fs = deps.fs ?? nodeFs;
  const { registry } = deps;
  const copy = to + COPY_SUFFIX;
  const move: MoveRecord = { from, to, step: 'copying' };
  if (fs.existsSync(to) && fs.readdirSync(to).length > 0) {
    throw new LocationError(`${to} already exists and is not empty (another store?). The store stays in ${from}; remove that folder or choose another location.`);
  }
  registry.setMove(defaultDir, move);
  try {
    fs.rmSync(copy, { recursive: true, force: true });
    deps.progress?.('Reading the store');
    const original = await deps.inspect(from); // before the copy: opening it may write to it
    const files = storeFiles(from, fs);
    for (const [i, rel] of files.entries()) {
      deps.progress?.(`Copying the store: file ${i + 1} of ${files.length}`);
      fs.mkdirSync(path.dirname(path.join(copy, rel)), { recursive: true });
      await copyDurably(path.join(from, rel), path.join(copy, rel), fs);
    }
    deps.after?.('copied');
    deps.progress?.('Checking the copy');
    const copied = await deps.inspect(copy, Object.keys(original.sample));
    const diff = difference(original, copied);
    if (diff) throw new Error(`The copy of the store does not match it (${diff}). The store stays in ${from}.`);
    deps.after?.('verified');
    fs.rmSync(to, { recursive: true, force: true }); // empty (checked above)
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.renameSync(copy, to);
    deps.after?.('renamed');
  } catch (e) {
    fs.rmSync(copy, { recursive: true, force: true });
    if (registry.located(defaultDir) !== to) fs.rmSync(to, { recursive: true, force: true });
    registry.setMove(defaultDir, undefined);
    throw e;
  }
  registry.switchTo(defaultDir, move);
  deps.after?.('switched');
  removeStore(from, fs);
  deps.after?.('removed');
  registry.setMove(defaultDir, undefined);
}

/** sha256 (hex) of bytes: what a sampled snapshot read as. */
export const sumOf = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** An engine on a store folder, as the extension starts one (its worker); `terminate` after `close`. */
export type StartStoreEngine = (dir: string) => EngineApi & { terminate?(): Promise<void> };

/** Snapshots read back to compare a copy with its original: from the newest checkpoints of a few sessions. */
const SAMPLE_SESSIONS = 5;
const SAMPLE_HASHES = 24;

/** `InspectStore` with an engine: opened without the start-up scan, counted, sampled, closed. */
export function engineInspector(start: StartStoreEngine): InspectStore {
  return async (dir, hashes) => {
    const engine = start(dir);
    try {
      const opened = await engine.open({ deferScan: true });
      if (opened.readOnlyReason) throw new Error(`The store in ${dir} could not be opened for writing: ${opened.readOnlyReason}.`);
      const report = await engine.storageReport();
      const sessions = (await engine.sessions()).length;
      const want = hashes ?? (await sampleHashes(engine));
      const sample: Record<string, string> = {};
      for (const h of want) sample[h] = sumOf(await engine.readContent(h));
      return { sessions, checkpoints: report.checkpoints, objects: report.snapshots, sample };
    } finally {
      try {
        await engine.close();
      } finally {
        await engine.terminate?.();
      }
    }
  };
}

async function sampleHashes(engine: EngineApi): Promise<string[]> {
  const out = new Set<string>();
  for (const s of (await engine.sessions()).slice(0, SAMPLE_SESSIONS)) {
    for (const c of await engine.checkpoints({ sessionId: s.id, limit: 3 })) {
      for (const f of (await engine.checkpoint(c.id)).files) {
        for (const v of [f.before, f.after]) if (v && out.size < SAMPLE_HASHES) out.add(v.hash);
      }
    }
  }
  return [...out];
}

export interface PlaceOptions {
  registry: StoreRegistry;
  /** The store's default folder (VS Code's workspace storage, shared by the windows: storeFolder.ts). */
  defaultDir: string;
  /** The open workspace folders. */
  folders: readonly string[];
  /** `sessionTree.storage.location` as set. */
  setting: unknown;
  inspect: InspectStore;
  /** No other window has the store in `dir` open. */
  isFree: (dir: string) => boolean;
  log: (message: string) => void;
  progress?: (message: string) => void;
  fs?: typeof nodeFs;
  home?: string;
}

/** Where the store is to be opened; `moved` when it was just moved, `error` when a move was refused or failed (it stays). */
export interface Placed {
  dir: string;
  moved?: { from: string; to: string };
  error?: string;
}

/**
 * The store folder to open for this workspace: an interrupted move finished or undone first, then
 * the store moved where the setting says (when it is this workspace's own store; a store the
 * folders are followed into, storeFolder.ts, stays where its own workspace keeps it).
 */
export async function placeStore(o: PlaceOptions): Promise<Placed> {
  const fs = o.fs ?? nodeFs;
  try {
    const recovered = recoverMove(o.registry, o.defaultDir, fs);
    if (recovered) o.log(recovered);
  } catch (e) {
    // The registry says which store is in use either way; what was left is tried again next time.
    o.log(`Finishing an interrupted move of the store failed: ${(e as Error).message}`);
  }
  const own = o.registry.located(o.defaultDir);
  const dir = o.registry.choose(own, o.folders);
  let want: string;
  try {
    const location = resolveLocation(o.setting, o.home);
    want = location ? storeFolderIn(location, o.defaultDir) : o.defaultDir;
    if (dir !== own || want === own) return { dir };
    if (location) checkLocation(location, o.folders, fs);
    if (!hasDatabase(own)) {
      // Nothing recorded yet: the store starts in its new place.
      const move: MoveRecord = { from: own, to: want, step: 'copying' };
      o.registry.switchTo(o.defaultDir, move);
      o.registry.setMove(o.defaultDir, undefined);
      return { dir: want };
    }
    if (!o.isFree(own)) throw new LocationError(`Another window has the store open; it moves to ${want} when this window opens it alone (reload after closing the other window).`);
    await moveStore({ registry: o.registry, inspect: o.inspect, fs, progress: o.progress }, o.defaultDir, own, want);
  } catch (e) {
    return { dir: own, error: `The store was not moved: ${(e as Error).message}` };
  }
  return { dir: want, moved: { from: own, to: want } };
}
