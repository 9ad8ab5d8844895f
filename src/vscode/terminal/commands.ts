// Commands of terminal sessions: New Terminal Session, Attach Terminal to Session…, Detach, Reopen
// Terminal Session, Show Command Record, Show Command Output…. With an arguments object they never
// prompt: `{title?, cwd?}`, `{sessionId, terminal?}` (a terminal's name; default the active
// terminal), `{sessionId}`, `{commandId, sessionId}`; each returns what it made or opened.
import * as vscode from 'vscode';
import type { EngineApi } from '../../core/engineApi';
import type { CommandRecord, SessionInfo } from '../../core/types';
import type { CommandContext, CommandTable } from '../commands/command';
import { Cancelled, type Invocation, missing, need, raise, str } from '../commands/resolve';
import { Commands } from '../ids';
import { askText } from '../picks';
import type { TerminalSessions } from './bindings';
import type { CommandRecordView } from './recordView';
import { commandSummary } from './recordText';

export interface TerminalServices {
  sessions: TerminalSessions;
  view: CommandRecordView;
}

export function terminalCommands(c: CommandContext) {
  const { engine, resolve } = c;
  const t = c.terminals;

  const sessionById = async (e: EngineApi, id: string): Promise<SessionInfo> =>
    (await e.sessions()).find((s) => s.id === id) ?? raise(Object.assign(new Error(`No session ${id}.`), { code: 'not-found' }));

  /** A terminal session: its node, `{sessionId}`, the active terminal's session, or a pick of terminal sessions. */
  const terminalSession = async (inv: Invocation, title: string, filter: (s: SessionInfo) => boolean = () => true): Promise<SessionInfo> => {
    const e = await engine();
    if (inv.node?.kind === 'session') return inv.node.session;
    if (inv.node?.kind === 'checkpoint') return inv.node.session;
    if (inv.args) return sessionById(e, str(inv.args, 'sessionId', 'id', 'value') ?? raise(missing('sessionId')));
    const active = vscode.window.activeTerminal && t.sessions.sessionOf(vscode.window.activeTerminal);
    const list = (await e.sessions()).filter((s) => s.terminal && filter(s));
    if (active && list.some((s) => s.id === active)) return list.find((s) => s.id === active)!;
    if (list.length === 0) {
      void vscode.window.showInformationMessage('There is no terminal session here. Start one with "New Terminal Session".');
      throw new Cancelled();
    }
    const picked = await vscode.window.showQuickPick(
      list.map((s) => ({ s, label: `$(terminal) ${s.title}`, description: `${s.terminal!.state} · ${s.checkpointCount - 1} commands that changed files` })),
      { title },
    );
    return need(picked).s;
  };

  /** A terminal: `{terminal: name}`, else the active one, else a pick. */
  const terminal = async (inv: Invocation, title: string): Promise<vscode.Terminal> => {
    const name = str(inv.args, 'terminal');
    if (name) return vscode.window.terminals.find((x) => x.name === name) ?? raise(Object.assign(new Error(`No open terminal named "${name}".`), { code: 'not-found' }));
    if (vscode.window.activeTerminal) return vscode.window.activeTerminal;
    if (inv.args) return raise(missing('terminal'));
    const picked = await vscode.window.showQuickPick(vscode.window.terminals.map((x) => ({ x, label: `$(terminal) ${x.name}` })), { title, placeHolder: 'Terminal' });
    return need(picked).x;
  };

  const lastCwd = async (e: EngineApi, s: SessionInfo): Promise<string | undefined> => {
    const [last] = await e.commandRecord(s.id, { limit: 1 });
    return last?.cwdAfter ?? last?.cwd;
  };

  return {
    [Commands.newTerminalSession]: async (inv) => {
      const e = await engine();
      let title = str(inv.args, 'title', 'value');
      if (!inv.args) title = need(await askText({ title: 'New Terminal Session', prompt: 'Name of the terminal and its session (leave empty for a default name)', allowEmpty: true }));
      const session = await e.newTerminalSession(title ? { title } : {});
      const term = await t.sessions.open(session, str(inv.args, 'cwd'));
      return { session: await sessionById(e, session.id), terminal: term.name };
    },

    [Commands.attachTerminal]: async (inv) => {
      const term = await terminal(inv, 'Attach Terminal to Session');
      const { id } = await resolve.session(inv, `Attach "${term.name}" to Session`, { keys: ['sessionId', 'id'] });
      const info = await t.sessions.bind(term, id);
      if (!inv.args) vscode.window.setStatusBarMessage(`$(terminal) Terminal "${term.name}" records into "${info.title}"`, 4000);
      return info;
    },

    [Commands.detachTerminal]: async (inv) => {
      if (inv.node?.kind === 'session' || str(inv.args, 'sessionId')) {
        const s = await terminalSession(inv, 'Detach Terminal');
        for (const x of t.sessions.terminalsOf(s.id)) await t.sessions.detach(x);
        return sessionById(await engine(), s.id);
      }
      const term = await terminal(inv, 'Detach Terminal from Session');
      const id = (await t.sessions.detach(term)) ?? raise(Object.assign(new Error(`Terminal "${term.name}" is not bound to a session.`), { code: 'invalid-argument' }));
      return sessionById(await engine(), id);
    },

    [Commands.reopenTerminalSession]: async (inv) => {
      const e = await engine();
      const s = await terminalSession(inv, 'Reopen Terminal Session', (x) => x.terminal?.state === 'ended');
      const open = t.sessions.terminalsOf(s.id)[0];
      if (open) {
        open.show();
        return { session: s, terminal: open.name };
      }
      const term = await t.sessions.open(s, await lastCwd(e, s));
      return { session: await sessionById(e, s.id), terminal: term.name };
    },

    [Commands.showCommandRecord]: async (inv) => {
      const s = await terminalSession(inv, 'Show Command Record');
      await t.view.showRecord(s.id, s.title);
      return (await engine()).commandRecord(s.id);
    },

    [Commands.showCommandOutput]: async (inv) => {
      const e = await engine();
      let record: CommandRecord | undefined;
      if (inv.node?.kind === 'checkpoint') {
        const cp = inv.node.checkpoint;
        record = (await e.commandRecord(cp.sessionId)).find((r) => r.checkpointId === cp.id || r.sharedCheckpointId === cp.id);
        if (!record) throw Object.assign(new Error(`Checkpoint "${cp.label}" has no recorded command output.`), { code: 'not-found' });
      } else if (inv.args && str(inv.args, 'commandId')) {
        const sessionId = str(inv.args, 'sessionId') ?? raise(missing('sessionId'));
        const id = str(inv.args, 'commandId')!;
        record = (await e.commandRecord(sessionId)).find((r) => r.id === id) ?? raise(Object.assign(new Error(`No command ${id} in session ${sessionId}.`), { code: 'not-found' }));
      } else {
        const s = await terminalSession(inv, 'Show Command Output');
        const records = (await e.commandRecord(s.id)).reverse();
        if (inv.args) record = records[0] ?? raise(Object.assign(new Error(`Session "${s.title}" has no commands yet.`), { code: 'not-found' }));
        else {
          const picked = await vscode.window.showQuickPick(
            records.map((r) => ({
              r,
              label: `${r.exitCode === undefined || r.exitCode === 0 ? '$(terminal)' : '$(error)'} ${r.command}`,
              description: commandSummary(r),
            })),
            { title: `Commands of "${s.title}"`, placeHolder: records.length ? 'Open the output of…' : 'No commands yet', matchOnDescription: true },
          );
          record = need(picked).r;
        }
      }
      await t.view.showOutput(record.sessionId, record.id, record.command);
      return { record, output: await e.commandOutput(record.id) };
    },
  } satisfies CommandTable;
}
