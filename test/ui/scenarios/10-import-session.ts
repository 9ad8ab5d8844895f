// 10. Import Session… a teammate's session whose folders are named otherwise: the file from the
// open dialog, then one quick pick per export folder that matches no open folder ("app" → this
// folder, "lib" → "Do not map"); the notification says where each went; Switch to It; rewinding to
// the teammate's checkpoint writes their files here byte for byte and reports lib's as skipped.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../../src/core/engine';
import type { Scenario } from '../scenario';
import { confirmIfAsked, escape, MANUAL_CHECKPOINTS, poll } from './common';

/**
 * The teammate's store over folders "frontend" (a checkout of this workspace: the same files) and
 * "lib", one checkpoint, exported.
 */
async function teammateExport(settingsFile: string): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'st-ui-import-'));
  const write = (rel: string, content: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  };
  write('frontend/a.txt', 'mine\n');
  if (existsSync(settingsFile)) write('frontend/.vscode/settings.json', readFileSync(settingsFile, 'utf8'));
  write('lib/lib.txt', 'the library\n');
  const engine = new Engine({
    storageDir: path.join(dir, 'store'),
    roots: [{ name: 'frontend', path: path.join(dir, 'frontend') }, { name: 'lib', path: path.join(dir, 'lib') }],
    racyWindowMs: 0,
  });
  await engine.open();
  write('frontend/a.txt', 'the teammate\'s version\n');
  write('frontend/src/new.ts', 'export const fromTeammate = true;\n');
  write('lib/lib.txt', 'the library, changed\n');
  engine.rescan();
  assert.ok(engine.createCheckpoint({ label: 'teammate edit' }));
  const file = path.join(dir, 'teammate.stexport');
  engine.exportSession(engine.activeSession()!.id, file);
  await engine.close();
  return file;
}

export const importSession: Scenario = {
  name: 'import a teammate\'s session, choosing a folder for each of theirs, and rewind to it',
  files: { 'a.txt': 'mine\n' },
  settings: MANUAL_CHECKPOINTS,
  async run(wb) {
    const here = path.basename(wb.workspace);
    const file = await teammateExport(wb.file('.vscode/settings.json'));
    await wb.step('open Session Tree', () => wb.openSessionTree());
    await wb.waitRow('Session start', 30_000);

    await wb.step('Import Session… and choose the file', async () => {
      await wb.command('Import Session…');
      const input = wb.quickInput();
      await input.waitFor({ timeout: 10_000 });
    });

    await wb.step('the first folder asks: which open folder is "frontend"?', async () => {
      const title = wb.page.locator('.quick-input-widget .quick-input-title');
      const input = wb.quickInput();
      // The simple file dialog fills in its own folder once it has listed it, which may be after
      // our typing: type the file again until the dialog holds it, then accept.
      await poll(
        async () => {
          const t = (await title.innerText()).trim();
          if (/folder 1 of 2 "frontend"/.test(t)) return true;
          if (t !== 'Import Session') return false;
          if ((await input.inputValue()) !== file) await input.fill(file);
          else await input.press('Enter');
          return false;
        },
        20_000,
        async () => `the quick pick title: ${await title.innerText().catch(() => '(none)')}`,
        500,
      );
      await wb.page.locator('.quick-input-list [role="option"]', { hasText: 'Do not map' }).first().waitFor({ timeout: 10_000 });
    });

    await wb.step(`"frontend" → ${here}`, () => wb.pick(new RegExp(`^\\s*${escape(here)}\\s*$`)));

    await wb.step('"lib" → Do not map', async () => {
      const title = wb.page.locator('.quick-input-widget .quick-input-title');
      await poll(async () => /folder 2 of 2 "lib"/.test(await title.innerText()), 15_000, async () => `the quick pick title: ${await title.innerText().catch(() => '(none)')}`);
      await wb.pick(/Do not map/);
    });

    const toast = wb.page.locator('.notification-toast', { hasText: 'Imported' }).first();
    await wb.step('the notification says where each folder went', async () => {
      await toast.waitFor({ timeout: 20_000 });
      const text = await toast.innerText();
      assert.match(text, new RegExp(`"frontend" into "${escape(here)}"`));
      assert.match(text, /"lib" is not mapped/);
    });

    await wb.step('Switch to It', async () => {
      await toast.locator('.monaco-button', { hasText: 'Switch to It' }).click();
      await poll(async () => /\(imported\)/.test(await wb.statusBarText()), 15_000, async () => `the status bar: ${await wb.statusBarText()}`);
    });

    await wb.step('rewind to the imported session\'s start: this folder as it was, lib\'s file skipped with the reason', async () => {
      await wb.expandActiveBranch();
      await wb.contextMenu(await wb.findRow('Session start'), 'Rewind to Here');
      await confirmIfAsked(wb, 'Rewind');
      await wb.expectFile('a.txt', 'mine\n');
      await wb.expectFile('src/new.ts', undefined);
      await wb.expectFile('lib.txt', undefined);
      await wb.sideBarRow('lib.txt', /^skipped: it is in the folder "lib" of an imported session, which was not mapped to an open folder/).waitFor({ timeout: 15_000 });
    });

    await wb.step('rewind to the teammate\'s checkpoint: their files are here byte for byte', async () => {
      await wb.expandAll();
      await wb.contextMenu(await wb.findRow('teammate edit'), 'Rewind to Here');
      await confirmIfAsked(wb, 'Rewind');
      await wb.expectFile('a.txt', 'the teammate\'s version\n');
      await wb.expectFile('src/new.ts', 'export const fromTeammate = true;\n');
      await wb.expectFile('lib.txt', undefined);
      await wb.sideBarRow('a.txt', /^restored/).waitFor({ timeout: 15_000 });
    });
  },
};
