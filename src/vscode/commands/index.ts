// Every command, registered through the one wrapper (./command.ts). Commands are grouped by what they
// act on; each group is a table from command id to its function, and what a command acts on is
// resolved by ./resolve.ts. Invoked from the palette or a tree node a command asks for what it needs;
// invoked with an arguments object (tasks, keybindings, tests, agents) it never prompts and rethrows
// errors to its caller.
import type * as vscode from 'vscode';
import { Commands, type CommandId } from '../ids';
import { branchCommands } from './branches';
import { checkpointCommands } from './checkpoints';
import { type CommandContext, type CommandServices, createCommand, type Run } from './command';
import { fileCommands } from './files';
import { menuCommands } from './menu';
import { recordingCommands } from './recording';
import { historyCommands } from './history';
import { Resolve } from './resolve';
import { resultCommands } from './results';
import { sessionCommands } from './sessions';
import { storageCommands } from './storage';
import { storeCommands } from './store';
import { treeItemCommands } from './treeItems';
import { terminalCommands } from '../terminal/commands';

export type { CommandServices } from './command';

/** Not logged when run: the log itself, and clicks on tree items. */
const QUIET: ReadonlySet<CommandId> = new Set([Commands.showLog, Commands.openDiff, Commands.loadMore]);

export function registerCommands(services: CommandServices): vscode.Disposable[] {
  const engine = () => services.host.get();
  const c: CommandContext = {
    ...services,
    engine,
    resolve: new Resolve(engine),
    restore: (target, inv) => services.restorer.run(target, { interactive: !inv.args }),
  };
  // Typed as every id: a command declared in ids.ts and not implemented here does not compile.
  const table: Record<CommandId, Run> = {
    ...checkpointCommands(c),
    ...branchCommands(c),
    ...sessionCommands(c),
    ...storeCommands(c),
    ...storageCommands(c),
    ...resultCommands(c),
    ...treeItemCommands(c),
    ...menuCommands(c),
    ...fileCommands(c),
    ...historyCommands(c),
    ...terminalCommands(c),
    ...recordingCommands(c),
  };
  return (Object.keys(table) as CommandId[]).map((id) => createCommand(services, id, table[id], { quiet: QUIET.has(id) }));
}
