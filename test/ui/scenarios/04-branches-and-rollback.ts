// 4. Command palette: Create Branch…, then Check Out Branch… switches files between two branches;
// Roll Back… with N=2 moves back two checkpoints.
import assert from 'node:assert/strict';
import type { Scenario } from '../scenario';
import type { Workbench } from '../workbench';
import {
  ACTIVE_BRANCH,
  checkpointFromPalette,
  checkpointName,
  confirmIfAsked,
  editAndSave,
  expectActiveBranch,
  expectWorkingChanges,
  MANUAL_CHECKPOINTS,
  poll,
} from './common';

async function checkOut(wb: Workbench, branch: string): Promise<void> {
  await wb.command('Check Out Branch…');
  await wb.pick(branch);
  await confirmIfAsked(wb, 'Check Out');
  await poll(
    async () => (await wb.statusBarText()).includes(branch),
    15_000,
    async () => `the status bar does not show ${branch}: ${await wb.statusBarText()}`,
  );
}

async function commit(wb: Workbench, content: string, label: string): Promise<void> {
  await editAndSave(wb, 'app.txt', content);
  await expectWorkingChanges(wb);
  await checkpointFromPalette(wb, label);
}

export const branchesAndRollback: Scenario = {
  name: 'create a branch, check out between branches, roll back two checkpoints',
  files: { 'app.txt': 'base\n', 'other.txt': 'untouched\n' },
  settings: MANUAL_CHECKPOINTS,
  async run(wb) {
    await wb.step('open Session Tree', () => wb.openSessionTree());
    await wb.waitRow('Session start', 30_000);

    await wb.step(`a checkpoint on ${ACTIVE_BRANCH}`, () => commit(wb, 'main work\n', 'm1'));

    await wb.step('Create Branch… "feature"', async () => {
      await wb.command('Create Branch…');
      await wb.answerInput('feature');
      await wb.waitRow('feature', 15_000);
    });

    await wb.step('Check Out Branch… "feature"', async () => {
      await checkOut(wb, 'feature');
      await expectActiveBranch(wb, 'feature');
    });

    await wb.step('a checkpoint on feature', () => commit(wb, 'feature work\n', 'f1'));

    await wb.step(`Check Out Branch… "${ACTIVE_BRANCH}": its files come back`, async () => {
      await checkOut(wb, ACTIVE_BRANCH);
      await wb.expectFile('app.txt', 'main work\n');
      await wb.expectFile('other.txt', 'untouched\n');
    });

    await wb.step('Check Out Branch… "feature": its files come back', async () => {
      await checkOut(wb, 'feature');
      await wb.expectFile('app.txt', 'feature work\n');
    });

    await wb.step('two more checkpoints on feature', async () => {
      await commit(wb, 'feature work 2\n', 'f2');
      await commit(wb, 'feature work 3\n', 'f3');
    });

    await wb.step('Roll Back… 2: the files are those of f1 and f1 is head', async () => {
      await wb.command('Roll Back…');
      await wb.answerInput('2');
      await confirmIfAsked(wb, 'Roll Back');
      await wb.expectFile('app.txt', 'feature work\n');
      const f1 = await wb.findRow(checkpointName('f1'));
      await poll(
        async () => /\bhead\b/.test(await wb.rowText(f1)),
        15_000,
        async () => `f1 is not marked head: ${await wb.rowText(f1)}`,
      );
      assert.equal(wb.read('other.txt'), 'untouched\n');
    });
  },
};
