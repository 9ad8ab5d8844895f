// Commands on the store's size: Compact Store… (shows what it squashes and frees, then runs) and
// Delete Sessions… (several at once, or those older than a number of days; the space is freed at once).
// With an arguments object they never prompt: `{ keepDays }` / `{ sessionIds }` or `{ olderThanDays }`.
import * as vscode from 'vscode';
import { humanBytes } from '../../core/bytes';
import type { SessionUsage } from '../../core/storageTypes';
import { fromNow, plural } from '../format';
import { Commands, Settings } from '../ids';
import { storageBudget } from '../settings';
import type { CommandContext, CommandTable } from './command';
import { Cancelled } from './resolve';

const DAY_MS = 24 * 60 * 60 * 1000;

function numberArg(args: Record<string, unknown> | undefined, key: string): number | undefined {
  const v = args?.[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

export function storageCommands(c: CommandContext) {
  const { engine, log, tree } = c;

  return {
    /** The store's sizes in a message (and the log); with arguments, the report itself. */
    [Commands.showStorage]: async (inv) => {
      const e = await engine();
      const r = await e.storageReport();
      const leftOut = await e.filesLeftOutForSize();
      const lines = [
        `The store holds ${humanBytes(r.totalBytes)} in ${r.folder}: snapshots ${humanBytes(r.snapshotBytes)}, database ${humanBytes(r.databaseBytes)}, nothing refers to ${humanBytes(r.garbageBytes)}.`,
        ...r.sessions.map((s) => `  ${s.title}: ${humanBytes(s.bytes)} (${humanBytes(s.ownBytes)} freed by deleting it), ${plural(s.checkpoints, 'checkpoint')}, last ${fromNow(s.lastActivity)}`),
      ];
      const notTracked = leftOut.count
        ? `${plural(leftOut.count, 'file is', 'files are')} not tracked for their size (over ${humanBytes(leftOut.limit)}): ` +
          `${leftOut.files.slice(0, 3).map((f) => `${vscode.workspace.asRelativePath(f.path)} (${humanBytes(f.size)})`).join(', ')}${leftOut.count > 3 ? ', …' : ''}. ` +
          `Raise ${Settings.section}.${Settings.maxFileSize} (e.g. "50 MB") to track them; until then a restore never touches them.`
        : undefined;
      for (const l of lines) log.info(l);
      if (notTracked) {
        log.info(notTracked);
        for (const f of leftOut.files) log.info(`  not tracked (too large): ${f.path} (${humanBytes(f.size)})`);
      }
      if (!inv.args) {
        const choice = await vscode.window.showInformationMessage(
          `${lines[0]}${notTracked ? ` ${notTracked}` : ''}`,
          'Compact Store…', 'Delete Sessions…', ...(notTracked ? ['Size Limit Setting'] : []), 'Show Log',
        );
        if (choice === 'Compact Store…') await vscode.commands.executeCommand(Commands.compactStore);
        else if (choice === 'Delete Sessions…') await vscode.commands.executeCommand(Commands.deleteSessions);
        else if (choice === 'Size Limit Setting') await vscode.commands.executeCommand('workbench.action.openSettings', `${Settings.section}.${Settings.maxFileSize}`);
        else if (choice === 'Show Log') log.show();
      }
      return { ...r, leftOutForSize: leftOut };
    },

    [Commands.compactStore]: async (inv) => {
      const e = await engine();
      const keepDays = numberArg(inv.args, 'keepDays') ?? storageBudget().keepDays;
      const plan = await e.compactPlan({ keepDays });
      if (!inv.args) {
        if (plan.runs.length === 0) {
          void vscode.window.showInformationMessage(
            `Nothing to compact: no run of two or more unlabelled checkpoints older than ${plural(keepDays, 'day')}. ${plural(plan.protectedCount, 'checkpoint')} are kept as they are.`,
          );
          return plan;
        }
        // The preview: every run, what remains of it, and what it frees.
        const items = plan.runs.map((r) => ({
          label: `${r.sessionTitle}: ${plural(r.count, 'checkpoint')} → 1`,
          description: `${new Date(r.from).toLocaleString()} – ${new Date(r.to).toLocaleString()}`,
          detail: `Squashed into checkpoint ${r.intoId}, holding their net change (${plural(r.files, 'file')}).`,
        }));
        const header = {
          label: `Compact: remove ${plural(plan.checkpoints, 'checkpoint')}, free about ${humanBytes(plan.freedBytes)}`,
          description: `keeps the last ${plural(keepDays, 'day')}, labels, branch heads, forks, undo`,
          kind: vscode.QuickPickItemKind.Default,
        };
        const pick = await vscode.window.showQuickPick([header, { label: 'Runs to squash', kind: vscode.QuickPickItemKind.Separator }, ...items], {
          title: 'Compact Store — pick the first line to run it',
          placeHolder: `${plural(plan.runs.length, 'run')} of old unlabelled checkpoints; every remaining checkpoint restores exactly as before`,
        });
        if (pick !== header) throw new Cancelled();
      }
      const done = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Session Tree: compacting the store…' },
        () => e.compact({ keepDays }),
      );
      tree.invalidateStorage();
      const msg = `Compacted ${plural(done.checkpoints, 'checkpoint')} in ${plural(done.runs.length, 'run')}; freed ${humanBytes(done.freed)}.`;
      log.info(msg);
      if (!inv.args) void vscode.window.showInformationMessage(msg);
      return done;
    },

    [Commands.deleteSessions]: async (inv) => {
      const e = await engine();
      const report = await e.storageReport();
      let chosen: SessionUsage[];
      if (inv.args) {
        const ids = Array.isArray(inv.args.sessionIds) ? inv.args.sessionIds.map(String) : undefined;
        const older = numberArg(inv.args, 'olderThanDays');
        if (!ids && older === undefined) throw new Error('Give "sessionIds" (an array) or "olderThanDays" (a number).');
        chosen = ids
          ? ids.map((id) => report.sessions.find((s) => s.id === id) ?? ({ id } as SessionUsage))
          : report.sessions.filter((s) => !s.active && s.lastActivity < Date.now() - older! * DAY_MS);
      } else {
        const olderItem = { label: '$(calendar) Sessions older than…', description: 'pick by age of their last checkpoint', usage: undefined as SessionUsage | undefined };
        const items = report.sessions.map((s) => ({
          label: s.title,
          description: `${humanBytes(s.ownBytes)} freed · ${plural(s.checkpoints, 'checkpoint')} · last ${fromNow(s.lastActivity)}`,
          detail: s.active ? 'Active session: switch to another session to delete it' : `Refers to ${humanBytes(s.bytes)} in all (shared content stays)`,
          usage: s,
        }));
        const picks = await vscode.window.showQuickPick([olderItem, ...items], {
          title: `Delete Sessions — the store holds ${humanBytes(report.totalBytes)}`,
          placeHolder: 'Pick the sessions to delete (each shows what deleting it frees and when it was last used)',
          canPickMany: true,
        });
        if (!picks || picks.length === 0) throw new Cancelled();
        if (picks.includes(olderItem)) {
          const days = await vscode.window.showInputBox({
            title: 'Delete sessions whose last checkpoint is older than (days)',
            value: '30',
            validateInput: (v) => (/^\d+$/.test(v.trim()) ? undefined : 'A whole number of days'),
          });
          if (days === undefined) throw new Cancelled();
          const cutoff = Date.now() - Number(days) * DAY_MS;
          chosen = report.sessions.filter((s) => !s.active && s.lastActivity < cutoff);
          if (chosen.length === 0) {
            void vscode.window.showInformationMessage(`No session other than the active one is older than ${plural(Number(days), 'day')}.`);
            return undefined;
          }
        } else chosen = picks.map((p) => p.usage!);
        const active = chosen.find((s) => s.active);
        if (active) {
          void vscode.window.showWarningMessage(
            `"${active.title}" is the active session and cannot be deleted: the workspace is in its state. Switch to another session first. Nothing was deleted.`,
          );
          return undefined;
        }
        const freed = chosen.reduce((n, s) => n + s.ownBytes, 0);
        const ok = await vscode.window.showWarningMessage(
          `Delete ${plural(chosen.length, 'session')} and free about ${humanBytes(freed)}?`,
          { modal: true, detail: `${chosen.map((s) => `${s.title} (${plural(s.checkpoints, 'checkpoint')})`).join('\n')}\n\nFiles in the workspace are not touched.` },
          'Delete',
        );
        if (ok !== 'Delete') throw new Cancelled();
      }
      if (chosen.length === 0) return { deleted: 0, checkpoints: 0, freed: 0 };
      const r = await e.deleteSessions(chosen.map((s) => s.id));
      tree.invalidateStorage();
      const msg = `Deleted ${plural(r.deleted, 'session')} (${plural(r.checkpoints, 'checkpoint')}); freed ${humanBytes(r.freed)}.`;
      log.info(msg);
      if (!inv.args) void vscode.window.showInformationMessage(msg);
      return r;
    },
  } satisfies CommandTable;
}
