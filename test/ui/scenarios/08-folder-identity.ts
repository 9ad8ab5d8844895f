// 8 and 9. A folder's history follows the folder (issue 13). Two folders both called "app" in a
// `.code-workspace`; between openings of the window they are reordered, then given other display
// names (8); one of them is opened alone (a window with other workspace storage) and the workspace
// again, and last one folder is copied elsewhere and the original deleted: the user is asked once
// whether the copy is that folder (9). After each reopening a rewind is compared byte for byte,
// folder by folder: one folder's content never lands in the other, and no file is deleted.
//
// Each arrangement is a .code-workspace file of its own (code-server caches a workspace file's
// folders for a minute or more): a new file is also new workspace storage, so the store follows
// the folders there (src/vscode/storeFolder.ts).
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Scenario } from '../scenario';
import { poll, type Workbench } from '../workbench';
import { checkpointFromPalette, checkpointName, retry, waitRecording } from './common';

const ONE = 'one/app';
const TWO = 'two/app';
const COPY = 'three/app-copy';
/** The answer that keeps a stored folder's history (src/vscode/folderQuestion.ts). */
const KEEP_HISTORY = 'Yes, Keep Its History';

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

function writeWorkspaceFile(wb: Workbench, name: string, folders: { path: string; name?: string }[]): string {
  const file = wb.file(`${name}.code-workspace`);
  writeFileSync(file, JSON.stringify({ folders }, null, 2));
  return file;
}

/** Opens `query` (`workspace=…` or `folder=…`) in this window and waits until it records. */
async function reopen(wb: Workbench, query: string): Promise<void> {
  const origin = new URL(wb.page.url()).origin;
  await wb.page.goto('about:blank');
  await wb.page.goto(`${origin}/?${query}`);
  await wb.waitReady();
  // Now and then code-server opens a workspace here with no folders at all (VS Code's
  // workspaceFolderCount is 0: the view shows the "open a folder" welcome); a reload reads it again.
  for (let attempt = 1; !(await wb.openSessionTree().then(() => true, () => false)); attempt++) {
    const shown = await wb.page.locator('.part.sidebar').innerText().catch(() => '');
    if (attempt === 3) throw new Error(`the Sessions tree did not open: ${shown}`);
    console.log(`reopen ${query}: no Sessions tree (${shown.replace(/\s+/g, ' ').slice(0, 120)}); reloading`);
    await wb.page.reload();
    await wb.waitReady();
  }
  // The window just left holds the store until its extension host ends: this one takes over then.
  await waitRecording(wb);
}

const openWorkspace = (wb: Workbench, name: string, folders: { path: string; name?: string }[]) =>
  reopen(wb, `workspace=${encodeURIComponent(writeWorkspaceFile(wb, name, folders))}`);

/** The two folders, two checkpoints each changing both. */
async function twoCheckpoints(wb: Workbench): Promise<void> {
  await wb.step('open a .code-workspace with two folders called "app"', () => openWorkspace(wb, 'first', [{ path: ONE }, { path: TWO }]));
  await wb.step('two checkpoints, each changing both folders', async () => {
    await wb.waitRow('Session start', 30_000);
    await checkpointOfFiles(wb, { [`${ONE}/f.txt`]: 'one 2\n', [`${TWO}/f.txt`]: 'two 2\n', [`${ONE}/only-one.txt`]: 'o\n' }, 'both at 2');
    await checkpointOfFiles(wb, { [`${ONE}/f.txt`]: 'one 3\n', [`${TWO}/f.txt`]: 'two 3\n', [`${TWO}/only-two.txt`]: 't\n' }, 'both at 3');
  });
}

const FILES = { [`${ONE}/f.txt`]: 'one 1\n', [`${TWO}/f.txt`]: 'two 1\n' };
const SETTINGS = { 'sessionTree.editorQuietTime': 600_000 };

async function checkpointOfFiles(wb: Workbench, changes: Record<string, string>, label: string): Promise<void> {
  for (const [rel, content] of Object.entries(changes)) wb.writeOutside(rel, content);
  // Just after a window opens the palette may close again as the workbench takes focus.
  await retry(3, () => wb.command('Refresh'));
  await checkpointFromPalette(wb, label);
}

