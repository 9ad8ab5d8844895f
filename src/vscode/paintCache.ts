// The Sessions tree's first paint from the last run (issue 11: a visible tree soon after activation,
// whatever the history's length). Opening the store takes the worker, sql.js and the database —
// about a second with 10,000 checkpoints — and the tree used to stay empty until then.
//
// While the store is open, the reads the tree's rows make (sessions, checkpoint pages, working
// changes, tips) are recorded as they are answered, and written to a small file beside the store a
// moment after the tree last painted and again after the store closed, with a stamp in a second,
// tiny file: the size, modification time and inode of the database files at that moment. A save
// that changed nothing the tree shows (the start-up scan's, maintenance, a fold) writes the stamp
// again, so the record stays valid across it. At the next activation, when
// the database files are exactly as stamped — no other window, no crash and no tool changed the
// store since — the tree paints from the record at once; the first read it does not hold waits for
// the store. As soon as the store is open the tree repaints from it, and the record is not used
// again. (Changes made to the workspace while it was closed show after the start-up scan, as they
// did before: the record holds what the store held.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineApi } from '../core/engineApi';
import type { FolderInfo } from '../core/types';

const FILE = 'session-tree-paint.json';
/** The stamp: which record, and the database files it is valid for. */
const STAMP_FILE = 'session-tree-paint.stamp.json';
const VERSION = 2;
/** The reads recorded and answered from the record (what the tree's rows are made of). */
const RECORDED: ReadonlySet<string> = new Set(['sessions', 'checkpoints', 'checkpoint', 'workingChanges', 'tipsUnder']);
/** A record past this size is not written (a tree showing thousands of rows). */
const MAX_BYTES = 2 * 1024 * 1024;
/**
 * After the tree's last paint, the record is written this much later (a burst of repaints writes it
 * once). The engine's save of the change that repainted it comes about a second after the change:
 * its `saved` event stamps the record again (`restamp`).
 */
const WRITE_DELAY_MS = 500;

/** The database files a record is valid for: name, and size / mtime / inode, or absent. */
type Stamp = [string, number, number, number][];

interface PaintRecord {
  version: number;
  /** Names the record; its stamp carries the same id. */
  id: string;
  storeDir: string;
  folders?: FolderInfo[];
  reads: [string, unknown][];
}

interface StampRecord {
  id: string;
  storeDir: string;
  stamp: Stamp;
}

const keyOf = (method: string, args: unknown[]): string => `${method}\u0000${JSON.stringify(args)}`;

function stampOf(storeDir: string): Stamp {
  return ['state.db', 'state.db.log'].map((name): [string, number, number, number] => {
    try {
      const st = fs.statSync(path.join(storeDir, name));
      return [name, st.size, st.mtimeMs, st.ino];
    } catch {
      return [name, -1, 0, 0];
    }
  });
}

export class PaintCache {
  private reads = new Map<string, unknown>();
  private replay: EngineApi | undefined;
  private timer: NodeJS.Timeout | undefined;
  private folders: FolderInfo[] | undefined;
  /** The record this window wrote last, and whether the store changed what it shows since. */
  private writtenId: string | undefined;
  private changedSinceWrite = false;

  /**
   * `file`: where the record is kept (the window's storage folder). `later`: the open store, for a
   * read the record does not hold.
   */
  constructor(
    private readonly folder: string | undefined,
    private readonly later: () => Promise<EngineApi>,
    private readonly warn: (message: string) => void,
  ) {}

  private get file(): string | undefined {
    return this.folder && path.join(this.folder, FILE);
  }

  private get stampFile(): string | undefined {
    return this.folder && path.join(this.folder, STAMP_FILE);
  }

