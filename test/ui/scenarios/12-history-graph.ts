// 12. The history graph of a session with a branch and a line a rewind left: screenshots in a light
// and a dark theme, keyboard navigation, a click through to a file's diff, a rewind from the graph's
// context menu (checked on disk), the graph's filter; then Show File History on a file and Find
// Checkpoint… across the session.
import assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import type { Scenario } from '../scenario';
import type { Workbench } from '../workbench';
import { checkpointFromPalette, confirmIfAsked, expectWorkingChanges, MANUAL_CHECKPOINTS, poll, retry } from './common';

/** The graph's page: a webview is an iframe holding the extension's page in another iframe. */
function graphFrame(wb: Workbench): FrameLocator {
  return wb.page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
}

/** Another tool writes the file (no Quick Open, which a busy machine makes slow), then a checkpoint. */
async function commit(wb: Workbench, file: string, content: string, label: string): Promise<void> {
  wb.writeOutside(file, content);
  await expectWorkingChanges(wb);
  await checkpointFromPalette(wb, label);
}

async function selectedLabel(g: FrameLocator): Promise<string> {
  return (await g.locator('.row.selected .label').first().innerText()).trim();
}

async function colorTheme(wb: Workbench, name: string): Promise<void> {
  await wb.command('Preferences: Color Theme', '');
  const input = wb.quickInput();
  await poll(async () => !(await input.inputValue()).startsWith('>'), 10_000, () => 'the theme picker did not open');
  await input.fill(name);
  const option = wb.page.locator('.quick-input-list [role="option"]', { hasText: name }).first();
  await option.waitFor({ timeout: 10_000 });
  await option.click();
  await wb.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
}

