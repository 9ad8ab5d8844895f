// The one question Session Tree asks about folders: is this new folder one the store knew, which
// has gone from where it was (copied elsewhere and the original deleted, say)? Asked once per
// folder: the open that reports it also records the folder as new, so a "No", or no answer, is
// final; a "Yes" reopens the store with the folder given that one's history (`RootFolder.sameAs`).
import * as vscode from 'vscode';
import type { UnrecognisedFolder } from '../core/types';

export const KEEP_HISTORY = 'Yes, Keep Its History';

/** Asks about each folder; the answers as folder path → the key of the stored folder it is. */
export async function askAboutFolders(folders: readonly UnrecognisedFolder[]): Promise<Map<string, string>> {
  const confirmed = new Map<string, string>();
  for (const f of folders) {
    let key: string | undefined;
    if (f.candidates.length === 1) {
      const c = f.candidates[0];
      const answer = await vscode.window.showInformationMessage(`Session Tree: is ${f.label} (${f.path}) the folder ${c.label} that was at ${c.path}?`, KEEP_HISTORY, 'No');
      if (answer === KEEP_HISTORY) key = c.key;
    } else {
      const pick = await vscode.window.showQuickPick(
        [...f.candidates.map((c) => ({ label: c.label, description: c.path, key: c.key })), { label: 'None of these', description: 'a new folder', key: undefined }],
        { title: `Session Tree: is ${f.label} (${f.path}) one of the folders that were here before?`, ignoreFocusOut: true },
      );
      key = pick?.key;
    }
    if (key) confirmed.set(f.path, key);
  }
  return confirmed;
}
