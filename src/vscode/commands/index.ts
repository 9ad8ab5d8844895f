// Every command, registered through the one wrapper (./command.ts); what a command acts on is
// resolved by ./resolve.ts. Invoked from the palette or a tree node a command asks for what it needs;
// invoked with an arguments object (tasks, keybindings, tests, agents) it never prompts and rethrows
// errors to its caller.
import * as vscode from 'vscode';
import type { CheckpointMeta, CheckpointSource } from '../../core/types';
import { CHECKPOINT_SOURCES } from '../../core/types';
import {
  openCheckpointChange,
  openCheckpointChanges,
  openCompareWithCurrent,
  openRestoreChange,
  openRestoreChanges,
  openStateVsCurrent,
  openWorkingChange,
  openWorkingChanges,
} from '../diffs';
import { plural } from '../format';
import { Commands, type CommandId } from '../ids';
import { askRollbackCount, askText, validateBranchName } from '../picks';
import { type CommandContext, type CommandServices, createCommand, type Run } from './command';
import { activeFile, Cancelled, filePaths, type Invocation, missing, need, PALETTE, raise, Resolve, str } from './resolve';

export type { CommandServices } from './command';

/** Not logged when run: the log itself, and clicks on tree items. */
const QUIET: ReadonlySet<CommandId> = new Set([Commands.showLog, Commands.openDiff, Commands.loadMore]);

