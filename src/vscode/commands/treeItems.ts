// Commands of the Sessions view itself: tree-item clicks (a file's diff, the next page, hidden from
// the palette), the filter, Reveal in Sessions View, and a session's summary.
import * as vscode from 'vscode';
import { openCheckpointChange, openRestoreChange, openWorkingChange } from '../diffs';
import { Commands, Views } from '../ids';
import { FILTER_PLACEHOLDER } from '../picks';
import type { CommandContext, CommandTable } from './command';
import { missing, need, raise, str } from './resolve';

export function treeItemCommands(c: CommandContext) {
  const { tree, engine } = c;

  return {
    [Commands.openDiff]: (inv) => {
      const node = inv.node;
      if (node?.kind === 'file') return openCheckpointChange(node.change, node.checkpointLabel);
      if (node?.kind === 'workingFile') return openWorkingChange(node.change);
      if (node?.kind === 'resultFile') return openRestoreChange(node.result, node.file);
      return undefined;
    },

    [Commands.loadMore]: (inv) => {
      if (inv.node?.kind === 'more') tree.loadMore(inv.node);
    },

    /** With `{ text }`: filters without asking and returns how many checkpoints match. */
    [Commands.filterSessions]: async (inv) => {
      const text =
        inv.args && !inv.node
          ? (str(inv.args, 'text', 'value') ?? raise(missing('text')))
          : need(
              await vscode.window.showInputBox({
                title: 'Filter Sessions',
                prompt: 'Show only the checkpoints that match (empty: show everything). The same terms as Find Checkpoint.',
                placeHolder: FILTER_PLACEHOLDER,
                value: tree.filterText ?? '',
                ignoreFocusOut: true,
              }),
            );
      const r = await tree.setFilter(text);
      if (!inv.args && text.trim() && r.total === 0) void vscode.window.showInformationMessage(`No checkpoint matches "${text.trim()}".`);
      return inv.args ? r : undefined;
    },

    [Commands.clearFilter]: () => tree.clearFilter(),

    /** A checkpoint node (graph, Find Checkpoint) or `{ sessionId?, checkpointId }`. */
    [Commands.revealInTree]: async (inv) => {
      const node = inv.node;
      let sessionId: string | undefined;
      let checkpointId: string | undefined;
      if (node?.kind === 'checkpoint') ({ id: checkpointId, sessionId } = node.checkpoint);
      else if (inv.args) {
        checkpointId = str(inv.args, 'checkpointId', 'id', 'value') ?? raise(missing('checkpointId'));
        sessionId = str(inv.args, 'sessionId') ?? (await (await engine()).activeSession())?.id;
      }
      if (!checkpointId || !sessionId) throw new Error('Choose a checkpoint to reveal (Find Checkpoint…, or the history graph).');
      await vscode.commands.executeCommand(`${Views.sessions}.focus`);
      await tree.reveal(sessionId, checkpointId);
    },

    /** From the tree or the palette: opens the summary. With `{ sessionId? }`: returns it (`show: true` opens it too). */
    [Commands.showSessionSummary]: async (inv) => {
      const e = await engine();
      const node = inv.node;
      const sessionId = node && 'session' in node && node.session && typeof node.session === 'object' ? node.session.id : str(inv.args, 'sessionId');
      const sessions = await e.sessions();
      const session = sessionId ? sessions.find((s) => s.id === sessionId) : sessions.find((s) => s.active);
      if (!session) throw new Error(sessionId ? 'That session is gone.' : 'There is no active session.');
      const summary = await e.sessionSummary(session.id);
      if (inv.args && !node && inv.args.show !== true) return summary;
      await tree.summaries.show(session, summary);
      return inv.args && !node ? summary : undefined;
    },
  } satisfies CommandTable;
}
