// Database schema and its migrations. A migration is added, never edited: version N turns a
// version N-1 database into version N (a database of each version is kept as a test fixture).
//
// Size matters: the whole database is exported on every save, so rows are small — paths and
// content hashes are interned to integers, and a checkpoint's changed files are one packed BLOB
// (see src/core/encoding.ts) rather than a row per file. File contents never go here.
import type { Database } from 'sql.js';

export const SCHEMA_VERSION = 3;

export const MIGRATIONS: Record<number, (db: Database) => void> = {
  1: (db) => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
      -- '<folder key>/<relative path>' interned (folder keys: table folders); ids are stable for the life of the store
      CREATE TABLE paths(id INTEGER PRIMARY KEY, key TEXT NOT NULL);
      -- sha256 (32 bytes) of every content the metadata refers to, interned
      CREATE TABLE blobs(id INTEGER PRIMARY KEY, hash BLOB NOT NULL, size INTEGER NOT NULL);
      CREATE TABLE sessions(
        id INTEGER PRIMARY KEY, title TEXT NOT NULL, created_at INTEGER NOT NULL, tags TEXT NOT NULL DEFAULT '[]',
        parent_session INTEGER, parent_checkpoint INTEGER, root INTEGER NOT NULL, active_branch TEXT NOT NULL);
      CREATE TABLE branches(
        session INTEGER NOT NULL, name TEXT NOT NULL, head INTEGER NOT NULL, created_at INTEGER NOT NULL,
        PRIMARY KEY(session, name)) WITHOUT ROWID;
      -- changes: packed list of (path, before, after, lines) — see encodeChanges
      -- manifest: for a session's root only, the sha256 of its full state object in the snapshot store
      CREATE TABLE checkpoints(
        id INTEGER PRIMARY KEY, session INTEGER NOT NULL, parent INTEGER, created_at INTEGER NOT NULL,
        source TEXT NOT NULL, label TEXT NOT NULL DEFAULT '', info TEXT, changes BLOB, manifest BLOB,
        nfiles INTEGER NOT NULL DEFAULT 0, added INTEGER NOT NULL DEFAULT 0, removed INTEGER NOT NULL DEFAULT 0,
        exit_code INTEGER);
      -- the workspace mirror: latest known content and stat of every tracked file
      CREATE TABLE mirror(path INTEGER PRIMARY KEY, blob INTEGER NOT NULL, size INTEGER NOT NULL,
        mtime REAL NOT NULL, mode INTEGER NOT NULL, ino INTEGER NOT NULL DEFAULT 0);
      -- working changes: for each changed path, its version at head (blob 0: absent at head)
      CREATE TABLE pending(path INTEGER PRIMARY KEY, blob INTEGER NOT NULL, mode INTEGER NOT NULL);
      -- finished restores (for undo and the results view) and the one in progress
      CREATE TABLE restores(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, session INTEGER NOT NULL,
        state TEXT NOT NULL, record TEXT NOT NULL);
    `);
  },
  // Which stored folder each workspace folder is (src/core/store/folders.ts). Additive: a version 1
  // store's path keys are its folders' old display names, which become their keys unchanged.
  2: (db) => {
    db.exec(`
      CREATE TABLE folders(key TEXT PRIMARY KEY, path TEXT NOT NULL, dev INTEGER NOT NULL DEFAULT 0,
        ino INTEGER NOT NULL DEFAULT 0, born REAL NOT NULL DEFAULT 0, label TEXT NOT NULL, last_seen INTEGER NOT NULL,
        since INTEGER NOT NULL DEFAULT 0)
        WITHOUT ROWID;
    `);
  },
  // Terminal sessions (src/core/terminalSessions.ts). Additive: every existing session is an editor
  // session; the command record of a terminal session is a table of its own (src/core/store/commands.ts),
  // its output tail a bounded BLOB read only on demand.
  3: (db) => {
    db.exec(`
      ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'editor';
      -- for a terminal session: 'running' (bound to a terminal) or 'ended'; '' otherwise
      ALTER TABLE sessions ADD COLUMN state TEXT NOT NULL DEFAULT '';
      -- 0 when its terminal reported no shell integration (commands are not seen one by one)
      ALTER TABLE sessions ADD COLUMN integration INTEGER NOT NULL DEFAULT 1;
      CREATE TABLE commands(id INTEGER PRIMARY KEY, session INTEGER NOT NULL, started_at INTEGER NOT NULL,
        command TEXT NOT NULL, cwd TEXT, cwd_after TEXT, exit_code INTEGER, duration_ms INTEGER NOT NULL DEFAULT 0,
        checkpoint INTEGER, shared INTEGER, output BLOB, output_bytes INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX commands_session ON commands(session);
    `);
  },
};
