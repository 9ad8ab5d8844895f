// The Sessions tree's first paint from the last run (issue 11: a visible tree soon after activation,
// whatever the history's length). Opening the store takes the worker, sql.js and the database —
// about a second with 10,000 checkpoints — and the tree used to stay empty until then.
//
// While the store is open, the reads the tree's rows make (sessions, checkpoint pages, working
// changes, tips) are recorded as they are answered, and written to a small file beside the store a
// moment after the tree last painted and again after the store closed, with a stamp: the size,
// modification time and inode of the database files at that moment. At the next activation, when
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
const VERSION = 1;
/** The reads recorded and answered from the record (what the tree's rows are made of). */
const RECORDED: ReadonlySet<string> = new Set(['sessions', 'checkpoints', 'checkpoint', 'workingChanges', 'tipsUnder']);
/** A record past this size is not written (a tree showing thousands of rows). */
const MAX_BYTES = 2 * 1024 * 1024;
/** After the tree's last paint, the record is written this much later (the engine saves about a second after a change). */
const WRITE_DELAY_MS = 2500;

/** The database files a record is valid for: name, and size / mtime / inode, or absent. */
type Stamp = [string, number, number, number][];

interface PaintRecord {
  version: number;
  storeDir: string;
  stamp: Stamp;
  folders?: FolderInfo[];
  reads: [string, unknown][];
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

  /** Reads the last run's record; the tree paints from it (`early`) when the store is as it left it. */
  load(): { folders?: FolderInfo[] } | undefined {
    const file = this.file;
    if (!file) return undefined;
    let record: PaintRecord;
    try {
      if (fs.statSync(file).size > MAX_BYTES) return undefined;
      record = JSON.parse(fs.readFileSync(file, 'utf8')) as PaintRecord;
    } catch {
      return undefined; // none yet, or unreadable: the tree waits for the store
    }
    if (record?.version !== VERSION || typeof record.storeDir !== 'string' || !Array.isArray(record.reads) || !Array.isArray(record.stamp)) return undefined;
    if (JSON.stringify(stampOf(record.storeDir)) !== JSON.stringify(record.stamp)) return undefined;
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

  /** Writes the record now, stamped with the database files as they are now (after a close: as it left them). */
  write(storeDir: string | undefined): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const file = this.file;
    if (!storeDir || !file || this.reads.size === 0) return;
    const record: PaintRecord = { version: VERSION, storeDir, stamp: stampOf(storeDir), folders: this.folders, reads: [...this.reads] };
    const text = JSON.stringify(record);
    if (text.length > MAX_BYTES) return;
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, file);
    } catch (e) {
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        /* the warning below says enough */
      }
      this.warn(`Keeping the tree's first paint for the next start failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