async function rewindTo(wb: Workbench, label: string): Promise<void> {
  // The tree repaints after a restore; a right-click that lands as it does opens another row's menu.
  await retry(3, async () => {
    try {
      await wb.contextMenu(await wb.findRow(checkpointName(label)), 'Rewind to Here');
    } catch (e) {
      await wb.page.keyboard.press('Escape');
      throw e;
    }
  });
  const message = await wb.dialog(/^Rewind$/);
  assert.match(message, new RegExp(label));
}

export const foldersReorderedAndRenamed: Scenario = {
  name: 'folders of one name reordered, then renamed: every rewind lands in its own folder',
  files: FILES,
  settings: SETTINGS,
  async run(wb) {
    await twoCheckpoints(wb);

    await wb.step('the folders reordered; reopened; rewind to "both at 2"', async () => {
      await openWorkspace(wb, 'reordered', [{ path: TWO }, { path: ONE }]);
      await rewindTo(wb, 'both at 2');
      await expectFolder(wb, ONE, { 'f.txt': 'one 2\n', 'only-one.txt': 'o\n' });
      await expectFolder(wb, TWO, { 'f.txt': 'two 2\n' });
    });

    await wb.step('the folders given other names; reopened; rewind to "both at 3"; the results show the new names', async () => {
      await openWorkspace(wb, 'renamed', [{ path: ONE, name: 'client' }, { path: TWO, name: 'server' }]);
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
  },
};

export const folderAloneAndCopied: Scenario = {
  name: 'a folder opened alone and the workspace again, then copied elsewhere: its history stays',
  files: FILES,
  settings: SETTINGS,
  async run(wb) {
    await twoCheckpoints(wb);

    await wb.step('one folder opened alone (other workspace storage): its history is there; rewind to "both at 2"', async () => {
      await reopen(wb, `folder=${encodeURIComponent(wb.file(ONE))}`);
      await rewindTo(wb, 'both at 2');
      await expectFolder(wb, ONE, { 'f.txt': 'one 2\n', 'only-one.txt': 'o\n' });
      await expectFolder(wb, TWO, { 'f.txt': 'two 3\n', 'only-two.txt': 't\n' });
      await checkpointOfFiles(wb, { [`${ONE}/f.txt`]: 'one alone\n' }, 'one alone');
    });

    await wb.step('back to the workspace: what was recorded alone is there; rewind to "both at 3"', async () => {
      await reopen(wb, `workspace=${encodeURIComponent(wb.file('first.code-workspace'))}`);
      await wb.findRow(checkpointName('one alone'));
      await expectFolder(wb, ONE, { 'f.txt': 'one alone\n', 'only-one.txt': 'o\n' });
      await rewindTo(wb, 'both at 3');
      await expectFolder(wb, ONE, { 'f.txt': 'one 3\n', 'only-one.txt': 'o\n' });
      await expectFolder(wb, TWO, { 'f.txt': 'two 3\n', 'only-two.txt': 't\n' });
    });

    await wb.step('a folder copied elsewhere and the original deleted: the user is asked once, "Yes" keeps its history', async () => {
      cpSync(wb.file(TWO), wb.file(COPY), { recursive: true });
      rmSync(wb.file(TWO), { recursive: true });
      await openWorkspace(wb, 'copied', [{ path: ONE }, { path: COPY }]);
      const toast = wb.page.locator('.notifications-toasts .notification-toast', { hasText: 'that was at' });
      await toast.waitFor({ timeout: 30_000 });
      assert.match(await toast.innerText(), /is app-copy \(.*three\/app-copy\) the folder app that was at .*two\/app\?/);
      await toast.getByRole('button', { name: KEEP_HISTORY }).click();
      // The store reopens with the answer, then says so.
      await wb.page.locator('.notifications-toasts .notification-toast', { hasText: 'app-copy keeps the history of app' }).waitFor({ timeout: 60_000 });
      await rewindTo(wb, 'both at 2');
      await expectFolder(wb, ONE, { 'f.txt': 'one 2\n', 'only-one.txt': 'o\n' });
      await expectFolder(wb, COPY, { 'f.txt': 'two 2\n' });
    });
  },
};
