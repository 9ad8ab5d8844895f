// The metadata database: sql.js (SQLite compiled to WASM) held in memory; on disk a base file
// `state.db` (a whole export) and, beside it, the append-only log of every durable commit since
// (`state.db.log`, see log.ts). Making a change durable appends one record and fsyncs it: its cost
// follows the change, not the history.
//
// Folding the log into a new base — when it passes `foldBytes`, at close, and at the first save
// after an open that changed what the files hold (a new store, a schema migration, a log that was
// cut or damaged, the last good copy used) — is atomic: export → write `state.db.tmp` → fsync →
// hard-link the current base to `state.db.bak` (the last good copy) → rename the temp file over
// `state.db` → move the log, which belongs to the base now in `state.db.bak`, to `state.db.bak.log`
// → fsync the folder. At every instant `state.db` plus the sound prefix of its own log is the last
// durable commit; a log of another base is never applied. If `state.db` is unreadable, open falls
// back to `state.db.bak` with its log and says so.
//
// A store written before the log (PRAGMA user_version 0) opens as before and moves to the log at
// its first writable open (logMigration.ts: a dry run, a verified copy, the old file in use until then).
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import { type Fs, removeQuietly, writeTempFile } from './files';
import { type BaseTag, fsyncDir, HEADER_BYTES, LogAppender, type LogContents, readLog, tagOf } from './log';
import type { ChangeBatch } from './logRecord';
import { describeLog, replay } from './logReplay';
import { LOG_FORMAT, moveToLog } from './logMigration';
import { MIGRATIONS, SCHEMA_VERSION } from './schema';

let sqlPromise: Promise<SqlJsStatic> | undefined;

/** Loads the sql.js WASM module once per thread. */
export function loadSqlJs(wasmPath?: string): Promise<SqlJsStatic> {
  sqlPromise ??= initSqlJs(wasmPath ? { locateFile: () => wasmPath } : undefined);
  return sqlPromise;
}

/**
 * The log is folded into a new base once it would pass this size: ~650 one-file checkpoints of
 * ~400 B, so an open after a kill replays at most that many records, and a fold (a whole export,
 * ~25 ms at 100,000 checkpoints) comes once per that many commits.
 */
export const DEFAULT_FOLD_BYTES = 256 * 1024;

export interface StoreDbOptions {
  foldBytes?: number;
}

export interface OpenedDb {
  db: Database;
  usedBackup: boolean;
  created: boolean;
  diagnostics: string[];
  /** What the open did that is worth a line in the log (the move to the log format, a cut log tail dropped). */
  notes: string[];
  /** Set when the file is from a newer version of Session Tree: the store opens read-only. */
  newerSchema?: number;
  /**
   * Set when `state.db` (or its log) exists but could not be read (permissions, I/O, locked — not
   * damage): the store should open read-only so that a save does not replace a file that may be newer.
   */
  unreadable?: NodeJS.ErrnoException;
}

export type SaveKind = 'append' | 'fold' | 'none';

export class StoreDb {
  readonly file: string;
  readonly backup: string;
  readonly logFile: string;
  readonly backupLog: string;
  private readonly tmp: string;
  readonly foldBytes: number;
  lastSaveMs = 0;
  lastSaveBytes = 0;
  lastSaveKind: SaveKind = 'none';
  /** Size of the base file as last read or written. */
  baseBytes = 0;
  /** Records appended and folds written by this process (for the figures). */
  appends = 0;
  folds = 0;
  /** 'log': base + log; 'legacy': saved whole every time (a store whose move to the log did not verify). */
  format: 'log' | 'legacy' = 'log';
  /** `state.db` is known to be a good database (it opened, or this process wrote it). Only then does a save make it the backup. */
  private mainGood = false;
  /** The next save writes a new base (what is in memory is not base + log). */
  private needsFold = true;
  private appender: LogAppender | undefined;
  /** What a read-only engine last read: the base's identity, its tag, and the records applied. */
  private seen: { base: string; tag: BaseTag; records: number } | undefined;

  constructor(
    readonly dir: string,
    private readonly SQL: SqlJsStatic,
    private readonly fs: Fs = nodeFs,
    options: StoreDbOptions = {},
  ) {
    this.file = path.join(dir, 'state.db');
    this.backup = path.join(dir, 'state.db.bak');
    this.logFile = this.file + '.log';
    this.backupLog = this.backup + '.log';
    this.tmp = path.join(dir, 'state.db.tmp');
    this.foldBytes = options.foldBytes ?? DEFAULT_FOLD_BYTES;
  }

