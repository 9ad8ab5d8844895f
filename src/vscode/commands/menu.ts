// The status bar's menu — the common actions (Pause / Resume Recording among them) in one quick pick (a click on Session Tree's status bar
// item opens it), each running the command a person would find in the palette — and Get Started,
// which opens the walkthrough.
import * as vscode from 'vscode';
import { openWorkingChanges } from '../diffs';
import { Commands, type CommandId, WALKTHROUGH } from '../ids';
import type { CommandContext, CommandTable } from './command';

interface MenuItem extends vscode.QuickPickItem {
  run(): Thenable<unknown>;
}

export function menuCommands(c: CommandContext) {
  return {
    [Commands.showMenu]: async () => {
      const engine = await c.engine();
      const canUndo = !!(c.results.result ?? (await engine.lastRestore()));
      const writable = !c.host.readOnly;
      const command = (id: CommandId, icon: string, detail?: string): MenuItem => ({
        label: `$(${icon}) ${c.titles.get(id) ?? id}`,
        detail,
        run: () => vscode.commands.executeCommand(id),
      });
      const items: MenuItem[] = [
        ...(writable ? [command(Commands.createCheckpoint, 'bookmark', 'Seal the working changes into a checkpoint')] : []),
        ...(writable ? [command(Commands.rewind, 'history', 'Put the files back as they were at a checkpoint')] : []),
        ...(canUndo && writable ? [command(Commands.undoLastRestore, 'discard', 'Go back to before the last rewind, roll back or check out')] : []),
        {
          label: '$(diff) Open Working Changes',
          detail: 'What changed since the last checkpoint',
          run: async () => openWorkingChanges(await engine.workingChanges()),
        },
        ...(writable ? [command(Commands.checkout, 'git-branch'), command(Commands.switchSession, 'list-tree'), command(Commands.newSession, 'add')] : []),
        ...(writable
          ? [
              c.recording.paused
                ? command(Commands.resumeRecording, 'record', 'Record changes again; what changed while paused becomes one checkpoint')
                : command(Commands.pauseRecording, 'debug-pause', 'Stop recording changes in this workspace until you resume'),
            ]
          : []),
        command(Commands.getStarted, 'mortar-board', 'A five-minute tour: checkpoint, rewind, undo'),
        command(Commands.showLog, 'output'),
      ];
      const picked = await vscode.window.showQuickPick(items, { title: 'Session Tree', placeHolder: 'Choose an action' });
      if (picked) await picked.run();
    },

    [Commands.getStarted]: () => vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false),
  } satisfies CommandTable;
}