export function registerCommands(services: CommandServices): vscode.Disposable[] {
  const engine = () => services.host.get();
  const c: CommandContext = {
    ...services,
    engine,
    resolve: new Resolve(engine),
    restore: (target, inv) => services.restorer.run(target, { interactive: !inv.args }),
  };
  const { host, capture, restorer, log, tree, results, resolve, restore } = c;

  const rewind = async (inv: Invocation, before: boolean | undefined, title: string) => {
    const checkpointId = await resolve.checkpoint(inv, title);
    const b = before ?? inv.args?.before === true;
    return restore({ kind: 'rewind', checkpointId, ...(b ? { before: true } : {}) }, inv);
  };

  const offerCheckout = async (branch: string, message: string) => {
    const choice = await vscode.window.showInformationMessage(message, 'Check Out');
    // The wrapper has already reported any error to the person.
    if (choice === 'Check Out') await vscode.commands.executeCommand(Commands.checkout, { branch, interactive: true }).then(undefined, () => undefined);
  };

  // Typed as every id: a command declared in ids.ts and not implemented here does not compile.
  const table: Record<CommandId, Run> = {
    [Commands.createCheckpoint]: async (inv) => {
      let meta: CheckpointMeta;
      if (inv.args) {
        const source = str(inv.args, 'source');
        const label = str(inv.args, 'label', 'value');
        meta = {
          source: source && (CHECKPOINT_SOURCES as readonly string[]).includes(source) ? (source as CheckpointSource) : 'manual',
          ...(label ? { label } : {}),
        };
      } else {
        const label = need(
          await askText({
            title: 'Create Checkpoint',
            prompt: 'Label for the checkpoint (leave empty for a default label)',
            placeHolder: 'e.g. Before refactoring',
            allowEmpty: true,
          }),
        );
        meta = { source: 'manual', ...(label ? { label } : {}) };
      }
      const checkpoint = await capture.seal(meta, { settle: true });
      if (!inv.args) {
        if (checkpoint) vscode.window.setStatusBarMessage(`$(check) Checkpoint "${checkpoint.label}" created (${plural(checkpoint.files.length, 'file')})`, 4000);
        else void vscode.window.showInformationMessage('Nothing changed since the last checkpoint, so no checkpoint was created.');
      }
      return checkpoint;
    },

    [Commands.labelCheckpoint]: async (inv) => {
      const e = await engine();
      const checkpointId = await resolve.checkpoint(inv, 'Label Checkpoint');
      let label: string;
      if (inv.args) label = str(inv.args, 'label') ?? raise(missing('label'));
      else {
        const current = inv.node?.kind === 'checkpoint' ? inv.node.checkpoint.label : (await e.checkpoint(checkpointId)).label;
        label = need(await askText({ title: 'Label Checkpoint', prompt: 'New label of the checkpoint', value: current }));
      }
      await e.labelCheckpoint(checkpointId, label);
      return undefined;
    },

    [Commands.rewind]: (inv) => rewind(inv, undefined, 'Rewind to Checkpoint'),
    [Commands.rewindHere]: (inv) => rewind(inv, false, 'Rewind to Here'),
    [Commands.rewindBefore]: (inv) => rewind(inv, true, 'Rewind to Before This'),

    [Commands.rollback]: async (inv) => {
      let count: number;
      if (inv.args) {
        const raw = inv.args.count ?? inv.args.value;
        count = typeof raw === 'number' ? raw : Number(raw);
        if (!Number.isInteger(count) || count < 1) throw Object.assign(new Error('count must be a whole number, 1 or more.'), { code: 'invalid-argument' });
      } else {
        count = need(await askRollbackCount(await engine()));
      }
      return restore({ kind: 'rollback', count }, inv);
    },

    [Commands.compareWithCurrent]: async (inv) => {
      const e = await engine();
      if (inv.node?.kind === 'file') {
        const { change, checkpointId, checkpointLabel } = inv.node;
        return openCompareWithCurrent(change.path, await e.fileAt(checkpointId, change.path), checkpointLabel);
      }
      if (inv.node?.kind === 'resultFile') {
        const f = inv.node.file;
        return openCompareWithCurrent(f.path, f.before, `before: ${inv.node.result.targetLabel}`);
      }
      const file = inv.args ? filePaths(inv.args)[0] : inv.node ? undefined : activeFile()?.fsPath;
      const checkpointId = await resolve.checkpoint(
        inv,
        file ? `Compare ${vscode.workspace.asRelativePath(file)} with a Checkpoint` : 'Compare Checkpoint with Current',
      );
      const info = await e.checkpoint(checkpointId);
      if (file) return openCompareWithCurrent(file, await e.fileAt(checkpointId, file), info.label);
      return openStateVsCurrent(await e.plan({ kind: 'rewind', checkpointId }), info.label);
    },

    [Commands.openChanges]: async (inv) => {
      const e = await engine();
      const node = inv.node;
      if (node?.kind === 'file' || node?.kind === 'workingFile' || node?.kind === 'resultFile') {
        return vscode.commands.executeCommand(Commands.openDiff, node);
      }
      if (node?.kind === 'working') return openWorkingChanges(node.changes);
      if (node?.kind === 'branch' && node.session.active && node.branch.active) return openWorkingChanges(await e.workingChanges());
      const checkpointId = await resolve.checkpoint(inv, 'Open Changes of Checkpoint');
      const info = await e.checkpoint(checkpointId);
      return openCheckpointChanges(info.files, info.label);
    },

    [Commands.restoreFile]: async (inv) => {
      const node = inv.node;
      if (node?.kind === 'workingFile') {
        // Back to the head's version: discards this file's working change (kept in the safety checkpoint).
        return restore({ kind: 'restoreFiles', checkpointId: node.session.headId, paths: [node.change.path] }, inv);
      }
      if (node?.kind === 'file') return restore({ kind: 'restoreFiles', checkpointId: node.checkpointId, paths: [node.change.path] }, inv);
      if (!inv.args) {
        // From the palette (or any other node): the active editor's file, at a checkpoint picked next.
        const file = activeFile() ?? raise(new Error('Open the file to restore in an editor, or use "Restore This File" on a file in the Sessions tree.'));
        const checkpointId = await resolve.checkpoint(PALETTE, `Restore ${vscode.workspace.asRelativePath(file)} from Checkpoint`);
        return restore({ kind: 'restoreFiles', checkpointId, paths: [file.fsPath] }, inv);
      }
      // The bare-scalar shorthand `value` names the file here, not the checkpoint.
      const checkpointId = await resolve.checkpoint(inv, 'Restore This File', ['checkpointId', 'id']);
      const paths = filePaths(inv.args);
      if (paths.length === 0) throw missing('uris');
      return restore({ kind: 'restoreFiles', checkpointId, paths }, inv);
    },

    [Commands.checkout]: async (inv) => {
      const interactive = !inv.args || inv.args.interactive === true;
      const branch = await resolve.branch(inv, 'Check Out Branch');
      const session = await (await engine()).activeSession();
      if (interactive && session?.activeBranch === branch) {
        void vscode.window.showInformationMessage(`Branch ${branch} is already checked out.`);
        return undefined;
      }
      return restorer.run({ kind: 'checkout', branch }, { interactive });
    },

    [Commands.createBranch]: async (inv) => {
      const e = await engine();
      const existing = (await e.activeSession())?.branches.map((b) => b.name) ?? [];
      if (inv.args) {
        const name = str(inv.args, 'name', 'value') ?? raise(missing('name'));
        const from = str(inv.args, 'from');
        return e.createBranch(name, from ? { from } : {});
      }
      const from = inv.node?.kind === 'branch' ? inv.node.branch.name : undefined;
      const name = need(
        await askText({
          title: 'Create Branch',
          prompt: from ? `Name of the new branch, starting at the head of ${from}` : 'Name of the new branch, starting at the head checkpoint',
          validate: (v) => validateBranchName(v, existing),
        }),
      );
      const branch = await e.createBranch(name, from ? { from } : {});
      if (!branch.active) void offerCheckout(branch.name, `Branch ${branch.name} created. Check it out?`);
      return branch;
    },

    [Commands.branchFromHere]: async (inv) => {
      const e = await engine();
      const checkpointId = await resolve.checkpoint(inv, 'Branch from Checkpoint');
      if (inv.args) {
        const name = str(inv.args, 'name') ?? raise(missing('name'));
        return e.createBranch(name, { from: checkpointId });
      }
      const existing = (await e.activeSession())?.branches.map((b) => b.name) ?? [];
      const label = inv.node?.kind === 'checkpoint' ? inv.node.checkpoint.label : checkpointId;
      const name = need(
        await askText({ title: 'Branch from Here', prompt: `Name of the new branch, starting at "${label}"`, validate: (v) => validateBranchName(v, existing) }),
      );
      const branch = await e.createBranch(name, { from: checkpointId });
      if (!branch.active) void offerCheckout(branch.name, `Branch ${branch.name} created at "${label}". Check it out?`);
      return branch;
    },

    [Commands.renameBranch]: async (inv) => {
      const e = await engine();
      const oldName = await resolve.branch(inv, 'Rename Branch', { keys: ['branch', 'oldName', 'value'] });
      let newName: string;
      if (inv.args) newName = str(inv.args, 'newName') ?? raise(missing('newName'));
      else {
        const existing = (await e.activeSession())?.branches.map((b) => b.name).filter((n) => n !== oldName) ?? [];
        newName = need(
          await askText({ title: 'Rename Branch', prompt: `New name for branch ${oldName}`, value: oldName, validate: (v) => validateBranchName(v, existing) }),
        );
      }
      if (newName !== oldName) await e.renameBranch(oldName, newName);
      return undefined;
    },

    [Commands.deleteBranch]: async (inv) => {
      const e = await engine();
      const name = await resolve.branch(inv, 'Delete Branch', { excludeActive: true });
      if (!inv.args) {
        const choice = await vscode.window.showWarningMessage(
          `Delete branch ${name}?`,
          { modal: true, detail: 'Only the name goes: its checkpoints stay in the tree as a line growing from where the branch began. Files are not touched.' },
          'Delete',
        );
        if (choice !== 'Delete') return undefined;
      }
      await e.deleteBranch(name);
      return undefined;
    },

    [Commands.newSession]: async (inv) => {
      const e = await engine();
      let title = str(inv.args, 'title', 'value');
      if (!inv.args) {
        title = need(await askText({ title: 'New Session', prompt: 'Title of the new session (leave empty for a default title)', allowEmpty: true }));
      }
      const session = await e.newSession(title ? { title } : {});
      if (!inv.args) vscode.window.setStatusBarMessage(`$(history) Session "${session.title}" started`, 4000);
      return session;
    },

    [Commands.switchSession]: async (inv) => {
      const e = await engine();
      const { id } = await resolve.session(inv, 'Switch Session', { excludeActive: true });
      await e.switchSession(id);
      if (!inv.args) vscode.window.setStatusBarMessage('$(history) Switched session; files were not changed', 4000);
      return undefined;
    },

    [Commands.renameSession]: async (inv) => {
      const e = await engine();
      // `value` is the new title here, not the session.
      const { id, info } = await resolve.session(inv, 'Rename Session', { keys: ['sessionId', 'id'], orActive: true });
      const title = inv.args
        ? (str(inv.args, 'title', 'value') ?? raise(missing('title')))
        : need(await askText({ title: 'Rename Session', prompt: 'New title of the session', value: info?.title }));
      await e.renameSession(id, title);
      return undefined;
    },

    [Commands.forkSession]: async (inv) => {
      const e = await engine();
      const checkpointId = await resolve.checkpoint(inv, 'Fork Session from Checkpoint');
      let title = str(inv.args, 'title');
      if (!inv.args) {
        const from = inv.node?.kind === 'checkpoint' ? inv.node.session.title : ((await e.activeSession())?.title ?? 'session');
        title = need(await askText({ title: 'Fork Session from Here', prompt: 'Title of the new session', value: `Fork of ${from}` }));
      }
      const session = await e.forkSession(checkpointId, title ? { title } : {});
      if (!inv.args && !session.active) {
        const choice = await vscode.window.showInformationMessage(`Session "${session.title}" forked. Switch to it? Files are not changed.`, 'Switch');
        if (choice === 'Switch') await e.switchSession(session.id);
      }
      return session;
    },

    [Commands.deleteSession]: async (inv) => {
      const e = await engine();
      const { id, info } = await resolve.session(inv, 'Delete Session');
      // Chosen by a person (tree node or pick): confirm first.
      if (info) {
        const choice = await vscode.window.showWarningMessage(
          `Delete session "${info.title}"?`,
          { modal: true, detail: `Its ${plural(info.checkpointCount, 'checkpoint')} and branches are deleted from the store. Files in the workspace are not touched.` },
          'Delete',
        );
        if (choice !== 'Delete') return undefined;
      }
      await e.deleteSession(id);
      return undefined;
    },

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
      const s = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Session Tree: checking and importing the session…' },
        () => e.importSession(from, title ? { title } : {}),
      );
      log.info(`Imported "${s.title}" (${plural(s.checkpointCount, 'checkpoint')}) from ${from}`);
      tree.refreshNow();
      if (!inv.args) {
        const choice = await vscode.window.showInformationMessage(`Imported "${s.title}" with ${plural(s.checkpointCount, 'checkpoint')}. No file was changed.`, 'Switch to It');
        if (choice === 'Switch to It') await e.switchSession(s.id);
      }
      return s;
    },

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

    [Commands.undoLastRestore]: (inv) => restore({ kind: 'undo' }, inv),

    [Commands.openAllResults]: async () => {
      const result = results.result ?? (await (await engine()).lastRestore());
      if (!result) throw new Error('No restore has run yet.');
      return openRestoreChanges(result);
    },

    [Commands.openDiff]: (inv) => {
      const node = inv.node;
      if (node?.kind === 'file') return openCheckpointChange(node.change, node.checkpointLabel);
      if (node?.kind === 'workingFile') return openWorkingChange(node.change);
      if (node?.kind === 'resultFile') return openRestoreChange(node.result, node.file);
      return undefined;
    },

    [Commands.loadMore]: (inv) => {
      if (inv.node?.kind === 'more') tree.loadMore(inv.node);
    },
  };
  return (Object.keys(table) as CommandId[]).map((id) => createCommand(services, id, table[id], { quiet: QUIET.has(id) }));
}
