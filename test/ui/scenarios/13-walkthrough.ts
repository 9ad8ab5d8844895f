// 13. A newcomer's tour: "Get Started" (the status bar's menu, the palette or the Sessions view's
// "…" menu) opens the walkthrough; its first step's button opens the Sessions view, and the
// checkpoint step's button makes a checkpoint of the file just saved.
import type { Scenario } from '../scenario';
import { checkpointName, editAndSave, expectWorkingChanges, MANUAL_CHECKPOINTS, poll } from './common';

export const walkthrough: Scenario = {
  name: 'Get Started opens the walkthrough, whose buttons open the view and make a checkpoint',
  files: { 'notes.md': '# Notes\n' },
  settings: MANUAL_CHECKPOINTS,
  async run(wb) {
    const page = wb.page;
    const step = (title: string) => page.locator('.getting-started-step', { hasText: title }).first();

    await wb.step('Session Tree: Get Started opens the walkthrough', async () => {
      // Once the extension is up (its commands are in the palette from then on).
      await poll(async () => /Session 1/.test(await wb.statusBarText()), 30_000, async () => `status bar: ${await wb.statusBarText()}`);
      await wb.command('Get Started');
      await page.getByText('Get started with Session Tree').first().waitFor({ timeout: 20_000 });
      await step('Make a checkpoint').waitFor({ timeout: 10_000 });
    });

    await wb.step('its first step opens the Sessions view', async () => {
      await step('Open the Sessions view').click();
      await page.getByRole('button', { name: 'Open Session Tree' }).first().click();
      await wb.waitRow('Session start', 30_000);
    });

    await wb.step('after a save, the checkpoint step makes a checkpoint', async () => {
      await editAndSave(wb, 'notes.md', '# Notes\n\nfirst idea\n');
      await expectWorkingChanges(wb);
      await wb.command('Get Started');
      await step('Make a checkpoint').click();
      await page.getByRole('button', { name: 'Create Checkpoint' }).first().click();
      await wb.answerInput('tour');
      await wb.waitRow(checkpointName('tour'), 20_000);
      await poll(async () => (await wb.read('notes.md')) === '# Notes\n\nfirst idea\n', 5_000, () => 'notes.md changed');
    });
  },
};
