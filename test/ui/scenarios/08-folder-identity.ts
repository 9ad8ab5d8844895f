// 8. A folder's history follows the folder (issue 13): a `.code-workspace` with two folders both
// called "app"; between openings of the window the folders are reordered, then given other display
// names; then one of them is opened as a single folder (a window with other workspace storage) and
// the multi-root workspace again; last, one folder is copied elsewhere and the original deleted, and
// the user is asked once whether the copy is that folder. After each reopening a rewind is compared
// byte for byte, folder by folder: one folder's content never lands in the other, and no file is
// deleted.
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACTS } from '../../harness/paths';
import type { Scenario } from '../scenario';
import { poll, type Workbench } from '../workbench';
import { ACTIVE_BRANCH, checkpointFromPalette, checkpointName } from './common';

const ONE = 'one/app';
const TWO = 'two/app';
const COPY = 'three/app-copy';
/** Where code-server caches `.code-workspace` files (edits are not seen for a minute without removing it). */
const WORKSPACE_CACHE = path.join(ARTIFACTS, 'ui', 'code-server', 'user-data', 'User', 'caches', 'CachedConfigurations', 'workspaces');

function files(wb: Workbench, folder: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(wb.file(folder))) out[name] = readFileSync(wb.file(`${folder}/${name}`), 'utf8');
  return out;
}

/** Waits until `folder` holds exactly these files with these bytes. */
async function expectFolder(wb: Workbench, folder: string, expected: Record<string, string>): Promise<void> {
  await poll(
    () => JSON.stringify(files(wb, folder)) === JSON.stringify(Object.fromEntries(Object.entries(expected).sort())),
    20_000,
    () => `${folder} holds ${JSON.stringify(files(wb, folder))}, expected ${JSON.stringify(expected)}`,
  );
}

function writeWorkspaceFile(wb: Workbench, folders: { path: string; name?: string }[]): string {
  const file = wb.file('app.code-workspace');
  writeFileSync(file, JSON.stringify({ folders }, null, 2));
  rmSync(WORKSPACE_CACHE, { recursive: true, force: true });
  return file;
}

/** Opens `query` (`workspace=…` or `folder=…`) in this window and waits until it records. */
async function reopen(wb: Workbench, query: () => string): Promise<void> {
  const origin = new URL(wb.page.url()).origin;
  await wb.page.goto('about:blank');
  // The workspace file is written once the window that had it open is gone.
  await wb.page.goto(`${origin}/?${query()}`);
  await wb.waitReady();
  // code-server now and then opens a just-written .code-workspace with no folders at all (the
  // Explorer says so too; seen in 2 of 12 opens here): reading it again by a reload opens them.
  for (let attempt = 1; ; attempt++) {
    const opened = await wb.openSessionTree().then(() => true, () => false);
    if (opened) break;
    await wb.page.locator('.activitybar [aria-label^="Explorer"]').first().click();
    const explorer = await wb.page.locator('.part.sidebar').innerText().catch(() => '');
    if (attempt === 3) throw new Error(`the Sessions tree did not open; the Explorer shows: ${explorer}`);
    await wb.page.reload();
    await wb.waitReady();
  }
  // The window just left holds the store until its extension host ends: this one takes over then.
  await poll(
    async () => {
      const s = await wb.statusBarText();
      return s.includes(ACTIVE_BRANCH) && !/read-only/.test(s);
    },
    60_000,
    async () => `status bar: ${await wb.statusBarText()}`,
  );
}

async function checkpointOfFiles(wb: Workbench, changes: Record<string, string>, label: string): Promise<void> {
  for (const [rel, content] of Object.entries(changes)) wb.writeOutside(rel, content);
  await wb.command('Refresh');
  await checkpointFromPalette(wb, label);
}

async function rewindTo(wb: Workbench, label: string): Promise<void> {
  await wb.contextMenu(await wb.findRow(checkpointName(label)), 'Rewind to Here');
  const message = await wb.dialog(/^Rewind$/);
  assert.match(message, new RegExp(label));
}

