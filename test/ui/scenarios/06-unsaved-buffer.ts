// 6. A file with unsaved changes in an editor is reported `skipped` by a rewind (when the person
// chooses to skip it) and its buffer is untouched; "Try This File Again" on the skipped row, with
// the edits discarded, finishes the rewind for that file.
import assert from 'node:assert/strict';
import type { Scenario } from '../scenario';
import { checkpointFromPalette, editAndSave, expectWorkingChanges, MANUAL_CHECKPOINTS, poll } from './common';

export const unsavedBuffer: Scenario = {
  name: 'a rewind skips a file with unsaved changes and leaves its buffer alone',
  files: { 'a.txt': 'one\n', 'b.txt': 'bee\n' },
  settings: MANUAL_CHECKPOINTS,
  async run(wb) {
    await wb.step('open Session Tree', () => wb.openSessionTree());
    await wb.waitRow('Session start', 30_000);

    await wb.step('change both files and make a checkpoint', async () => {
      await editAndSave(wb, 'a.txt', 'two\n');
      await editAndSave(wb, 'b.txt', 'bee two\n');
      await expectWorkingChanges(wb);
      await checkpointFromPalette(wb, 'both changed');
    });

    await wb.step('type into a.txt without saving', async () => {
      await wb.openFile('a.txt');
      await wb.typeReplacingAll('unsaved words');
      await poll(() => wb.activeTabDirty(), 5_000, () => 'the a.txt tab is not marked dirty');
    });

    await wb.step('rewind to the session start', async () => {
      await wb.contextMenu(await wb.findRow('Session start'), 'Rewind to Here');
      const message = await wb.dialog(/^Rewind, Skip Unsaved$/);
      assert.ok(message.length > 0);
    });

    await wb.step('b.txt is restored, a.txt is skipped and unchanged on disk', async () => {
      await wb.expectFile('b.txt', 'bee\n');
      await wb.sideBarRow('a.txt', /^skipped/).waitFor({ timeout: 15_000 });
      await wb.sideBarRow('b.txt', /^restored/).waitFor({ timeout: 15_000 });
      assert.equal(wb.read('a.txt'), 'two\n');
    });

    await wb.step('the a.txt buffer still holds the unsaved text', async () => {
      await wb.page.locator('.editor-group-container .tab', { hasText: 'a.txt' }).first().click();
      await poll(() => wb.activeTabDirty(), 5_000, () => 'the a.txt tab lost its unsaved mark');
      assert.equal((await wb.editorText()).trim(), 'unsaved words');
      assert.equal(wb.read('a.txt'), 'two\n');
    });

    await wb.step('Try This File Again on the skipped a.txt, discarding its edits, rewinds it too', async () => {
      await wb.contextMenu(wb.sideBarRow('a.txt', /^skipped/), 'Try This File Again');
      await wb.dialog(/^Discard Edits and Restore$/);
      await wb.expectFile('a.txt', 'one\n');
      await wb.sideBarRow('a.txt', /^restored/).waitFor({ timeout: 15_000 });
      await poll(async () => !(await wb.activeTabDirty()), 10_000, () => 'the a.txt tab is still dirty');
      assert.equal((await wb.editorText()).trim(), 'one');
    });
  },
};
