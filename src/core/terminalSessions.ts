// Terminal sessions: a session bound to one integrated terminal, whose every command is recorded
// (store/commands.ts) — and how it stays coherent with the sessions beside it.
//
// Coherence: one timeline. The workspace has one timeline of changes, and it is the active
// session's: every change — an editor save, an agent's turn, any terminal's command — lands in
// the active session's history, so that session never misses a change and its head is always a
// state the workspace was really in (restorable, working changes measured against it as ever).
// A bound terminal's session T runs *beside* it (T need not be active):
//   - Before a command starts, what was pending is sealed as before (into the active session, as
//     the editor's, an agent's or `external`), so what the command's end finds is the command's.
//   - When it ends, the folders are walked and what changed is sealed once into the active
//     session — labelled as coming from T ("`make` · from “Build”") — and the same changes (their
//     before and after are what the walk saw around the command) become T's own checkpoint, on T's
//     head. The active session's next checkpoint never holds them again: its head has advanced to
//     include them. When T is the active session, there is one checkpoint.
//   - Every command, changing files or not, is a row of T's command record (a light entry: no
//     checkpoint for a command that changed nothing), linking T's checkpoint and the active one's.
//   - Rewinding one command means *reverting* T's checkpoint (restore/revert.ts), from whichever
//     session is active: only that command's change is undone, file by file, where untouched since;
//     a file changed since is merged three ways or left as it is with the reason. A rewind of
//     everything after a point is never what "undo this command" does: it would discard the other
//     work. The revert is itself a checkpoint of the active session (undoable like every restore).
//   - T's own chain is a record of its commands' changes; its state is its root plus those
//     changes, not a workspace state with everyone's work (switching to T shows the difference as
//     working changes, as switching to any session does).
// Not chosen: a checkpoint only in T with the active session's pending cleared (the active
// session's head would no longer describe the disk: its next rewind would silently undo T's
// command); one shared checkpoint referenced by both (a checkpoint has one parent in one session,
// and every store rule — delete, compact, export — assumes it). Known limit: two commands running
// at the same time in two terminals cannot be told apart on disk; what changed while both ran is
// sealed when the first ends, into that command's session.
import type { EngineContext } from './context';
import { type CommandRecord, type CheckpointMeta, EngineError, type SessionInfo } from './types';
import { CommandRecords } from './store/commands';
import { LIMITS, MAX_NAME, cleanName, validateMeta } from './names';
import { DEFAULT_BRANCH } from './model';
import { createCheckpoint } from './seal';
import { currentManifest } from './sessions';

/** A command run in a bound terminal, as the VS Code layer saw it. */
export interface CommandRun {
  sessionId: string;
  command: string;
  cwd?: string;
  cwdAfter?: string;
  exitCode?: number;
  startedAt: number;
  durationMs: number;
  /** What the terminal printed (only the tail is kept). */
  output?: string;
}

export interface RecordedCommand {
  record: CommandRecord;
}

const records = (ctx: EngineContext) => new CommandRecords(ctx.meta);

/**
 * A new terminal session, running, whose root is the workspace as it is now. It is not made
 * active: the active session goes on tracking the workspace (see the top), and its working changes
 * stay its own.
 */
export function newTerminalSession(ctx: EngineContext, options: { title?: string }): SessionInfo {
  const { history } = ctx;
  const title = cleanName(options.title ?? `Terminal ${history.sessions.size + 1}`, 'session title');
  const id = history.insertSession({ title, tags: [], activeBranch: DEFAULT_BRANCH });
  const root = history.insertCheckpoint({ session: id, parent: 0, source: 'start', label: 'Terminal session start', changes: [], manifest: currentManifest(ctx) });
  history.setRoot(id, root);
  history.setBranchHead(id, DEFAULT_BRANCH, root);
  const s = history.sessions.get(id)!;
  history.setTerminalState(s, { state: 'running', shellIntegration: true });
  return history.info(s);
}

/**
 * Binds (`running`) or ends a session's terminal; attaching makes any session a terminal session.
 * `shellIntegration: false`: its terminal reported none (the UI says so; file changes are recorded
 * as external changes of the active session).
 */
