// 14. (issue 15) A terminal session as a person meets it: the Sessions view's New Terminal Session
// button opens a terminal bound to a new session, shown with a terminal icon and "terminal running";
// a command that writes a file is a checkpoint of that session, one that changes nothing only a
// line of its command record (Show Command Record opens it, with exit codes); killing the terminal
// shows the session ended; Reopen Terminal Session continues it.
import assert from 'node:assert/strict';
import type { Scenario } from '../scenario';
import type { Workbench } from '../workbench';
import { MANUAL_CHECKPOINTS, poll } from './common';

const TITLE = 'Build shell';
const WRITES = 'echo built > out.txt';
const NOOP = 'echo just-looking';
const FAILS = 'ls not-here';

/** Waits until the terminal's shell prompt is marked by shell integration (the gutter's circle). */
async function shellPrompt(wb: Workbench): Promise<void> {
  await wb.page.locator('.terminal-wrapper .xterm').first().waitFor({ timeout: 20_000 });
  const marks = wb.page.locator('.terminal-wrapper .terminal-command-decoration');
  await poll(async () => (await marks.count()) > 0, 30_000, () => 'no shell-integration prompt mark in the terminal');
}

export const terminalSession: Scenario = {
  name: 'a terminal session: opened from the view, its commands recorded, ended when closed, reopened',
  files: { 'readme.txt': 'hello\n' },
  settings: MANUAL_CHECKPOINTS,
  async run(wb) {
    await wb.step('open Session Tree', () => wb.openSessionTree());
    await wb.waitRow('Session start', 30_000);

    await wb.step(`New Terminal Session on the view's title bar, named "${TITLE}"`, async () => {
      await wb.viewTitleAction('New Terminal Session');
      await wb.answerInput(TITLE);
      await wb.page.locator('.terminal-wrapper .xterm').first().waitFor({ timeout: 20_000 });
      const row = await wb.findRow(TITLE, 30_000);
      await poll(async () => /terminal running/.test(await wb.rowText(row)), 20_000, async () => `row reads: ${await wb.rowText(row)}`);
      assert.equal(await row.locator('.codicon-terminal').count(), 1, 'a terminal icon');
    });

    await wb.step(`run \`${WRITES}\`, \`${NOOP}\` and \`${FAILS}\` in it`, async () => {
      // Shell integration is loaded before the shell's first prompt: a command typed earlier runs
      // unseen (its changes are then the active session's external changes).
      await shellPrompt(wb);
      await wb.runInTerminal(WRITES);
      await wb.expectFile('out.txt', 'built\n');
      await wb.runInTerminal(NOOP);
      await wb.runInTerminal(FAILS);
    });

    await wb.step('the session holds the writing command as a checkpoint (the others are not checkpoints)', async () => {
      // The tree repaints as each command is recorded: expand until the command's row is there.
      await poll(async () => {
        await wb.expandAll();
        return (await wb.row(WRITES).count()) > 0;
      }, 30_000, async () => `no row "${WRITES}" among ${JSON.stringify(await wb.rowNames())}`);
      const names = await wb.rowNames();
      assert.ok(!names.some((n) => n.startsWith(NOOP)), `no checkpoint for the no-op: ${JSON.stringify(names)}`);
    });

    await wb.step('Show Command Record: every command with its folder and exit code', async () => {
      await wb.contextMenu(await wb.findRow(TITLE), 'Show Command Record');
      await poll(async () => (await wb.editorText()).includes(`$ ${FAILS}`), 30_000, async () => `the record reads: ${await wb.editorText()}`);
      const text = await wb.editorText();
      assert.match(text, new RegExp(`\\$ ${NOOP}\\n\\s+exit 0 · .* · changed no files · .* · in `));
      assert.match(text, /\$ echo built > out\.txt\n\s+exit 0 · .* · checkpoint #\d+ · .* · in /);
      assert.match(text, /\$ ls not-here\n\s+exit 2 · /);
    });

    await wb.step('kill the terminal: the session shows "terminal ended"', async () => {
      await wb.command('Terminal: Kill All Terminals', '');
      const row = await wb.findRow(TITLE);
      await poll(async () => /terminal ended/.test(await wb.rowText(row)), 20_000, async () => `row reads: ${await wb.rowText(row)}`);
    });

    await wb.step('Reopen Terminal Session: a terminal again, the session running', async () => {
      await wb.contextMenu(await wb.findRow(TITLE), 'Reopen Terminal Session');
      await shellPrompt(wb);
      const row = await wb.findRow(TITLE);
      await poll(async () => /terminal running/.test(await wb.rowText(row)), 20_000, async () => `row reads: ${await wb.rowText(row)}`);
    });
  },
};