export const folderIdentity: Scenario = {
  name: 'folders of one name reordered, renamed, opened alone: every rewind lands in its own folder',
  files: {
    [`${ONE}/f.txt`]: 'one 1\n',
    [`${TWO}/f.txt`]: 'two 1\n',
  },
  settings: { 'sessionTree.editorQuietTime': 600_000 },
  async run(wb) {
    await wb.step('open a .code-workspace with two folders called "app"', async () => {
      await reopen(wb, () => `workspace=${encodeURIComponent(writeWorkspaceFile(wb, [{ path: ONE }, { path: TWO }]))}`);
    });

    await wb.step('two checkpoints, each changing both folders', async () => {
      await wb.waitRow('Session start', 30_000);
      await checkpointOfFiles(wb, { [`${ONE}/f.txt`]: 'one 2\n', [`${TWO}/f.txt`]: 'two 2\n', [`${ONE}/only-one.txt`]: 'o\n' }, 'both at 2');
      await checkpointOfFiles(wb, { [`${ONE}/f.txt`]: 'one 3\n', [`${TWO}/f.txt`]: 'two 3\n', [`${TWO}/only-two.txt`]: 't\n' }, 'both at 3');
    });

    await wb.step('the folders reordered in the .code-workspace; reopened; rewind to "both at 2"', async () => {
      await reopen(wb, () => `workspace=${encodeURIComponent(writeWorkspaceFile(wb, [{ path: TWO }, { path: ONE }]))}`);
      await rewindTo(wb, 'both at 2');
      await expectFolder(wb, ONE, { 'f.txt': 'one 2\n', 'only-one.txt': 'o\n' });
      await expectFolder(wb, TWO, { 'f.txt': 'two 2\n' });
    });

    await wb.step('the folders given other names; reopened; rewind to "both at 3"; the results show the new names', async () => {
      await reopen(wb, () => `workspace=${encodeURIComponent(writeWorkspaceFile(wb, [{ path: ONE, name: 'client' }, { path: TWO, name: 'server' }]))}`);
      await rewindTo(wb, 'both at 3');
      await expectFolder(wb, ONE, { 'f.txt': 'one 3\n', 'only-one.txt': 'o\n' });
      await expectFolder(wb, TWO, { 'f.txt': 'two 3\n', 'only-two.txt': 't\n' });
      // The results name each file's folder by its current name (the store keys are "app", "app (2)").
      const sidebar = wb.page.locator('.part.sidebar');
      await poll(
        async () => /restored · server/.test(await sidebar.innerText()) && /restored · client/.test(await sidebar.innerText()),
        15_000,
        async () => `the folders' new names are not shown: ${await sidebar.innerText()}`,
      );
    });

    await wb.step('one folder opened alone (other workspace storage): its history is there; rewind to "both at 2"', async () => {
      await reopen(wb, () => `folder=${encodeURIComponent(wb.file(ONE))}`);
      await rewindTo(wb, 'both at 2');
      await expectFolder(wb, ONE, { 'f.txt': 'one 2\n', 'only-one.txt': 'o\n' });
      await expectFolder(wb, TWO, { 'f.txt': 'two 3\n', 'only-two.txt': 't\n' });
      await checkpointOfFiles(wb, { [`${ONE}/f.txt`]: 'one alone\n' }, 'one alone');
    });

    await wb.step('back to the multi-root workspace: what was recorded alone is there; rewind to "both at 3"', async () => {
      await reopen(wb, () => `workspace=${encodeURIComponent(wb.file('app.code-workspace'))}`);
      await wb.findRow(checkpointName('one alone'));
      await rewindTo(wb, 'both at 3');
      await expectFolder(wb, ONE, { 'f.txt': 'one 3\n', 'only-one.txt': 'o\n' });
      await expectFolder(wb, TWO, { 'f.txt': 'two 3\n', 'only-two.txt': 't\n' });
      await rewindTo(wb, 'one alone');
      await expectFolder(wb, ONE, { 'f.txt': 'one alone\n', 'only-one.txt': 'o\n' });
    });

    await wb.step('a folder copied elsewhere and the original deleted: the user is asked once, "Yes" keeps its history', async () => {
      cpSync(wb.file(TWO), wb.file(COPY), { recursive: true });
      rmSync(wb.file(TWO), { recursive: true });
      await reopen(wb, () => `workspace=${encodeURIComponent(writeWorkspaceFile(wb, [{ path: ONE, name: 'client' }, { path: COPY }]))}`);
      const toast = wb.page.locator('.notifications-toasts .notification-toast', { hasText: 'the folder server that was at' });
      await toast.waitFor({ timeout: 30_000 });
      assert.match(await toast.innerText(), /is app-copy \(.*three\/app-copy\) the folder server that was at .*two\/app\?/);
      await toast.getByRole('button', { name: 'Yes, Keep Its History' }).click();
      await poll(
        async () => {
          const s = await wb.statusBarText();
          return s.includes(ACTIVE_BRANCH) && !/read-only/.test(s);
        },
        60_000,
        async () => `status bar: ${await wb.statusBarText()}`,
      );
      await rewindTo(wb, 'both at 2');
      await expectFolder(wb, ONE, { 'f.txt': 'one 2\n', 'only-one.txt': 'o\n' });
      await expectFolder(wb, COPY, { 'f.txt': 'two 2\n' });
    });
  },
};
