// A three-way merge of text, line by line (diff3): the changes from `base` to `ours` and from
// `base` to `theirs` are combined where they touch different lines; where both change the same or
// adjacent lines differently it is a conflict and nothing is merged. Bytes are kept exactly (the
// text is read as latin1, so any encoding and any line ending survive).
import { diffArrays } from 'diff';

/** Past this many bytes (the three versions together) a file is not merged. */
const MAX_MERGE_BYTES = 8 << 20;
/** Past this many differing lines between two versions, a merge gives up (it would be slow and unlikely to be clean). */
const MAX_EDIT_LENGTH = 5000;

export type MergeResult = { ok: true; merged: Buffer } | { ok: false; reason: string };

/** One change from base: base lines [start, end) replaced by `lines`. */
interface Hunk {
  start: number;
  end: number;
  lines: string[];
}

function splitLines(b: Uint8Array): string[] {
  const text = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function hunks(base: string[], other: string[]): Hunk[] | undefined {
  const parts = diffArrays(base, other, { maxEditLength: MAX_EDIT_LENGTH });
  if (!parts) return undefined;
  const out: Hunk[] = [];
  let at = 0;
  let cur: Hunk | undefined;
  for (const p of parts) {
    const n = p.count ?? p.value.length;
    if (!p.added && !p.removed) {
      if (cur) out.push(cur);
      cur = undefined;
      at += n;
      continue;
    }
    cur ??= { start: at, end: at, lines: [] };
    if (p.removed) {
      at += n;
      cur.end = at;
    } else {
      cur.lines.push(...p.value);
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** `base[start, end)` with the given hunks (all inside it) applied. */
function applyIn(base: string[], start: number, end: number, hs: Hunk[]): string[] {
  const out: string[] = [];
  let at = start;
  for (const h of hs) {
    for (; at < h.start; at++) out.push(base[at]);
    out.push(...h.lines);
    at = h.end;
  }
  for (; at < end; at++) out.push(base[at]);
  return out;
}

/** Merges the changes base → ours and base → theirs. */
export function merge3(base: Uint8Array, ours: Uint8Array, theirs: Uint8Array): MergeResult {
  if (base.length + ours.length + theirs.length > MAX_MERGE_BYTES) return { ok: false, reason: 'it is too large to merge' };
  const b = splitLines(base);
  const a = hunks(b, splitLines(ours));
  const t = hunks(b, splitLines(theirs));
  if (!a || !t) return { ok: false, reason: 'its versions differ too much to merge' };
  const out: string[] = [];
  let at = 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < t.length) {
    // The next group: hunks of either side that overlap or touch, taken transitively.
    const first = j >= t.length || (i < a.length && a[i].start <= t[j].start) ? a[i] : t[j];
    let start = first.start;
    let end = first.end;
    const ga: Hunk[] = [];
    const gt: Hunk[] = [];
    for (;;) {
      if (i < a.length && a[i].start <= end && (ga.length + gt.length === 0 || a[i].end >= start)) {
        ga.push(a[i]);
        start = Math.min(start, a[i].start);
        end = Math.max(end, a[i].end);
        i++;
      } else if (j < t.length && t[j].start <= end && (ga.length + gt.length === 0 || t[j].end >= start)) {
        gt.push(t[j]);
        start = Math.min(start, t[j].start);
        end = Math.max(end, t[j].end);
        j++;
      } else break;
    }
    for (; at < start; at++) out.push(b[at]);
    if (ga.length && gt.length) {
      const mine = applyIn(b, start, end, ga);
      const theirsPart = applyIn(b, start, end, gt);
      if (mine.length !== theirsPart.length || mine.some((l, k) => l !== theirsPart[k])) {
        return { ok: false, reason: `both change the same lines (line ${start + 1}${end - start > 1 ? `–${end}` : ''} of the version it left)` };
      }
      out.push(...mine);
    } else {
      out.push(...applyIn(b, start, end, ga.length ? ga : gt));
    }
    at = end;
  }
  for (; at < b.length; at++) out.push(b[at]);
  return { ok: true, merged: Buffer.from(out.join(''), 'latin1') };
}
