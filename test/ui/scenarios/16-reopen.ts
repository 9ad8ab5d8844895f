// 16. Reopen a workspace with history: the Sessions tree shows the stored session and its
// checkpoints as soon as the store is open (the start-up scan runs after the tree's first paint),
// and what changed while the window was closed appears once that scan is done. Opened once more
// with nothing changed, the tree paints from what it last showed before the store is open.
import assert from 'node:assert/strict';
import type { Scenario } from '../scenario';
import type { Workbench } from '../workbench';
import { sleep } from '../../harness/processes';
import { MANUAL_CHECKPOINTS, checkpointFromPalette, checkpointName, retry, waitRecording } from './common';

const FROM_RECORD = 'The Sessions tree paints from what it last showed until the store is open.';

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

    await wb.step('open it once more, nothing changed meanwhile: the tree paints from what it last showed, then from the store', async () => {
      // The tree's rows are kept for the next start 2.5 s after it last painted (src/vscode/paintCache.ts).
      await sleep(4000);
      const before = wb.extensionLog().filter((l) => l.includes(FROM_RECORD)).length;
      // Away long enough for the window left to close its store (it keeps the record again then).
      const url = wb.page.url();
      await wb.page.goto('about:blank');
      await sleep(8000);
      await wb.page.goto(url);
      await wb.waitReady();
      await wb.openSessionTree();
      await wb.waitRow(checkpointName('Before the reopen'), 60_000);
      await wb.waitRow('Session start', 30_000);
      const after = wb.extensionLog().filter((l) => l.includes(FROM_RECORD)).length;
      assert.equal(after, before + 1, 'the reopened window painted from the record');
      // And the store, once open, agrees: the rows stay, and recording goes on.
      await waitRecording(wb);
      await wb.waitRow(checkpointName('Before the reopen'), 10_000);
    });
  },
};
