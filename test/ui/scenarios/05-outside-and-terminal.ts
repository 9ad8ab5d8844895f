// 5. A file written from outside VS Code (by the test, through the file system) and a command run
// in the integrated terminal (`sed -i`) each end up in checkpoints and rewind exactly; the terminal
// one is labelled with its command and exit code.
import assert from 'node:assert/strict';
import type { Scenario } from '../scenario';
import { checkpointName, confirmIfAsked, escape, expectWorkingChanges, MANUAL_CHECKPOINTS } from './common';

const ORIGINAL = 'apple\nbanana\ncherry\n';
const OUTSIDE = 'written by another program\n';
const SED_OK = "sed -i 's/banana/blueberry/' data.txt";
const SED_FAILS = "sed -i 's/cherry/cranberry/' data.txt; false";

export const outsideAndTerminal: Scenario = {
  name: 'a file written from outside and terminal commands become checkpoints and rewind exactly',
  files: { 'data.txt': ORIGINAL },
  settings: MANUAL_CHECKPOINTS,
  async run(wb) {
    await wb.step('open Session Tree', () => wb.openSessionTree());
    await wb.waitRow('Session start', 30_000);

    await wb.step('another program writes extra.txt: it shows as working changes', async () => {
      wb.writeOutside('extra.txt', OUTSIDE);
      await expectWorkingChanges(wb);
    });

    await wb.step(`run \`${SED_OK}\` in the terminal`, async () => {
      await wb.openTerminal();
      await wb.runInTerminal(SED_OK);
      await wb.expectFile('data.txt', 'apple\nblueberry\ncherry\n');
    });

    await wb.step('the command is a checkpoint labelled with it, exit code 0 in its tooltip', async () => {
      const row = await wb.findRow(checkpointName(SED_OK), 30_000);
      const tooltip = await wb.hoverText(row);
      assert.match(tooltip, /Exit code: 0/, `tooltip: ${tooltip}`);
      // What was written before the command is a checkpoint of its own.
      await wb.findRow(new RegExp(`^Changes before .*${escape(SED_OK.slice(0, 20))}`));
    });

    await wb.step(`run \`${SED_FAILS}\`: its checkpoint shows exit 1`, async () => {
      await wb.runInTerminal(SED_FAILS);
      await wb.expectFile('data.txt', 'apple\nblueberry\ncranberry\n');
      const row = await wb.findRow(checkpointName(SED_FAILS), 30_000);
      assert.match(await wb.rowText(row), /exit 1/);
    });

    await wb.step('Rewind to Before This on the first command: data.txt as before it, extra.txt kept', async () => {
      await wb.contextMenu(await wb.findRow(checkpointName(SED_OK)), 'Rewind to Before This');
      await confirmIfAsked(wb, 'Rewind');
      await wb.expectFile('data.txt', ORIGINAL);
      await wb.expectFile('extra.txt', OUTSIDE);
    });

    await wb.step('Rewind to Before This on the outside write: extra.txt is gone', async () => {
      await wb.contextMenu(await wb.findRow(/^Changes before /), 'Rewind to Before This');
      await confirmIfAsked(wb, 'Rewind');
      await wb.expectFile('extra.txt', undefined);
      await wb.expectFile('data.txt', ORIGINAL);
    });

    await wb.step('Rewind to Here on the failing command: both commands\' changes and extra.txt are back', async () => {
      await wb.contextMenu(await wb.findRow(checkpointName(SED_FAILS)), 'Rewind to Here');
      await confirmIfAsked(wb, 'Rewind');
      await wb.expectFile('data.txt', 'apple\nblueberry\ncranberry\n');
      await wb.expectFile('extra.txt', OUTSIDE);
    });
  },
};
