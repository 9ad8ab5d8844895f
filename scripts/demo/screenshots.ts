// `npm start -- --screenshots`: the README's images, taken from the demo `npm start` serves (the
// driver's session in the "greeter" workspace), in a real VS Code in headless Chromium:
//   - tree-{light,dark}-{250,480}.png: the Sessions tree beside src/main.js, in both themes and
//     side bar widths;
//   - tooltip-{light,dark}.png: a checkpoint's hover;
//   - core-flow.png, an animated PNG of the core flow: edit and save → the checkpoint appears →
//     right-click an older one → Rewind to Here → the confirmation → the file is back; its frames
//     also give context-menu.png, rewind-confirm.png and results.png;
//   - changes.png, history-graph.png, checkout.png, rewind-preview.png: a checkpoint's changes, the
//     graph, the branch picker and a rewind's preview; paused.png: recording paused.
// Written to .artifacts/screenshots/ (frames in frames/); the chosen ones are copied into
// media/screenshots/ by hand, after looking at them.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../../test/harness/browser';
import type { CodeServer } from '../../test/harness/codeServer';
import { ARTIFACTS } from '../../test/harness/paths';
import { poll, Workbench } from '../../test/ui/workbench';
import { writeApng } from './apng';

const OUT = path.join(ARTIFACTS, 'screenshots');
const THEMES = [
  { id: 'light', name: 'Light Modern' },
  { id: 'dark', name: 'Dark Modern' },
] as const;
const WIDTHS = [250, 480];
const VIEWPORT = { width: 1280, height: 720 };

/** The demo driver's last checkpoint: once it shows, the session is complete. */
const LAST_DEMO_CHECKPOINT = 'Document the greeting';
const EDIT = "console.log(greet('Welt', 'de'));";

export async function takeScreenshots(server: CodeServer, workspace: string, cacheDir: string): Promise<string[]> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(path.join(OUT, 'frames'), { recursive: true });
  const browser = await launchBrowser(path.join(cacheDir, 'browser-shots'));
  const written: string[] = [];
  try {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const wb = new Workbench(page, workspace, (_name, fn) => fn());
    await page.goto(server.url(workspace));
    await wb.waitReady();
    await wb.openSessionTree();
    await wb.findRow(LAST_DEMO_CHECKPOINT, 90_000);
    // The line the experiment branch grows from "Add a test", open: the tree's shape at a glance.
    await wb.expand(await wb.findRow('Add a test'));
    await wb.expand(wb.row('experiment'));
    await wb.findRow('Shout the greeting');
    await wb.openFile('src/main.js');
    await wb.activeTab('main.js').waitFor({ timeout: 15_000 });

    const shot = async (name: string, at: Page = page) => {
      const file = path.join(OUT, name);
      await at.screenshot({ path: file });
      written.push(file);
      return file;
    };
    // The pointer out of the way, and language features done analysing (their progress in the status bar).
    const still = async () => {
      await page.mouse.move(VIEWPORT.width - 5, VIEWPORT.height / 2);
      await poll(async () => !/Analyzing|Initializing|Fetching/.test(await wb.statusBarText()), 20_000, () => '').catch(() => undefined);
      await page.waitForTimeout(600);
    };

    for (const theme of THEMES) {
      await wb.setColorTheme(theme.name);
      for (const width of WIDTHS) {
        await wb.setSideBarWidth(width);
        await still();
        await shot(`tree-${theme.id}-${width}.png`);
      }
      if (await hover(wb, 'Greet in French too')) await shot(`tooltip-${theme.id}.png`);
      else console.log(`start: no hover showed for the tooltip image (${theme.id})`);
      await still();
    }

    // The core flow, in the last theme at the wider side bar.
    const frames: string[] = [];
    const frame = async () => frames.push(await shot(`frames/${String(frames.length + 1).padStart(2, '0')}.png`));
    await wb.setSideBarWidth(WIDTHS[WIDTHS.length - 1]!);
    await still();
    await frame();
    await wb.activeTab('main.js').click();
    await page.locator('.editor-group-container .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(`${EDIT}\n`, { delay: 20 });
    await frame();
    await wb.save();
    await wb.findRow('Saved main.js', 30_000);
    await still();
    await frame();
    await wb.page.mouse.move(0, 0);
    const older = await wb.findRow(LAST_DEMO_CHECKPOINT);
    await older.click({ button: 'right' });
    const menuItem = page.locator('.context-view .monaco-menu .action-label', { hasText: /^\s*Rewind to Here\s*$/ }).first();
    await menuItem.waitFor({ timeout: 10_000 });
    await menuItem.hover();
    await page.waitForTimeout(400);
    await frame();
    await copyFrame(frames, 'context-menu.png', written);
    await page.keyboard.press('Enter');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    await page.waitForTimeout(400);
    await frame();
    await copyFrame(frames, 'rewind-confirm.png', written);
    await dialog.getByRole('button', { name: /^Rewind$/ }).first().click();
    await poll(async () => !(wb.read('src/main.js') ?? '').includes(EDIT), 20_000, () => 'the rewind did not bring main.js back');
    await poll(async () => !(await wb.editorText()).includes(EDIT), 20_000, () => 'the editor still shows the edit');
    await still();
    await frame();
    await copyFrame(frames, 'results.png', written);
    await extraShots(wb, shot, still);
    const flow = path.join(OUT, 'core-flow.png');
    writeApng(flow, frames, [1800, 2200, 2200, 2000, 3000, 3500]);
    written.push(flow);
    return written;
  } finally {
    await browser.close();
  }
}

