// 14. Pause Recording from the status bar's menu: the status bar says "paused" (icon, text,
// tooltip), the Sessions view says so above the tree, the state survives a reload of the window, a
// file another program writes meanwhile is not recorded; Resume Recording from the view's title bar
// turns it back and makes what changed while paused one "Changes while paused" checkpoint.
import type { Scenario } from '../scenario';
import { checkpointName, MANUAL_CHECKPOINTS, poll } from './common';

const PAUSED_MESSAGE = /Recording is paused/;

export const pauseResume: Scenario = {
  name: 'pause recording: the status bar and the view say so, it survives a reload, resume records what changed meanwhile',
  files: { 'notes.md': '# Notes\n' },
  settings: MANUAL_CHECKPOINTS,
  async run(wb) {
    const page = wb.page;
    const status = () => page.locator('.part.statusbar [id$="sessionTree.status"]').first();
    const sidebar = page.locator('.part.sidebar');

    await wb.step('open Session Tree', async () => {
      await wb.openSessionTree();
      await wb.waitRow('Session start', 30_000);
      await poll(async () => /Session 1/.test(await wb.statusBarText()), 30_000, async () => `status bar: ${await wb.statusBarText()}`);
    });

    await wb.step("Pause Recording from the status bar's menu: the status bar and the view say paused", async () => {
      await status().locator('a').first().click();
      await wb.pick(/Pause Recording/);
      await poll(async () => /paused/.test(await wb.statusBarText()), 15_000, async () => `status bar: ${await wb.statusBarText()}`);
      await poll(async () => PAUSED_MESSAGE.test(await sidebar.innerText()), 15_000, async () => `sidebar: ${await sidebar.innerText()}`);
      const hover = page.locator('.monaco-hover, .workbench-hover').first();
      await poll(
        async () => {
          await page.mouse.move(0, 0);
          await status().hover();
          await hover.waitFor({ timeout: 3_000 }).catch(() => undefined);
          return /recording is paused/i.test(await hover.innerText().catch(() => ''));
        },
        20_000,
        async () => `status bar tooltip: ${await hover.innerText().catch(() => '(none)')}`,
      );
    });

    await wb.step('after a reload the workspace is still paused', async () => {
      await page.reload();
      await wb.waitReady();
      await wb.openSessionTree();
      await wb.waitRow('Session start', 30_000);
      await poll(async () => /paused/.test(await wb.statusBarText()), 30_000, async () => `status bar after reload: ${await wb.statusBarText()}`);
      await poll(async () => PAUSED_MESSAGE.test(await sidebar.innerText()), 15_000, async () => `sidebar: ${await sidebar.innerText()}`);
    });

    await wb.step('another program writes a file while paused', async () => {
      await page.mouse.move(0, 0);
      wb.writeOutside('while-paused.txt', 'written while paused\n');
      await wb.expectFile('while-paused.txt', 'written while paused\n');
    });

    await wb.step("Resume Recording from the Sessions view's title: what changed while paused is one checkpoint", async () => {
      await wb.viewTitleAction('Resume Recording');
      await poll(async () => !/paused/.test(await wb.statusBarText()), 15_000, async () => `still paused: ${await wb.statusBarText()}`);
      await poll(async () => !PAUSED_MESSAGE.test(await sidebar.innerText()), 15_000, async () => `the paused message is still there: ${await sidebar.innerText()}`);
      const row = await wb.findRow(checkpointName('Changes while paused'), 20_000);
      await wb.expand(row);
      await wb.waitRow('while-paused.txt');
    });
  },
};
