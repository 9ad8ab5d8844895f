// Internal commands bound to tree-item clicks (hidden from the palette): a file's diff, the next page.
import { openCheckpointChange, openRestoreChange, openWorkingChange } from '../diffs';
import { Commands } from '../ids';
import type { CommandContext, CommandTable } from './command';

export function treeItemCommands(c: CommandContext) {
  const { tree } = c;

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
  } satisfies CommandTable;
}
