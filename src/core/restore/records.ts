// Restore records (table `restores`): what each restore did, file by file, and each session's
// restore history, which Undo and Redo walk. The only writer of that table.
//
// A record's `state`:
//   'done'   — a restore (rewind, roll back, checkout, file restore, revert) in effect: Undo takes
//              the newest of a session's back to the state before it
//   'undone' — undone: Redo takes the oldest of a session's forward again; a new restore drops them
//              (as an editor drops its redo steps at a new edit)
//   'step'   — an undo or a redo: shown as the last restore, never itself walked over
// An undo of a record sets where its redo goes (the state just before the undo); a redo sets where
// the next undo goes (the state just before the redo), so edits made between are never walked over.
import type { Metadata } from '../store/metadata';
import { safeJson } from '../model';
import type { RestoreHistory, RestoreResult } from '../types';

export interface RestoreRecord extends RestoreResult {
  sessionId: string;
  /** Where an undo returns: the branch active before the operation, and its head then (or the safety checkpoint). */
  undoBranch: string;
  undoHeadId: string;
  /** Set once undone: where a redo returns (the state just before the undo). */
  redoBranch?: string;
  redoHeadId?: string;
}

/** Restores a session keeps in its history (older ones drop off: undo walks back this far). */
const KEEP_ENTRIES = 1000;
/** The newest records of a session keep every file's result (the results view reads only the last); older ones keep their counts. */
const KEEP_FILES = 10;

const isStep = (r: RestoreRecord) => r.target?.kind === 'undo' || r.target?.kind === 'redo';

/** Stores a finished restore's record; returns the JSON stored. A new restore (not an undo or redo) drops the session's redo steps. */
export function saveRecord(meta: Metadata, record: RestoreRecord): string {
  const id = Number(record.id);
  const session = Number(record.sessionId);
  const text = JSON.stringify(record);
  const step = isStep(record);
  if (!step) meta.run("DELETE FROM restores WHERE session = ? AND state = 'undone'", [session]);
  meta.run('INSERT INTO restores(id, at, session, state, record) VALUES (?,?,?,?,?)', [id, record.at, session, step ? 'step' : 'done', text]);
  meta.run('DELETE FROM restores WHERE session = ? AND id NOT IN (SELECT id FROM restores WHERE session = ? ORDER BY id DESC LIMIT ?)', [session, session, KEEP_ENTRIES]);
  // The record that just became the eleventh newest keeps its counts, not its file list.
  const old = meta.one('SELECT id, record FROM restores WHERE session = ? ORDER BY id DESC LIMIT 1 OFFSET ?', [session, KEEP_FILES]);
  if (old) {
    const r = safeJson<RestoreRecord | undefined>(old[1] as string, undefined);
    if (r && r.files?.length) {
      r.fileCount = r.files.length;
      r.files = [];
      meta.run('UPDATE restores SET record = ? WHERE id = ?', [JSON.stringify(r), old[0] as number]);
    }
  }
  return text;
}

/** The last restore made in `session` (an undo or redo included): the results view belongs to the session it was made in. */
export function lastRecord(meta: Metadata, session: number): RestoreRecord | undefined {
  const text = meta.value("SELECT record FROM restores WHERE state IN ('done', 'undone', 'step') AND session = ? ORDER BY id DESC LIMIT 1", [session]) as string | undefined;
  return text ? safeJson<RestoreRecord | undefined>(text, undefined) : undefined;
}

/** The restore an undo in `session` walks back over: its newest in effect. */
export function undoable(meta: Metadata, session: number): RestoreRecord | undefined {
  // A store written before the history kept undos as 'done' records: those are passed over.
  let offset = 0;
  for (;;) {
    const row = meta.one("SELECT record FROM restores WHERE state = 'done' AND session = ? ORDER BY id DESC LIMIT 1 OFFSET ?", [session, offset++]);
    if (!row) return undefined;
    const r = safeJson<RestoreRecord | undefined>(row[0] as string, undefined);
    if (r && !isStep(r)) return r;
  }
}

