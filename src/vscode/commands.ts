// Every command, registered through one wrapper. A command invoked from the palette or a tree node
// asks for what it needs; invoked with an arguments object (tasks, keybindings, tests, agents) it
// never prompts and rethrows errors to its caller.
import * as vscode from 'vscode';
import type { EngineApi } from '../core/engineApi';
import type { CheckpointMeta, CheckpointSource, RestoreTarget } from '../core/types';
import { CHECKPOINT_SOURCES } from '../core/types';
import type { Capture } from './capture';
import {
  openCheckpointChange,
  openCheckpointChanges,
  openCompareWithCurrent,
  openRestoreChange,
  openRestoreChanges,
  openStateVsCurrent,
  openWorkingChange,
  openWorkingChanges,
} from './diffs';
import type { EngineHost } from './engineHost';
import { plural } from './format';
import { Commands, type CommandId } from './ids';
import { errorCode, type Log } from './log';
import { askRollbackCount, askText, pickBranch, pickCheckpoint, pickSession, validateBranchName } from './picks';
import type { Restorer } from './restore';
import { isResultFileNode, type ResultFileNode, type ResultsView } from './resultsView';
import { isSessionsNode, type SessionsNode, type SessionsTreeProvider } from './sessionsTree';

export interface CommandServices {
  host: EngineHost;
  log: Log;
  capture: Capture;
  restorer: Restorer;
  tree: SessionsTreeProvider;
  results: ResultsView;
  /** Command titles as contributed in package.json (declared there once). */
  titles: ReadonlyMap<string, string>;
}

type Node = SessionsNode | ResultFileNode;
type Args = Record<string, unknown>;

/** What a command was invoked with: a tree node, an arguments object, or nothing (palette). */
type Invocation = { node: Node; args?: undefined } | { node?: undefined; args: Args } | { node?: undefined; args?: undefined };

function invocation(first: unknown): Invocation {
  if (isSessionsNode(first) || isResultFileNode(first)) return { node: first };
  if (first === undefined || first === null) return {};
  if (typeof first === 'object' && !(first instanceof vscode.Uri)) return { args: first as Args };
  // Scalars (a checkpoint id, a branch name, a count) and URIs are shorthand for the main argument.
  return { args: { value: first } };
}

class Cancelled extends Error {}

const MESSAGES: Record<string, string> = {
  'not-found': 'It no longer exists',
  'outside-workspace': 'Refused: the path is outside the workspace folders',
  busy: 'Session Tree is busy with another operation; try again in a moment',
  'read-only-store': 'The store is read-only',
  corrupt: 'The store is damaged',
  io: 'A file could not be read or written',
};

export function userMessage(title: string, error: unknown): string {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const prefix = code && MESSAGES[code] ? `${MESSAGES[code]}: ` : '';
  return `${title}: ${prefix}${message}`;
}

/** The one wrapper: logs, turns errors into a message with "Show Log", rethrows for programmatic callers. */
function createCommand(
  services: CommandServices,
  id: CommandId,
  run: (inv: Invocation, rest: unknown[]) => unknown,
  options: { quiet?: boolean } = {},
): vscode.Disposable {
  const { log, titles } = services;
  const title = titles.get(id) ?? id;
  return vscode.commands.registerCommand(id, async (first: unknown, ...rest: unknown[]) => {
    const inv = invocation(first);
    if (!options.quiet) log.info(`${title}${inv.args ? ` ${safeJson(inv.args)}` : ''}`);
    try {
      return await run(inv, rest);
    } catch (e) {
      if (e instanceof Cancelled) return undefined;
      log.error(`${title} failed`, e);
      void vscode.window.showErrorMessage(userMessage(title, e), 'Show Log').then((choice) => choice && log.show());
      if (inv.args) throw e;
      return undefined;
    }
  });
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (v instanceof vscode.Uri ? v.toString() : v));
  } catch {
    return String(value);
  }
}

function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Cancelled();
  return value;
}