  /** Reads the last run's record; the tree paints from it (`early`) when the store is as it left it. */
  load(): { folders?: FolderInfo[] } | undefined {
    const file = this.file;
    if (!file) return undefined;
    let record: PaintRecord;
    let stamp: StampRecord;
    try {
      if (fs.statSync(file).size > MAX_BYTES) return undefined;
      record = JSON.parse(fs.readFileSync(file, 'utf8')) as PaintRecord;
      stamp = JSON.parse(fs.readFileSync(this.stampFile!, 'utf8')) as StampRecord;
    } catch {
      return undefined; // none yet, or unreadable: the tree waits for the store
    }
    if (record?.version !== VERSION || typeof record.storeDir !== 'string' || !Array.isArray(record.reads)) return undefined;
    if (stamp?.id !== record.id || stamp.storeDir !== record.storeDir || !Array.isArray(stamp.stamp)) return undefined;
    if (JSON.stringify(stampOf(record.storeDir)) !== JSON.stringify(stamp.stamp)) return undefined;
    const reads = new Map(record.reads);
    const later = this.later;
    this.replay = new Proxy({} as EngineApi, {
      get: (_target, method) => {
        if (typeof method !== 'string' || method === 'then') return undefined;
        return (...args: unknown[]) => {
          const key = keyOf(method, args);
          if (RECORDED.has(method) && reads.has(key)) return Promise.resolve(structuredClone(reads.get(key)));
          return later().then((engine) => (engine[method as keyof EngineApi] as (...a: unknown[]) => unknown)(...args));
        };
      },
    });
    return { folders: record.folders };
  }

  /** The tree's engine until the store is open: answers from the record (undefined: no valid record). */
  get early(): EngineApi | undefined {
    return this.replay;
  }

  /** The store is open (or failed to): the record is not used again. */
  dropEarly(): void {
    this.replay = undefined;
  }

  /** The folders of the open store (multi-root rows name them), kept with the record. */
  noteFolders(folders: FolderInfo[] | undefined): void {
    this.folders = folders;
  }

  /** A full repaint starts: what it reads makes the new record. */
  reset(): void {
    this.reads = new Map();
  }

  /** `engine`, its recorded reads noted here as they are answered. */
  recording(engine: EngineApi): EngineApi {
    const reads = () => this.reads;
    return new Proxy(engine, {
      get: (target, method, receiver) => {
        const value = Reflect.get(target, method, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (typeof method !== 'string' || !RECORDED.has(method)) return (value as (...a: unknown[]) => unknown).bind(target);
        return (...args: unknown[]) => {
          const map = reads();
          return Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args)).then((result) => {
            map.set(keyOf(method, args), result);
            return result;
          });
        };
      },
    });
  }

  /** Writes the record a moment after the tree's last paint (see WRITE_DELAY_MS). */
  schedule(storeDir: string | undefined): void {
    if (!storeDir || !this.file) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.write(storeDir), WRITE_DELAY_MS);
    this.timer.unref?.();
  }

  /** The store changed what the tree shows: the record is not stamped again until it is written again. */
  noteChanged(): void {
    this.changedSinceWrite = true;
  }

  /** Writes the record now, stamped with the database files as they are now (after a close: as it left them). */
  write(storeDir: string | undefined): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const file = this.file;
    if (!storeDir || !file || this.reads.size === 0) return;
    const id = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const record: PaintRecord = { version: VERSION, id, storeDir, folders: this.folders, reads: [...this.reads] };
    const text = JSON.stringify(record);
    if (text.length > MAX_BYTES) return;
    // The record first, then its stamp: cut between the two, the old stamp names another record.
    this.changedSinceWrite = false;
    if (!this.put(file, text)) return;
    this.writtenId = id;
    this.restamp(storeDir);
  }

  /**
   * The store's files were written: the record this window wrote is stamped again with them, unless
   * the store changed what the tree shows since (then the next write stamps it).
   */
  restamp(storeDir: string | undefined): void {
    const file = this.stampFile;
    if (!storeDir || !file || !this.writtenId || this.changedSinceWrite) return;
    const stamp: StampRecord = { id: this.writtenId, storeDir, stamp: stampOf(storeDir) };
    this.put(file, JSON.stringify(stamp));
  }

  /** Writes `file` whole (a temp file renamed over it); false, with a warning, when it could not. */
  private put(file: string, text: string): boolean {
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, file);
      return true;
    } catch (e) {
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        /* the warning below says enough */
      }
      this.warn(`Keeping the tree's first paint for the next start failed: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