/** The restore a redo in `session` walks forward over: the last one undone. */
export function redoable(meta: Metadata, session: number): RestoreRecord | undefined {
  const text = meta.value("SELECT record FROM restores WHERE state = 'undone' AND session = ? ORDER BY id ASC LIMIT 1", [session]) as string | undefined;
  return text ? safeJson<RestoreRecord | undefined>(text, undefined) : undefined;
}

/** `rec` was undone; a redo returns to `branch` at `headId` (the state just before the undo). */
export function markUndone(meta: Metadata, rec: RestoreRecord, branch: string, headId: string): void {
  const r: RestoreRecord = { ...rec, redoBranch: branch, redoHeadId: headId };
  meta.run("UPDATE restores SET state = 'undone', record = ? WHERE id = ?", [JSON.stringify(r), Number(rec.id)]);
}

/** `rec` was redone; the next undo returns to `branch` at `headId` (the state just before the redo). */
export function markRedone(meta: Metadata, rec: RestoreRecord, branch: string, headId: string): void {
  const r: RestoreRecord = { ...rec, undoBranch: branch, undoHeadId: headId };
  meta.run("UPDATE restores SET state = 'done', record = ? WHERE id = ?", [JSON.stringify(r), Number(rec.id)]);
}

/** Whether restore `id` was recorded as done (its journal is then stale). */
export function isDone(meta: Metadata, id: number): boolean {
  const s = meta.value('SELECT state FROM restores WHERE id = ?', [id]);
  return s === 'done' || s === 'undone' || s === 'step';
}

/** A session's restore history, newest first: what Undo and Redo would walk over. */
export function history(meta: Metadata, session: number, limit: number): RestoreHistory {
  const entries: RestoreHistory['entries'] = [];
  const s = meta.stmt("SELECT record, state FROM restores WHERE session = ? AND state IN ('done', 'undone') ORDER BY id DESC LIMIT ?");
  s.bind([session, Math.max(0, Math.min(limit, KEEP_ENTRIES))]);
  try {
    while (s.step()) {
      const [text, state] = s.get() as [string, string];
      const r = safeJson<RestoreRecord | undefined>(text, undefined);
      if (!r || isStep(r)) continue;
      entries.push({ id: r.id, target: r.target, targetLabel: r.targetLabel, at: r.at, undone: state === 'undone', fileCount: r.fileCount ?? r.files.length });
    }
  } finally {
    s.reset();
  }
  const undo = undoable(meta, session);
  const redo = redoable(meta, session);
  return {
    entries,
    ...(undo ? { undo: { id: undo.id, target: undo.target, targetLabel: undo.targetLabel } } : {}),
    ...(redo ? { redo: { id: redo.id, target: redo.target, targetLabel: redo.targetLabel } } : {}),
  };
}

/**
 * Every checkpoint an undo or redo may return to (of every session): what compaction must keep
 * while the restore history refers to it.
 */
export function checkpointsUndoNeeds(meta: Metadata): Set<number> {
  const out = new Set<number>();
  meta.forEachRow("SELECT record FROM restores WHERE state IN ('done', 'undone')", (row) => {
    const r = safeJson<RestoreRecord | undefined>(row[0] as string, undefined);
    for (const id of [r?.undoHeadId, r?.redoHeadId]) if (id !== undefined && Number.isInteger(Number(id))) out.add(Number(id));
  });
  return out;
}

/** A record as the API returns it. */
export function publicResult(r: RestoreRecord): RestoreResult {
  return {
    id: r.id, target: r.target, targetId: r.targetId, targetLabel: r.targetLabel, safetyCheckpointId: r.safetyCheckpointId,
    previousHeadId: r.previousHeadId, files: r.files, at: r.at,
    ...(r.fileCount !== undefined ? { fileCount: r.fileCount } : {}),
    ...(r.checkpointId !== undefined ? { checkpointId: r.checkpointId } : {}),
  };
}
