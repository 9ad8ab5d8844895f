// 9. Storage, as a person meets it: the Storage line of the Sessions view in human units (its hover
// names the folder and opens the location setting), each
// session's size in its description; Delete Sessions… (a multi-select quick pick showing what each
// frees, then a confirmation) removes an old session; Compact Store… previews the runs it squashes
// and, picked, compacts them.
import assert from 'node:assert/strict';
import type { Scenario } from '../scenario';
import type { Workbench } from '../workbench';
import { editAndSave, poll } from './common';

/** The toasts' text, once one matching `pattern` shows. */
async function toast(wb: Workbench, pattern: RegExp): Promise<string> {
  const toasts = wb.page.locator('.notifications-toasts');
  let text = '';
  await poll(
    async () => pattern.test((text = await toasts.innerText().catch(() => ''))),
    20_000,
    () => `no notification matching ${pattern}: ${text || '(none)'}`,
  );
  return text;
}

export const storage: Scenario = {
  name: 'storage: sizes in the Sessions view, Delete Sessions… and Compact Store… through their quick picks',
  files: { 'app.txt': 'base\n', 'notes.md': 'notes\n' },
  // Every save is its own editor checkpoint within a second; anything older than now may be compacted.
  settings: { 'sessionTree.editorQuietTime': 300, 'sessionTree.storage.keepDays': 0 },
  async run(wb) {
    await wb.step('open Session Tree', () => wb.openSessionTree());
    await wb.waitRow('Session start', 30_000);

    await wb.step('the Storage line shows the store in human units', async () => {
      const row = await wb.waitRow(/^Storage: /, 20_000);
      assert.match(await wb.rowText(row), /^Storage: [\d.]+ (B|KiB|MiB) snapshots [\d.]+ (B|KiB|MiB) · database [\d.]+ (B|KiB|MiB)/);
    });

    await wb.step('the Storage line\'s hover names the folder and links to the location setting, which opens', async () => {
      const row = await wb.waitRow(/^Storage: /, 20_000);
      const text = await wb.hoverText(row);
      assert.match(text, /Session Tree store: [\d.]+ (B|KiB|MiB)\*{0,2} on disk, in \//);
      assert.match(text, /Move the store… \(the setting sessionTree\.storage\.location\)/);
      await wb.page.locator('.monaco-hover a', { hasText: 'Move the store…' }).first().click();
      const setting = wb.page.locator('.settings-editor .setting-item-contents', { hasText: 'The folder where the store lives' }).first();
      await setting.waitFor({ timeout: 15_000 });
      await wb.page.mouse.move(900, 700); // the hover goes; the screenshot shows the setting
    });

    await wb.step('the session shows its size', async () => {
      await wb.command('Close Editor', 'View');
      await wb.openSessionTree();
      const row = await wb.waitRow('Session 1');
      assert.match(await wb.rowText(row), /\d+ checkpoints? · [\d.]+ (B|KiB|MiB)/);
    });

    await wb.step('three saves: three editor checkpoints', async () => {
      for (const v of ['one', 'two', 'three']) {
        await editAndSave(wb, 'app.txt', `version ${v}\n`);
        await poll(async () => (await wb.rowNames()).some((n) => n.startsWith('Session 1') && /active/.test(n)), 10_000, () => 'no active session');
      }
      await poll(
        async () => /\b[4-9] checkpoints\b/.test(await wb.rowText(wb.row('Session 1'))),
        20_000,
        async () => `the session did not reach 4 checkpoints: ${await wb.rowText(wb.row('Session 1'))}`,
      );
    });

    await wb.step('Compact Store… previews the run, then compacts it', async () => {
      await wb.command('Compact Store…');
      await wb.pick(/^Compact: remove \d+ checkpoints?, free about/);
      await toast(wb, /Compacted \d+ checkpoints? in 1 run; freed/);
    });

    await wb.step('a second session, so the first can go', async () => {
      await wb.command('New Session');
      await wb.answerInput('Second');
      await wb.waitRow('Second', 15_000);
    });

    await wb.step('Delete Sessions…: pick Session 1 (its size shown), confirm', async () => {
      await wb.command('Delete Sessions…');
      // Rows of a multi-select pick are check boxes, not options.
      const option = wb.page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Session 1' }).first();
      await option.waitFor({ timeout: 10_000 });
      assert.match(await option.innerText(), /freed · \d+ checkpoints? · last/);
      await option.click(); // toggles its check box in a multi-select pick
      await wb.page.keyboard.press('Enter');
      const message = await wb.dialog('Delete');
      assert.match(message, /Delete 1 session and free about/);
      await toast(wb, /Deleted 1 session/);
      await poll(async () => !(await wb.rowNames()).some((n) => n.startsWith('Session 1')), 15_000, async () => `Session 1 is still listed: ${await wb.rowNames()}`);
    });
  },
};
