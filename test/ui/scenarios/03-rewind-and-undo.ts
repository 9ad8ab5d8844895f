// 3. Right-click an older checkpoint → "Rewind to Here" → confirm: files on disk match that
// checkpoint; the results view lists each file as restored / removed; clicking one opens its diff;
// "Undo Last Restore" brings the newer content back.
import assert from 'node:assert/strict';
import type { Scenario } from '../scenario';
import {
  checkpointFromPalette,
  checkpointName,
  confirmIfAsked,
  editAndSave,
  expectWorkingChanges,
  MANUAL_CHECKPOINTS,
  poll,
} from './common';

export const rewindAndUndo: Scenario = {
  name: 'rewind to an older checkpoint from its context menu, see the results, undo',
  files: { 'a.txt': 'version 0\n', 'b.txt': 'left alone\n' },
  settings: MANUAL_CHECKPOINTS,
  async run(wb) {
    await wb.step('open Session Tree', () => wb.openSessionTree());
    await wb.waitRow('Session start', 30_000);

    await wb.step('first checkpoint: a.txt at version 1', async () => {
      await editAndSave(wb, 'a.txt', 'version 1\n');
      await expectWorkingChanges(wb);
      await checkpointFromPalette(wb, 'first');
    });

    await wb.step('second checkpoint: a.txt at version 2 and a new file c.txt', async () => {
      await editAndSave(wb, 'a.txt', 'version 2\n');
      wb.writeOutside('c.txt', 'a new file\n');
      await expectWorkingChanges(wb);
      await checkpointFromPalette(wb, 'second');
    });

    await wb.step('right-click "first" → Rewind to Here', async () => {
      await wb.contextMenu(await wb.findRow(checkpointName('first')), 'Rewind to Here');
      const message = await wb.dialog(/^Rewind$/);
      assert.match(message, /first/);
    });

    await wb.step('the files on disk are those of "first"', async () => {
      await wb.expectFile('a.txt', 'version 1\n');
      await wb.expectFile('c.txt', undefined);
      await wb.expectFile('b.txt', 'left alone\n');
    });

    await wb.step('the results list a.txt restored and c.txt removed', async () => {
      await wb.sideBarRow('a.txt', /^restored/).waitFor({ timeout: 15_000 });
      await wb.sideBarRow('c.txt', /^removed/).waitFor({ timeout: 15_000 });
    });

    await wb.step('clicking a result opens its diff', async () => {
      await wb.sideBarRow('a.txt', /^restored/).click();
      await wb.expectDiffEditor();
      // Before the rewind ↔ after it.
      await poll(
        async () => /version 2/.test(await wb.diffText('original')) && /version 1/.test(await wb.diffText('modified')),
        10_000,
        async () => `the diff shows ${JSON.stringify(await wb.diffText('original'))} ↔ ${JSON.stringify(await wb.diffText('modified'))}`,
      );
    });

    await wb.step('Undo Last Restore brings the newer files back', async () => {
      await wb.command('Undo Last Restore');
      await confirmIfAsked(wb, 'Undo');
      await wb.expectFile('a.txt', 'version 2\n');
      await wb.expectFile('c.txt', 'a new file\n');
      await wb.expectFile('b.txt', 'left alone\n');
    });
  },
};
