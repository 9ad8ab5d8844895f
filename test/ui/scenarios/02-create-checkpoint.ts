// 2. Edit and save a file in the editor, create a checkpoint from the view's title action with a
// label; the checkpoint appears with `+a −d`; expanding it and clicking the file opens a diff.
import assert from 'node:assert/strict';
import type { Scenario } from '../scenario';
import { poll } from '../workbench';
import { checkpointFromTitle, checkpointName, editAndSave, expectWorkingChanges, MANUAL_CHECKPOINTS } from './common';

export const createCheckpoint: Scenario = {
  name: 'edit, save, create a labelled checkpoint from the view title, open its diff',
  files: { 'notes.txt': 'one\ntwo\nthree\n' },
  settings: MANUAL_CHECKPOINTS,
  async run(wb) {
    await wb.step('open Session Tree', () => wb.openSessionTree());
    await wb.waitRow('Session start', 30_000);

    await wb.step('edit notes.txt in the editor and save it', async () => {
      await editAndSave(wb, 'notes.txt', 'one\n2\nthree\nfour\n');
      await expectWorkingChanges(wb);
    });

    await wb.step('Create Checkpoint from the view title, labelled', () => checkpointFromTitle(wb, 'Numbers and four'));

    const row = await wb.step('the checkpoint shows +2 −1', async () => {
      const row = await wb.waitRow(checkpointName('Numbers and four'));
      const text = await wb.rowText(row);
      assert.match(text, /\+2 −1/, `checkpoint row: ${text}`);
      return row;
    });

    await wb.step('expand it: notes.txt is listed as modified', async () => {
      await wb.expand(row);
      const file = await wb.waitRow('notes.txt');
      assert.match(await wb.rowText(file), /\+2 −1/);
    });

    await wb.step('click the file: its diff opens', async () => {
      await wb.row('notes.txt').click();
      await wb.expectDiffEditor();
      const tab = wb.page.locator('.editor-group-container.active .tab.active');
      assert.match(await tab.innerText(), /notes\.txt/);
      await poll(
        async () => /two/.test(await wb.diffText('original')) && /four/.test(await wb.diffText('modified')),
        10_000,
        async () => `the diff shows ${JSON.stringify(await wb.diffText('original'))} ↔ ${JSON.stringify(await wb.diffText('modified'))}`,
      );
    });
  },
};
