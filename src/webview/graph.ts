/// <reference lib="dom" />
// The history graph's page (bundled by scripts/build.mjs into dist/graphView.js). It draws what the
// panel sends — a session's every checkpoint — as a virtualised list of graph rows (only the rows in
// view exist in the page, so 10,000 checkpoints scroll as fast as 10), and sends back what the
// person does: select, open a file's diff, run an action, filter. Keyboard: ↑ ↓ PageUp PageDown
// Home End move, Enter opens the checkpoint's changes, the context-menu key or Shift+F10 opens the
// menu, / focuses the filter.
import { actionsFor, openMenu, renderDetails } from './graphDetails';
import { type GraphLayout, layoutGraph } from './graphLayout';
import { type FromGraph, type GraphAction, type GraphCheckpoint, type GraphDetails, parseToGraph, type ToGraph } from './graphProtocol';
import { ROW_HEIGHT, renderRow, type RowTags } from './graphRows';

interface VsCodeApi {
  postMessage(message: FromGraph): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const OVERSCAN = 8;
const FILTER_DELAY_MS = 250;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const list = $<HTMLDivElement>('list');
const spacer = $<HTMLDivElement>('spacer');
const details = $<HTMLDivElement>('details');
const menu = $<HTMLDivElement>('menu');
const filter = $<HTMLInputElement>('filter');
const count = $<HTMLSpanElement>('count');
const title = $<HTMLSpanElement>('title');

let graph: Extract<ToGraph, { type: 'graph' }> | undefined;
let layout: GraphLayout = { rows: [], width: 0 };
/** Checkpoints in row order (newest first). */
let ordered: GraphCheckpoint[] = [];
const positionOf = new Map<string, number>();
const tagsOf = new Map<string, RowTags>();
let selected = -1;
let matches: Set<string> | null = null;
const detailsCache = new Map<string, GraphDetails>();
const saved = (vscode.getState() ?? {}) as { selectedId?: string; filter?: string };

function post(m: FromGraph): void {
  vscode.postMessage(m);
}

/** What survives the page being discarded while hidden: the selection and the filter. */
function saveState(): void {
  vscode.setState({ selectedId: ordered[selected]?.id, filter: filter.value });
}

function setGraph(g: Extract<ToGraph, { type: 'graph' }>): void {
  const keep = g.select ?? (selected >= 0 ? ordered[selected]?.id : saved.selectedId);
  if (graph?.sessionId !== g.sessionId) detailsCache.clear();
  graph = g;
  layout = layoutGraph(g.checkpoints);
  ordered = layout.rows.map((r) => g.checkpoints[r.index]);
  positionOf.clear();
  ordered.forEach((c, i) => positionOf.set(c.id, i));
  const hasChild = new Set(g.checkpoints.map((c) => c.parentId).filter((p): p is string => p !== undefined));
  const branchHeads = new Map<string, string[]>();
  for (const b of g.branches) branchHeads.set(b.headId, [...(branchHeads.get(b.headId) ?? []), b.name]);
  tagsOf.clear();
  for (const c of g.checkpoints) {
    const branches = branchHeads.get(c.id) ?? [];
    tagsOf.set(c.id, { head: c.id === g.headId, branches, rewoundTip: !hasChild.has(c.id) && branches.length === 0 && c.id !== g.headId });
  }
  title.textContent = `${g.title}${g.active ? '' : ' (not the active session: restores are offered in the active one)'} — ${g.checkpoints.length} checkpoint${g.checkpoints.length === 1 ? '' : 's'}`;
  spacer.style.height = `${ordered.length * ROW_HEIGHT}px`;
  const pos = keep !== undefined ? positionOf.get(keep) : undefined;
  select(pos ?? positionOf.get(g.headId) ?? 0, { reveal: true });
  render();
}

function render(): void {
  if (!graph) return;
  const top = list.scrollTop;
  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(ordered.length, Math.ceil((top + list.clientHeight) / ROW_HEIGHT) + OVERSCAN);
  const rows: HTMLElement[] = [];
  for (let i = first; i < last; i++) {
    const c = ordered[i];
    const row = renderRow(c, layout.rows[i], i, layout.width, tagsOf.get(c.id)!);
    if (i === selected) {
      row.classList.add('selected');
      row.setAttribute('aria-selected', 'true');
    }
    if (matches && !matches.has(c.id)) row.classList.add('dim');
    if (matches?.has(c.id)) row.classList.add('match');
    rows.push(row);
  }
  spacer.replaceChildren(...rows);
  list.setAttribute('aria-activedescendant', selected >= 0 && ordered[selected] ? `cp-${ordered[selected].id}` : '');
}

function reveal(i: number): void {
  const y = i * ROW_HEIGHT;
  if (y < list.scrollTop) list.scrollTop = y;
  else if (y + ROW_HEIGHT > list.scrollTop + list.clientHeight) list.scrollTop = y + ROW_HEIGHT - list.clientHeight;
}

function select(i: number, options: { reveal?: boolean } = {}): void {
  if (!graph || ordered.length === 0) return;
  const next = Math.max(0, Math.min(ordered.length - 1, i));
  const changed = next !== selected || !details.dataset.id || details.dataset.id !== ordered[next].id;
  selected = next;
  if (options.reveal) reveal(selected);
  render();
  if (!changed) return;
  const c = ordered[selected];
  details.dataset.id = c.id;
  saveState();
  showDetails(c);
  // Also without files: its metadata (tools, prompt, command) is in the details.
  if (!detailsCache.has(c.id)) post({ type: 'select', id: c.id });
}

function showDetails(c: GraphCheckpoint): void {
  renderDetails(details, c, detailsCache.get(c.id), !!graph?.active, {
    action: runAction,
    openFile: (id, key) => post({ type: 'openFile', id, key }),
  });
}

function runAction(action: GraphAction, id: string): void {
  post({ type: 'action', action, id });
}

function showMenu(x: number, y: number): void {
  const c = ordered[selected];
  if (!c || !graph) return;
  openMenu(menu, x, y, actionsFor(c, graph.active), (a) => runAction(a, c.id), () => list.focus());
}

function rowAt(target: EventTarget | null): number | undefined {
  const row = (target as HTMLElement | null)?.closest?.('.row') as HTMLElement | null;
  return row ? Number(row.dataset.position) : undefined;
}

function nextMatch(direction: 1 | -1): void {
  if (!matches || matches.size === 0) return;
  for (let step = 1; step <= ordered.length; step++) {
    const i = (selected + direction * step + ordered.length) % ordered.length;
    if (matches.has(ordered[i].id)) return select(i, { reveal: true });
  }
}

// ── events ──

list.addEventListener('scroll', () => requestAnimationFrame(render));
window.addEventListener('resize', () => render());

list.addEventListener('click', (e) => {
  const i = rowAt(e.target);
  if (i !== undefined) select(i);
  list.focus();
});
list.addEventListener('dblclick', (e) => {
  const i = rowAt(e.target);
  if (i !== undefined && ordered[i].fileCount > 0) runAction('openChanges', ordered[i].id);
});
list.addEventListener('contextmenu', (e) => {
  e.preventDefault();
  const i = rowAt(e.target);
  if (i !== undefined) select(i);
  showMenu(e.clientX, e.clientY);
});

list.addEventListener('keydown', (e) => {
  const page = Math.max(1, Math.floor(list.clientHeight / ROW_HEIGHT) - 1);
  const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
  if (e.key in moves) select(selected + moves[e.key], { reveal: true });
  else if (e.key === 'Home') select(0, { reveal: true });
  else if (e.key === 'End') select(ordered.length - 1, { reveal: true });
  else if (e.key === 'Enter') {
    const c = ordered[selected];
    if (c?.fileCount) runAction('openChanges', c.id);
  } else if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
    const row = document.getElementById(`cp-${ordered[selected]?.id}`);
    const box = row?.getBoundingClientRect();
    showMenu(box ? box.left + 40 : 40, box ? box.bottom : 40);
  } else if (e.key === '/') filter.focus();
  else return;
  e.preventDefault();
});

