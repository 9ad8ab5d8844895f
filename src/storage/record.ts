// The pack record format, byte for byte: a record is `[header 48][stored bytes]`, and a pack's
// index file repeats each header. Header: hash 32 | rawLen u32 | storedLen u32 | codec u8 |
// depth u8 | pad 2 | check u32, all little-endian; `check` is a cheap checksum over the first 44
// bytes, so a torn or garbage header is recognised.
//
// Codecs. An object's record is one of:
// - raw (0) or deflate (1): the object's bytes on their own (the only codecs of stores written
//   before 0.2; still read, and still written for objects that gain nothing from the others);
// - delta (2): a new version of a file compressed with its previous version as the deflate
//   dictionary: `[base hash 32][deflate stream]`. A few changed lines cost tens of bytes instead of
//   the whole file. `depth` (header byte 41) is the length of its chain of deltas; bases always
//   come earlier in the packs than their deltas;
// - member (4) of a group (3): small objects written together (a first snapshot, a checkpoint's new
//   files) are compressed as one stream — a group record, `rawLen` = the length of its uncompressed
//   payload — followed by one member record per object, `[group record offset u32][offset in the
//   payload u32]`; the group's hash field names it (sha256 of its members' hashes).
// Every read is checked against the object's sha256, whatever the codec; a damaged group or base
// makes its members or deltas read as damaged, never as wrong bytes.
import * as crypto from 'node:crypto';

/** Bytes of a record header (and of an index entry). */
export const HEADER = 48;
export const CODEC_RAW = 0;
export const CODEC_DEFLATE = 1;
export const CODEC_DELTA = 2;
export const CODEC_GROUP = 3;
export const CODEC_MEMBER = 4;
/** Bytes of a member record's data: its group reference. */
export const MEMBER_REF = 8;

export interface Header {
  hash: string;
  raw: number;
  stored: number;
  codec: number;
  depth: number;
}

export function sha256(data: Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** `sha256` of a large buffer in pieces: `due` is asked between pieces of 1 MiB, and it yields when that says so. */
export function* sha256Steps(data: Uint8Array, due: () => boolean): Generator<void, string, void> {
  const h = crypto.createHash('sha256');
  const PIECE = 1 << 20;
  for (let at = 0; at < data.length; at += PIECE) {
    h.update(data.subarray(at, at + PIECE));
    if (at + PIECE < data.length && due()) yield;
  }
  return h.digest('hex');
}

function headerCheck(h: Buffer): number {
  let x = 0x811c9dc5;
  for (let i = 0; i < 44; i++) x = Math.imul(x ^ h[i], 0x01000193) >>> 0;
  return x;
}

export function makeHeader(hash: string, raw: number, stored: number, codec: number, depth: number): Buffer {
  const header = Buffer.alloc(HEADER);
  header.write(hash, 0, 32, 'hex');
  header.writeUInt32LE(raw, 32);
  header.writeUInt32LE(stored, 36);
  header[40] = codec;
  header[41] = depth;
  header.writeUInt32LE(headerCheck(header), 44);
  return header;
}

/** The header in `h`, or undefined when it is short, torn or not a header. */
export function parseHeader(h: Buffer): Header | undefined {
  if (h.length < HEADER || h.readUInt32LE(44) !== headerCheck(h)) return undefined;
  const codec = h[40];
  if (codec > CODEC_MEMBER) return undefined;
  return { hash: h.subarray(0, 32).toString('hex'), raw: h.readUInt32LE(32), stored: h.readUInt32LE(36), codec, depth: h[41] };
}

/** The hash field of a group record: sha256 of its members' hashes (it only names the group). */
export function groupName(memberHashes: string[]): string {
  return sha256(Buffer.from(memberHashes.join(''), 'hex'));
}

/** A member record's data: where its group record starts in the pack, where it starts in the group's payload. */
export function memberRef(groupAt: number, at: number): Buffer {
  const ref = Buffer.alloc(MEMBER_REF);
  ref.writeUInt32LE(groupAt, 0);
  ref.writeUInt32LE(at, 4);
  return ref;
}

/** The group record offset in a member record's data. */
export function refGroupAt(ref: Buffer): number {
  return ref.readUInt32LE(0);
}

/** The offset in the group's payload in a member record's data. */
export function refOffset(ref: Buffer): number {
  return ref.readUInt32LE(4);
}

/** The base hash of a delta record's data (its first 32 bytes). */
export function deltaBase(stored: Buffer): string {
  return stored.subarray(0, 32).toString('hex');
}
