// `+a −d` line counts: the fast path (only the lines between the common start and end of two
// versions are split and compared) must count what a plain line diff of the whole files counts.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { diffArrays } from 'diff';
import fc from 'fast-check';
import { lineStats } from '../../src/core/lines';

/** The reference: every line of both versions, diffed as a whole. */
function plainCounts(a: string, b: string): { added: number; removed: number } {
  const split = (t: string) => {
    if (t === '') return [];
    const l = t.split('\n');
    if (l[l.length - 1] === '') l.pop();
    return l;
  };
  let added = 0;
  let removed = 0;
  for (const p of diffArrays(split(a), split(b))) {
    if (p.added) added += p.count ?? p.value.length;
    else if (p.removed) removed += p.count ?? p.value.length;
  }
  return { added, removed };
}

const line = fc.constantFrom('', 'a', 'b', 'x = 1;', '}', '  return y;', 'é', '\r');
const text = fc.array(line, { maxLength: 30 }).chain((lines) =>
  fc.boolean().map((trailing) => lines.join('\n') + (trailing && lines.length ? '\n' : '')),
);
/** A second version made by edits to the first: lines inserted, removed, changed; the end newline toggled. */
const pair = text.chain((a) =>
  fc.array(fc.tuple(fc.nat(), fc.constantFrom('insert', 'remove', 'change', 'toggle-newline'), line), { maxLength: 6 }).map((edits) => {
    const lines = a.split('\n');
    for (const [at, kind, l] of edits) {
      const i = at % (lines.length + 1);
      if (kind === 'insert') lines.splice(i, 0, l);
      else if (kind === 'remove') lines.splice(i, 1);
      else if (kind === 'change') lines[Math.min(i, lines.length - 1)] = l;
      else if (lines[lines.length - 1] === '') lines.pop();
      else lines.push('');
    }
    return [a, lines.join('\n')] as const;
  }),
);

describe('line counts', () => {
  it('count what a diff of the whole files counts, for random edits', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const got = lineStats(Buffer.from(a), Buffer.from(b));
        assert.deepEqual({ added: got.added, removed: got.removed }, plainCounts(a, b), JSON.stringify([a, b]));
        assert.equal(got.binary, false);
      }),
      { numRuns: 3000, seed: 20261121 },
    );
  });

  it('a new file counts all its lines as added, a deleted one as removed; binary files are not counted', () => {
    assert.deepEqual(lineStats(undefined, Buffer.from('a\nb\n')), { added: 2, removed: 0, binary: false });
    assert.deepEqual(lineStats(Buffer.from('a\nb\nc'), undefined), { added: 0, removed: 3, binary: false });
    assert.deepEqual(lineStats(Buffer.from('a\n'), Buffer.from([0, 1, 2])), { added: 0, removed: 0, binary: true });
    // As git decides: a NUL byte within the first 8,000 bytes makes a file binary, one after does not.
    const late = Buffer.concat([Buffer.from('x\n'.repeat(4000)), Buffer.from([0])]);
    assert.equal(lineStats(Buffer.from('x\n'), late).binary, false);
    assert.equal(lineStats(Buffer.from('x\n'), late.subarray(7990)).binary, true);
    // Views into a larger buffer (as the snapshot store hands out) count only their own bytes.
    const big = Buffer.from('zzzz\na\nb\nzzzz');
    assert.deepEqual(lineStats(big.subarray(5, 9), Buffer.from('a\nc\n')), { added: 1, removed: 1, binary: false });
  });
});