/** Hovers a row's label until its tooltip shows; false when none did (the image is left out). */
async function hover(wb: Workbench, label: string): Promise<boolean> {
  const row = await wb.findRow(label);
  const tip = wb.page.locator('.monaco-hover:not(.hidden), .workbench-hover').first();
  for (let attempt = 0; attempt < 5; attempt++) {
    await wb.page.mouse.move(0, 0);
    await row.locator('.label-name').first().hover();
    if (await tip.waitFor({ timeout: 4_000 }).then(() => true, () => false)) {
      await wb.page.waitForTimeout(500); // the tooltip of a checkpoint is resolved lazily
      return true;
    }
  }
  return false;
}

function copyFrame(frames: string[], name: string, written: string[]): Promise<void> {
  const file = path.join(OUT, name);
  copyFileSync(frames[frames.length - 1]!, file);
  written.push(file);
  return Promise.resolve();
}

/** The README's other images; each best effort (one that fails is reported and left out). */
async function extraShots(wb: Workbench, shot: (name: string) => Promise<string>, still: () => Promise<void>): Promise<void> {
  const page = wb.page;
  const attempt = async (name: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      console.log(`start: ${name} left out: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
    await page.keyboard.press('Escape');
    await wb.command('View: Close All Editors', '').catch(() => undefined);
  };
  await attempt('changes.png', async () => {
    await (await wb.findRow('Greet in French too')).click();
    await page.locator('.editor-group-container .tab', { hasText: /^Changes in "Greet in French too"/ }).first().waitFor({ timeout: 15_000 });
    await still();
    await page.waitForTimeout(1000);
    await shot('changes.png');
  });
  await attempt('history-graph.png', async () => {
    await wb.command('Show History Graph');
    const graph = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
    await graph.locator('.row').first().waitFor({ timeout: 20_000 });
    await still();
    await page.waitForTimeout(1000);
    await shot('history-graph.png');
  });
  await attempt('checkout.png', async () => {
    await wb.command('Check Out Branch…');
    await page.locator('.quick-input-list [role="option"]').first().waitFor({ timeout: 10_000 });
    await page.waitForTimeout(500);
    await shot('checkout.png');
  });
  await attempt('paused.png', async () => {
    await wb.command('Pause Recording');
    await poll(async () => /paused/.test(await wb.statusBarText()), 15_000, async () => `status bar: ${await wb.statusBarText()}`);
    await page.locator('.part.statusbar [id$="sessionTree.status"]').first().hover();
    await page.locator('.monaco-hover:not(.hidden), .workbench-hover').first().waitFor({ timeout: 10_000 });
    await page.waitForTimeout(500);
    await shot('paused.png');
    await page.mouse.move(0, 0);
    await wb.command('Resume Recording');
    await poll(async () => !/paused/.test(await wb.statusBarText()), 15_000, async () => `status bar: ${await wb.statusBarText()}`);
  });
  await attempt('rewind-preview.png', async () => {
    await (await wb.findRow('Add a greeting')).click({ button: 'right' });
    const item = page.locator('.context-view .monaco-menu .action-label', { hasText: /^\s*Rewind to Here\s*$/ }).first();
    await item.waitFor({ timeout: 10_000 });
    await page.waitForTimeout(300);
    await item.hover();
    await page.keyboard.press('Enter');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    await dialog.getByRole('button', { name: /^Preview$/ }).first().click();
    await page.locator('.editor-group-container .tab', { hasText: /Preview/ }).first().waitFor({ timeout: 15_000 });
    await still();
    await page.waitForTimeout(1000);
    await shot('rewind-preview.png');
    await wb.command('Cancel Previewed Restore');
  });
}
