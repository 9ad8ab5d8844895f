// Commands on the store and the views over it: verify, repair, refresh, show the log; a session
// exported to a file and imported from one (its folders mapped onto the open ones, asked when
// nothing matches).
import * as vscode from 'vscode';
import type { EngineApi } from '../../core/engineApi';
import type { FolderChoice, FolderMapping, ImportPreview } from '../../core/exchange';
import { plural } from '../format';
import { Commands } from '../ids';
import type { CommandContext, CommandTable } from './command';
import { Cancelled, filePaths, missing, need, str } from './resolve';

export function storeCommands(c: CommandContext) {
  const { engine, host, capture, log, tree, results, resolve } = c;

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
        await e.rescan({ walk: true }); // asked for by a person: the walk, whatever the watcher says
      }
      tree.refreshNow();
      await results.reload();
    },

    [Commands.showLog]: () => log.show(),

    [Commands.exportSession]: async (inv) => {
      const e = await engine();
      const { id, info } = await resolve.session(inv, 'Export Session', { keys: ['sessionId', 'id'], orActive: true });
      let file = inv.args ? filePaths(inv.args, ['file', 'uri', 'path'])[0] : undefined;
      if (!file) {
        if (inv.args) throw missing('file');
        const title = info?.title ?? 'session';
        const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
        const target = await vscode.window.showSaveDialog({
          title: 'Export Session',
          saveLabel: 'Export',
          filters: { 'Session Tree export': ['stexport'] },
          defaultUri: folder ? vscode.Uri.joinPath(folder, '..', `${title.replace(/[^\w.-]+/g, '-')}.stexport`) : undefined,
        });
        file = need(target).fsPath;
      }
      const to = file;
      const r = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Session Tree: exporting the session…' },
        () => e.exportSession(id, to),
      );
      log.info(`Exported ${plural(r.checkpoints, 'checkpoint')} and ${plural(r.snapshots, 'snapshot')} (${r.bytes} bytes) to ${r.file}`);
      if (!inv.args) void vscode.window.showInformationMessage(`Exported ${plural(r.checkpoints, 'checkpoint')} to ${r.file}.`);
      return r;
    },

    // Arguments: { file, title?, folders?: { "<export folder>": "<open folder>" | null } } — never
    // prompts; a folder nothing maps is an error naming it. From the palette: asks for the file,
    // then, for each export folder that matches no open folder, where its files go.
    [Commands.importSession]: async (inv) => {
      const e = await engine();
      let file = inv.args ? filePaths(inv.args, ['file', 'uri', 'path', 'value'])[0] : undefined;
      if (!file) {
        if (inv.args) throw missing('file');
        const picked = await vscode.window.showOpenDialog({
          title: 'Import Session',
          openLabel: 'Import',
          canSelectMany: false,
          filters: { 'Session Tree export': ['stexport'], 'All files': ['*'] },
        });
        file = need(picked?.[0]).fsPath;
      }
      const from = file;
      const title = str(inv.args, 'title');
      // Checked by the engine (an object of names or null); passed on as given.
      let folders = inv.args?.folders as FolderChoice | undefined;
      if (!inv.args) folders = await askFolders(e, from);
      const s = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Session Tree: checking and importing the session…' },
        () => e.importSession(from, { ...(title ? { title } : {}), ...(folders ? { folders } : {}) }),
      );
      const where = describeFolders(s.folders);
      log.info(`Imported "${s.title}" (${plural(s.checkpointCount, 'checkpoint')}) from ${from}. ${where}`);
      tree.refreshNow();
      if (!inv.args) {
        const choice = await vscode.window.showInformationMessage(`Imported "${s.title}" with ${plural(s.checkpointCount, 'checkpoint')}. ${where} No file was changed.`, 'Switch to It');
        if (choice === 'Switch to It') await e.switchSession(s.id);
      }
      return s;
    },
  } satisfies CommandTable;
}

/** "Do not map" in the folder pick. */
const NOT_MAPPED = Symbol('not mapped');

/**
 * For each folder of the export that matches no open folder, asks where its files go: one of the
 * open folders not yet taken, or nowhere (its files are kept in the session and skipped on
 * restore). Undefined when nothing needs asking.
 */
async function askFolders(e: EngineApi, file: string): Promise<FolderChoice | undefined> {
  const preview: ImportPreview = await e.previewImport(file);
  if (!preview.unmatched.length) return undefined;
  const choice: FolderChoice = {};
  const taken = new Set(preview.mapped.flatMap((m) => (m.to ? [m.to] : [])));
  for (const [i, f] of preview.unmatched.entries()) {
    const items: (vscode.QuickPickItem & { value: string | typeof NOT_MAPPED })[] = [
      ...preview.open.filter((o) => !taken.has(o.key)).map((o) => ({ label: `$(folder) ${o.name}`, description: o.key !== o.name ? o.key : undefined, value: o.key })),
      { label: '$(circle-slash) Do not map', description: 'its files are skipped (kept in the session, never written or deleted)', value: NOT_MAPPED },
    ];
    const picked = need(
      await vscode.window.showQuickPick(items, {
        title: `Import Session: folder ${preview.unmatched.length > 1 ? `${i + 1} of ${preview.unmatched.length} ` : ''}"${f.name}"`,
        placeHolder: `Which open folder is the export's folder "${f.name}"? (${plural(preview.checkpoints, 'checkpoint')} of "${preview.title}")`,
        ignoreFocusOut: true,
      }),
    );
    if (picked.value === NOT_MAPPED) choice[f.key] = null;
    else {
      choice[f.key] = picked.value;
      taken.add(picked.value);
    }
  }
  // The folders matched by name are kept as matched: the choice only adds to them.
  return choice;
}

/** Where the export's folders went, in a sentence. */
function describeFolders(folders: FolderMapping[]): string {
  const parts = folders.map((m) => {
    if (!m.to) return `"${m.fromName}" is not mapped (its files are skipped)`;
    if (m.fromName === m.toName) return `"${m.fromName}" into the folder of the same name`;
    return `"${m.fromName}" into "${m.toName}"${m.how === 'single' ? ' (the only folder on each side)' : ''}`;
  });
  return parts.length ? `Folders: ${parts.join('; ')}.` : '';
}
