// The metadata database: sql.js (SQLite compiled to WASM) held in memory and written out whole.
//
// Saving is atomic: export → write `state.db.tmp` → fsync → hard-link the current file to
// `state.db.bak` (the last good copy) → rename the temp file over `state.db` → fsync the folder.
// At every instant `state.db` is a complete database; if it is ever unreadable, open falls back to
// `state.db.bak` and says so.
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import { type Fs, removeQuietly, writeTempFile } from './files';
import { MIGRATIONS, SCHEMA_VERSION } from './schema';

let sqlPromise: Promise<SqlJsStatic> | undefined;

/** Loads the sql.js WASM module once per thread. */
export function loadSqlJs(wasmPath?: string): Promise<SqlJsStatic> {
  sqlPromise ??= initSqlJs(wasmPath ? { locateFile: () => wasmPath } : undefined);
  return sqlPromise;
}

export interface OpenedDb {
  db: Database;
  usedBackup: boolean;
  created: boolean;
  diagnostics: string[];
  /** Set when the file is from a newer version of Session Tree: the store opens read-only. */
  newerSchema?: number;
  /**
   * Set when `state.db` exists but could not be read (permissions, I/O, locked — not damage): the
   * store should open read-only so that a save does not replace a file that may be newer.
   */
  unreadable?: NodeJS.ErrnoException;
}

export class StoreDb {
  readonly file: string;
  readonly backup: string;
  private readonly tmp: string;
  lastSaveMs = 0;
  lastSaveBytes = 0;
  /** `state.db` is known to be a good database (it opened, or this process wrote it). Only then does a save make it the backup. */
  private mainGood = false;

  constructor(
    readonly dir: string,
    private readonly SQL: SqlJsStatic,
    private readonly fs: Fs = nodeFs,
  ) {
    this.file = path.join(dir, 'state.db');
    this.backup = path.join(dir, 'state.db.bak');
    this.tmp = path.join(dir, 'state.db.tmp');
  }

  /** Opens (or creates) the database, migrating it to the current schema. */
  open(): OpenedDb {
    const diagnostics: string[] = [];
    let unreadable: NodeJS.ErrnoException | undefined;
    const tryLoad = (file: string): Database | string => {
      let bytes: Buffer;
      try {
        // Never read through a link: a database planted as one is not this store's.
        if (this.fs.lstatSync(file).isSymbolicLink()) return 'a symbolic link (not opened)';
        bytes = this.fs.readFileSync(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
        if (file === this.file) unreadable = e as NodeJS.ErrnoException;
        return `unreadable (${(e as Error).message})`;
      }
      if (bytes.length === 0) return 'empty';
      try {
        const db = new this.SQL.Database(bytes);
        const check = db.exec('PRAGMA quick_check');
        const verdict = String(check[0]?.values[0]?.[0] ?? '');
        if (verdict !== 'ok') {
          db.close();
          return `damaged (${verdict || 'no answer to integrity check'})`;
        }
        db.exec('SELECT count(*) FROM sqlite_master');
        return db;
      } catch (e) {
        return `damaged (${(e as Error).message})`;
      }
    };
    let usedBackup = false;
    let created = false;
    let db: Database;
    const main = tryLoad(this.file);
    if (typeof main !== 'string') {
      db = main;
      this.mainGood = true;
    } else {
      const bak = tryLoad(this.backup);
      if (typeof bak !== 'string') {
        db = bak;
        usedBackup = true;
        if (main !== 'missing') diagnostics.push(`The database ${this.file} is ${main}; the last good copy was opened instead.`);
        else diagnostics.push(`The database ${this.file} was missing; the last good copy was opened instead.`);
      } else {
        if (main !== 'missing') {
          diagnostics.push(
            `The database ${this.file} is ${main} and no good copy was found (${bak}); a new database was started. ` +
              `The damaged file was kept as ${path.basename(this.file)}.damaged.`,
          );
          try {
            this.fs.copyFileSync(this.file, this.file + '.damaged');
          } catch {
            /* best effort */
          }
        }
        db = new this.SQL.Database();
        created = true;
        // Every save exports the whole file through sql.js page by page: 16 KiB pages export about
        // 3x faster than the default 4 KiB (6.7 MB: 2.7 ms instead of 9.6 here) for 2% more bytes.
        db.exec('PRAGMA page_size = 16384');
      }
    }
    db.exec('PRAGMA foreign_keys = OFF');
    // The database lives in sql.js's in-memory file system and reaches the disk only through
    // save(); a rollback journal there is pure overhead (it was most of the first scan's time), so
    // keep it in memory, and hold the lock (no hot-journal probe of the file system per statement).
    // Transactions and savepoints still roll back.
    db.exec('PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY');
    const version = created ? 0 : readVersion(db);
    if (version > SCHEMA_VERSION) {
      return { db, usedBackup, created, diagnostics, newerSchema: version, unreadable };
    }
    migrate(db, version);
    return { db, usedBackup, created, diagnostics, unreadable };
  }

  /**
   * `state.db` is no longer known to be a file this process wrote (the folder was replaced under
   * the store): the next save does not keep it as the last good copy.
   */
  lostFile(): void {
    this.mainGood = false;
  }

  /** Writes the whole database atomically. */
  save(db: Database): void {
    const t0 = performance.now();
    const data = db.export();
    this.fs.mkdirSync(this.dir, { recursive: true });
    const bakTmp = this.backup + '.tmp';
    try {
      // A temp name planted as a link is removed (the link itself), never written through.
      removeQuietly(this.fs, this.tmp);
      writeTempFile(this.fs, this.tmp, data, { fsync: true });
      // The current file becomes the last good copy — unless it is the damaged one open fell back
      // from: then the backup it was opened from stays.
      if (this.mainGood && this.fs.existsSync(this.file)) {
        this.fs.rmSync(bakTmp, { force: true });
        try {
          this.fs.linkSync(this.file, bakTmp);
        } catch {
          this.fs.copyFileSync(this.file, bakTmp);
        }
        this.fs.renameSync(bakTmp, this.backup);
        // Renaming a link onto the same file (the backup already was this file) does nothing.
        this.fs.rmSync(bakTmp, { force: true });
      }
      this.fs.renameSync(this.tmp, this.file);
    } catch (e) {
      // A failed save leaves the last saved files as they were and no partial temp file taking space.
      removeQuietly(this.fs, this.tmp);
      removeQuietly(this.fs, bakTmp);
      throw e;
    }
    this.mainGood = true;
    fsyncDir(this.fs, this.dir);
    this.lastSaveMs = performance.now() - t0;
    this.lastSaveBytes = data.length;
  }
}

function fsyncDir(fs: Fs, dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* not supported on every platform */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export function readVersion(db: Database): number {
  try {
    const r = db.exec("SELECT value FROM meta WHERE key = 'schema_version'");
    return Number(r[0]?.values[0]?.[0] ?? 0);
  } catch {
    return 0;
  }
}

/** Applies every migration after `from`, each in a transaction, and checks the result. */
export function migrate(db: Database, from: number): void {
  for (let v = from + 1; v <= SCHEMA_VERSION; v++) {
    db.exec('BEGIN');
    try {
      MIGRATIONS[v](db);
      db.run("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", [String(v)]);
      db.exec('COMMIT');
    } catch (e) {
      db.exec('ROLLBACK');
      throw new Error(`Migrating the Session Tree database to version ${v} failed: ${(e as Error).message}`);
    }
  }
}
