// Applying the database log at open (db.ts): each sound record's statements, in order, and what
// the open says about the log it found.
import * as path from 'node:path';
import type { Database } from 'sql.js';
import type { Fs } from './files';
import type { LogContents } from './log';
import { decodeBatch } from './logRecord';

/** Applies the logged changes in order, each record all or nothing; returns why one failed, if one did. */
export function replay(db: Database, records: Uint8Array[]): string | undefined {
  if (records.length === 0) return undefined;
  const stmts = new Map<string, ReturnType<Database['prepare']>>();
  // One transaction for the whole replay (a commit per record was most of its time), a savepoint
  // per record inside it so that a record that cannot be applied goes whole.
  const control = ['SAVEPOINT replay', 'RELEASE replay', 'ROLLBACK TO replay'].map((sql) => db.prepare(sql));
  const [begin, release, rollback] = control;
  db.exec('BEGIN');
  try {
    for (const [i, r] of records.entries()) {
      begin.run();
      try {
        for (const s of decodeBatch(r)) {
          let st = stmts.get(s.sql);
          if (!st) {
            st = db.prepare(s.sql);
            stmts.set(s.sql, st);
          }
          st.run(s.params);
        }
        release.run();
      } catch (e) {
        rollback.run();
        release.run();
        return `record ${i + 1}: ${(e as Error).message}`;
      }
    }
  } finally {
    for (const st of [...stmts.values(), ...control]) st.free();
    db.exec('COMMIT');
  }
  return undefined;
}

/** What an open says about the log it read: a cut tail (a note), damage (a diagnostic; the log kept aside when writable). */
export function describeLog(fs: Fs, log: LogContents, failed: string | undefined, file: string, diagnostics: string[], notes: string[], writable: boolean): void {
  const n = log.records.length;
  const applied = `${n} logged change${n === 1 ? '' : 's'} applied`;
  if (failed !== undefined) {
    diagnostics.push(`A change in the database log ${file} could not be applied (${failed}); the store opened to the change before it.`);
  } else if (log.status === 'torn') {
    notes.push(`The database log ended in a change cut short (${log.dropped} bytes, written when Session Tree was stopped): dropped; ${applied}.`);
  } else if (log.status === 'damaged' || log.status === 'unrecognised') {
    diagnostics.push(
      `The database log ${file} is damaged from byte ${log.validEnd} on (${log.dropped} bytes dropped); the store opened to the last sound change before it (${applied}).` +
        (writable ? ` The log was kept as ${path.basename(file)}.damaged.` : ''),
    );
    if (writable) {
      try {
        fs.copyFileSync(file, file + '.damaged');
      } catch {
        /* best effort */
      }
    }
  } else if (log.status === 'other-generation') {
    notes.push(`The database log ${file} belongs to another copy of the database and was not applied.`);
  }
}
