// 7. A second window on the same workspace: it is told at once that its history is read-only and
// why (status bar, its tooltip, the Sessions view's message, a notification), and it starts
// recording by itself — no reload — once the window that has the store closes.
//
// The window watched (and screenshotted) is the scenario's own: it first lets go of the store (it
// navigates away; its extension host ends after the server's short reconnection grace time) so that
// another window takes it, then comes back as the second window.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { Scenario } from '../scenario';
import { poll, type Workbench } from '../workbench';
import { ACTIVE_BRANCH, checkpointFromPalette, editAndSave, waitRecording } from './common';

const READ_ONLY_REASON = /another VS Code window \(process \d+\) has this workspace's store open/;

async function statusReadOnly(wb: Workbench): Promise<boolean> {
  return /read-only/.test(await wb.statusBarText());
}

async function openOther(wb: Workbench, url: string): Promise<Page> {
  const other = await wb.page.context().newPage();
  await other.goto(url);
  await other.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  return other;
}

export const secondWindow: Scenario = {
  name: 'a second window on the same workspace is read-only, says why, and records once the first closes',
  files: {
    'notes.txt': 'first\n',
  },
  async run(wb) {
    const url = wb.page.url();
    await wb.step('the first window has the store: the status bar shows session and branch', async () => {
      await poll(async () => (await wb.statusBarText()).includes(ACTIVE_BRANCH), 30_000, async () => `status bar: ${await wb.statusBarText()}`);
      assert.ok(!(await statusReadOnly(wb)), 'the first window is writable');
    });

    let other: Page | undefined;
    try {
      await wb.step('another window opens the workspace; this one closes: the other takes the store over', async () => {
        other = await openOther(wb, url);
        const otherStatus = async () => (await other!.locator('.part.statusbar').innerText()).replace(/\s+/g, ' ');
        await poll(async () => /read-only/.test(await otherStatus()), 30_000, async () => `other window's status bar: ${await otherStatus()}`);
        await wb.page.goto('about:blank');
        await poll(
          async () => {
            const s = await otherStatus();
            return s.includes(ACTIVE_BRANCH) && !/read-only/.test(s);
          },
          45_000,
          async () => `the other window did not become writable: ${await otherStatus()}`,
        );
      });

      await wb.step('this window opens the workspace again: it is told at once that it is read-only, and why', async () => {
        await wb.page.goto(url);
        await wb.waitReady();
        await poll(() => statusReadOnly(wb), 30_000, async () => `status bar: ${await wb.statusBarText()}`);
        const toasts = wb.page.locator('.notifications-toasts');
        await poll(
          async () => /Session Tree is read-only in this window/.test(await toasts.innerText().catch(() => '')),
          20_000,
          async () => `no read-only notification: ${await toasts.innerText().catch(() => '(none)')}`,
        );
        assert.match(await toasts.innerText(), READ_ONLY_REASON);
      });

      await wb.step('the reason is in the Sessions view and in the status bar tooltip', async () => {
        await wb.openSessionTree();
        const sidebar = wb.page.locator('.part.sidebar');
        await poll(async () => READ_ONLY_REASON.test(await sidebar.innerText()), 20_000, async () => `sidebar: ${await sidebar.innerText()}`);
        const item = wb.page.locator('.part.statusbar .statusbar-item', { hasText: 'read-only' }).first();
        const hover = wb.page.locator('.monaco-hover, .workbench-hover').first();
        await poll(
          async () => {
            await wb.page.mouse.move(0, 0);
            await item.hover();
            await hover.waitFor({ timeout: 3_000 }).catch(() => undefined);
            return READ_ONLY_REASON.test(await hover.innerText().catch(() => ''));
          },
          20_000,
          async () => `status bar tooltip: ${await hover.innerText().catch(() => '(none)')}`,
        );
        await wb.page.mouse.move(0, 0);
      });

      await wb.step('the other window closes: this one records by itself, without a reload', async () => {
        await other!.close({ runBeforeUnload: true });
        other = undefined;
        await waitRecording(wb, 45_000);
        const sidebar = wb.page.locator('.part.sidebar');
        await poll(async () => !READ_ONLY_REASON.test(await sidebar.innerText()), 15_000, async () => `the read-only message is still there: ${await sidebar.innerText()}`);
        const toasts = wb.page.locator('.notifications-toasts');
        await poll(
          async () => /records changes in this window now/.test(await toasts.innerText().catch(() => '')),
          10_000,
          async () => `no takeover notification: ${await toasts.innerText().catch(() => '(none)')}`,
        );
      });

      await wb.step('and it records: an edit saved here and a checkpoint of it appear in the tree', async () => {
        await editAndSave(wb, 'notes.txt', 'first\nsecond\n');
        await wb.expandAll();
        await checkpointFromPalette(wb, 'after the takeover');
      });
    } finally {
      await other?.close().catch(() => undefined);
    }
  },
};
