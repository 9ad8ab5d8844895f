// Lines added / removed between two versions of a file, for `+a −d` in the tree.
import { diffArrays } from 'diff';

const BINARY_PROBE = 8000;
const MAX_DIFF_BYTES = 1 << 20;

export function isBinary(data: Uint8Array): boolean {
  // A NUL byte in the first 8,000 (as git decides); `indexOf` searches natively.
  return Buffer.from(data.buffer, data.byteOffset, Math.min(data.length, BINARY_PROBE)).indexOf(0) !== -1;
}

function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Where two versions differ, widened to whole lines: [start, endA) of `a` and [start, endB) of `b`.
 * What lies outside is the same bytes in both, cut at line starts, so counting lines only inside
 * gives the same counts (a common prefix and suffix are part of every longest common subsequence).
 */
function differingLines(a: Uint8Array, b: Uint8Array): { start: number; endA: number; endB: number } {
  const min = Math.min(a.length, b.length);
  let p = 0;
  while (p < min && a[p] === b[p]) p++;
  // Back to the start of the line the first difference is on.
  let start = p;
  while (start > 0 && a[start - 1] !== 10) start--;
  let s = 0;
  const maxSuffix = min - start;
  while (s < maxSuffix && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  // Forward to a line start strictly inside the common suffix (the same in both).
  let k = a.length - s;
  while (k < a.length && a[k] !== 10) k++;
  if (k >= a.length) return { start, endA: a.length, endB: b.length };
  const tail = a.length - (k + 1);
  return { start, endA: a.length - tail, endB: b.length - tail };
}

/** Counts changed lines. Large or very different files fall back to whole-file counts. */
export function lineStats(before: Uint8Array | undefined, after: Uint8Array | undefined): { added: number; removed: number; binary: boolean } {
  if ((before && isBinary(before)) || (after && isBinary(after))) return { added: 0, removed: 0, binary: true };
  let a: string[];
  let b: string[];
  if (before && after) {
    const d = differingLines(before, after);
    a = splitLines(Buffer.from(before.buffer, before.byteOffset + d.start, d.endA - d.start).toString('utf8'));
    b = splitLines(Buffer.from(after.buffer, after.byteOffset + d.start, d.endB - d.start).toString('utf8'));
  } else {
    a = before ? splitLines(Buffer.from(before.buffer, before.byteOffset, before.byteLength).toString('utf8')) : [];
    b = after ? splitLines(Buffer.from(after.buffer, after.byteOffset, after.byteLength).toString('utf8')) : [];
  }
  // Common prefix and suffix first: most edits touch a few lines of a long file.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  if (midA.length === 0 || midB.length === 0) return { added: midB.length, removed: midA.length, binary: false };
  const size = (before?.length ?? 0) + (after?.length ?? 0);
  if (size <= MAX_DIFF_BYTES) {
    const parts = diffArrays(midA, midB, { maxEditLength: 2000 });
    if (parts) {
      let added = 0;
      let removed = 0;
      for (const p of parts) {
        if (p.added) added += p.count ?? p.value.length;
        else if (p.removed) removed += p.count ?? p.value.length;
      }
      return { added, removed, binary: false };
    }
  }
  return { added: midB.length, removed: midA.length, binary: false };
}
