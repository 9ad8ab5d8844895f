// The compression of records (see record.ts for their layout): when an object is stored raw,
// deflated or as a delta on a similar one, the zlib settings of each, and the decoding of any
// record's stored bytes back to the bytes it stands for. Pure: the bytes a record depends on (a
// delta's base, a member's group) are asked of the caller.
import * as zlib from 'node:zlib';
import { CODEC_DEFLATE, CODEC_DELTA, CODEC_GROUP, CODEC_MEMBER, CODEC_RAW, type Header, MEMBER_REF, deltaBase, refGroupAt, refOffset } from './record';

/**
 * Longest chain of deltas a read may have to inflate: a delta's depth is its base's plus one, and
 * no delta is made past this.
 */
export const MAX_DEPTH = 8;
/** Deltas are tried for objects (and bases) between these sizes; deflate's window is 32 KiB. */
export const DELTA_MIN = 64;
export const DELTA_MAX_BASE = 1 << 20;
const DICTIONARY = 32 * 1024;

/**
 * zlib sizes for a stream over `span` bytes (dictionary included): deflate's default state is
 * about 256 KiB, set up afresh for every call, which costs more than compressing a small file.
 * A window that still covers the whole span finds the same matches. Readers inflate with the
 * default (largest) window, which reads any smaller one.
 */
function smallStream(span: number): { windowBits: number; memLevel: number } {
  if (span + 262 > 1 << 15) return { windowBits: 15, memLevel: 8 };
  const windowBits = Math.max(9, Math.ceil(Math.log2(span + 262)));
  return { windowBits, memLevel: Math.max(2, windowBits - 9) };
}

export function deflate(data: Buffer, level: number): Buffer {
  return zlib.deflateRawSync(data, { level });
}

/** Bytes deflated between two chances to yield in `encodeSingleSteps` (a few milliseconds at level 4). */
const PIECE = 256 * 1024;

/**
 * `encodeSingle` in pieces, for a large object built while reads wait (a session's first state on a
 * large workspace: megabytes): `due` is asked between pieces and the generator yields when it says
 * so. Each piece but the last is flushed to a byte boundary (Z_SYNC_FLUSH), so the pieces follow one
 * another as one deflate stream, and each is compressed with the 32 KiB before it as its dictionary
 * (what the inflater's window holds there): about as small as `deflate` of the whole.
 */
export function* encodeSingleSteps(data: Buffer, level: number, due: () => boolean): Generator<void, { codec: number; stored: Buffer }, void> {
  if (data.length <= PIECE) return encodeSingle(data, level);
  const parts: Buffer[] = [];
  let size = 0;
  for (let at = 0; at < data.length; at += PIECE) {
    const last = at + PIECE >= data.length;
    const dict = data.subarray(Math.max(0, at - DICTIONARY), at);
    const z = zlib.deflateRawSync(data.subarray(at, at + PIECE), {
      level,
      ...(dict.length > 0 ? { dictionary: dict } : {}),
      ...(last ? {} : { finishFlush: zlib.constants.Z_SYNC_FLUSH }),
    });
    parts.push(z);
    size += z.length;
    if (size >= data.length) return { codec: CODEC_RAW, stored: data }; // incompressible
    if (!last && due()) yield;
  }
  return { codec: CODEC_DEFLATE, stored: Buffer.concat(parts, size) };
}

/** One object as its own record: deflated when that is smaller, else raw. */
export function encodeSingle(data: Buffer, level: number): { codec: number; stored: Buffer } {
  if (data.length >= 64) {
    const z = deflate(data, level);
    if (z.length < data.length) return { codec: CODEC_DEFLATE, stored: z };
  }
  return { codec: CODEC_RAW, stored: data };
}

/** A delta record's data for `data` on `baseData` (object `base`), when it is clearly smaller than `data` compressed alone. */
export function encodeDelta(data: Buffer, base: string, baseData: Buffer, level: number): Buffer | undefined {
  const dict = baseData.subarray(Math.max(0, baseData.length - DICTIONARY));
  const z = zlib.deflateRawSync(data, { level: Math.max(level, 6), dictionary: dict, ...smallStream(dict.length + data.length) });
  // Worth a chain link only when it beats compressing the file alone by a wide margin
  // (estimated: text compresses about 3× on its own).
  if (z.length + 32 > data.length / 6) {
    const alone = zlib.deflateRawSync(data, { level, ...smallStream(data.length) });
    if (z.length + 32 > alone.length * 0.6) return undefined;
  }
  return Buffer.concat([Buffer.from(base, 'hex'), z]);
}

/** What a record's bytes depend on, besides themselves. */
export interface RecordSources {
  /** The bytes of a delta's base object (checked against its hash); throws when missing or damaged. */
  base(hash: string): Buffer;
  /** The payload of the group whose record starts at `groupAt` in the same pack, at least its first `need` bytes. */
  group(groupAt: number, need: number): Buffer;
}

/** The bytes a record stands for (a group's payload for a group), unchecked. */
export function decodeRecord(h: Header, bytes: Buffer, sources: RecordSources): Buffer {
  switch (h.codec) {
    case CODEC_RAW:
      return bytes;
    case CODEC_DEFLATE:
    case CODEC_GROUP: {
      const out = zlib.inflateRawSync(bytes);
      if (out.length !== h.raw) throw new Error(`length ${out.length} != ${h.raw}`);
      return out;
    }
    case CODEC_DELTA: {
      if (bytes.length < 32) throw new Error('its delta record is too short');
      const baseHash = deltaBase(bytes);
      let base: Buffer;
      try {
        base = sources.base(baseHash);
      } catch (e) {
        throw new Error(`its base snapshot ${baseHash.slice(0, 12)} is missing or damaged (${(e as Error).message})`);
      }
      const out = zlib.inflateRawSync(bytes.subarray(32), { dictionary: base.subarray(Math.max(0, base.length - DICTIONARY)) });
      if (out.length !== h.raw) throw new Error(`length ${out.length} != ${h.raw}`);
      return out;
    }
    case CODEC_MEMBER: {
      if (bytes.length !== MEMBER_REF) throw new Error('its group reference is damaged');
      const at = refOffset(bytes);
      const payload = sources.group(refGroupAt(bytes), at + h.raw);
      if (at + h.raw > payload.length) throw new Error('its group reference is damaged');
      return payload.subarray(at, at + h.raw);
    }
    default:
      throw new Error(`unknown codec ${h.codec}`);
  }
}

/**
 * How many of a group record's `stored` bytes to inflate for the first `need` of its `raw`
 * payload bytes: deflate output grows about evenly with its input, so a proportional prefix with
 * some margin.
 */
export function prefixCut(need: number, raw: number, stored: number): number {
  return Math.ceil((need / raw) * stored * 1.15) + 256;
}

/** Inflates the start of a deflate stream (a prefix of a group record's stored bytes), as far as it goes. */
export function inflatePrefix(bytes: Buffer): Buffer {
  return zlib.inflateRawSync(bytes, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
}
