// Which integrated terminal is bound to which terminal session. A terminal is bound when it was
// opened for a session (New Terminal Session, the terminal profile in the panel's `+` menu, Reopen:
// its environment carries SESSION_TREE_SESSION, contree's shared session key — a terminal created
// by anyone with that variable joins the session) or attached to one (Attach Terminal to
// Session…). Several terminals may share a session; it is running while one of them is open and
// ended when the last closes or is detached (history kept, nothing deleted).
//
// Without shell integration a terminal's commands cannot be seen one by one: after a grace period
// the session is marked so (the tree says it), and what the terminal changes is recorded as the
// active session's external changes — sealed when the terminal closes, or at the next seal.
import * as vscode from 'vscode';
import type { EngineApi } from '../../core/engineApi';
import type { SessionInfo } from '../../core/types';
import type { Capture } from '../capture';
import type { EngineHost } from '../engineHost';
import { Disposable } from '../lifecycle';
import type { Log } from '../log';

/** The environment variable that names a terminal's session. */
export const SESSION_ENV = 'SESSION_TREE_SESSION';
/** The terminal profile contributed in package.json (`contributes.terminal.profiles`). */
export const TERMINAL_PROFILE = 'sessionTree.terminalSession';
/** How long a bound terminal may take to report shell integration before the session says it has none. */
const INTEGRATION_GRACE_MS = 10_000;

export class TerminalSessions extends Disposable {
  private readonly bound = new Map<vscode.Terminal, string>();
  /** The folder each bound terminal's shell is in, as it last reported it. */
  private readonly cwds = new Map<vscode.Terminal, string>();
  private readonly graceTimers = new Map<vscode.Terminal, ReturnType<typeof setTimeout>>();
  /** Bound terminals marked as without shell integration (until it arrives after all). */
  private readonly lacking = new Set<vscode.Terminal>();
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  /** Fires when a terminal is bound or released. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly host: EngineHost,
    private readonly capture: Capture,
    private readonly log: Log,
  ) {
    super();
    this.register(vscode.window.onDidOpenTerminal((t) => void this.adoptByEnv(t)));
    this.register(vscode.window.onDidCloseTerminal((t) => void this.closed(t)));
    this.register(
      vscode.window.onDidChangeTerminalShellIntegration((e) => {
        const cwd = e.shellIntegration.cwd;
        if (cwd?.scheme === 'file' && this.bound.has(e.terminal)) this.cwds.set(e.terminal, cwd.fsPath);
        if (this.graceTimers.has(e.terminal) || this.lacking.has(e.terminal)) this.integrationArrived(e.terminal);
      }),
    );
    this.register(
      vscode.window.registerTerminalProfileProvider(TERMINAL_PROFILE, {
        provideTerminalProfile: async () => new vscode.TerminalProfile(terminalOptions(await (await this.host.get()).newTerminalSession({}))),
      }),
    );
    this.register(host.onDidChangeState((state) => state === 'ready' && void this.reconcile()));
    this.register({ dispose: () => this.graceTimers.forEach((t) => clearTimeout(t)) });
  }

  /** The session a terminal is bound to, if any. */
  sessionOf(terminal: vscode.Terminal): string | undefined {
    return this.bound.get(terminal);
  }

  terminalsOf(sessionId: string): vscode.Terminal[] {
    return [...this.bound].filter(([, id]) => id === sessionId).map(([t]) => t);
  }

  /** Where a bound terminal's shell is now (shell integration), else undefined. */
  cwdOf(terminal: vscode.Terminal): string | undefined {
    const cwd = terminal.shellIntegration?.cwd;
    return cwd?.scheme === 'file' ? cwd.fsPath : this.cwds.get(terminal);
  }

  /** Opens a terminal bound to `session`, in `cwd` (default: the first workspace folder). */
  async open(session: SessionInfo, cwd?: string, show = true): Promise<vscode.Terminal> {
    const terminal = vscode.window.createTerminal(terminalOptions(session, cwd));
    await this.bind(terminal, session.id);
    if (show) terminal.show();
    return terminal;
  }

  /** Binds `terminal` to a session (the session becomes a running terminal session). */
  async bind(terminal: vscode.Terminal, sessionId: string): Promise<SessionInfo> {
    const engine = await this.host.get();
    const previous = this.bound.get(terminal);
    this.bound.set(terminal, sessionId);
    const info = await engine.setTerminalState(sessionId, { state: 'running', shellIntegration: true });
    if (previous && previous !== sessionId) await this.endIfUnbound(engine, previous);
    if (!terminal.shellIntegration && !this.graceTimers.has(terminal)) {
      this.graceTimers.set(terminal, setTimeout(() => void this.noIntegration(terminal), INTEGRATION_GRACE_MS));
    }
    this.changed.fire();
    return info;
  }

