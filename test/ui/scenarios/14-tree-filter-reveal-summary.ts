// 14. The Sessions tree explains itself (issues 16 and 17): the checkpoints a rewind set aside read as
// such, Filter Sessions… hides what does not match and says so, Clear Filter brings everything back,
// a checkpoint found with Find Checkpoint… is revealed and selected in the tree, and a session's
// summary shows in its hover and as a document — in a 250 px and a 480 px side bar.
import assert from 'node:assert/strict';
import type { Scenario } from '../scenario';
import type { Workbench } from '../workbench';
import { checkpointFromPalette, confirmIfAsked, expectWorkingChanges, MANUAL_CHECKPOINTS, poll, retry } from './common';

async function commit(wb: Workbench, file: string, content: string, label: string): Promise<void> {
  wb.writeOutside(file, content);
  await expectWorkingChanges(wb);
  await checkpointFromPalette(wb, label);
}

/** Drags the side bar's edge to `width` px (wider or narrower). */
async function sideBarWidth(wb: Workbench, width: number): Promise<void> {
  const box = await wb.page.locator('.part.sidebar').boundingBox();
  assert.ok(box, 'the side bar is open');
  if (Math.abs(box.width - width) < 6) return;
  const edge = box.x + box.width;
  const sashes = wb.page.locator('.monaco-sash.vertical');
  for (let i = 0; i < (await sashes.count()); i++) {
    const sash = await sashes.nth(i).boundingBox();
    if (!sash || Math.abs(sash.x + sash.width / 2 - edge) > 6 || sash.height < box.height / 2) continue;
    const y = box.y + box.height / 2;
    await wb.page.mouse.move(sash.x + sash.width / 2, y);
    await wb.page.mouse.down();
    await wb.page.mouse.move(box.x + width, y, { steps: 8 });
    await wb.page.mouse.up();
    await wb.page.mouse.move(box.x + width + 300, y);
    break;
  }
  await poll(async () => Math.abs(((await wb.page.locator('.part.sidebar').boundingBox())?.width ?? 0) - width) < 12, 5_000, () => `the side bar is not ${width} px wide`);
}

async function rowLabels(wb: Workbench): Promise<string[]> {
  const rows = wb.sessionsTree().getByRole('treeitem');
  const out: string[] = [];
  for (let i = 0; i < (await rows.count()); i++) out.push(await wb.rowLabel(rows.nth(i)).catch(() => '?'));
  return out;
}

function header(wb: Workbench) {
  return wb.page.locator('.sidebar .pane-header', { hasText: 'Sessions' }).first();
}

