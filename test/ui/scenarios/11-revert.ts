// 11. (issue 16) Right-click a checkpoint → "Revert This Checkpoint's Changes": the confirmation
// says what it writes and removes; only that checkpoint's changes are undone (a later edit to the
// same file is kept, another file changed later is untouched); a checkpoint records the revert;
// Undo Last Restore and Redo Last Restore walk it back and forth, each checked on disk; a result's
// tooltip gives the sizes before and after; Edit Tags… on the session sets its tags.
import assert from 'node:assert/strict';
import type { Scenario } from '../scenario';
import type { Workbench } from '../workbench';
import { checkpointFromPalette, confirmIfAsked, expectWorkingChanges, MANUAL_CHECKPOINTS, poll } from './common';

const TEN = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`);
const text = (...ls: string[]) => ls.map((l) => `${l}\n`).join('');
const BASE = text(...TEN);
const CHANGED = text('line 1 (to revert)', ...TEN.slice(1));
const LATER = text('line 1 (to revert)', ...TEN.slice(1, 9), 'line 10 (later)');
const REVERTED = text(...TEN.slice(0, 9), 'line 10 (later)');

/** The Redo button in the Last Restore view's title bar (shown while there is something to redo). */
function redoButton(wb: Workbench) {
  return wb.page.locator('.sidebar .pane-header .actions-container .action-label[aria-label^="Redo Last Restore"]').first();
}

async function dialogDetail(wb: Workbench): Promise<string> {
  const box = wb.page.locator('.monaco-dialog-box');
  await box.waitFor({ timeout: 10_000 });
  return (await box.locator('.dialog-message-detail').first().textContent()) ?? '';
}

export const revertOneCheckpoint: Scenario = {
  name: "revert one checkpoint's changes from its context menu, keeping later work; undo and redo it",
  files: { 'a.txt': BASE, 'b.txt': 'b one\n' },
  settings: MANUAL_CHECKPOINTS,
  async run(wb) {
    await wb.step('open Session Tree', () => wb.openSessionTree());
    await wb.waitRow('Session start', 30_000);

    await wb.step('checkpoint "to revert": a.txt line 1 changed, new.txt added', async () => {
      wb.writeOutside('a.txt', CHANGED);
      wb.writeOutside('new.txt', 'added by the checkpoint\n');
      await expectWorkingChanges(wb);
      await checkpointFromPalette(wb, 'to revert');
    });

    await wb.step('checkpoint "later work": a.txt line 10 and b.txt changed', async () => {
      wb.writeOutside('a.txt', LATER);
      wb.writeOutside('b.txt', 'b two\n');
      await expectWorkingChanges(wb);
      await checkpointFromPalette(wb, 'later work');
    });

    await wb.step(`right-click "to revert" → Revert This Checkpoint's Changes: the confirmation lists a.txt written and new.txt removed`, async () => {
      await wb.contextMenu(await wb.findRow('to revert'), "Revert This Checkpoint's Changes");
      const detail = await dialogDetail(wb);
      assert.match(detail, /Writes 1 file: a\.txt/);
      assert.match(detail, /Removes 1 file: new\.txt/);
    });

    await wb.step('choose Revert', async () => {
      const message = await wb.dialog(/^Revert$/);
      assert.match(message, /to revert/);
    });

    await wb.step("only that checkpoint's changes are undone; the later work stays", async () => {
      await wb.expectFile('a.txt', REVERTED);
      await wb.expectFile('new.txt', undefined);
      await wb.expectFile('b.txt', 'b two\n');
    });

    await wb.step('the results list a.txt restored and new.txt removed; a checkpoint records the revert', async () => {
      await wb.sideBarRow('a.txt', /^restored/).waitFor({ timeout: 15_000 });
      await wb.sideBarRow('new.txt', /^removed/).waitFor({ timeout: 15_000 });
      await wb.waitRow(/^Revert "to revert"/, 20_000);
    });

    await wb.step("a result's tooltip gives the file's size before and after", async () => {
      const hover = await wb.hoverText(wb.sideBarRow('a.txt', /^restored/));
      assert.match(hover, new RegExp(`Size: ${Buffer.byteLength(LATER)} bytes → ${Buffer.byteLength(REVERTED)} bytes`));
    });

    await wb.step('right-click the session → Edit Tags…: its tooltip shows the tags', async () => {
      await wb.contextMenu(await wb.findRow(/^Session 1/), 'Edit Tags…');
      await wb.answerInput('review, agent work');
      await poll(async () => /Tags: review, agent work/.test(await wb.hoverText(await wb.findRow(/^Session 1/))), 15_000, () => 'the session tooltip does not show the tags');
    });

    await wb.step('Undo Last Restore brings the reverted changes back; Last Restore offers Redo', async () => {
      await wb.command('Undo Last Restore');
      await confirmIfAsked(wb, 'Undo');
      await wb.expectFile('a.txt', LATER);
      await wb.expectFile('new.txt', 'added by the checkpoint\n');
      await wb.sideBarRow('new.txt', /^restored/).waitFor({ timeout: 15_000 });
      await redoButton(wb).waitFor({ state: 'attached', timeout: 15_000 });
    });

    await wb.step("Last Restore's Redo button reverts them again", async () => {
      // Title actions show while the pointer is over the view.
      await wb.page.locator('.sidebar .pane-header', { hasText: 'Last Restore' }).first().hover();
      await redoButton(wb).click();
      await confirmIfAsked(wb, 'Redo');
      await wb.expectFile('a.txt', REVERTED);
      await wb.expectFile('new.txt', undefined);
      await wb.expectFile('b.txt', 'b two\n');
      await wb.page.locator('.sidebar').getByText(/^Redo: forward to the state after the revert of "to revert"/).first().waitFor({ timeout: 15_000 });
      await poll(async () => (await redoButton(wb).count()) === 0, 15_000, () => 'Redo is still offered with nothing left to redo');
      await wb.sideBarRow('new.txt', /^removed/).waitFor({ timeout: 15_000 });
      await wb.waitRow(/^Revert "to revert"/, 20_000);
    });

    await wb.step("a result's tooltip gives the file's size before and after", async () => {
      const hover = await wb.hoverText(wb.sideBarRow('a.txt', /^restored/));
      assert.match(hover, new RegExp(`Size: ${Buffer.byteLength(LATER)} bytes → ${Buffer.byteLength(REVERTED)} bytes`));
    });

    await wb.step('right-click the session → Edit Tags…: its tooltip shows the tags', async () => {
      await wb.contextMenu(await wb.findRow(/^Session 1/), 'Edit Tags…');
      await wb.answerInput('review, agent work');
      await poll(async () => /Tags: review, agent work/.test(await wb.hoverText(await wb.findRow(/^Session 1/))), 15_000, () => 'the session tooltip does not show the tags');
    });
  },
};
