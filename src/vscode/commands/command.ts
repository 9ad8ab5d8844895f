// The one wrapper every command runs through (as the git extension's `createCommand`): it logs the
// invocation, turns an error into a message with "Show Log", and rethrows it when the command was
// invoked with an arguments object, so programmatic callers see their failures.
import * as vscode from 'vscode';
import type { EngineApi } from '../../core/engineApi';
import type { RestoreResult, RestoreTarget } from '../../core/types';
import type { Capture } from '../capture';
import type { EngineHost } from '../engineHost';
import type { CommandId } from '../ids';
import { errorCode, type Log } from '../log';
import type { Recording } from '../recording';
import type { Restorer } from '../restore';
import type { ResultsView } from '../resultsView';
import type { SessionsTreeProvider } from '../sessionsTree';
import type { TerminalServices } from '../terminal/commands';
import { Cancelled, invocation, type Invocation, type Resolve } from './resolve';

export interface CommandServices {
  host: EngineHost;
  log: Log;
  capture: Capture;
  restorer: Restorer;
  tree: SessionsTreeProvider;
  results: ResultsView;
  terminals: TerminalServices;
  /** Pause / Resume Recording's state. */
  recording: Recording;
  /** Command titles as contributed in package.json (declared there once). */
  titles: ReadonlyMap<string, string>;
}

/** What every command module gets: the services, the engine, and the resolution of its target. */
export interface CommandContext extends CommandServices {
  engine(): Promise<EngineApi>;
  resolve: Resolve;
  /** A restore that confirms and previews only when a person started it (no arguments object). */
  restore(target: RestoreTarget, inv: Invocation): Promise<RestoreResult | undefined>;
}

export type Run = (inv: Invocation) => unknown;
/** A group's commands: id → what it runs. */
export type CommandTable = Partial<Record<CommandId, Run>>;

const MESSAGES: Record<string, string> = {
  'not-found': 'It no longer exists',
  'outside-workspace': 'Refused: the path is outside the workspace folders',
  busy: 'Session Tree is busy with another operation; try again in a moment',
  'read-only-store': 'The store is read-only',
  corrupt: 'The store is damaged',
  io: 'A file could not be read or written',
};

function userMessage(title: string, error: unknown): string {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const prefix = code && MESSAGES[code] ? `${MESSAGES[code]}: ` : '';
  return `${title}: ${prefix}${message}`;
}

export function createCommand(services: CommandServices, id: CommandId, run: Run, options: { quiet?: boolean } = {}): vscode.Disposable {
  const { log, titles } = services;
  const title = titles.get(id) ?? id;
  return vscode.commands.registerCommand(id, async (first: unknown) => {
    const inv = invocation(first);
    if (!options.quiet) log.info(`${title}${inv.args ? ` ${safeJson(inv.args)}` : ''}`);
    try {
      return await run(inv);
    } catch (e) {
      if (e instanceof Cancelled) return undefined;
      log.error(`${title} failed`, e);
      void vscode.window.showErrorMessage(userMessage(title, e), 'Show Log').then((choice) => choice && log.show());
      if (inv.args) throw e;
      return undefined;
    }
  });
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (v instanceof vscode.Uri ? v.toString() : v));
  } catch {
    return String(value);
  }
}
