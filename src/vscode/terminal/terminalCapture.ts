// Terminal commands, seen through shell integration. In every terminal, working changes are sealed
// when a command starts (capture.ts: `sealBeforeCommand`), so what its end finds is its own.
// In a terminal bound to a session (bindings.ts) the command is recorded in that session when it
// ends — command line, the folder it started in and the one it left, exit code, duration and the
// tail of its output — by the engine (core/terminalSessions.ts: the walk, the seal into the active
// session labelled as from the terminal session, the terminal session's own checkpoint, the
// command record; coherence is defined there). In any other terminal a command that changed files
// is a checkpoint of the active session, as it always was (`sessionTree.recordTerminalCommands`).
//
// Two commands at once (two terminals) cannot be told apart on disk: while one runs, another's
// start seals nothing (that would cut the first one's changes in two); what changed while both
// ran is sealed when the first ends.
import * as vscode from 'vscode';
import { LIMITS } from '../../core/names';
import type { CheckpointMeta } from '../../core/types';
import { type Capture, truncate } from '../capture';
import type { EngineHost } from '../engineHost';
import { Disposable } from '../lifecycle';
import { errorCode, type Log } from '../log';
import { recordTerminalCommands } from '../settings';
import type { TerminalSessions } from './bindings';
import { startFolder } from './commandCwd';
import { OutputTail } from './outputText';

/** How long the end of a command waits for the rest of its output stream. */
const OUTPUT_DRAIN_MS = 2000;

interface Running {
  at: number;
  cwd: string | undefined;
  sessionId: string | undefined;
  output: Promise<string> | undefined;
}

export class TerminalCapture extends Disposable {
  private readonly running = new Map<vscode.TerminalShellExecution, Running>();

  constructor(
    private readonly host: EngineHost,
    private readonly capture: Capture,
    private readonly sessions: TerminalSessions,
    private readonly log: Log,
  ) {
    super();
    capture.terminalBusy = () => this.running.size > 0;
    this.register(vscode.window.onDidStartTerminalShellExecution((e) => void this.started(e)));
    this.register(vscode.window.onDidEndTerminalShellExecution((e) => void this.ended(e)));
  }

  private async started(e: vscode.TerminalShellExecutionStartEvent): Promise<void> {
    const sessionId = this.sessions.sessionOf(e.terminal);
    // A bound terminal always records: binding it asked for that.
    // While recording is paused (recording.ts) no command is recorded, bound terminal or not.
    if ((!sessionId && !recordTerminalCommands()) || !this.host.current || this.capture.paused) return;
    // The output stream starts now: it must be opened before anything is awaited.
    const output = sessionId ? readOutput(e.execution) : undefined;
    const others = this.running.size > 0;
    // The folder it starts in: the shell reports the folder it is in at the end too, which after `cd X && …` is X.
    this.running.set(e.execution, { at: Date.now(), cwd: startCwd(e), sessionId, output });
    if (others) return;
    try {
      await this.capture.sealBeforeCommand(e.execution.commandLine.value);
    } catch (err) {
      this.log.error('Sealing changes before a terminal command failed', err);
    }
  }

  private async ended(e: vscode.TerminalShellExecutionEndEvent): Promise<void> {
    const started = this.running.get(e.execution);
    this.running.delete(e.execution);
    if (!started || !this.host.current) return;
    const command = e.execution.commandLine.value.trim();
    const cwd = started.cwd ?? (e.execution.cwd?.scheme === 'file' ? e.execution.cwd.fsPath : undefined);
    const durationMs = Date.now() - started.at;
    try {
      if (started.sessionId) {
        const output = await Promise.race([started.output!, drained(OUTPUT_DRAIN_MS)]);
        const sessionId = started.sessionId;
        const { record } = await this.capture.recordWith((engine) =>
          engine.recordCommand({
            sessionId, command, startedAt: started.at, durationMs,
            ...(cwd ? { cwd } : {}),
            ...(this.sessions.cwdOf(e.terminal) ? { cwdAfter: this.sessions.cwdOf(e.terminal) } : {}),
            ...(e.exitCode !== undefined ? { exitCode: e.exitCode } : {}),
            ...(output !== undefined ? { output } : {}),
          }),
        );
        this.log.info(`Terminal command recorded: \`${command}\` (exit ${record.exitCode ?? '?'}${record.checkpointId ? '' : ', changed nothing'}).`);
        return;
      }
      if (!recordTerminalCommands()) return;
      // Within the engine's limits (names.ts): a very long command line is kept shortened, not refused.
      const meta: CheckpointMeta = {
        source: 'terminal',
        label: truncate(command || 'Terminal command', 120),
        command: command.length > LIMITS.command ? `${command.slice(0, LIMITS.command - 1)}…` : command,
        ...(cwd && cwd.length <= LIMITS.cwd ? { cwd } : {}),
        ...(e.exitCode !== undefined ? { exitCode: e.exitCode } : {}),
        durationMs,
      };
      const checkpoint = await this.capture.sealAfterCommand(meta);
      if (!checkpoint) this.log.info(`Terminal command changed nothing: ${command}`);
    } catch (err) {
      if (started.sessionId && errorCode(err) === 'not-found') {
        // Its session was deleted: the terminal goes on as an ordinary one.
        this.log.info(`Terminal "${e.terminal.name}": its session is gone; detached.`);
        await this.sessions.detach(e.terminal).catch(() => undefined);
        return;
      }
      this.log.error(`Recording terminal command \`${command}\` failed`, err);
    }
  }
}

/** Reads a command's output as it streams, keeping its tail; resolves when the stream ends. */
function readOutput(execution: vscode.TerminalShellExecution): Promise<string> {
  const tail = new OutputTail();
  const stream = execution.read();
  return (async () => {
    try {
      for await (const chunk of stream) tail.push(chunk);
    } catch {
      /* the terminal went away: keep what came */
    }
    return tail.value();
  })();
}

/** Resolves (to undefined) after `ms`: the end of a command never waits on its output for long. */
function drained(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms));
}

/** Where a command starts (see commandCwd.ts). */
function startCwd(e: vscode.TerminalShellExecutionStartEvent): string | undefined {
  return startFolder({
    execution: e.execution.cwd,
    shell: e.shellIntegration.cwd,
    terminal: e.terminal.shellIntegration?.cwd,
    created: (e.terminal.creationOptions as vscode.TerminalOptions).cwd,
  });
}
