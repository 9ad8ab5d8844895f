// Show File History: every checkpoint of the active session that changed a file, on every branch and
// line, in a quick pick. Picking one opens what it did to the file (its previous version ↔ its
// version); its buttons compare that version with the file now, restore it (the tree's Restore
// This File, with its confirmation) or show the checkpoint in the history graph.
import * as vscode from 'vscode';
import type { EngineApi } from '../core/engineApi';
import type { FileHistoryEntry } from '../core/queries';
import type { SessionInfo } from '../core/types';
import { openCheckpointChange, openCompareWithCurrent } from './diffs';
import { checkpointIcon, fromNow, lineCounts } from './format';
import { Commands } from './ids';
import type { FileNode } from './sessionsTree';

interface EntryItem extends vscode.QuickPickItem {
  entry: FileHistoryEntry;
}

const COMPARE_CURRENT: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('compare-changes'), tooltip: 'Compare with Current' };
const RESTORE: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('discard'), tooltip: 'Restore This Version' };
const IN_GRAPH: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('type-hierarchy'), tooltip: 'Show in History Graph' };
const IN_TREE: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('list-tree'), tooltip: 'Reveal in Sessions View' };

const CHANGE_WORDS = { added: 'created', modified: 'changed', deleted: 'deleted' } as const;

/** Where a checkpoint sits: on which branches' lines (walking back from each head), else a rewound line. */
function lineNames(session: SessionInfo, entries: FileHistoryEntry[], parents: Map<string, string | undefined>): Map<string, string> {
  const names = new Map<string, string>();
  const wanted = new Set(entries.map((e) => e.checkpoint.id));
  for (const b of [...session.branches].sort((x, y) => Number(y.active) - Number(x.active))) {
    for (let id: string | undefined = b.headId; id !== undefined; id = parents.get(id)) {
      if (wanted.has(id) && !names.has(id)) names.set(id, b.name);
    }
  }
  return names;
}

export async function showFileHistory(engine: EngineApi, file: string, showInGraph: (sessionId: string, checkpointId: string) => Promise<void>): Promise<void> {
  const session = await engine.activeSession();
  if (!session) throw new Error('There is no active session.');
  const rel = vscode.workspace.asRelativePath(file);
  const [entries, graph] = await Promise.all([engine.fileHistory(file), engine.sessionGraph(session.id)]);
  if (entries.length === 0) {
    const status = await engine.trackingStatus(file);
    void vscode.window.showInformationMessage(
      status.tracked ? `No checkpoint of session "${session.title}" changed ${rel}.` : `${rel} is not tracked: ${status.reason ?? 'excluded'}.`,
    );
    return;
  }
  const parents = new Map(graph.checkpoints.map((c) => [c.id, c.parentId]));
  const lines = lineNames(session, entries, parents);
  const items: EntryItem[] = entries.map((entry) => {
    const c = entry.checkpoint;
    const f = entry.change;
    const where = lines.get(c.id);
    return {
      entry,
      label: `$(${checkpointIcon(c).id}) ${c.label}`,
      description: [
        c.id === session.headId ? 'head' : '',
        fromNow(c.createdAt),
        `${CHANGE_WORDS[f.change]}${f.binary ? ' (binary)' : ` ${lineCounts(f)}`}`,
        where ? `⎇ ${where}` : 'rewound line',
      ]
        .filter(Boolean)
        .join(' · '),
      detail: new Date(c.createdAt).toLocaleString(),
      buttons: [COMPARE_CURRENT, RESTORE, IN_GRAPH, IN_TREE],
    };
  });

  const pick = vscode.window.createQuickPick<EntryItem>();
  pick.title = `History of ${rel}`;
  pick.placeholder = `${entries.length} checkpoint${entries.length === 1 ? '' : 's'} of "${session.title}" changed it, newest first. Pick one to see what it did.`;
  pick.items = items;
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  await new Promise<void>((resolve) => {
    const run = (fn: () => Promise<unknown> | Thenable<unknown>) => {
      pick.hide();
      void Promise.resolve(fn()).then(undefined, () => undefined);
    };
    pick.onDidAccept(() => {
      const item = pick.selectedItems[0];
      if (item) run(() => openCheckpointChange(item.entry.change, item.entry.checkpoint.label));
    });
    pick.onDidTriggerItemButton(({ item, button }) => {
      const { checkpoint, change } = item.entry;
      if (button === COMPARE_CURRENT) run(() => openCompareWithCurrent(file, change.after, checkpoint.label));
      else if (button === RESTORE) run(() => vscode.commands.executeCommand(Commands.restoreFile, fileNode(session, item.entry)));
      else if (button === IN_GRAPH) run(() => showInGraph(session.id, checkpoint.id));
      else if (button === IN_TREE) run(() => vscode.commands.executeCommand(Commands.revealInTree, { sessionId: session.id, checkpointId: checkpoint.id }));
    });
    pick.onDidHide(() => {
      pick.dispose();
      resolve();
    });
    pick.show();
  });
}

/** The node Restore This File gets from the tree for this version, so it confirms as it does there. */
export function fileNode(session: SessionInfo, entry: FileHistoryEntry): FileNode {
  return {
    kind: 'file',
    id: `history/${entry.checkpoint.id}/${entry.change.key}`,
    session,
    checkpointId: entry.checkpoint.id,
    checkpointLabel: entry.checkpoint.label,
    change: entry.change,
  };
}
