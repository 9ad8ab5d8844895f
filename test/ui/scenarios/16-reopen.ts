// 16. Reopen a workspace with history: the Sessions tree shows the stored session and its
// checkpoints as soon as the store is open (the start-up scan runs after the tree's first paint),
// and what changed while the window was closed appears once that scan is done.
import assert from 'node:assert/strict';
import type { Scenario } from '../scenario';
import type { Workbench } from '../workbench';
import { MANUAL_CHECKPOINTS, checkpointFromPalette, checkpointName, retry, waitRecording } from './common';

/** Leaves this window's folder (its extension host ends) and opens it again in a new one. */
async function reopen(wb: Workbench, whileClosed: () => void): Promise<void> {
  const url = wb.page.url();
  await wb.page.goto('about:blank');
  whileClosed();
  await wb.page.goto(url);
  await wb.waitReady();
  await wb.openSessionTree();
}

export const reopenWithHistory: Scenario = {
  name: 'reopen a workspace with history: the tree shows its checkpoints, then what changed while closed',
  files: { 'notes.txt': 'one\n' },
  settings: MANUAL_CHECKPOINTS,
  async run(wb) {
    await wb.step('open Session Tree and make a labelled checkpoint', async () => {
      await wb.openSessionTree();
      await wb.waitRow('Session start', 30_000);
      wb.writeOutside('notes.txt', 'one\ntwo\n');
      await retry(3, () => wb.command('Refresh'));
      await checkpointFromPalette(wb, 'Before the reopen');
    });

    await wb.step('close the window, change a file meanwhile, open it again: the stored checkpoints are listed', async () => {
      await reopen(wb, () => wb.writeOutside('while-closed.txt', 'written while no window had the folder\n'));
      await wb.waitRow(checkpointName('Before the reopen'), 60_000);
      await wb.waitRow('Session start', 30_000);
    });

    await wb.step('once the start-up scan is done, the change made meanwhile is in the history', async () => {
      // The window left may hold the store a few seconds more (its extension host ending): this one records once it has it.
      await waitRecording(wb);
      // Recorded as a checkpoint of its own ("Changed outside VS Code", or "Working changes from the
      // last run" when the window left saw it first), with the file under it.
      const row = await wb.findRow(/^(Changed outside VS Code|Working changes from the last run)$/, 60_000);
      await wb.expand(row);
      const file = await wb.waitRow('while-closed.txt', 20_000);
      assert.match(await wb.rowText(file), /while-closed\.txt/);
      // The checkpoint made before is still there, below it.
      await wb.waitRow(checkpointName('Before the reopen'), 10_000);
    });
  },
};
