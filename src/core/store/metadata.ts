// The sql.js database as the engine uses it: prepared statements, the count of writes (which tells
// a change that wrote nothing from one that did), savepoints, the `meta` table, and the interning
// of paths and content hashes to integers (tables `paths` and `blobs`; ids are stable for the life
// of the store). The only writer of `meta`, `paths` and `blobs`.
//
// The interned ids are among the largest tables: they are read when first needed (`ensureLoaded`),
// with the mirror (which registers itself with `onLoad`), so that opening a large store and
// painting its tree does not wait for them.
//
// Every write goes through `run`, which also records the statement in `changes`: what the next
// durable save appends to the database log (../../storage/log.ts). A savepoint rolled back takes its
// statements out again, so the log holds what committed.
import type { Database, Statement } from 'sql.js';
import { ChangeBatch } from '../../storage/logRecord';
import type { FileVersion } from '../types';
import { EngineError } from '../types';
import type { Ver } from '../model';

type Param = string | number | null | Uint8Array;

export class Metadata {
  private stmts = new Map<string, Statement>();
  /** Statements that wrote to the database. */
  writes = 0;
  /** The statements committed since the last durable save. */
  readonly changes = new ChangeBatch(16 * 1024 * 1024);
  /** Where `changes` was at each open savepoint. */
  private marks: ReturnType<ChangeBatch['mark']>[] = [];
  private loaded = false;
  private readonly loaders: (() => void)[] = [];
  private keyToId = new Map<string, number>();
  private idToKey: string[] = [];
  private hashToId = new Map<string, number>();
  private idToHash: string[] = [];

  constructor(public db: Database) {}

  /** Reads from another copy of the database from now on (a read-only window re-reading the store). */
  replaceDb(db: Database): void {
    for (const s of this.stmts.values()) s.free();
    this.stmts.clear();
    this.db.close();
    this.db = db;
  }

  // ── statements ──

  stmt(sql: string): Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  run(sql: string, params: Param[]): void {
    this.stmt(sql).run(params);
    this.writes++;
    this.changes.add(sql, params);
  }

  /** The first row of a cached statement, or undefined. */
  one(sql: string, params: Param[]): unknown[] | undefined {
    const s = this.stmt(sql);
    s.bind(params);
    const row = s.step() ? s.get() : undefined;
    s.reset();
    return row;
  }

  forEachRow(sql: string, fn: (row: unknown[]) => void): void {
    const s = this.db.prepare(sql);
    try {
      while (s.step()) fn(s.get());
    } finally {
      s.free();
    }
  }

  /** The first value of a one-off query. */
  value(sql: string, params: Param[] = []): unknown {
    return this.db.exec(sql, params)[0]?.values[0]?.[0];
  }

  nextId(table: 'checkpoints' | 'sessions' | 'restores'): number {
    return this.value(`SELECT COALESCE(MAX(id), 0) + 1 FROM ${table}`) as number;
  }

  begin(): void {
    this.db.exec('SAVEPOINT op');
    this.marks.push(this.changes.mark());
  }

  commit(): void {
    this.db.exec('RELEASE op');
    this.marks.pop();
  }

  rollback(): void {
    this.db.exec('ROLLBACK TO op');
    this.db.exec('RELEASE op');
    const m = this.marks.pop();
    if (m) this.changes.rewind(m);
  }

  close(): void {
    for (const s of this.stmts.values()) s.free();
    this.stmts.clear();
    this.db.close();
  }

  // ── meta ──

  metaGet(key: string): string | undefined {
    return this.value('SELECT value FROM meta WHERE key = ?', [key]) as string | undefined;
  }

  metaSet(key: string, value: string): void {
    this.run('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)', [key, value]);
  }

  // ── interning ──

  /** Registers a loader of another large table, run whenever the interned ids are (re)read. */
  onLoad(fn: () => void): void {
    this.loaders.push(fn);
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  ensureLoaded(): void {
    if (!this.loaded) this.load();
  }

  /** (Re)reads the interned paths and contents, then every registered table. */
  load(): void {
    this.loaded = true;
    this.keyToId.clear();
    this.idToKey = [];
    this.hashToId.clear();
    this.idToHash = [];
    this.forEachRow('SELECT id, key FROM paths', (r) => {
      this.keyToId.set(r[1] as string, r[0] as number);
      this.idToKey[r[0] as number] = r[1] as string;
    });
    this.forEachRow('SELECT id, hash FROM blobs', (r) => {
      const h = Buffer.from(r[1] as Uint8Array).toString('hex');
      this.hashToId.set(h, r[0] as number);
      this.idToHash[r[0] as number] = h;
    });
    for (const l of this.loaders) l();
  }

  /** The path id of a store key, if interned. */
  pathOf(key: string): number | undefined {
    this.ensureLoaded();
    return this.keyToId.get(key);
  }

  /** The store key of a path id. */
  keyOf(p: number): string {
    this.ensureLoaded();
    return this.idToKey[p];
  }

  /** The blob id of a content hash, if interned. */
  blobOf(hash: string): number | undefined {
    this.ensureLoaded();
    return this.hashToId.get(hash);
  }

  /** The content hash of a blob id (undefined: unknown). */
  hashOrUndefined(blob: number): string | undefined {
    this.ensureLoaded();
    return this.idToHash[blob];
  }

  pathId(key: string): number {
    this.ensureLoaded();
    let id = this.keyToId.get(key);
    if (id === undefined) {
      id = this.idToKey.length === 0 ? 1 : this.idToKey.length;
      this.run('INSERT INTO paths(id, key) VALUES (?, ?)', [id, key]);
      this.keyToId.set(key, id);
      this.idToKey[id] = key;
    }
    return id;
  }

  blobId(hash: string, size: number): number {
    this.ensureLoaded();
    let id = this.hashToId.get(hash);
    if (id === undefined) {
      id = this.idToHash.length === 0 ? 1 : this.idToHash.length;
      this.run('INSERT INTO blobs(id, hash, size) VALUES (?, ?, ?)', [id, Buffer.from(hash, 'hex'), size]);
      this.hashToId.set(hash, id);
      this.idToHash[id] = hash;
    }
    return id;
  }

  hashOf(blob: number): string {
    const h = this.hashOrUndefined(blob);
    if (!h) throw new EngineError('corrupt', `Content record ${blob} is missing from the store.`);
    return h;
  }

  verOut(v: Ver | undefined): FileVersion | undefined {
    return v && v.blob ? { hash: this.hashOf(v.blob), mode: v.mode } : undefined;
  }
}
