// The command record of terminal sessions: one row per command run in a bound terminal — its
// command line, the folder it started in and the one it left, exit code, duration, the checkpoint
// it made (none for a command that changed nothing: a light entry) and the tail of its output.
// The only writer of the `commands` table. Nothing is kept in memory: a session's record is read
// when asked for, and an output tail (bounded by OUTPUT_TAIL_BYTES) only when it is opened.
import type { CommandRecord } from '../types';
import type { Metadata } from './metadata';

/** The most output kept per command: its last 64 KiB (an earlier part is dropped, and marked so). */
export const OUTPUT_TAIL_BYTES = 64 * 1024;

export interface NewCommand {
  session: number;
  startedAt: number;
  command: string;
  cwd?: string;
  cwdAfter?: string;
  exitCode?: number;
  durationMs: number;
  checkpoint?: number;
  shared?: number;
  output?: string;
}

const COLUMNS = 'id, session, started_at, command, cwd, cwd_after, exit_code, duration_ms, checkpoint, shared, output_bytes';

export class CommandRecords {
  constructor(private readonly meta: Metadata) {}

  insert(c: NewCommand): number {
    const id = this.meta.value('SELECT COALESCE(MAX(id), 0) + 1 FROM commands') as number;
    const { tail, bytes } = outputTail(c.output ?? '');
    this.meta.run(
      'INSERT INTO commands(id, session, started_at, command, cwd, cwd_after, exit_code, duration_ms, checkpoint, shared, output, output_bytes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)',
      [id, c.session, c.startedAt, c.command, c.cwd ?? null, c.cwdAfter ?? null, c.exitCode ?? null, Math.max(0, Math.round(c.durationMs)),
        c.checkpoint ?? null, c.shared ?? null, tail, bytes],
    );
    return id;
  }

  /** A session's commands, oldest first (`limit`: the newest `limit`). */
  of(session: number, limit = 10_000): CommandRecord[] {
    const out: CommandRecord[] = [];
    const s = this.meta.db.prepare(`SELECT ${COLUMNS} FROM commands WHERE session = ? ORDER BY id DESC LIMIT ?`);
    try {
      s.bind([session, limit]);
      while (s.step()) out.push(toRecord(s.get()));
    } finally {
      s.free();
    }
    return out.reverse();
  }

  /** The last command of a session, if any. */
  last(session: number): CommandRecord | undefined {
    return this.of(session, 1)[0];
  }

  get(id: number): CommandRecord | undefined {
    const r = this.meta.one(`SELECT ${COLUMNS} FROM commands WHERE id = ?`, [id]);
    return r ? toRecord(r) : undefined;
  }

  /** The kept tail of a command's output (UTF-8), or undefined for an unknown command. */
  output(id: number): string | undefined {
    const r = this.meta.one('SELECT output FROM commands WHERE id = ?', [id]);
    if (!r) return undefined;
    return r[0] ? Buffer.from(r[0] as Uint8Array).toString('utf8') : '';
  }

  deleteOf(session: number): void {
    this.meta.run('DELETE FROM commands WHERE session = ?', [session]);
  }
}

/** The last OUTPUT_TAIL_BYTES of `output` as UTF-8 (cut at a character boundary), and the full size. */
export function outputTail(output: string): { tail: Uint8Array; bytes: number } {
  const all = Buffer.from(output, 'utf8');
  if (all.length <= OUTPUT_TAIL_BYTES) return { tail: all, bytes: all.length };
  let start = all.length - OUTPUT_TAIL_BYTES;
  // A UTF-8 continuation byte is 10xxxxxx: start at the next character.
  while (start < all.length && (all[start] & 0xc0) === 0x80) start++;
  return { tail: all.subarray(start), bytes: all.length };
}

function toRecord(r: unknown[]): CommandRecord {
  const bytes = r[10] as number;
  return {
    id: String(r[0]), sessionId: String(r[1]), startedAt: r[2] as number, command: r[3] as string,
    ...(r[4] != null ? { cwd: r[4] as string } : {}),
    ...(r[5] != null ? { cwdAfter: r[5] as string } : {}),
    ...(r[6] != null ? { exitCode: r[6] as number } : {}),
    durationMs: r[7] as number,
    ...(r[8] != null ? { checkpointId: String(r[8]) } : {}),
    ...(r[9] != null ? { sharedCheckpointId: String(r[9]) } : {}),
    outputBytes: bytes, outputTruncated: bytes > OUTPUT_TAIL_BYTES,
  };
}