  /** Releases `terminal`; its session ends when no other terminal is bound to it. */
  async detach(terminal: vscode.Terminal): Promise<string | undefined> {
    const sessionId = this.bound.get(terminal);
    if (!sessionId) return undefined;
    this.release(terminal);
    await this.endIfUnbound(await this.host.get(), sessionId);
    this.changed.fire();
    return sessionId;
  }

  private release(terminal: vscode.Terminal): void {
    this.bound.delete(terminal);
    this.cwds.delete(terminal);
    const timer = this.graceTimers.get(terminal);
    if (timer) clearTimeout(timer);
    this.graceTimers.delete(terminal);
    this.lacking.delete(terminal);
  }

  private async endIfUnbound(engine: EngineApi, sessionId: string): Promise<void> {
    if (this.terminalsOf(sessionId).length > 0) return;
    try {
      await engine.setTerminalState(sessionId, { state: 'ended' });
    } catch (e) {
      // The session was deleted meanwhile: nothing to end.
      this.log.warn(`Ending terminal session ${sessionId}: ${(e as Error).message}`);
    }
  }

  /** A terminal whose environment names a session (opened for it, or by anyone sharing the key). */
  private async adoptByEnv(terminal: vscode.Terminal): Promise<void> {
    const id = sessionKey(terminal);
    if (!id || this.bound.get(terminal) === id) return;
    try {
      await this.bind(terminal, id);
    } catch (e) {
      this.log.warn(`Terminal "${terminal.name}" names session ${id}, which could not be bound: ${(e as Error).message}`);
    }
  }

  private async closed(terminal: vscode.Terminal): Promise<void> {
    const sessionId = this.bound.get(terminal);
    if (!sessionId) return;
    const withoutIntegration = !terminal.shellIntegration;
    this.release(terminal);
    try {
      const engine = await this.host.get();
      // What a terminal without shell integration changed is sealed now, as external changes.
      if (withoutIntegration) await this.capture.sealAfterCommand({ source: 'external', label: `Changes while terminal "${terminal.name}" ran (no shell integration)` });
      await this.endIfUnbound(engine, sessionId);
    } catch (e) {
      this.log.error(`Ending the session of terminal "${terminal.name}" failed`, e);
    }
    this.changed.fire();
  }

  private async noIntegration(terminal: vscode.Terminal): Promise<void> {
    this.graceTimers.delete(terminal);
    const sessionId = this.bound.get(terminal);
    if (!sessionId || terminal.shellIntegration) return;
    this.lacking.add(terminal);
    try {
      const info = await (await this.host.get()).setTerminalState(sessionId, { state: 'running', shellIntegration: false });
      this.log.warn(`Terminal "${terminal.name}" reported no shell integration: its commands are not recorded one by one in "${info.title}"; file changes are recorded as external changes.`);
      void vscode.window.showWarningMessage(
        `Terminal "${terminal.name}" has no shell integration: Session Tree cannot record its commands one by one. File changes are still recorded, as external changes.`,
      );
    } catch (e) {
      this.log.warn(`Marking terminal session ${sessionId} as without shell integration: ${(e as Error).message}`);
    }
  }

  private integrationArrived(terminal: vscode.Terminal): void {
    const timer = this.graceTimers.get(terminal);
    if (timer) clearTimeout(timer);
    this.graceTimers.delete(terminal);
    this.lacking.delete(terminal);
    const sessionId = this.bound.get(terminal);
    if (sessionId) void this.host.get().then((e) => e.setTerminalState(sessionId, { state: 'running', shellIntegration: true })).catch(() => undefined);
  }

  /**
   * When the store is ready: open terminals that name a session are bound; terminal sessions
   * marked running that no terminal of this window is bound to (the window closed with them) end.
   */
  private async reconcile(): Promise<void> {
    try {
      for (const t of vscode.window.terminals) await this.adoptByEnv(t);
      const engine = await this.host.get();
      for (const s of await engine.sessions()) {
        if (s.terminal?.state === 'running' && this.terminalsOf(s.id).length === 0) await engine.setTerminalState(s.id, { state: 'ended' });
      }
      this.changed.fire();
    } catch (e) {
      this.log.warn(`Restoring terminal sessions: ${(e as Error).message}`);
    }
  }
}

/** The session key in a terminal's environment, if it has one. */
function sessionKey(terminal: vscode.Terminal): string | undefined {
  const options = terminal.creationOptions as vscode.TerminalOptions;
  const id = options.env?.[SESSION_ENV];
  return typeof id === 'string' && id ? id : undefined;
}

function terminalOptions(session: SessionInfo, cwd?: string): vscode.TerminalOptions {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  return {
    name: session.title,
    cwd: cwd ?? folder?.uri.fsPath,
    env: { [SESSION_ENV]: session.id },
    iconPath: new vscode.ThemeIcon('history'),
  };
}
