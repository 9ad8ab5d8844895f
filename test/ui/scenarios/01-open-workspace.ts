// 1. Open a workspace: the activity-bar icon is there; the tree shows a session with its root and
// the active branch marked; the status bar shows session and branch.
import assert from 'node:assert/strict';
import type { Scenario } from '../scenario';
import { poll } from '../workbench';
import { ACTIVE_BRANCH, expectActiveBranch } from './common';

export const openWorkspace: Scenario = {
  name: 'open a workspace: icon, session with root and active branch, status bar',
  files: {
    'README.md': '# Demo\n\nA small project.\n',
    'src/main.txt': 'alpha\nbeta\n',
  },
  async run(wb) {
    await wb.step('the activity-bar icon is there', async () => {
      await wb.activityBarEntry().waitFor({ timeout: 30_000 });
    });

    const session = await wb.step('open Session Tree: a session is listed', async () => {
      await wb.openSessionTree();
      const row = wb.sessionsTree().getByRole('treeitem').first();
      await row.waitFor({ timeout: 30_000 });
      return wb.rowLabel(row);
    });
    assert.ok(session.length > 0, 'the session row has no label');

    await wb.step('expand it: the active branch is marked and the root checkpoint is under it', async () => {
      await wb.expandAll();
      await expectActiveBranch(wb);
      // The root checkpoint: the workspace as it was when the session started.
      await wb.waitRow('Session start', 15_000);
    });

    await wb.step('the status bar shows session and branch', async () => {
      await poll(
        async () => (await wb.statusBarText()).includes(ACTIVE_BRANCH),
        15_000,
        async () => `status bar: ${await wb.statusBarText()}`,
      );
      const status = await wb.statusBarText();
      assert.ok(status.includes(session), `the status bar does not name session "${session}": ${status}`);
    });
  },
};
