// An export's header as JSON in pieces: the same text as `JSON.stringify(header)`, made one
// checkpoint (and a starting state a few thousand files) at a time, so that an export of a large
// workspace never holds its thread for the whole header (tens of milliseconds at 30,000 files).
import { randomBytes } from 'node:crypto';
import type { ExportCheckpoint, ExportHeader } from './format';

/** Manifest entries per piece. */
const ENTRIES_PER_PIECE = 2048;

/**
 * `JSON.stringify(value)` with the value of property `field` (an array or a plain object) made by
 * `inner` in pieces: the rest is stringified with a placeholder no string can contain (a random
 * token, quoted), which is then cut out.
 */
function* around(value: object, field: string, inner: () => Generator<string, void, void>): Generator<string, void, void> {
  const mark = `\u0000st-${randomBytes(12).toString('hex')}`;
  const text = JSON.stringify({ ...value, [field]: mark });
  const quoted = JSON.stringify(mark);
  const at = text.indexOf(quoted);
  if (at < 0 || text.indexOf(quoted, at + 1) >= 0) throw new Error('the export header could not be written in pieces');
  yield text.slice(0, at);
  yield* inner();
  yield text.slice(at + quoted.length);
}

function* manifestJson(manifest: NonNullable<ExportCheckpoint['manifest']>): Generator<string, void, void> {
  // Property order as JSON.stringify's: no key is an array index (every key has a '/').
  let part: string[] = [];
  let first = true;
  yield '{';
  for (const k in manifest) {
    part.push(`${JSON.stringify(k)}:${JSON.stringify(manifest[k])}`);
    if (part.length >= ENTRIES_PER_PIECE) {
      yield (first ? '' : ',') + part.join(',');
      first = false;
      part = [];
    }
  }
  if (part.length) yield (first ? '' : ',') + part.join(',');
  yield '}';
}

function* checkpointJson(c: ExportCheckpoint): Generator<string, void, void> {
  if (c.manifest === undefined) {
    yield JSON.stringify(c);
    return;
  }
  const manifest = c.manifest;
  yield* around(c, 'manifest', () => manifestJson(manifest));
}

/** The header's JSON, UTF-8, in pieces (concatenated: `JSON.stringify(header)`). */
export function* headerJson(header: ExportHeader): Generator<Buffer, void, void> {
  const text = around(header, 'checkpoints', function* () {
    yield '[';
    for (const [i, c] of header.checkpoints.entries()) {
      if (i > 0) yield ',';
      yield* checkpointJson(c);
    }
    yield ']';
  });
  // Small strings are gathered into one buffer: a piece per comma would be a write each.
  let pending = '';
  for (const t of text) {
    pending += t;
    if (pending.length >= 64 * 1024) {
      yield Buffer.from(pending);
      pending = '';
    }
  }
  if (pending) yield Buffer.from(pending);
}
