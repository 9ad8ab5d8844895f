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

/** Records kept: only the last is read (undo, the results view); each holds every file's result. */
const KEEP = 10;

export function saveRecord(meta: Metadata, record: RestoreRecord): void {
  const id = Number(record.id);
  meta.run('INSERT INTO restores(id, at, session, state, record) VALUES (?,?,?,?,?)', [id, record.at, Number(record.sessionId), 'done', JSON.stringify(record)]);
  meta.run('DELETE FROM restores WHERE id <= ?', [id - KEEP]);
}

export function lastRecord(meta: Metadata): RestoreRecord | undefined {
  const text = meta.value("SELECT record FROM restores WHERE state = 'done' ORDER BY id DESC LIMIT 1") as string | undefined;
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
