// What a session did, in one read: the files it created, modified and deleted, the tools its agent
// turns used and the commands its terminal checkpoints ran. One pass over the session's rows of the
// checkpoints table (never a query per checkpoint); writes nothing.
import type { EngineContext } from './context';
import { decodeChanges } from './encoding';
import { EngineError } from './types';

/** A command a terminal checkpoint recorded. */
export interface SessionCommand {
  command: string;
  checkpointId: string;
  createdAt: number;
  exitCode?: number;
  cwd?: string;
}

export interface SessionSummary {
  sessionId: string;
  checkpoints: number;
  /**
   * Each file the session changed, by what its checkpoints (every branch and the checkpoints a
   * rewind set aside) did to it from its first change to its newest: absent before and present
   * after (`created`), present both times (`modified`), present before and absent after
   * (`deleted`), absent both times (`createdAndDeleted`). Absolute paths, sorted.
   */
  files: { created: string[]; modified: string[]; deleted: string[]; createdAndDeleted: string[] };
  /** Tool names the agent turns reported, with how many checkpoints named each, most used first. */
  tools: { name: string; count: number }[];
  /** Commands run, newest first (at most `MAX_SUMMARY_COMMANDS`; `commandCount` counts them all). */
  commands: SessionCommand[];
  commandCount: number;
  /** How many of the commands exited with a code other than 0. */
  failedCommands: number;
}

export const MAX_SUMMARY_COMMANDS = 500;

export function sessionSummary(ctx: EngineContext, sessionId?: string): SessionSummary {
  const { history, meta } = ctx;
  const s = history.session(sessionId);
  // Per path: was it there before its first change, and after its newest?
  const files = new Map<number, { firstId: number; existedBefore: boolean; lastId: number; existsAfter: boolean }>();
  const tools = new Map<string, number>();
  const commands: SessionCommand[] = [];
  let failed = 0;
  let count = 0;
  meta.forEachRow(`SELECT id, changes, info FROM checkpoints WHERE session = ${Number(s.id)}`, (r) => {
    const id = r[0] as number;
    const c = history.cps.get(id);
    if (!c) return;
    count++;
    if (r[1]) {
      let changes;
      try {
        changes = decodeChanges(r[1] as Uint8Array);
      } catch (e) {
        throw new EngineError('corrupt', `The change list of checkpoint ${id} is damaged: ${(e as Error).message}`);
      }
      for (const ch of changes) {
        const f = files.get(ch.path);
        const before = ch.beforeBlob !== 0;
        const after = ch.afterBlob !== 0;
        if (!f) files.set(ch.path, { firstId: id, existedBefore: before, lastId: id, existsAfter: after });
        else {
          if (id < f.firstId) Object.assign(f, { firstId: id, existedBefore: before });
          if (id > f.lastId) Object.assign(f, { lastId: id, existsAfter: after });
        }
      }
    }
    if (typeof r[2] === 'string') {
      let info: Record<string, unknown>;
      try {
        info = JSON.parse(r[2]) as Record<string, unknown>;
      } catch {
        return; // damaged metadata adds nothing; Verify Store reports it
      }
      if (Array.isArray(info.tools)) {
        for (const t of new Set(info.tools.filter((x): x is string => typeof x === 'string'))) tools.set(t, (tools.get(t) ?? 0) + 1);
      }
      if (typeof info.command === 'string') {
        if (c.exitCode !== undefined && c.exitCode !== 0) failed++;
        commands.push({
          command: info.command,
          checkpointId: String(id),
          createdAt: c.createdAt,
          ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
          ...(typeof info.cwd === 'string' ? { cwd: info.cwd } : {}),
        });
      }
    }
  });
  const out: SessionSummary['files'] = { created: [], modified: [], deleted: [], createdAndDeleted: [] };
  for (const [p, f] of files) {
    const abs = ctx.roots.absOf(meta.keyOf(p));
    if (f.existedBefore) (f.existsAfter ? out.modified : out.deleted).push(abs);
    else (f.existsAfter ? out.created : out.createdAndDeleted).push(abs);
  }
  for (const list of Object.values(out)) list.sort();
  commands.sort((a, b) => b.createdAt - a.createdAt || Number(b.checkpointId) - Number(a.checkpointId));
  return {
    sessionId: String(s.id),
    checkpoints: count,
    files: out,
    tools: [...tools].map(([name, n]) => ({ name, count: n })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)),
    commands: commands.slice(0, MAX_SUMMARY_COMMANDS),
    commandCount: commands.length,
    failedCommands: failed,
  };
}
