/// <reference lib="dom" />
// How one row of the history graph is drawn: its lanes (an SVG), the checkpoint's source glyph,
// label, tags (head, branches, the tip of a line a rewind left) and time, files and `+a −d`.
import type { GraphRow } from './graphLayout';
import type { GraphCheckpoint } from './graphProtocol';
import { fromNow } from '../vscode/words';

export const ROW_HEIGHT = 26;
const LANE_WIDTH = 16;
const MAX_LANES_DRAWN = 24;
const LANE_COLOURS = 8;

/** A glyph per source (no icon font: the page loads nothing from outside), and its name. */
export const SOURCE_GLYPHS: Record<GraphCheckpoint['source'], [string, string]> = {
  start: ['▶', 'session start'],
  editor: ['✎', 'editor saves'],
  agent: ['✦', 'agent turn'],
  terminal: ['❯', 'terminal command'],
  manual: ['⚑', 'manual checkpoint'],
  safety: ['◈', 'safety checkpoint'],
  external: ['◎', 'changed outside VS Code'],
};

export interface RowTags {
  head: boolean;
  branches: string[];
  /** The newest checkpoint of a line no branch points at: what a rewind left behind. */
  rewoundTip: boolean;
}

const SVG = 'http://www.w3.org/2000/svg';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function lanes(row: GraphRow, width: number, head: boolean): SVGSVGElement {
  const w = Math.min(width, MAX_LANES_DRAWN);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', String(w * LANE_WIDTH + 4));
  svg.setAttribute('height', String(ROW_HEIGHT));
  svg.setAttribute('aria-hidden', 'true');
  svg.classList.add('lanes');
  const x = (l: number) => Math.min(l, MAX_LANES_DRAWN - 1) * LANE_WIDTH + LANE_WIDTH / 2 + 2;
  const mid = ROW_HEIGHT / 2;
  const line = (d: string, lane: number) => {
    const p = document.createElementNS(SVG, 'path');
    p.setAttribute('d', d);
    p.setAttribute('class', `edge c${lane % LANE_COLOURS}`);
    svg.appendChild(p);
  };
  for (const t of row.through) line(`M${x(t)} 0V${ROW_HEIGHT}`, t);
  for (const j of row.joins) {
    line(j === row.lane ? `M${x(j)} 0V${mid}` : `M${x(j)} 0C${x(j)} ${mid * 0.8} ${x(row.lane)} ${mid * 0.4} ${x(row.lane)} ${mid}`, j);
  }
  if (row.down) line(`M${x(row.lane)} ${mid}V${ROW_HEIGHT}`, row.lane);
  const dot = document.createElementNS(SVG, 'circle');
  dot.setAttribute('cx', String(x(row.lane)));
  dot.setAttribute('cy', String(mid));
  dot.setAttribute('r', head ? '5.5' : '4');
  dot.setAttribute('class', `dot c${row.lane % LANE_COLOURS}${head ? ' head' : ''}`);
  svg.appendChild(dot);
  return svg;
}

/** The row's element (an `option` of the list), positioned at `position`. */
export function renderRow(c: GraphCheckpoint, row: GraphRow, position: number, width: number, tags: RowTags): HTMLElement {
  const div = el('div', 'row');
  div.id = `cp-${c.id}`;
  div.setAttribute('role', 'option');
  div.dataset.id = c.id;
  div.dataset.position = String(position);
  div.style.top = `${position * ROW_HEIGHT}px`;
  div.appendChild(lanes(row, width, tags.head));
  const [glyph, sourceName] = SOURCE_GLYPHS[c.source];
  const icon = el('span', `source s-${c.source}${c.source === 'terminal' && c.exitCode ? ' failed' : ''}`, glyph);
  icon.title = sourceName;
  div.appendChild(icon);
  div.appendChild(el('span', 'label', c.label));
  if (tags.head) div.appendChild(el('span', 'tag head', 'head'));
  for (const b of tags.branches) div.appendChild(el('span', 'tag branch', `⎇ ${b}`));
  if (tags.rewoundTip) div.appendChild(el('span', 'tag rewound', 'rewound line'));
  const parts = [fromNow(c.createdAt)];
  if (c.fileCount > 0) parts.push(`${c.fileCount} file${c.fileCount === 1 ? '' : 's'} +${c.added} −${c.removed}`);
  if (c.source === 'terminal' && c.exitCode) parts.push(`exit ${c.exitCode}`);
  const meta = el('span', 'meta', parts.join(' · '));
  meta.title = new Date(c.createdAt).toLocaleString();
  div.appendChild(meta);
  div.setAttribute(
    'aria-label',
    [c.label, sourceName, tags.head ? 'head' : '', ...tags.branches.map((b) => `branch ${b}`), tags.rewoundTip ? 'rewound line' : '', ...parts]
      .filter(Boolean)
      .join(', '),
  );
  return div;
}
