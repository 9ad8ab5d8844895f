// Commands that show the history: the history graph of a session, a file's history, Find Checkpoint.
// Invoked with an arguments object (tests, tasks, agents) the last two return what they found
// instead of showing it.
import * as vscode from 'vscode';
import { showFileHistory } from '../fileHistory';
import { checkpointNode, GraphPanel } from '../graph/graphPanel';
import { Commands, EXTENSION_ID } from '../ids';
import { findCheckpoint } from '../picks';
import type { CommandContext, CommandTable } from './command';
import { activeFile, filePaths, missing, need, raise, str } from './resolve';

export function historyCommands(c: CommandContext) {
  const { engine, host, log } = c;
  let panel: GraphPanel | undefined;
  const graph = () => {
    const uri = vscode.extensions.getExtension(EXTENSION_ID)?.extensionUri ?? vscode.Uri.joinPath(vscode.Uri.file(__dirname), '..');
    return (panel ??= new GraphPanel(host, log, uri));
  };
  const showInGraph = (sessionId: string, checkpointId?: string) => graph().show(sessionId, checkpointId);

  return {
    [Commands.showHistoryGraph]: async (inv) => {
      const node = inv.node;
      if (node && 'session' in node && node.session && typeof node.session === 'object' && 'id' in node.session) {
        const select = node.kind === 'checkpoint' ? node.checkpoint.id : node.kind === 'file' ? node.checkpointId : undefined;
        return graph().show(node.session.id, select);
      }
      return graph().show(str(inv.args, 'sessionId'), str(inv.args, 'checkpointId', 'id', 'value'));
    },

    [Commands.showFileHistory]: async (inv) => {
      const e = await engine();
      const node = inv.node;
      // From a menu the first argument is the file's URI (explorer, editor title, tab); a person is there.
      const fromMenu = inv.args?.value instanceof vscode.Uri;
      let file: string | undefined;
      if (node?.kind === 'file' || node?.kind === 'workingFile') file = node.change.path;
      else if (node?.kind === 'resultFile') file = node.file.path;
      else if (inv.args) file = filePaths(inv.args)[0] ?? raise(missing('uri'));
      else file = activeFile()?.fsPath ?? raise(new Error('Open a file in an editor, or use "Show File History" on a file in the Explorer.'));
      if (inv.args && !fromMenu) return e.fileHistory(file, { sessionId: str(inv.args, 'sessionId') });
      return showFileHistory(e, file, showInGraph);
    },

    [Commands.findCheckpoint]: async (inv) => {
      const e = await engine();
      if (inv.args) {
        const text = str(inv.args, 'text', 'value') ?? raise(missing('text'));
        const limit = typeof inv.args.limit === 'number' ? inv.args.limit : undefined;
        return e.searchCheckpoints({ text, sessionId: str(inv.args, 'sessionId'), ...(limit !== undefined ? { limit } : {}) });
      }
      const found = need(await findCheckpoint(e));
      const c = found.hit.checkpoint;
      if (found.open === 'graph') return showInGraph(c.sessionId, c.id);
      if (found.open === 'tree') return vscode.commands.executeCommand(Commands.revealInTree, { sessionId: c.sessionId, checkpointId: c.id });
      const session = (await e.sessions()).find((s) => s.id === c.sessionId) ?? raise(new Error('The session is gone.'));
      return vscode.commands.executeCommand(Commands.openChanges, checkpointNode(session, c));
    },
  } satisfies CommandTable;
}