  /**
   * Opens (or creates) the database: the base, its log replayed, migrated to the current schema.
   * `writable`: this engine holds the store (a store from before the log moves to it now).
   */
  open(options: { writable?: boolean } = {}): OpenedDb {
    const diagnostics: string[] = [];
    const notes: string[] = [];
    let unreadable: NodeJS.ErrnoException | undefined;
    const tryLoad = (file: string): { db: Database; tag: BaseTag; length: number } | string => {
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
      // Before sql.js has the bytes: its in-memory file may be this very buffer, changed by later writes.
      const tag = tagOf(bytes);
      try {
        const db = new this.SQL.Database(bytes);
        const check = db.exec('PRAGMA quick_check');
        const verdict = String(check[0]?.values[0]?.[0] ?? '');
        if (verdict !== 'ok') {
          db.close();
          return `damaged (${verdict || 'no answer to integrity check'})`;
        }
        db.exec('SELECT count(*) FROM sqlite_master');
        return { db, tag, length: bytes.length };
      } catch (e) {
        return `damaged (${(e as Error).message})`;
      }
    };
    let usedBackup = false;
    let created = false;
    let db: Database;
    let base: { tag: BaseTag; length: number; log: string } | undefined;
    const main = tryLoad(this.file);
    if (typeof main !== 'string') {
      db = main.db;
      base = { tag: main.tag, length: main.length, log: this.logFile };
      this.mainGood = true;
    } else {
      const bak = tryLoad(this.backup);
      if (typeof bak !== 'string') {
        db = bak.db;
        base = { tag: bak.tag, length: bak.length, log: this.backupLog };
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
        // A fold exports the whole file through sql.js page by page: 16 KiB pages export about
        // 3x faster than the default 4 KiB (6.7 MB: 2.7 ms instead of 9.6 here) for 2% more bytes.
        db.exec('PRAGMA page_size = 16384');
        db.exec(`PRAGMA user_version = ${LOG_FORMAT}`);
      }
    }
    db.exec('PRAGMA foreign_keys = OFF');
    // The database lives in sql.js's in-memory file system and reaches the disk only through
    // save(); a rollback journal there is pure overhead (it was most of the first scan's time), so
    // keep it in memory, and hold the lock (no hot-journal probe of the file system per statement).
    // Transactions and savepoints still roll back.
    db.exec('PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY');
    this.needsFold = true;
    this.format = 'log';
    this.baseBytes = base?.length ?? 0;
    if (base && userVersion(db) < LOG_FORMAT) {
      // Written whole by a Session Tree from before the log: read as it is; moved when this engine holds it.
      this.format = 'legacy';
      if (options.writable && !usedBackup && readVersion(db) <= SCHEMA_VERSION) {
        const moved = moveToLog({ fs: this.fs, SQL: this.SQL, db, file: this.file, backup: this.backup, notes, diagnostics });
        if (moved) {
          this.format = 'log';
          this.appender = new LogAppender(this.fs, this.logFile, moved);
          this.baseBytes = moved.len;
          this.needsFold = false;
        }
      }
    } else if (base) {
      const tag = base.tag;
      this.seen = { base: fileId(this.fs, this.file), tag, records: 0 };
      let log: LogContents | undefined;
      try {
        log = readLog(this.fs, base.log, tag);
      } catch (e) {
        // The log is there but cannot be read: never save over a store whose newest changes may be in it.
        unreadable ??= e as NodeJS.ErrnoException;
        diagnostics.push(`The database log ${base.log} could not be read (${(e as Error).message}); the store opened without its latest changes.`);
      }
      if (log) {
        const failed = replay(db, log.records);
        this.seen.records = log.records.length;
        describeLog(this.fs, log, failed, base.log, diagnostics, notes, options.writable === true);
        if (!usedBackup && log.status !== 'other-generation' && log.dropped === 0 && failed === undefined) {
          // All of the log is sound: later commits append to it.
          this.appender = new LogAppender(this.fs, this.logFile, tag);
          if (log.validEnd >= HEADER_BYTES) this.appender.resume(log.validEnd, log.records.length);
          this.needsFold = false;
        }
      }
    }
    const version = created ? 0 : readVersion(db);
    if (version > SCHEMA_VERSION) {
      return { db, usedBackup, created, diagnostics, notes, newerSchema: version, unreadable };
    }
    if (version < SCHEMA_VERSION) this.needsFold = true; // the migration's statements are not in the log
    migrate(db, version);
    return { db, usedBackup, created, diagnostics, notes, unreadable };
  }

  /** The database as a new open would read it now (base + log), for checks; the caller closes it. */
  loadSaved(): Database {
    const bytes = this.fs.readFileSync(this.file);
    const tag = tagOf(bytes);
    const db = new this.SQL.Database(bytes);
    if (this.format === 'log') {
      const failed = replay(db, readLog(this.fs, this.logFile, tag).records);
      if (failed !== undefined) {
        db.close();
        throw new Error(`the database log could not be applied (${failed})`);
      }
    }
    return db;
  }

