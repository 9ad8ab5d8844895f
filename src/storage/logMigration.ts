// Moving a store written whole on every save (before the log: PRAGMA user_version 0) to a base with
// a log (db.ts, log.ts), at its first writable open, before anything changes:
//   1. a dry run: what will change, logged (the files, the tables and their rows);
//   2. the new base written beside the old one (`state.db.new`, fsynced), the old file still the store;
//   3. verify: the new base opened as the store would open it and compared with the old file opened
//      again — every table, every row;
//   4. verified: the old file becomes the last good copy (`state.db.bak`), the new one is renamed
//      into place. Not verified (or any step failed): the new file goes, the old one stays in use
//      and the store is saved whole, as before, until a later open moves it.
// A kill at any step leaves either the old file in place (the leftover `state.db.new` is written
// again next time) or the verified new one.
import * as path from 'node:path';
import type { Database, SqlJsStatic } from 'sql.js';
import { type Fs, removeQuietly, writeTempFile } from './files';
import { type BaseTag, fsyncDir, tagOf } from './log';

/** PRAGMA user_version of a base that has a log. */
export const LOG_FORMAT = 1;

export interface MoveToLog {
  fs: Fs;
  SQL: SqlJsStatic;
  /** The database as opened from `file` (nothing changed yet). */
  db: Database;
  file: string;
  backup: string;
  notes: string[];
  diagnostics: string[];
}

/** Moves the store; returns the new base's tag, or undefined when it stays as it was. */
export function moveToLog(m: MoveToLog): BaseTag | undefined {
  const { fs, SQL, db, file } = m;
  const next = file + '.new';
  const name = path.basename(file);
  const counts = tableRows(db);
  m.notes.push(
    `Moving the store to the logged format (dry run): ${name} (${fs.statSync(file).size} bytes; ` +
      `${counts.map(([t, n]) => `${t} ${n}`).join(', ')} rows) becomes the base of an append-only log, ${name}.log, ` +
      `and each change is then appended to the log instead of the whole file being rewritten. ` +
      `${name} stays in use until the new base is verified against it, and is then kept as ${path.basename(m.backup)}.`,
  );
  let problem: string | undefined;
  let data: Uint8Array | undefined;
  try {
    removeQuietly(fs, next);
    db.exec(`PRAGMA user_version = ${LOG_FORMAT}`);
    data = db.export();
    writeTempFile(fs, next, data, { fsync: true });
    problem = verify(SQL, fs.readFileSync(next), fs.readFileSync(file));
  } catch (e) {
    problem = (e as Error).message;
  }
  if (!problem) {
    try {
      const bakTmp = m.backup + '.tmp';
      fs.rmSync(bakTmp, { force: true });
      try {
        fs.linkSync(file, bakTmp);
      } catch {
        fs.copyFileSync(file, bakTmp);
      }
      fs.renameSync(bakTmp, m.backup);
      fs.rmSync(bakTmp, { force: true });
      removeQuietly(fs, m.backup + '.log'); // a log of no base of this store
      fs.renameSync(next, file);
      fsyncDir(fs, path.dirname(file));
    } catch (e) {
      problem = (e as Error).message;
    }
  }
  if (problem) {
    removeQuietly(fs, next);
    db.exec('PRAGMA user_version = 0');
    m.diagnostics.push(`The store was not moved to the logged format (${problem}); it goes on from ${name} as it was, saved whole, and the move is tried again at the next start.`);
    return undefined;
  }
  m.notes.push(`The store moved to the logged format: the new base was verified (${counts.length} tables, ${counts.reduce((s, [, n]) => s + n, 0)} rows, all equal); the file from before is kept as ${path.basename(m.backup)}.`);
  return tagOf(data!);
}

/** Why the new base is not the old database, if it is not. */
function verify(SQL: SqlJsStatic, nextBytes: Uint8Array, oldBytes: Uint8Array): string | undefined {
  const a = new SQL.Database(oldBytes);
  let b: Database | undefined;
  try {
    b = new SQL.Database(nextBytes);
    const check = String(b.exec('PRAGMA quick_check')[0]?.values[0]?.[0] ?? '');
    if (check !== 'ok') return `the new base fails its integrity check: ${check}`;
    return compareDatabases(a, b);
  } catch (e) {
    return `the new base could not be read: ${(e as Error).message}`;
  } finally {
    a.close();
    b?.close();
  }
}

/** The tables and their row counts. */
function tableRows(db: Database): [string, number][] {
  const names = (db.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")[0]?.values ?? []).map((r) => String(r[0]));
  return names.map((t) => [t, Number(db.exec(`SELECT COUNT(*) FROM "${t}"`)[0].values[0][0])]);
}

/** Compares two databases table by table, row by row (schema included); returns the first difference. */
export function compareDatabases(a: Database, b: Database): string | undefined {
  const schema = (db: Database) => (db.exec("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")[0]?.values ?? []).map((r) => r.join('\u0000'));
  const sa = schema(a);
  const sb = schema(b);
  if (sa.join('\n') !== sb.join('\n')) return 'the new base has another schema';
  for (const [t] of tableRows(a)) {
    const qa = a.prepare(`SELECT * FROM "${t}"`);
    const qb = b.prepare(`SELECT * FROM "${t}"`);
    try {
      let row = 0;
      for (;;) {
        const ha = qa.step();
        const hb = qb.step();
        if (ha !== hb) return `table ${t} has ${ha ? 'fewer' : 'more'} rows in the new base`;
        if (!ha) break;
        row++;
        const ra = qa.get();
        const rb = qb.get();
        for (let i = 0; i < ra.length; i++) {
          if (!sameValue(ra[i], rb[i])) return `table ${t}, row ${row}, column ${i + 1} differs in the new base`;
        }
      }
    } finally {
      qa.free();
      qb.free();
    }
  }
  return undefined;
}

function sameValue(x: unknown, y: unknown): boolean {
  if (x instanceof Uint8Array && y instanceof Uint8Array) return Buffer.from(x).equals(Buffer.from(y));
  return x === y || (Number.isNaN(x) && Number.isNaN(y));
}