function str(args: Args | undefined, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = args?.[k];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

function missing(what: string): Error {
  return Object.assign(new Error(`Missing argument: ${what}.`), { code: 'invalid-argument' });
}

function uriPaths(args: Args | undefined): string[] {
  const raw = args?.uris ?? args?.uri ?? args?.paths ?? args?.path ?? args?.value;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.map((u) => {
    if (u instanceof vscode.Uri) return u.fsPath;
    if (typeof u === 'string') return u.includes('://') ? vscode.Uri.parse(u).fsPath : u;
    throw Object.assign(new Error('Expected file URIs or absolute paths.'), { code: 'invalid-argument' });
  });
}

/** The active editor's file, for palette flows that act on "this file". */
function activeFile(): vscode.Uri | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri;
  return uri?.scheme === 'file' ? uri : undefined;
}

export function registerCommands(s: CommandServices): vscode.Disposable[] {
  const { host, capture, restorer, tree, results, log } = s;
  const engine = (): Promise<EngineApi> => host.get();
  const cmd = (id: CommandId, run: (inv: Invocation, rest: unknown[]) => unknown, options?: { quiet?: boolean }) =>
    createCommand(s, id, run, options);

  const restore = (target: RestoreTarget, inv: Invocation) => restorer.run(target, { interactive: !inv.args });

  const checkpointIdOf = async (inv: Invocation, title: string, key = 'checkpointId'): Promise<string> => {
    if (inv.node?.kind === 'checkpoint') return inv.node.checkpoint.id;
    if (inv.node?.kind === 'file') return inv.node.checkpointId;
    if (inv.args) return str(inv.args, key, 'id', 'value') ?? raise(missing(key));
    return need(await pickCheckpoint(await engine(), { title })).id;
  };

  const rewind = async (inv: Invocation, before: boolean | undefined, title: string) => {
    const checkpointId = await checkpointIdOf(inv, title);
    const b = before ?? inv.args?.before === true;
    return restore({ kind: 'rewind', checkpointId, ...(b ? { before: true } : {}) }, inv);
  };

  const offerCheckout = async (branch: string, message: string) => {
    const choice = await vscode.window.showInformationMessage(message, 'Check Out');
    // The wrapper has already reported any error to the person.
    if (choice === 'Check Out') await vscode.commands.executeCommand(Commands.checkout, { branch, interactive: true }).then(undefined, () => undefined);
  };

  return [
    cmd(Commands.createCheckpoint, async (inv) => {
      let meta: CheckpointMeta;
      if (inv.args) {
        const source = str(inv.args, 'source');
        meta = {
          source: source && (CHECKPOINT_SOURCES as readonly string[]).includes(source) ? (source as CheckpointSource) : 'manual',
          ...(str(inv.args, 'label', 'value') ? { label: str(inv.args, 'label', 'value') } : {}),
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
    }),

    cmd(Commands.rewind, (inv) => rewind(inv, undefined, 'Rewind to Checkpoint')),
    cmd(Commands.rewindHere, (inv) => rewind(inv, false, 'Rewind to Here')),
    cmd(Commands.rewindBefore, (inv) => rewind(inv, true, 'Rewind to Before This')),

    cmd(Commands.rollback, async (inv) => {
      let count: number;
      if (inv.args) {
        const raw = inv.args.count ?? inv.args.value;
        count = typeof raw === 'number' ? raw : Number(raw);
        if (!Number.isInteger(count) || count < 1) throw Object.assign(new Error('count must be a whole number, 1 or more.'), { code: 'invalid-argument' });
      } else {
        count = need(await askRollbackCount(await engine()));
      }
      return restore({ kind: 'rollback', count }, inv);
    }),

    cmd(Commands.checkout, async (inv) => {
      let branch: string;
      const interactive = !inv.args || inv.args.interactive === true;
      if (inv.node?.kind === 'branch') branch = inv.node.branch.name;
      else if (inv.args) branch = str(inv.args, 'branch', 'name', 'value') ?? raise(missing('branch'));
      else branch = need(await pickBranch(await engine(), { title: 'Check Out Branch' })).name;
      const session = await (await engine()).activeSession();
      if (interactive && session?.activeBranch === branch) {
        void vscode.window.showInformationMessage(`Branch ${branch} is already checked out.`);
        return undefined;
      }
      return restorer.run({ kind: 'checkout', branch }, { interactive });
    }),

    cmd(Commands.createBranch, async (inv) => {
      const e = await engine();
      const existing = (await e.activeSession())?.branches.map((b) => b.name) ?? [];
      if (inv.args) {
        const name = str(inv.args, 'name', 'value') ?? raise(missing('name'));
        const from = str(inv.args, 'from');
        return e.createBranch(name, from ? { from } : {});
      }
      let from: string | undefined;
      if (inv.node?.kind === 'branch') from = inv.node.branch.name;
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
    }),

    cmd(Commands.branchFromHere, async (inv) => {
      const e = await engine();
      const checkpointId = await checkpointIdOf(inv, 'Branch from Checkpoint');
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
    }),

    cmd(Commands.renameBranch, async (inv) => {
      const e = await engine();
      let oldName: string;
      if (inv.node?.kind === 'branch') oldName = inv.node.branch.name;
      else if (inv.args) oldName = str(inv.args, 'branch', 'oldName', 'value') ?? raise(missing('branch'));
      else oldName = need(await pickBranch(e, { title: 'Rename Branch' })).name;
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
    }),

    cmd(Commands.deleteBranch, async (inv) => {
      const e = await engine();
      let name: string;
      if (inv.node?.kind === 'branch') name = inv.node.branch.name;
      else if (inv.args) name = str(inv.args, 'branch', 'name', 'value') ?? raise(missing('branch'));
      else name = need(await pickBranch(e, { title: 'Delete Branch', excludeActive: true })).name;
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
    }),

    cmd(Commands.newSession, async (inv) => {
      const e = await engine();
      let title = str(inv.args, 'title', 'value');
      if (!inv.args) {
        title = need(
          await askText({ title: 'New Session', prompt: 'Title of the new session (leave empty for a default title)', allowEmpty: true }),
        );
      }
      const session = await e.newSession(title ? { title } : {});
      if (!inv.args) vscode.window.setStatusBarMessage(`$(history) Session "${session.title}" started`, 4000);
      return session;
    }),

    cmd(Commands.switchSession, async (inv) => {
      const e = await engine();
      let sessionId: string;
      if (inv.node?.kind === 'session') sessionId = inv.node.session.id;
      else if (inv.args) sessionId = str(inv.args, 'sessionId', 'id', 'value') ?? raise(missing('sessionId'));
      else sessionId = need(await pickSession(e, { title: 'Switch Session', excludeActive: true })).id;
      await e.switchSession(sessionId);
      if (!inv.args) vscode.window.setStatusBarMessage('$(history) Switched session; files were not changed', 4000);
      return undefined;
    }),

    cmd(Commands.renameSession, async (inv) => {
      const e = await engine();
      let session = inv.node?.kind === 'session' ? inv.node.session : undefined;
      let sessionId = session?.id ?? str(inv.args, 'sessionId', 'id');
      if (!sessionId && !inv.args) {
        session = need(await pickSession(e, { title: 'Rename Session' }));
        sessionId = session.id;
      }
      if (!sessionId) sessionId = (await e.activeSession())?.id ?? raise(missing('sessionId'));
      const title = inv.args
        ? (str(inv.args, 'title', 'value') ?? raise(missing('title')))
        : need(await askText({ title: 'Rename Session', prompt: 'New title of the session', value: session?.title }));
      await e.renameSession(sessionId, title);
      return undefined;
    }),

    cmd(Commands.forkSession, async (inv) => {
      const e = await engine();
      const checkpointId = await checkpointIdOf(inv, 'Fork Session from Checkpoint');
      let title = str(inv.args, 'title');
      if (!inv.args) {
        const from = inv.node?.kind === 'checkpoint' ? inv.node.session.title : (await e.activeSession())?.title ?? 'session';
        title = need(await askText({ title: 'Fork Session from Here', prompt: 'Title of the new session', value: `Fork of ${from}` }));
      }
      const session = await e.forkSession(checkpointId, title ? { title } : {});
      if (!inv.args && !session.active) {
        const choice = await vscode.window.showInformationMessage(`Session "${session.title}" forked. Switch to it? Files are not changed.`, 'Switch');
        if (choice === 'Switch') await e.switchSession(session.id);
      }
      return session;
    }),

    cmd(Commands.deleteSession, async (inv) => {
      const e = await engine();
      let session = inv.node?.kind === 'session' ? inv.node.session : undefined;
      if (!session && inv.args) {
        const id = str(inv.args, 'sessionId', 'id', 'value') ?? raise(missing('sessionId'));
        await e.deleteSession(id);
        return undefined;
      }
      session ??= need(await pickSession(e, { title: 'Delete Session' }));
      const choice = await vscode.window.showWarningMessage(
        `Delete session "${session.title}"?`,
        { modal: true, detail: `Its ${plural(session.checkpointCount, 'checkpoint')} and branches are deleted from the store. Files in the workspace are not touched.` },
        'Delete',
      );
      if (choice !== 'Delete') return undefined;
      await e.deleteSession(session.id);
      return undefined;
    }),

    cmd(Commands.labelCheckpoint, async (inv) => {
      const e = await engine();
      const checkpointId = await checkpointIdOf(inv, 'Label Checkpoint');
      let label: string;
      if (inv.args) label = str(inv.args, 'label') ?? raise(missing('label'));
      else {
        const current = inv.node?.kind === 'checkpoint' ? inv.node.checkpoint.label : (await e.checkpoint(checkpointId)).label;
        label = need(await askText({ title: 'Label Checkpoint', prompt: 'New label of the checkpoint', value: current }));
      }
      await e.labelCheckpoint(checkpointId, label);
      return undefined;
    }),

    cmd(Commands.compareWithCurrent, async (inv) => {
      const e = await engine();
      if (inv.node?.kind === 'file') {
        const { change, checkpointId, checkpointLabel } = inv.node;
        return openCompareWithCurrent(change.path, await e.fileAt(checkpointId, change.path), checkpointLabel);
      }
      if (inv.node?.kind === 'resultFile') {
        const f = inv.node.file;
        const label = `before: ${inv.node.result.targetLabel}`;
        return openCompareWithCurrent(f.path, f.before, label);
      }
      const file = inv.args ? uriPaths(inv.args)[0] : inv.node ? undefined : activeFile()?.fsPath;
      const checkpointId = await checkpointIdOf(inv, file ? `Compare ${vscode.workspace.asRelativePath(file)} with a Checkpoint` : 'Compare Checkpoint with Current');
      const info = await e.checkpoint(checkpointId);
      if (file) {
        return openCompareWithCurrent(file, await e.fileAt(checkpointId, file), info.label);
      }
      return openStateVsCurrent(await e.plan({ kind: 'rewind', checkpointId }), info.label);
    }),

    cmd(Commands.restoreFile, async (inv) => {
      const e = await engine();
      let checkpointId: string;
      let paths: string[];
      if (inv.node?.kind === 'file') {
        checkpointId = inv.node.checkpointId;
        paths = [inv.node.change.path];
      } else if (inv.node?.kind === 'workingFile') {
        // Back to the head's version: discards this file's working change (kept in the safety checkpoint).
        checkpointId = inv.node.session.headId;
        paths = [inv.node.change.path];
      } else if (inv.args) {
        checkpointId = str(inv.args, 'checkpointId', 'id') ?? raise(missing('checkpointId'));
        paths = uriPaths(inv.args);
        if (paths.length === 0) throw missing('uris');
      } else {
        const file = activeFile() ?? raise(new Error('Open the file to restore in an editor, or use "Restore This File" on a file in the Sessions tree.'));
        paths = [file.fsPath];
        checkpointId = need(await pickCheckpoint(e, { title: `Restore ${vscode.workspace.asRelativePath(file)} from Checkpoint` })).id;
      }
      return restore({ kind: 'restoreFiles', checkpointId, paths }, inv);
    }),

    cmd(Commands.openChanges, async (inv) => {
      const e = await engine();
      const node = inv.node;
      if (node?.kind === 'file' || node?.kind === 'workingFile' || node?.kind === 'resultFile') {
        return vscode.commands.executeCommand(Commands.openDiff, node);
      }
      if (node?.kind === 'working') return openWorkingChanges(node.changes);
      if (node?.kind === 'branch' && node.session.active && node.branch.active) return openWorkingChanges(await e.workingChanges());
      const checkpointId = await checkpointIdOf(inv, 'Open Changes of Checkpoint');
      const info = await e.checkpoint(checkpointId);
      return openCheckpointChanges(info.files, info.label);
    }),

    cmd(Commands.undoLastRestore, (inv) => restore({ kind: 'undo' }, inv)),

    cmd(Commands.refresh, async () => {
      const e = host.current;
      if (e) {
        await capture.flush();
        await e.rescan();
      }
      tree.refreshNow();
      await results.reload();
    }),

    cmd(Commands.showLog, () => log.show(), { quiet: true }),

    cmd(Commands.exportSession, async (inv) => {
      const e = await engine();
      let session = inv.node?.kind === 'session' ? inv.node.session : undefined;
      let sessionId = session?.id ?? str(inv.args, 'sessionId', 'id');
      if (!sessionId && !inv.args) {
        session = need(await pickSession(e, { title: 'Export Session' }));
        sessionId = session.id;
      }
      if (!sessionId) sessionId = (await e.activeSession())?.id ?? raise(missing('sessionId'));
      let file = inv.args ? uriPaths({ value: inv.args.file ?? inv.args.uri ?? inv.args.path })[0] : undefined;
      if (!file) {
        if (inv.args) throw missing('file');
        const title = session?.title ?? (await e.sessions()).find((x) => x.id === sessionId)?.title ?? 'session';
        const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
        const target = await vscode.window.showSaveDialog({
          title: 'Export Session',
          saveLabel: 'Export',
          filters: { 'Session Tree export': ['stexport'] },
          defaultUri: folder ? vscode.Uri.joinPath(folder, '..', `${title.replace(/[^\w.-]+/g, '-')}.stexport`) : undefined,
        });
        file = need(target).fsPath;
      }
      const r = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Session Tree: exporting the session…' },
        () => e.exportSession(sessionId!, file!),
      );
      log.info(`Exported ${plural(r.checkpoints, 'checkpoint')} and ${plural(r.snapshots, 'snapshot')} (${r.bytes} bytes) to ${r.file}`);
      if (!inv.args) void vscode.window.showInformationMessage(`Exported ${plural(r.checkpoints, 'checkpoint')} to ${r.file}.`);
      return r;
    }),

    cmd(Commands.importSession, async (inv) => {
      const e = await engine();
      let file = inv.args ? uriPaths({ value: inv.args.file ?? inv.args.uri ?? inv.args.path ?? inv.args.value })[0] : undefined;
      if (!file) {
        if (inv.args) throw missing('file');
        const picked = await vscode.window.showOpenDialog({
          title: 'Import Session', openLabel: 'Import', canSelectMany: false, filters: { 'Session Tree export': ['stexport'], 'All files': ['*'] },
        });
        file = need(picked?.[0]).fsPath;
      }
      const title = str(inv.args, 'title');
      const s = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Session Tree: checking and importing the session…' },
        () => e.importSession(file!, title ? { title } : {}),
      );
      log.info(`Imported "${s.title}" (${plural(s.checkpointCount, 'checkpoint')}) from ${file}`);
      tree.refreshNow();
      if (!inv.args) {
        const choice = await vscode.window.showInformationMessage(`Imported "${s.title}" with ${plural(s.checkpointCount, 'checkpoint')}. No file was changed.`, 'Switch to It');
        if (choice === 'Switch to It') await e.switchSession(s.id);
      }
      return s;
    }),

    cmd(Commands.verifyStore, async (inv) => {
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
    }),

    cmd(Commands.repairStore, async (inv) => {
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
    }),

    cmd(Commands.openAllResults, async () => {
      const result = results.result ?? (await (await engine()).lastRestore());
      if (!result) throw new Error('No restore has run yet.');
      return openRestoreChanges(result);
    }),

    cmd(
      Commands.openDiff,
      (inv) => {
        const node = inv.node;
        if (node?.kind === 'file') return openCheckpointChange(node.change, node.checkpointLabel);
        if (node?.kind === 'workingFile') return openWorkingChange(node.change);
        if (node?.kind === 'resultFile') return openRestoreChange(node.result, node.file);
        return undefined;
      },
      { quiet: true },
    ),

    cmd(
      Commands.loadMore,
      (inv) => {
        if (inv.node?.kind === 'more') tree.loadMore(inv.node);
      },
      { quiet: true },
    ),
  ];
}

function raise(error: Error): never {
  throw error;
}
