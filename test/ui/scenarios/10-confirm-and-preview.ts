// 10. A rewind's confirmation names what it will do (files written, removed, the newer checkpoint
// that stays); Preview keeps Apply / Cancel in view on the status bar until decided, and the preview
// closes once applied. The status bar counts the changed files and its menu makes a checkpoint; a
// click on a checkpoint opens its changes, and a file row opens the file. A file with unsaved edits can be saved first: its saved text goes into the
// safety checkpoint, so Undo brings it back.
import assert from 'node:assert/strict';
import type { Workbench } from '../workbench';
import type { Scenario } from '../scenario';
import { checkpointName, confirmIfAsked, editAndSave, expectWorkingChanges, MANUAL_CHECKPOINTS, poll } from './common';

/** The open dialog's detail text (the lines under its message). */
async function dialogDetail(wb: Workbench): Promise<string> {
  const box = wb.page.locator('.monaco-dialog-box');
  await box.waitFor({ timeout: 10_000 });
  return (await box.locator('.dialog-message-detail').first().textContent()) ?? '';
}

function statusBarButton(wb: Workbench, text: RegExp) {
  return wb.page.locator('.part.statusbar .statusbar-item').filter({ hasText: text });
}

function previewTab(wb: Workbench) {
  return wb.page.locator('.editor-group-container .tab', { hasText: /^Preview: Rewind/ });
}

export const confirmAndPreview: Scenario = {
  name: 'a rewind says which files it writes and removes; its preview keeps Apply in view; unsaved edits can be saved first',
  files: { 'a.txt': 'one\n', 'b.txt': 'bee\n' },
  settings: MANUAL_CHECKPOINTS,
  async run(wb) {
    await wb.step('open Session Tree', () => wb.openSessionTree());
    await wb.waitRow('Session start', 30_000);

    await wb.step('a.txt changed and c.txt added: the status bar counts 2 changed files', async () => {
      await editAndSave(wb, 'a.txt', 'two\n');
      wb.writeOutside('c.txt', 'new file\n');
      await expectWorkingChanges(wb);
      await poll(async () => /main 2\b/.test(await wb.statusBarText()), 20_000, async () => `status bar: ${await wb.statusBarText()}`);
    });

    await wb.step("the status bar's menu creates the checkpoint", async () => {
      await wb.page.locator('.part.statusbar [id$="sessionTree.status"] a').first().click();
      await wb.pick(/Create Checkpoint/);
      // The menu has closed when no quick pick option is left; then the label's input box is up.
      await poll(async () => (await wb.page.locator('.quick-input-list [role="option"]').count()) === 0, 10_000, () => 'the menu stayed open');
      await wb.answerInput('changed');
      await wb.waitRow(checkpointName('changed'), 20_000);
      await poll(async () => !/main 2\b/.test(await wb.statusBarText()), 20_000, async () => `status bar still counts changes: ${await wb.statusBarText()}`);
    });

    await wb.step("a click on the checkpoint opens its changes; a file row's Open File opens the file", async () => {
      const row = await wb.findRow(checkpointName('changed'));
      await row.click();
      await wb.page.locator('.editor-group-container .tab', { hasText: /^Changes in "changed"/ }).first().waitFor({ timeout: 15_000 });
      await wb.expand(row);
      await wb.contextMenu(await wb.waitRow('c.txt'), 'Open File');
      await wb.activeTab('c.txt').waitFor({ timeout: 10_000 });
    });

    await wb.step('Rewind to the session start: the confirmation lists a.txt written and c.txt removed', async () => {
      await wb.contextMenu(await wb.findRow('Session start'), 'Rewind to Here');
      const detail = await dialogDetail(wb);
      assert.match(detail, /Writes 1 file: a\.txt/);
      assert.match(detail, /Removes 1 file: c\.txt/);
      assert.match(detail, /newer checkpoint stays in the tree/);
    });

    await wb.step('choose Preview', () => wb.dialog(/^Preview$/));

    await wb.step('the preview is open with Rewind / Cancel in the status bar; nothing is written yet', async () => {
      await previewTab(wb).first().waitFor({ timeout: 15_000 });
      await statusBarButton(wb, /^\s*Rewind\s*$/).first().waitFor({ timeout: 10_000 });
      await statusBarButton(wb, /^\s*Cancel\s*$/).first().waitFor({ timeout: 10_000 });
      assert.equal(wb.read('a.txt'), 'two\n');
      assert.equal(wb.read('c.txt'), 'new file\n');
    });

    await wb.step('Rewind from the status bar applies it and closes the preview', async () => {
      await statusBarButton(wb, /^\s*Rewind\s*$/).first().click();
      await wb.expectFile('a.txt', 'one\n');
      await wb.expectFile('c.txt', undefined);
      await poll(async () => (await previewTab(wb).count()) === 0, 10_000, () => 'the preview tab is still open after applying');
      await poll(async () => (await statusBarButton(wb, /^\s*Cancel\s*$/).count()) === 0, 10_000, () => 'the Cancel button stayed in the status bar');
    });

    await wb.step('with unsaved edits in a.txt, rewind to "changed" offers to save them first', async () => {
      await wb.openFile('a.txt');
      await wb.typeReplacingAll('typed, not saved');
      await poll(() => wb.activeTabDirty(), 5_000, () => 'the a.txt tab is not marked dirty');
      await wb.contextMenu(await wb.findRow(checkpointName('changed')), 'Rewind to Here');
      const detail = await dialogDetail(wb);
      assert.match(detail, /1 file has unsaved edits: a\.txt/);
    });

    await wb.step('choose Save and Rewind', () => wb.dialog(/^Save and Rewind$/));

    await wb.step('a.txt is rewound (not skipped) and its editor is clean', async () => {
      await wb.expectFile('a.txt', 'two\n');
      await wb.expectFile('c.txt', 'new file\n');
      await wb.sideBarRow('a.txt', /^restored/).waitFor({ timeout: 15_000 });
      await poll(async () => !(await wb.activeTabDirty()), 10_000, () => 'the a.txt tab is still dirty');
    });

    await wb.step('Undo brings back the text that was saved just before the rewind', async () => {
      await wb.command('Undo Last Restore');
      await confirmIfAsked(wb, 'Undo');
      await wb.expectFile('a.txt', 'typed, not saved');
    });
  },
};