export function setTerminalState(ctx: EngineContext, sessionId: string, state: { state: 'running' | 'ended'; shellIntegration?: boolean }): SessionInfo {
  const s = ctx.history.session(sessionId);
  if (state.state !== 'running' && state.state !== 'ended') throw new EngineError('invalid-argument', `Unknown terminal session state "${String(state.state)}" (running or ended).`);
  ctx.history.setTerminalState(s, { state: state.state, shellIntegration: state.shellIntegration ?? s.terminal?.shellIntegration ?? true });
  return ctx.history.info(s);
}

/**
 * Records a command that ended in a bound terminal: walks the folders, seals what changed into
 * the active session (labelled as from the terminal session) and into the terminal session as
 * its own checkpoint, and adds the command to the session's record — also when nothing changed.
 */
export function recordCommand(ctx: EngineContext, run: CommandRun): RecordedCommand {
  const { history } = ctx;
  const t = history.session(run.sessionId);
  if (!t.terminal) throw new EngineError('invalid-argument', `Session "${t.title}" is not a terminal session; attach a terminal to it first.`);
  const command = typeof run.command === 'string' ? run.command.trim() : '';
  const meta: CheckpointMeta = {
    source: 'terminal',
    command: command.length > LIMITS.command ? `${command.slice(0, LIMITS.command - 1)}…` : command,
    ...(run.cwd !== undefined && run.cwd.length <= LIMITS.cwd ? { cwd: run.cwd } : {}),
    ...(run.exitCode !== undefined ? { exitCode: run.exitCode } : {}),
    durationMs: Math.max(0, run.durationMs ?? 0),
  };
  validateMeta(meta);
  const own = oneLine(command || 'Terminal command', 120);
  const shared = history.activeId !== t.id;
  const label = shared ? oneLine(`${own} · from “${t.title}”`, MAX_NAME) : own;
  const sealed = createCheckpoint(ctx, { ...meta, label, rescan: true, ...(shared ? { metadata: { terminalSession: String(t.id) } } : {}) });
  let checkpoint: number | undefined;
  if (sealed !== undefined) {
    if (!shared) checkpoint = sealed;
    else {
      checkpoint = history.insertCheckpoint({
        session: t.id, parent: history.headOf(t), source: 'terminal', label: own,
        info: { command: meta.command, ...(meta.cwd ? { cwd: meta.cwd } : {}), durationMs: meta.durationMs },
        changes: history.changesOf(sealed), exitCode: meta.exitCode,
      });
      history.setBranchHead(t.id, t.activeBranch, checkpoint);
    }
  }
  const id = records(ctx).insert({
    session: t.id, startedAt: run.startedAt, command: meta.command!, cwd: meta.cwd,
    cwdAfter: run.cwdAfter !== undefined && run.cwdAfter.length <= LIMITS.cwd ? run.cwdAfter : undefined,
    exitCode: meta.exitCode, durationMs: meta.durationMs!, checkpoint, shared: shared ? sealed : undefined,
    output: typeof run.output === 'string' ? run.output : undefined,
  });
  return { record: records(ctx).get(id)! };
}

/** A session's command record, oldest first (`limit`: only the newest that many). */
export function commandRecord(ctx: EngineContext, sessionId: string, options: { limit?: number } = {}): CommandRecord[] {
  const s = ctx.history.session(sessionId);
  const limit = options.limit === undefined ? 10_000 : Math.max(0, Math.floor(options.limit));
  return records(ctx).of(s.id, limit);
}

/** The kept tail of a recorded command's output. */
export function commandOutput(ctx: EngineContext, commandId: string): string {
  const out = /^\d+$/.test(String(commandId)) ? records(ctx).output(Number(commandId)) : undefined;
  if (out === undefined) throw new EngineError('not-found', `No recorded command ${String(commandId)}.`);
  return out;
}

/** A deleted session's command record goes with it (sessions.ts). */
export function deleteCommandRecord(ctx: EngineContext, sessionId: number): void {
  records(ctx).deleteOf(sessionId);
}

function oneLine(text: string, max: number): string {
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
