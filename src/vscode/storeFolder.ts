// Which folder holds this workspace's store. VS Code gives each window its own workspace storage:
// a second window on a workspace already open gets `<id>-1` (then `-2`, …) beside `<id>`, because
// the first holds a lock on `<id>`. The store of a workspace is one, whatever the window: a second
// window uses the store in `<id>` (read-only while the first has it, see src/core/lock.ts), so it
// shows the same history and takes over recording when the first closes. Below: the store also
// follows the folders from one workspace to another (`StoreRegistry`). No `vscode` import.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The store folder for `storageDir` (the extension's `storageUri`): the first window's, when there is one. */
export function sharedStoreDir(storageDir: string): string {
  const windowDir = path.dirname(storageDir);
  const m = /^(.+)-([1-9])$/.exec(path.basename(windowDir));
  if (!m) return storageDir;
  const first = path.join(path.dirname(windowDir), m[1]);
  try {
    if (!fs.lstatSync(first).isDirectory()) return storageDir;
  } catch {
    return storageDir;
  }
  return path.join(first, path.basename(storageDir));
}

// The store follows the folders, not the window's workspace storage. VS Code gives a single-folder
// window and a multi-root workspace (and an untitled one) different workspace storage folders, so
// adding a second folder to a window would start an empty store and hide the history. A small
// registry in the extension's global storage remembers, for every folder path a store recorded
// (and the folder's dev/inode, for a folder moved on disk), which store that was. A window whose
// own store folder holds no database yet uses the store its folders already have, so history
// recorded in the single folder shows in the multi-root workspace and back again. Its own store
// always wins once it has a database (nothing is merged). Two windows on one store: the second is
// read-only and says why (src/core/lock.ts).

const DATABASE = 'state.db';

interface RegistryFile {
  version: 1;
  /** `path:<abs path>` and `ino:<dev>:<ino>` → the store folder that records that folder. */
  stores: Record<string, string>;
  /** A store moved by `sessionTree.storage.location`: its default folder → where it is now. */
  located?: Record<string, string>;
  /** Moves under way (storageLocation.ts), by the store's default folder: what a crash left to finish or undo. */
  moves?: Record<string, MoveRecord>;
}

/** A move of a store: `copying` until the copy is verified and in place, `switched` once it is the store in use. */
export interface MoveRecord {
  from: string;
  to: string;
  step: 'copying' | 'switched';
}

function folderIds(folder: string): string[] {
  const ids = [`path:${path.resolve(folder)}`];
  try {
    const st = fs.statSync(folder);
    if (st.isDirectory() && st.ino) ids.push(`ino:${st.dev}:${st.ino}`);
  } catch {
    /* a folder that is not there: known by its path only */
  }
  return ids;
}

/** `dir` holds a store (its database). */
export const hasDatabase = (dir: string): boolean => {
  try {
    return fs.lstatSync(path.join(dir, DATABASE)).isFile();
  } catch {
    return false;
  }
};

export class StoreRegistry {
  constructor(private readonly file: string) {}

  private read(): RegistryFile {
    try {
      const data = JSON.parse(fs.readFileSync(this.file, 'utf8')) as RegistryFile;
      if (data && data.version === 1 && data.stores && typeof data.stores === 'object') return data;
    } catch {
      /* missing or damaged: an empty registry (a window then uses its own store) */
    }
    return { version: 1, stores: {} };
  }

  /**
   * The store folder for a window whose own store folder is `own`: `own` when it has a database,
   * else the first store with a database that recorded one of `folders`, else `own`.
   */
  choose(own: string, folders: readonly string[]): string {
    if (hasDatabase(own)) return own;
    const { stores } = this.read();
    for (const f of folders) {
      for (const id of folderIds(f)) {
        const dir = stores[id];
        if (typeof dir === 'string' && path.isAbsolute(dir) && dir !== own && hasDatabase(dir)) return dir;
      }
    }
    return own;
  }

  /** Remembers that `storeDir` records `folders` (written whole, temp file then rename). */
  remember(storeDir: string, folders: readonly string[]): void {
    const data = this.read();
    let changed = false;
    for (const f of folders) {
      for (const id of folderIds(f)) {
        if (data.stores[id] === storeDir) continue;
        data.stores[id] = storeDir;
        changed = true;
      }
    }
    if (changed) this.write(data);
  }

  /** Where the store whose default folder is `defaultDir` is now (moved by the location setting, or there). */
  located(defaultDir: string): string {
    const at = this.read().located?.[defaultDir];
    return typeof at === 'string' && path.isAbsolute(at) ? at : defaultDir;
  }

  /** The move of `defaultDir`'s store under way, if any. */
  move(defaultDir: string): MoveRecord | undefined {
    const m = this.read().moves?.[defaultDir];
    return m && typeof m.from === 'string' && typeof m.to === 'string' && (m.step === 'copying' || m.step === 'switched') ? m : undefined;
  }

  /** Records (or, `undefined`, ends) the move of `defaultDir`'s store. */
  setMove(defaultDir: string, move: MoveRecord | undefined): void {
    const data = this.read();
    const moves = { ...data.moves };
    if (move) moves[defaultDir] = move;
    else delete moves[defaultDir];
    this.write({ ...data, moves });
  }

  /**
   * The switch, in one write: `defaultDir`'s store is at `move.to` from now on, the folders it
   * recorded point there, and the move is `switched` (what is left: removing `move.from`).
   */
  switchTo(defaultDir: string, move: MoveRecord): void {
    const data = this.read();
    const located = { ...data.located };
    if (move.to === defaultDir) delete located[defaultDir];
    else located[defaultDir] = move.to;
    const stores = { ...data.stores };
    for (const [id, dir] of Object.entries(stores)) if (dir === move.from) stores[id] = move.to;
    this.write({ ...data, stores, located, moves: { ...data.moves, [defaultDir]: { ...move, step: 'switched' } } });
  }

  private write(data: RegistryFile): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(data, null, 1));
    fs.renameSync(tmp, this.file);
  }
}