export const historyGraph: Scenario = {
  name: 'history graph: branch and rewound line, themes, keyboard, diff, rewind from its menu, file history, find',
  files: { 'a.txt': 'zero\n', 'notes.md': 'notes\n' },
  settings: MANUAL_CHECKPOINTS,
  async run(wb) {
    await wb.step('open Session Tree', () => wb.openSessionTree());
    await wb.waitRow('Session start', 30_000);

    await wb.step('checkpoints "one" and "two"', async () => {
      await commit(wb, 'a.txt', 'one\n', 'one');
      await commit(wb, 'b.txt', 'bee\n', 'two');
    });

    await wb.step('rewind to "one" and work on: "two" is left on a line of its own', async () => {
      await wb.contextMenu(await wb.findRow('one'), 'Rewind to Here');
      await confirmIfAsked(wb, 'Rewind');
      await wb.expectFile('b.txt', undefined);
      await commit(wb, 'a.txt', 'three\n', 'three');
    });

    await wb.step('a branch "side" with a checkpoint of its own, then back to main', async () => {
      await wb.command('Create Branch…');
      await wb.answerInput('side');
      await wb.waitRow('side', 15_000);
      await wb.command('Check Out Branch…');
      await wb.pick('side');
      await confirmIfAsked(wb, 'Check Out');
      await commit(wb, 'notes.md', 'side notes\n', 'side work');
      await wb.command('Check Out Branch…');
      await wb.pick('main');
      await confirmIfAsked(wb, 'Check Out');
      await wb.expectFile('notes.md', 'notes\n');
    });

    const g = graphFrame(wb);
    await wb.step('Show History Graph from the Sessions view title', async () => {
      await wb.viewTitleAction('Show History Graph');
      for (const label of ['three', 'two', 'one', 'side work', 'Session start']) {
        await g.locator('.row .label', { hasText: new RegExp(`^${label}$`) }).first().waitFor({ timeout: 30_000 });
      }
      assert.match(await g.locator('#title').innerText(), /checkpoints/);
      // Head, the branch and the rewound line are marked.
      await g.locator('.row', { hasText: 'three' }).locator('.tag.head').waitFor({ timeout: 5_000 });
      await g.locator('.row', { hasText: 'side work' }).locator('.tag.branch', { hasText: 'side' }).waitFor({ timeout: 5_000 });
      await g.locator('.row', { hasText: /^.*two/ }).locator('.tag.rewound').first().waitFor({ timeout: 5_000 });
      const lanes = await g.locator('.row svg.lanes').first().getAttribute('width');
      assert.ok(Number(lanes) > 20, `more than one lane is drawn (svg width ${lanes})`);
    });

    await wb.step('the graph in a light theme', () => colorTheme(wb, 'Light Modern'));
    await wb.step('the graph in a dark theme', () => colorTheme(wb, 'Dark Modern'));

    await wb.step('keyboard: arrows move the selection, the details show its files', async () => {
      await g.locator('.row', { hasText: 'three' }).first().click();
      assert.equal(await selectedLabel(g), 'three');
      await g.locator('#list').press('ArrowDown');
      await poll(async () => (await selectedLabel(g)) !== 'three', 5_000, () => 'ArrowDown did not move the selection');
      await g.locator('#list').press('Home');
      await poll(async () => (await selectedLabel(g)) === 'side work', 5_000, async () => `Home selected ${await selectedLabel(g)}`);
      await g.locator('#details .file', { hasText: 'notes.md' }).waitFor({ timeout: 10_000 });
      await g.locator('#list').press('End');
      await poll(async () => (await selectedLabel(g)) === 'Session start', 5_000, async () => `End selected ${await selectedLabel(g)}`);
    });

    await wb.step('selecting "three" lists a.txt; clicking it opens its diff', async () => {
      await g.locator('.row', { hasText: 'three' }).first().click();
      const file = g.locator('#details .file', { hasText: 'a.txt' });
      await file.waitFor({ timeout: 10_000 });
      await file.click();
      await wb.expectDiffEditor();
      await poll(
        async () => /one/.test(await wb.diffText('original')) && /three/.test(await wb.diffText('modified')),
        10_000,
        async () => `the diff shows ${await wb.diffText('original')} ↔ ${await wb.diffText('modified')}`,
      );
    });

    await wb.step('the filter marks the checkpoints that changed b.txt', async () => {
      await wb.command('Show History Graph');
      const filter = g.locator('#filter');
      await filter.fill('b.txt');
      await poll(async () => /1 match/.test(await g.locator('#count').innerText()), 10_000, () => 'the filter found no match');
      assert.deepEqual(await g.locator('.row.match .label').allInnerTexts(), ['two']);
      await filter.press('Escape');
      await poll(async () => (await g.locator('.row.dim').count()) === 0, 10_000, () => 'clearing the filter left rows dimmed');
    });

    await wb.step('the context-menu key on "two" → Rewind to Here: the files on disk are those of "two"', async () => {
      await g.locator('.row', { hasText: /two/ }).first().click();
      await poll(async () => (await selectedLabel(g)) === 'two', 5_000, () => '"two" is not selected');
      await g.locator('#list').press('Shift+F10');
      const item = g.locator('#menu .item', { hasText: /^Rewind to Here$/ });
      await item.waitFor({ timeout: 5_000 });
      await item.click();
      await confirmIfAsked(wb, 'Rewind');
      await wb.expectFile('a.txt', 'one\n');
      await wb.expectFile('b.txt', 'bee\n');
      await poll(
        async () => (await g.locator('.row', { hasText: /two/ }).locator('.tag.head').count()) === 1,
        15_000,
        () => 'the graph does not show "two" as head after the rewind',
      );
    });

    await wb.step('Show File History on a.txt lists every checkpoint that changed it; one opens its diff', async () => {
      // From the Explorer's context menu on the file.
      await wb.page.locator('.activitybar [aria-label^="Explorer"]').first().click();
      const explorer = wb.page.locator('.explorer-folders-view');
      // b.txt came back with the rewind: once it is listed the rows stop moving under the pointer.
      await explorer.getByRole('treeitem', { name: /^b\.txt/ }).first().waitFor({ timeout: 15_000 });
      const title = wb.page.locator('.quick-input-widget .quick-input-title');
      await retry(3, async () => {
        await wb.page.keyboard.press('Escape');
        await wb.contextMenu(explorer.getByRole('treeitem', { name: /^a\.txt/ }).first(), 'Show File History');
        await poll(async () => /History of a\.txt/.test(await title.innerText()), 10_000, async () => `the quick pick is "${await title.innerText()}"`);
      });
      for (const label of ['three', 'one']) {
        await wb.page.locator('.quick-input-list [role="option"]', { hasText: label }).first().waitFor({ timeout: 10_000 });
      }
      const options = await wb.page.locator('.quick-input-list [role="option"]').allInnerTexts();
      assert.equal(options.length, 2, `two checkpoints changed a.txt: ${JSON.stringify(options)}`);
      await wb.pick(/three/);
      await wb.expectDiffEditor();
      await poll(async () => /three/.test(await wb.diffText('modified')), 10_000, () => 'the diff does not show "three"');
    });

    await wb.step('Find Checkpoint… "notes.md" finds the branch checkpoint and shows it in the graph', async () => {
      await wb.command('Find Checkpoint…');
      await wb.quickInput().fill('notes.md');
      const option = wb.page.locator('.quick-input-list [role="option"]', { hasText: 'side work' }).first();
      await option.waitFor({ timeout: 10_000 });
      await option.click();
      await poll(async () => (await selectedLabel(g)) === 'side work', 15_000, async () => `the graph selected ${await selectedLabel(g).catch(() => 'nothing')}`);
      // The page was discarded while the diff was in front and loaded again: the filter cleared above stays cleared.
      assert.equal(await g.locator('#filter').inputValue(), '');
      assert.equal(await g.locator('.row.dim').count(), 0);
    });
  },
};
