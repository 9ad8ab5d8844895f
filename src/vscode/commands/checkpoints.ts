// Commands on checkpoints: create, label, rewind, roll back, compare with the files now, open a
// checkpoint's changes, restore files from one, revert one checkpoint's changes.
import * as vscode from 'vscode';
import type { CheckpointMeta, CheckpointSource } from '../../core/types';
import { CHECKPOINT_SOURCES } from '../../core/types';
import { openCheckpointChanges, openCompareWithCurrent, openStateVsCurrent, openWorkingChanges } from '../diffs';
import { plural } from '../format';
import { Commands } from '../ids';
import { askRollbackCount, askText } from '../picks';
import type { CommandContext, CommandTable } from './command';
import { activeFile, filePaths, type Invocation, missing, need, PALETTE, raise, str } from './resolve';

export function checkpointCommands(c: CommandContext) {
  const { capture, engine, resolve, restore } = c;

  const rewind = async (inv: Invocation, before: boolean | undefined, title: string) => {
    const checkpointId = await resolve.checkpoint(inv, title);
    const b = before ?? inv.args?.before === true;
    return restore({ kind: 'rewind', checkpointId, ...(b ? { before: true } : {}) }, inv);
  };

  return {
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

    // Only what this checkpoint changed is undone; the plan (and its Preview) says what is merged and what is left.
    [Commands.revertCheckpoint]: async (inv) => {
      const checkpointId = await resolve.checkpoint(inv, "Revert a Checkpoint's Changes");
      return restore({ kind: 'revert', checkpointId }, inv);
    },

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
      await engine(); // a store that is not open is reported before anything else
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
  } satisfies CommandTable;
}
