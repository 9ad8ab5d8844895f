// Lines added / removed between two versions of a file, for `+a −d` in the tree.
import { diffArrays } from 'diff';

const BINARY_PROBE = 8000;
const MAX_DIFF_BYTES = 1 << 20;

export function isBinary(data: Uint8Array): boolean {
  const n = Math.min(data.length, BINARY_PROBE);
  for (let i = 0; i < n; i++) if (data[i] === 0) return true;
  return false;
}

function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Counts changed lines. Large or very different files fall back to whole-file counts. */
export function lineStats(before: Uint8Array | undefined, after: Uint8Array | undefined): { added: number; removed: number; binary: boolean } {
  if ((before && isBinary(before)) || (after && isBinary(after))) return { added: 0, removed: 0, binary: true };
  const a = before ? splitLines(Buffer.from(before).toString('utf8')) : [];
  const b = after ? splitLines(Buffer.from(after).toString('utf8')) : [];
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
