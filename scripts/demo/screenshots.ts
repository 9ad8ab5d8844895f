// `npm start -- --screenshots`: the README's images, taken from the demo `npm start` serves (the
// driver's session in the "greeter" workspace), in a real VS Code in headless Chromium:
//   - tree-{light,dark}-{250,480}.png: the Sessions tree beside src/main.js, in both themes and
//     side bar widths;
//   - tooltip-{light,dark}.png: a checkpoint's hover;
//   - core-flow.png, an animated PNG of the core flow: edit and save → the checkpoint appears →
//     right-click an older one → Rewind to Here → the confirmation → the file is back.
// Written to .artifacts/screenshots/ (frames in frames/); the chosen ones are copied into
// media/screenshots/ by hand, after looking at them.
import { mkdirSync, rmSync } from 'node:fs';
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
    await page.keyboard.press('Enter');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    await page.waitForTimeout(400);
    await frame();
    await dialog.getByRole('button', { name: /^Rewind$/ }).first().click();
    await poll(async () => !(wb.read('src/main.js') ?? '').includes(EDIT), 20_000, () => 'the rewind did not bring main.js back');
    await poll(async () => !(await wb.editorText()).includes(EDIT), 20_000, () => 'the editor still shows the edit');
    await still();
    await frame();
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
