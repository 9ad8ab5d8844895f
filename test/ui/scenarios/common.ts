// What several scenarios check the same way.
import type { Workbench } from '../workbench';
import { poll } from '../workbench';

/** The branch a new session starts on. */
export const ACTIVE_BRANCH = 'main';

/** A branch row is marked active by its description, label or icon. */
export async function expectActiveBranch(wb: Workbench, branch = ACTIVE_BRANCH): Promise<void> {
  await poll(
    async () => {
      const row = wb.row(branch);
      const text = await wb.rowText(row);
      return /\bactive\b|current|✓|●/i.test(text) && !/last active/.test(text);
    },
    15_000,
    async () => `no row marks branch ${branch} as active among ${JSON.stringify(await wb.rowNames())}`,
  );
}

/** Creates a checkpoint with a label from the Sessions view's title action. */
export async function checkpointFromTitle(wb: Workbench, label: string): Promise<void> {
  await wb.viewTitleAction('Create Checkpoint');
  await wb.answerInput(label);
  await wb.waitRow(checkpointName(label), 20_000);
}

/** Creates a checkpoint with a label from the command palette. */
export async function checkpointFromPalette(wb: Workbench, label: string): Promise<void> {
  await wb.command('Create Checkpoint…');
  await wb.answerInput(label);
  await wb.waitRow(checkpointName(label), 20_000);
}

/** Edits a file in the editor the way a person does, saves it and waits for the bytes on disk. */
export async function editAndSave(wb: Workbench, relative: string, content: string): Promise<void> {
  await wb.openFile(relative);
  await wb.typeReplacingAll(content);
  await wb.save();
  await wb.expectFile(relative, content);
}

export function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export async function retry(times: number, fn: () => Promise<void>): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (error) {
      if (i >= times) throw error;
    }
  }
}

export { poll };

/** Waits until the window records (status bar on the active branch, not read-only): a window left may hold the store a while. */
export async function waitRecording(wb: Workbench, timeoutMs = 60_000): Promise<void> {
  await poll(
    async () => {
      const s = await wb.statusBarText();
      return s.includes(ACTIVE_BRANCH) && !/read-only/.test(s);
    },
    timeoutMs,
    async () => `still read-only: ${await wb.statusBarText()}`,
  );
}

/** Workspace settings: editor saves wait for "Create Checkpoint" instead of sealing on their own. */
export const MANUAL_CHECKPOINTS = { 'sessionTree.editorQuietTime': 600_000 };

/** Accepts the confirmation a restore asks for, when it asks (nothing to write: no question). */
export async function confirmIfAsked(wb: Workbench, button: string, timeoutMs = 8_000): Promise<void> {
  const box = wb.page.locator('.monaco-dialog-box');
  const shown = await box.waitFor({ timeout: timeoutMs }).then(
    () => true,
    () => false,
  );
  if (shown) await wb.dialog(new RegExp(`^${escape(button)}$`));
}

/** Waits until the Sessions tree shows working changes (the extension has seen a change). */
export async function expectWorkingChanges(wb: Workbench): Promise<void> {
  await wb.expandActiveBranch();
  await wb.waitRow(/^Working changes/, 20_000);
}

/** A checkpoint row by its label (the accessible name starts with it). */
export function checkpointName(label: string): string {
  return label;
}