export const treeFilterRevealSummary: Scenario = {
  name: 'tree: set-aside words, filter and clear, reveal a found checkpoint, session summary, 250 and 480 px',
  files: { 'a.txt': 'zero\n', 'notes.md': 'notes\n' },
  settings: MANUAL_CHECKPOINTS,
  async run(wb) {
    await wb.step('open Session Tree', () => wb.openSessionTree());
    await wb.waitRow('Session start', 30_000);

    await wb.step('checkpoints "alpha", "beta" (notes.md), "gamma"', async () => {
      await commit(wb, 'a.txt', 'alpha\n', 'alpha');
      await commit(wb, 'notes.md', 'beta notes\n', 'beta');
      await commit(wb, 'a.txt', 'gamma\n', 'gamma');
    });

    await wb.step('rewind to "alpha", then "delta": "beta" and "gamma" are set aside, in plain words', async () => {
      await wb.contextMenu(await wb.findRow('alpha'), 'Rewind to Here');
      await confirmIfAsked(wb, 'Rewind');
      await wb.expectFile('a.txt', 'alpha\n');
      await commit(wb, 'b.txt', 'delta\n', 'delta');
      const alpha = await wb.findRow('alpha');
      assert.match(await wb.rowText(alpha), /rewound here/);
      const line = await wb.findRow('2 newer checkpoints set aside by a rewind');
      assert.match(await wb.rowText(line), /newest "gamma"/);
      const names = (await wb.rowNames()).join(' | ');
      assert.doesNotMatch(names, /Rewound line|other line/, names);
    });

    await wb.step('the tree at 480 px', () => sideBarWidth(wb, 480));
    await wb.step('the tree at 250 px: key facts first (head, files)', async () => {
      await sideBarWidth(wb, 250);
      assert.match(await wb.rowText(await wb.findRow('delta')), /^delta head · 1 file/);
    });
    await sideBarWidth(wb, 480);

    await wb.step('Filter Sessions… "notes.md": the view says it is filtered; only the way to "beta" is left', async () => {
      await wb.viewTitleAction('Filter Sessions');
      await wb.answerInput('notes.md');
      await poll(async () => /Filtered: notes\.md/.test(await header(wb).innerText()), 10_000, async () => `the view header reads ${await header(wb).innerText()}`);
      await wb.page.locator('.sidebar', { hasText: /Filtered by "notes\.md": 1 matching checkpoint/ }).first().waitFor({ timeout: 10_000 });
      await wb.findRow('beta');
      assert.match(await wb.rowText(wb.row('alpha')), /no match/, 'the fork it grows from is shown, dimmed');
      const labels = await rowLabels(wb);
      for (const hidden of ['delta', 'gamma', 'Session start']) assert.ok(!labels.includes(hidden), `"${hidden}" is hidden: ${labels.join(' | ')}`);
    });
    await wb.step('filtered, at 250 px', () => sideBarWidth(wb, 250));
    await sideBarWidth(wb, 480);

    await wb.step('Clear Filter: every row is back', async () => {
      await wb.viewTitleAction('Clear Filter');
      await wb.findRow('delta');
      await poll(async () => !/Filtered/.test(await header(wb).innerText()), 10_000, () => 'the header still says filtered');
    });

    await wb.step('Collapse All, then Find Checkpoint… "gamma" → Reveal in Sessions View: its row is open and selected', async () => {
      await wb.viewTitleAction('Collapse All');
      await poll(async () => !(await wb.row('gamma').isVisible()), 10_000, () => '"gamma" is still shown');
      await retry(3, async () => {
        await wb.command('Find Checkpoint…');
        await wb.quickInput().fill('gamma');
        const option = wb.page.locator('.quick-input-list [role="option"]', { hasText: 'gamma' }).first();
        await option.waitFor({ timeout: 10_000 });
        await option.hover();
        await option.locator('.action-label[aria-label="Reveal in Sessions View"]').click({ timeout: 5_000 });
      });
      const row = wb.row('gamma');
      await poll(async () => (await row.isVisible()) && (await row.getAttribute('aria-selected')) === 'true', 15_000, async () => `"gamma" is not selected: ${JSON.stringify(await wb.rowNames())}`);
    });
    await wb.step('the revealed row at 250 px', () => sideBarWidth(wb, 250));
    await sideBarWidth(wb, 480);

    await wb.step('the session hover says what it did, with a link to its summary', async () => {
      const text = await wb.hoverText(wb.row(/^Session 1/));
      assert.match(text, /Files: 1 created, 2 modified/, text);
      assert.match(text, /Show Session Summary/, text);
      await wb.page.keyboard.press('Escape');
      await wb.page.mouse.move(0, 0);
    });

    await wb.step('Show Session Summary from the session row: a readable document', async () => {
      await wb.contextMenu(wb.row(/^Session 1/), 'Show Session Summary');
      const tab = wb.page.locator('.tab', { hasText: /summary/ }).first();
      await tab.waitFor({ timeout: 15_000 });
      const preview = wb.page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
      await preview.locator('h2', { hasText: /Files \(3\)/ }).waitFor({ timeout: 15_000 });
      const body = await preview.locator('body').innerText();
      assert.match(body, /Created \(1\)[\s\S]*b\.txt/, body);
      assert.match(body, /Modified \(2\)[\s\S]*a\.txt[\s\S]*notes\.md/, body);
    });
  },
};
