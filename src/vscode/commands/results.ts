// Commands on the last restore: undo it, open all its files before ↔ after.
import { openRestoreChanges } from '../diffs';
import { Commands } from '../ids';
import type { CommandContext, CommandTable } from './command';

export function resultCommands(c: CommandContext) {
  const { engine, restore, results } = c;

  return {
    [Commands.undoLastRestore]: (inv) => restore({ kind: 'undo' }, inv),

    [Commands.openAllResults]: async () => {
      const result = results.result ?? (await (await engine()).lastRestore());
      if (!result) throw new Error('No restore has run yet.');
      return openRestoreChanges(result);
    },
  } satisfies CommandTable;
}
