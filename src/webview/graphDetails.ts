/// <reference lib="dom" />
// The selected checkpoint's pane (its metadata, its files — each opens its diff — and the action
// buttons) and the context menu of a row; both offer the same actions, run by the extension.
import { GRAPH_ACTIONS, type GraphAction, type GraphCheckpoint, type GraphDetails } from './graphProtocol';
import { SOURCE_GLYPHS } from './graphRows';

export const ACTION_TITLES: Record<GraphAction, string> = {
  openChanges: 'Open Changes',
  compareWithCurrent: 'Compare with Current',
  rewindHere: 'Rewind to Here',
  rewindBefore: 'Rewind to Before This',
  branchFromHere: 'Branch from Here',
  labelCheckpoint: 'Label Checkpoint…',
  forkSession: 'Fork Session from Here',
  revealInTree: 'Reveal in Sessions View',
};

/** The actions that apply to a checkpoint, as the tree's menus offer them. */
export function actionsFor(c: GraphCheckpoint, activeSession: boolean): GraphAction[] {
  return GRAPH_ACTIONS.filter((a) => {
    if (a === 'openChanges') return c.fileCount > 0;
    if (a === 'rewindBefore') return activeSession && c.parentId !== undefined;
    if (a === 'rewindHere' || a === 'branchFromHere') return activeSession;
    return true;
  });
}

const CHANGE_LETTERS = { added: 'A', modified: 'M', deleted: 'D' } as const;
const MAX_PROMPT = 400;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export interface DetailsHandlers {
  action(a: GraphAction, id: string): void;
  openFile(id: string, key: string): void;
}

export function renderDetails(pane: HTMLElement, c: GraphCheckpoint, d: GraphDetails | undefined, activeSession: boolean, on: DetailsHandlers): void {
  pane.replaceChildren();
  const [glyph, sourceName] = SOURCE_GLYPHS[c.source];
  const h = el('h2', undefined, `${glyph} ${c.label}`);
  pane.appendChild(h);
  const facts = [sourceName, new Date(c.createdAt).toLocaleString()];
  if (d?.exitCode !== undefined) facts.push(`exit code ${d.exitCode}`);
  pane.appendChild(el('div', 'facts', facts.join(' · ')));
  if (d?.tools?.length) pane.appendChild(el('div', 'facts', `Tools: ${d.tools.join(', ')}`));
  if (d?.command) pane.appendChild(el('div', 'facts mono', `$ ${d.command}`));
  if (d?.prompt) pane.appendChild(el('div', 'prompt', d.prompt.length > MAX_PROMPT ? `${d.prompt.slice(0, MAX_PROMPT)}…` : d.prompt));

  const bar = el('div', 'actions');
  for (const a of actionsFor(c, activeSession)) {
    const b = el('button', 'action', ACTION_TITLES[a]);
    b.dataset.action = a;
    b.addEventListener('click', () => on.action(a, c.id));
    bar.appendChild(b);
  }
  pane.appendChild(bar);

  if (c.fileCount === 0) {
    pane.appendChild(el('div', 'empty', c.parentId === undefined ? 'The workspace as the session began.' : 'No files changed.'));
    return;
  }
  if (!d) {
    pane.appendChild(el('div', 'empty', 'Reading its files…'));
    return;
  }
  const list = el('ul', 'files');
  list.setAttribute('aria-label', `Files changed in ${c.label}`);
  for (const f of d.files) {
    const li = el('li');
    const b = el('button', `file ${f.change}`);
    b.dataset.key = f.key;
    b.title = `Open the diff of ${f.display}`;
    b.append(el('span', 'letter', CHANGE_LETTERS[f.change]), el('span', 'path', f.display), el('span', 'counts', f.binary ? 'binary' : `+${f.added} −${f.removed}`));
    b.addEventListener('click', () => on.openFile(c.id, f.key));
    li.appendChild(b);
    list.appendChild(li);
  }
  pane.appendChild(list);
}

/** A keyboard-navigable menu of actions at (x, y); `onClose` runs when it closes by any means. */
export function openMenu(menu: HTMLElement, x: number, y: number, actions: GraphAction[], run: (a: GraphAction) => void, onClose: () => void): void {
  menu.replaceChildren();
  const items = actions.map((a) => {
    const item = el('div', 'item', ACTION_TITLES[a]);
    item.setAttribute('role', 'menuitem');
    item.tabIndex = -1;
    item.dataset.action = a;
    item.addEventListener('click', () => {
      close();
      run(a);
    });
    menu.appendChild(item);
    return item;
  });
  let focused = 0;
  const focus = (i: number) => {
    focused = (i + items.length) % items.length;
    items[focused].focus();
  };
  const close = () => {
    menu.hidden = true;
    menu.removeEventListener('keydown', onKey);
    document.removeEventListener('mousedown', onOutside, true);
    onClose();
  };
  const onKey = (e: KeyboardEvent) => {
    e.stopPropagation();
    if (e.key === 'ArrowDown') focus(focused + 1);
    else if (e.key === 'ArrowUp') focus(focused - 1);
    else if (e.key === 'Home') focus(0);
    else if (e.key === 'End') focus(items.length - 1);
    else if (e.key === 'Escape' || e.key === 'Tab') close();
    else if (e.key === 'Enter' || e.key === ' ') {
      const a = actions[focused];
      close();
      run(a);
    } else return;
    e.preventDefault();
  };
  const onOutside = (e: MouseEvent) => {
    if (!menu.contains(e.target as Node)) close();
  };
  menu.hidden = false;
  menu.style.left = `${Math.max(0, Math.min(x, window.innerWidth - menu.offsetWidth - 4))}px`;
  menu.style.top = `${Math.max(0, Math.min(y, window.innerHeight - menu.offsetHeight - 4))}px`;
  menu.addEventListener('keydown', onKey);
  document.addEventListener('mousedown', onOutside, true);
  if (items.length) focus(0);
}