  /**
   * For a read-only engine (another window writes the store): what was written since it read.
   * Records appended to the same base are applied to `db` ('appended'); a new base (the writer
   * folded its log) is read whole with its log and returned, for the caller to use instead.
   */
  refresh(db: Database): 'none' | 'appended' | Database {
    const seen = this.seen;
    if (!seen || this.format !== 'log') return 'none';
    if (fileId(this.fs, this.file) !== seen.base) {
      let next: Database;
      let tag: BaseTag;
      let records: number;
      try {
        const bytes = this.fs.readFileSync(this.file);
        tag = tagOf(bytes);
        next = new this.SQL.Database(bytes);
        const log = readLog(this.fs, this.logFile, tag);
        const failed = replay(next, log.records);
        if (failed !== undefined) {
          next.close();
          return 'none';
        }
        records = log.records.length;
        migrate(next, readVersion(next));
      } catch {
        return 'none'; // caught between a fold's steps, or the writer's file half-way: the next look finds it whole
      }
      this.seen = { base: fileId(this.fs, this.file), tag, records };
      this.baseBytes = this.fs.statSync(this.file).size;
      return next;
    }
    let log: LogContents;
    try {
      log = readLog(this.fs, this.logFile, seen.tag);
    } catch {
      return 'none';
    }
    if (log.records.length <= seen.records) return 'none';
    if (replay(db, log.records.slice(seen.records)) !== undefined) return 'none';
    seen.records = log.records.length;
    return 'appended';
  }

  /**
   * `state.db` is no longer known to be a file this process wrote (the folder was replaced under
   * the store): the next save writes a whole new base, and does not keep the old file as the last good copy.
   */
  lostFile(): void {
    this.mainGood = false;
    this.needsFold = true;
    this.appender?.close();
  }

  /**
   * Makes what `changes` recorded durable: one record appended to the log, or (`fold`, a log past
   * its size, a base to write) the whole database as a new base. On failure nothing of the save
   * counts; `changes` are kept for the next one.
   */
  save(db: Database, changes: ChangeBatch, options: { fold?: boolean } = {}): void {
    const t0 = performance.now();
    const appender = this.appender;
    const canAppend = this.format === 'log' && !this.needsFold && appender !== undefined && !changes.overflowed;
    if (canAppend && !options.fold && appender.sizeAfter(changes.bytes) <= this.foldBytes) {
      if (changes.bytes === 0) return this.saved(t0, 'none', 0); // nothing changed since the last durable save
      const n = appender.append(changes.payload());
      changes.clear();
      this.appends++;
      return this.saved(t0, 'append', n);
    }
    // A fold asked for with nothing logged since the base was written: the base is the store already.
    if (canAppend && changes.bytes === 0 && appender.end === 0) return this.saved(t0, 'none', 0);
    const n = this.fold(db);
    changes.clear();
    this.folds++;
    this.saved(t0, 'fold', n);
  }

  /** Bytes of the database on disk: the base and its log. */
  get diskBytes(): number {
    return this.baseBytes + (this.appender?.end ?? 0);
  }

  private saved(t0: number, kind: SaveKind, bytes: number): void {
    this.lastSaveKind = kind;
    this.lastSaveMs = performance.now() - t0;
    this.lastSaveBytes = bytes;
  }

  /** Writes the whole database as the new base atomically; returns its size. */
  private fold(db: Database): number {
    const data = db.export();
    this.fs.mkdirSync(this.dir, { recursive: true });
    const bakTmp = this.backup + '.tmp';
    const keepBackup = this.mainGood && this.fs.existsSync(this.file);
    try {
      // A temp name planted as a link is removed (the link itself), never written through.
      removeQuietly(this.fs, this.tmp);
      writeTempFile(this.fs, this.tmp, data, { fsync: true });
      // The current file becomes the last good copy — unless it is the damaged one open fell back
      // from: then the backup it was opened from stays.
      if (keepBackup) {
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
    this.needsFold = false;
    this.baseBytes = data.length;
    // The log belongs to the base that is now the backup: it goes with it. It no longer applies to
    // `state.db` (another generation), so a failure here loses nothing.
    this.appender?.close();
    try {
      if (keepBackup) this.fs.renameSync(this.logFile, this.backupLog);
      else removeQuietly(this.fs, this.logFile);
    } catch {
      removeQuietly(this.fs, this.logFile);
    }
    fsyncDir(this.fs, this.dir);
    if (this.format === 'log') {
      const tag: BaseTag = tagOf(data);
      if (this.appender) this.appender.restart(tag);
      else this.appender = new LogAppender(this.fs, this.logFile, tag);
    }
    return data.length;
  }

  /** Closes the log's descriptor. */
  close(): void {
    this.appender?.close();
  }
}

/** A file's identity and version as a string (device, inode, size, mtime); '' when it is not there. */
function fileId(fs: Fs, file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return '';
  }
}

function userVersion(db: Database): number {
  return Number(db.exec('PRAGMA user_version')[0]?.values[0]?.[0] ?? 0);
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
