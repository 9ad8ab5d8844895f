// Commands on a file row (under a checkpoint, in the working changes, in Last Restore): open the
// file as it is now, reveal it in the Explorer, copy its path.
import * as vscode from 'vscode';
import { Commands } from '../ids';
import type { CommandContext, CommandTable } from './command';
import type { Invocation } from './resolve';

/** The file a row stands for (absolute path), or an error saying where to use the command. */
function fileOf(inv: Invocation): string {
  const node = inv.node;
  if (node?.kind === 'file' || node?.kind === 'workingFile') return node.change.path;
  if (node?.kind === 'resultFile') return node.file.path;
  const args = inv.args as { path?: unknown } | undefined;
  if (typeof args?.path === 'string') return args.path;
  throw new Error('Choose a file in the Sessions or Last Restore view.');
}

export function fileCommands(_c: CommandContext) {
  return {
    [Commands.openFile]: async (inv) => {
      const uri = vscode.Uri.file(fileOf(inv));
      try {
        await vscode.workspace.fs.stat(uri);
      } catch {
        throw new Error(`${vscode.workspace.asRelativePath(uri)} does not exist now (open its changes for its content then).`);
      }
      await vscode.window.showTextDocument(uri, { preview: true });
    },
    [Commands.revealFile]: (inv) => vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(fileOf(inv))),
    [Commands.copyFilePath]: async (inv) => {
      const file = fileOf(inv);
      await vscode.env.clipboard.writeText(file);
      vscode.window.setStatusBarMessage(`$(clippy) Copied ${vscode.workspace.asRelativePath(file)}'s path`, 3000);
    },
  } satisfies CommandTable;
}
