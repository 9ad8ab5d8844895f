// Every diff the extension opens: a checkpoint's change to a file, a stored version vs the file on
// disk, a restore's before ↔ after, and several at once in the multi-file diff editor.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FileChange, FileVersion, RestorePlan, RestoreResult } from '../core/types';
import { describeTarget } from './format';
import { toSnapshotUri } from './snapshots';

/** A stored version's URI, or the empty document when the file is absent in that version. */
function stored(filePath: string, version: FileVersion | undefined, tag: string): vscode.Uri {
  return toSnapshotUri(filePath, version, tag);
}

/** The file on disk, or the empty document when it does not exist now. */
async function onDisk(filePath: string): Promise<vscode.Uri> {
  const uri = vscode.Uri.file(filePath);
  try {
    await vscode.workspace.fs.stat(uri);
    return uri;
  } catch {
    return stored(filePath, undefined, 'absent');
  }
}

async function diff(left: vscode.Uri, right: vscode.Uri, title: string): Promise<void> {
  await vscode.commands.executeCommand('vscode.diff', left, right, title, { preview: true });
}

/** What a checkpoint did to one file: its parent's version ↔ the checkpoint's. */
export function openCheckpointChange(change: FileChange, checkpointLabel: string): Promise<void> {
  return diff(
    stored(change.path, change.before, 'before'),
    stored(change.path, change.after, checkpointLabel),
    `${path.basename(change.path)} (before ↔ "${checkpointLabel}")`,
  );
}

/** A working change: the head's version ↔ the file on disk. */
export async function openWorkingChange(change: FileChange): Promise<void> {
  return diff(
    stored(change.path, change.before, 'head'),
    await onDisk(change.path),
    `${path.basename(change.path)} (head ↔ working changes)`,
  );
}

/** A file's version in a checkpoint ↔ the file on disk now. */
export async function openCompareWithCurrent(filePath: string, version: FileVersion | undefined, checkpointLabel: string): Promise<void> {
  return diff(stored(filePath, version, checkpointLabel), await onDisk(filePath), `${path.basename(filePath)} ("${checkpointLabel}" ↔ current)`);
}

/** What a restore did to one file: before the operation ↔ after it. */
export function openRestoreChange(result: RestoreResult, file: RestoreResult['files'][number]): Promise<void> {
  return diff(
    stored(file.path, file.before, 'before restore'),
    stored(file.path, file.after, 'after restore'),
    `${path.basename(file.path)} (before ↔ after: ${describeTarget(result)})`,
  );
}

/** The file, its left and right documents; an undefined right side shows the file as removed. */
type ChangesEntry = [vscode.Uri, vscode.Uri, vscode.Uri | undefined];

/** Opens the multi-file diff editor; resolves with its tab's title, or undefined when there was nothing to show. */
async function changes(title: string, entries: ChangesEntry[]): Promise<string | undefined> {
  if (entries.length === 0) {
    void vscode.window.showInformationMessage(`${title}: no file changes to show.`);
    return undefined;
  }
  await vscode.commands.executeCommand('vscode.changes', title, entries);
  return title;
}

/** All of a checkpoint's changes in the multi-file diff editor. */
export function openCheckpointChanges(files: FileChange[], checkpointLabel: string): Promise<string | undefined> {
  return changes(
    `Changes in "${checkpointLabel}"`,
    files.map((f) => [vscode.Uri.file(f.path), stored(f.path, f.before, 'before'), stored(f.path, f.after, checkpointLabel)]),
  );
}

export async function openWorkingChanges(files: FileChange[]): Promise<string | undefined> {
  const entries: ChangesEntry[] = [];
  for (const f of files) entries.push([vscode.Uri.file(f.path), stored(f.path, f.before, 'head'), await onDisk(f.path)]);
  return changes('Working changes (head ↔ working)', entries);
}

/** Every file of a restore, before ↔ after. */
export function openRestoreChanges(result: RestoreResult): Promise<string | undefined> {
  return changes(
    `${describeTarget(result)} (before ↔ after)`,
    result.files
      .filter((f) => f.before?.hash !== f.after?.hash)
      .map((f) => [vscode.Uri.file(f.path), stored(f.path, f.before, 'before restore'), stored(f.path, f.after, 'after restore')]),
  );
}

/**
 * A plan before it runs: each file on disk now ↔ what the operation would write; a file it would
 * remove has no right side, so the editor shows it as removed (not as an empty file).
 */
export async function openPlan(plan: RestorePlan, title: string): Promise<string | undefined> {
  const entries: ChangesEntry[] = [];
  for (const e of plan.entries) {
    if (e.action === 'skip') continue;
    const after = e.action === 'remove' ? undefined : stored(e.path, e.target, `after: ${plan.targetLabel}`);
    entries.push([vscode.Uri.file(e.path), await onDisk(e.path), after]);
  }
  return changes(`Preview: ${title} (current ↔ after)`, entries);
}

/** A checkpoint's whole state against the files now: what rewinding there would change. */
export async function openStateVsCurrent(plan: RestorePlan, checkpointLabel: string): Promise<string | undefined> {
  const entries: ChangesEntry[] = [];
  for (const e of plan.entries) entries.push([vscode.Uri.file(e.path), stored(e.path, e.target, checkpointLabel), await onDisk(e.path)]);
  return changes(`"${checkpointLabel}" ↔ current`, entries);
}
