// Commands on the store and the views over it: verify, repair, refresh, show the log.
import * as vscode from 'vscode';
import { Commands } from '../ids';
import type { CommandContext, CommandTable } from './command';
import { Cancelled } from './resolve';

export function storeCommands(c: CommandContext) {
  const { engine, host, capture, log, tree, results } = c;

  return {
    [Commands.verifyStore]: async (inv) => {
      const e = await engine();
      const check = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Session Tree: verifying every snapshot and checkpoint…' },
        () => e.verify(),
      );
      log.info(check.summary);
      for (const p of check.problems) log.warn(p);
      for (const n of check.notes) log.info(n);
      if (!inv.args) {
        if (check.ok) {
          const notes = check.notes.length ? ` ${check.notes.join(' ')}` : '';
          void vscode.window.showInformationMessage(`${check.summary}${notes}`);
        } else {
          const choice = await vscode.window.showWarningMessage(`${check.summary} ${check.problems.slice(0, 3).join(' ')}`, 'Repair Store', 'Show Log');
          if (choice === 'Repair Store') await vscode.commands.executeCommand(Commands.repairStore);
          else if (choice === 'Show Log') log.show();
        }
      }
      return check;
    },

    [Commands.repairStore]: async (inv) => {
      const e = await engine();
      if (!inv.args) {
        const go = await vscode.window.showWarningMessage(
          'Repair the Session Tree store?',
          {
            modal: true,
            detail: 'Repair keeps everything that is sound: it recovers damaged snapshots where a good copy exists, and removes only history whose states can no longer be computed. It never changes your files. What it could not keep is listed in the log.',
          },
          'Repair',
        );
        if (go !== 'Repair') throw new Cancelled();
      }
      const report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Session Tree: repairing the store…' },
        () => e.repair(),
      );
      log.info(report.summary);
      for (const f of report.fixed) log.info(`Repaired: ${f}`);
      for (const l of report.lost) log.warn(`Could not keep: ${l}`);
      for (const p of report.check.problems) log.warn(p);
      tree.refreshNow();
      await results.reload();
      if (!inv.args) {
        const show = report.lost.length || !report.check.ok
          ? vscode.window.showWarningMessage(report.summary, 'Show Log')
          : vscode.window.showInformationMessage(report.summary, 'Show Log');
        void show.then((choice) => choice && log.show());
      }
      return report;
    },

    [Commands.refresh]: async () => {
      const e = host.current;
      if (e) {
        await capture.flush();
        await e.rescan();
      }
      tree.refreshNow();
      await results.reload();
    },

    [Commands.showLog]: () => log.show(),
  } satisfies CommandTable;
}