let filterTimer: ReturnType<typeof setTimeout> | undefined;
filter.addEventListener('input', () => {
  if (filterTimer) clearTimeout(filterTimer);
  filterTimer = setTimeout(() => post({ type: 'filter', text: filter.value }), FILTER_DELAY_MS);
  saveState();
});
filter.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') nextMatch(e.shiftKey ? -1 : 1);
  else if (e.key === 'ArrowDown') list.focus();
  else if (e.key === 'Escape' && filter.value) {
    filter.value = '';
    saveState();
    post({ type: 'filter', text: '' });
  } else return;
  e.preventDefault();
});

window.addEventListener('message', (event: MessageEvent) => {
  const m = parseToGraph(event.data);
  if (!m) return; // not one of ours, or malformed: ignored
  switch (m.type) {
    case 'graph':
      setGraph(m);
      break;
    case 'details':
      detailsCache.set(m.details.id, m.details);
      if (ordered[selected]?.id === m.details.id) showDetails(ordered[selected]);
      break;
    case 'filtered':
      if (m.text !== filter.value) return; // an older answer
      matches = m.ids ? new Set(m.ids) : null;
      count.textContent = m.ids ? `${m.total} match${m.total === 1 ? '' : 'es'}${m.total > m.ids.length ? ` (first ${m.ids.length} marked)` : ''}` : '';
      if (matches && ordered[selected] && !matches.has(ordered[selected].id)) nextMatch(1);
      render();
      break;
    case 'select': {
      const i = positionOf.get(m.id);
      if (i !== undefined) select(i, { reveal: true });
      list.focus();
      break;
    }
    case 'error':
      count.textContent = m.message;
      break;
  }
});

if (saved.filter) filter.value = saved.filter;
post({ type: 'ready' });
if (saved.filter) post({ type: 'filter', text: saved.filter });
list.focus();
