// Restore records (table `restores`): what each restore did, file by file, for undo and the
// results view. The only writer of that table.
import type { Metadata } from '../store/metadata';
import { safeJson } from '../model';
import type { RestoreResult } from '../types';

export interface RestoreRecord extends RestoreResult {
  sessionId: string;
  /** Branch active before the operation and the checkpoint undo returns to. */
  undoBranch: string;
  undoHeadId: string;
}

/**
 * Records kept per session: only a session's last is read (its undo, the results view while it is
 * active); each holds every file's result.
 */
const KEEP = 10;

/** Stores a finished restore's record; returns the JSON stored. */
export function saveRecord(meta: Metadata, record: RestoreRecord): string {
  const id = Number(record.id);
  const session = Number(record.sessionId);
  const text = JSON.stringify(record);
  meta.run('INSERT INTO restores(id, at, session, state, record) VALUES (?,?,?,?,?)', [id, record.at, session, 'done', text]);
  meta.run('DELETE FROM restores WHERE session = ? AND id NOT IN (SELECT id FROM restores WHERE session = ? ORDER BY id DESC LIMIT ?)', [session, session, KEEP]);
  return text;
}

/** The last restore made in `session`: undo and the results view belong to the session they were made in. */
export function lastRecord(meta: Metadata, session: number): RestoreRecord | undefined {
  const text = meta.value("SELECT record FROM restores WHERE state = 'done' AND session = ? ORDER BY id DESC LIMIT 1", [session]) as string | undefined;
  return text ? safeJson<RestoreRecord | undefined>(text, undefined) : undefined;
}

/** Whether restore `id` was recorded as done (its journal is then stale). */
export function isDone(meta: Metadata, id: number): boolean {
  return meta.value('SELECT state FROM restores WHERE id = ?', [id]) === 'done';
}

/** A record as the API returns it. */
export function publicResult(r: RestoreRecord): RestoreResult {
  return {
    id: r.id, target: r.target, targetId: r.targetId, targetLabel: r.targetLabel, safetyCheckpointId: r.safetyCheckpointId,
    previousHeadId: r.previousHeadId, files: r.files, at: r.at,
  };
}
