// Quick picks and input boxes of the palette flows. Each returns undefined when the person cancels.
import * as vscode from 'vscode';
import type { EngineApi } from '../core/engineApi';
import type { SearchField, SearchHit } from '../core/queries';
import type { BranchInfo, CheckpointSummary, SessionInfo } from '../core/types';
import { checkpointIcon, fromNow, lineCounts, plural, SOURCE_NAMES } from './format';

const MAX_PICK_CHECKPOINTS = 500;
/** File names are listed for this many of the newest checkpoints (each costs a store read). */
const NAMED_FILES_PICKS = 40;

interface Item<T> extends vscode.QuickPickItem {
  value: T;
}

export async function pickCheckpoint(
  engine: EngineApi,
  options: { title: string; placeHolder?: string; sessionId?: string; branch?: string; filter?: (c: CheckpointSummary) => boolean },
): Promise<CheckpointSummary | undefined> {
  const session = options.sessionId ? (await engine.sessions()).find((s) => s.id === options.sessionId) : await engine.activeSession();
  if (!session) throw new Error('There is no active session.');
  const load = async (): Promise<Item<CheckpointSummary>[]> => {
    const list = (
      await engine.checkpoints({ sessionId: session.id, branch: options.branch ?? session.activeBranch, limit: MAX_PICK_CHECKPOINTS })
    ).filter(options.filter ?? (() => true));
    const names = await Promise.all(
      list.slice(0, NAMED_FILES_PICKS).map((c) =>
        c.fileCount === 0
          ? Promise.resolve('')
          : engine.checkpoint(c.id).then(
              (info) => info.files.map((f) => f.key.slice(f.key.indexOf('/') + 1)).join(', '),
              () => '',
            ),
      ),
    );
    return list.map((c, i) => ({
      value: c,
      label: `$(${checkpointIcon(c).id}) ${c.label}`,
      description: [c.id === session.headId ? 'head' : '', fromNow(c.createdAt), c.fileCount ? `${plural(c.fileCount, 'file')} ${lineCounts(c)}` : 'no changes']
        .filter(Boolean)
        .join(' · '),
      detail: [SOURCE_NAMES[c.source], names[i]].filter(Boolean).join(' — '),
    }));
  };
  const picked = await vscode.window.showQuickPick(load(), {
    title: options.title,
    placeHolder: options.placeHolder ?? `Checkpoints of ${session.title} / ${options.branch ?? session.activeBranch}, newest first`,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return picked?.value;
}

export async function pickBranch(
  engine: EngineApi,
  options: { title: string; placeHolder?: string; excludeActive?: boolean },
): Promise<BranchInfo | undefined> {
  const session = await engine.activeSession();
  if (!session) throw new Error('There is no active session.');
  const branches = [...session.branches]
    .filter((b) => !(options.excludeActive && b.active))
    .sort((a, b) => Number(b.active) - Number(a.active) || a.name.localeCompare(b.name));
  if (branches.length === 0) {
    void vscode.window.showInformationMessage(`Session "${session.title}" has no other branch. Create one with "Create Branch…".`);
    return undefined;
  }
  const items: Item<BranchInfo>[] = await Promise.all(
    branches.map(async (b) => {
      const [head] = await engine.checkpoints({ sessionId: session.id, fromId: b.headId, limit: 1 }).catch(() => []);
      return {
        value: b,
        label: `${b.active ? '$(check)' : '$(git-branch)'} ${b.name}`,
        description: [b.active ? 'active' : '', head ? `at "${head.label}", ${fromNow(head.createdAt)}` : ''].filter(Boolean).join(' · '),
      };
    }),
  );
  const picked = await vscode.window.showQuickPick(items, {
    title: options.title,
    placeHolder: options.placeHolder ?? `Branches of ${session.title}`,
    matchOnDescription: true,
  });
  return picked?.value;
}

export async function pickSession(
  engine: EngineApi,
  options: { title: string; placeHolder?: string; excludeActive?: boolean },
): Promise<SessionInfo | undefined> {
  const sessions = (await engine.sessions())
    .filter((s) => !(options.excludeActive && s.active))
    .sort((a, b) => Number(b.active) - Number(a.active) || b.createdAt - a.createdAt);
  if (sessions.length === 0) {
    void vscode.window.showInformationMessage('There is no other session. Start one with "New Session".');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    sessions.map((s) => ({
      value: s,
      label: `${s.active ? '$(check)' : '$(history)'} ${s.title}`,
      description: [s.active ? 'active' : '', s.activeBranch, plural(s.checkpointCount, 'checkpoint'), fromNow(s.createdAt)].filter(Boolean).join(' · '),
      detail: s.tags.length ? `Tags: ${s.tags.join(', ')}` : undefined,
    })),
    { title: options.title, placeHolder: options.placeHolder ?? 'Sessions of this workspace', matchOnDescription: true },
  );
  return picked?.value;
}

export async function askText(options: {
  title: string;
  prompt: string;
  value?: string;
  placeHolder?: string;
  allowEmpty?: boolean;
  validate?: (value: string) => string | undefined;
}): Promise<string | undefined> {
  const value = await vscode.window.showInputBox({
    title: options.title,
    prompt: options.prompt,
    value: options.value,
    placeHolder: options.placeHolder,
    // Opened from a walkthrough or a hover link, the box would close as the focus moves back there.
    ignoreFocusOut: true,
    validateInput: (v) => (!options.allowEmpty && v.trim() === '' ? 'Enter a value.' : options.validate?.(v.trim())),
  });
  return value === undefined ? undefined : value.trim();
}

/** Branch names: what a person would type, nothing that would confuse paths or flags. */
export function validateBranchName(name: string, existing: string[]): string | undefined {
  if (!/^[\w][\w.\-/]*$/.test(name)) return 'Use letters, digits, "_", "-", "." and "/", starting with a letter or digit.';
  if (existing.includes(name)) return `A branch named "${name}" already exists.`;
  return undefined;
}

/** Asks N for "Roll Back…", showing where that lands as the person types. */
export async function askRollbackCount(engine: EngineApi): Promise<number | undefined> {
  const session = await engine.activeSession();
  if (!session) throw new Error('There is no active session.');
  const value = await vscode.window.showInputBox({
    title: 'Roll Back',
    prompt: `How many checkpoints back along ${session.activeBranch}?`,
    value: '1',
    validateInput: async (v) => {
      const text = v.trim();
      if (!/^\d+$/.test(text) || Number(text) < 1) return 'Enter a whole number of checkpoints, 1 or more.';
      const n = Number(text);
      const [target] = await engine.checkpoints({ sessionId: session.id, branch: session.activeBranch, offset: n, limit: 1 });
      if (!target) return `The branch is not ${plural(n, 'checkpoint')} long.`;
      return { message: `Rolls back to "${target.label}" (${fromNow(target.createdAt)}).`, severity: vscode.InputBoxValidationSeverity.Info };
    },
  });
  return value === undefined ? undefined : Number(value.trim());
}

/** What Find Checkpoint and Filter Sessions read (core/queries.ts `parseSearch`). */
export const FILTER_PLACEHOLDER = 'Words, "a phrase", label: prompt: command: tool: file: cwd:, source:agent,terminal, after:2d, before:2026-01-31';
const FIND_DELAY_MS = 200;
/** Hits shown at once in Find Checkpoint (the count says how many matched). */
const FIND_SHOWN = 1000;
const FIELD_NAMES: Record<SearchField, string> = {
  label: 'label', prompt: 'prompt', command: 'command line', tool: 'tool names', file: 'file paths', source: 'source', cwd: 'working folder',
};

export interface FoundCheckpoint {
  hit: SearchHit;
  /** What the person asked for: the checkpoint in the graph (Enter), its changes or its row in the Sessions view (buttons). */
  open: 'graph' | 'changes' | 'tree';
}

/**
 * Find Checkpoint…: searches every session and branch as the person types (the engine's search, not
 * the quick pick's own filter, and without the newest-500 limit of the other pickers).
 */
export async function findCheckpoint(engine: EngineApi, initial = ''): Promise<FoundCheckpoint | undefined> {
  const sessions = await engine.sessions();
  const heads = new Set(sessions.filter((s) => s.active).map((s) => s.headId));
  const changesButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('diff'), tooltip: 'Open Changes' };
  const revealButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('list-tree'), tooltip: 'Reveal in Sessions View' };
  const pick = vscode.window.createQuickPick<Item<SearchHit>>();
  pick.title = 'Find Checkpoint';
  pick.placeholder = FILTER_PLACEHOLDER;
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  pick.value = initial;
  let generation = 0;
  const search = async () => {
    const mine = ++generation;
    const text = pick.value.trim();
    if (!text) {
      pick.items = [];
      pick.busy = false;
      return;
    }
    pick.busy = true;
    try {
      const r = await engine.searchCheckpoints({ text, limit: FIND_SHOWN });
      if (mine !== generation) return;
      pick.items = r.hits.map((hit) => {
        const c = hit.checkpoint;
        return {
          value: hit,
          // The engine has matched already: shown whatever the quick pick's own filter thinks.
          alwaysShow: true,
          label: `$(${checkpointIcon(c).id}) ${c.label}`,
          description: [hit.sessionTitle, heads.has(c.id) ? 'head' : '', fromNow(c.createdAt), c.fileCount ? `${plural(c.fileCount, 'file')} ${lineCounts(c)}` : '']
            .filter(Boolean)
            .join(' · '),
          detail: [SOURCE_NAMES[c.source], hit.matched.length ? `found in ${hit.matched.map((f) => FIELD_NAMES[f]).join(', ')}` : '', new Date(c.createdAt).toLocaleString()]
            .filter(Boolean)
            .join(' — '),
          buttons: c.fileCount ? [changesButton, revealButton] : [revealButton],
        };
      });
      pick.title = `Find Checkpoint: ${r.total === 0 ? 'no match' : r.total > r.hits.length ? `${r.total} matches, newest ${r.hits.length} shown` : plural(r.total, 'match', 'matches')}`;
    } catch (e) {
      if (mine === generation) pick.title = `Find Checkpoint: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      if (mine === generation) pick.busy = false;
    }
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new Promise<FoundCheckpoint | undefined>((resolve) => {
    let result: FoundCheckpoint | undefined;
    pick.onDidChangeValue(() => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void search(), FIND_DELAY_MS);
    });
    pick.onDidAccept(() => {
      const item = pick.selectedItems[0];
      if (!item) return;
      result = { hit: item.value, open: 'graph' };
      pick.hide();
    });
    pick.onDidTriggerItemButton(({ item, button }) => {
      result = { hit: item.value, open: button === revealButton ? 'tree' : 'changes' };
      pick.hide();
    });
    pick.onDidHide(() => {
      if (timer) clearTimeout(timer);
      pick.dispose();
      resolve(result);
    });
    pick.show();
    if (initial) void search();
  });
}
