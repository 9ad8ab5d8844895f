// Commands on a restore: undo the last one and redo what was undone (the active session's restore
// history), open all its files before ↔ after; apply or cancel a previewed one.
import { openRestoreChanges } from '../diffs';
import { Commands } from '../ids';
import type { CommandContext, CommandTable } from './command';

export function resultCommands(c: CommandContext) {
  const { engine, restore, results, restorer } = c;

  return {
    [Commands.undoLastRestore]: (inv) => restore({ kind: 'undo' }, inv),
    [Commands.redoLastRestore]: (inv) => restore({ kind: 'redo' }, inv),

    [Commands.openAllResults]: async () => {
      const result = results.result ?? (await (await engine()).lastRestore());
      if (!result) throw new Error('No restore has run yet.');
      return openRestoreChanges(result);
    },

    // A skipped or failed file of the last restore, tried again on its own (after saving, closing or
    // fixing what skipped it): the same confirmation, so unsaved edits can be saved or discarded now.
    [Commands.retryResultFile]: (inv) => {
      const node = inv.node;
      if (node?.kind !== 'resultFile') throw new Error('Choose a file in the Last Restore view.');
      // A revert's file is not the checkpoint's version: the revert runs again (what it already did is not redone).
      if (node.result.target.kind === 'revert') return restore({ kind: 'revert', checkpointId: node.result.target.checkpointId }, inv);
      return restore({ kind: 'restoreFiles', checkpointId: node.result.targetId, paths: [node.file.path] }, inv);
    },

    [Commands.applyPreview]: () => restorer.preview.decide(true),
    [Commands.cancelPreview]: () => restorer.preview.decide(false),
  } satisfies CommandTable;
}
