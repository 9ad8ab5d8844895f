// An animated PNG from PNG screenshots of the same size, without decoding them: each frame's
// compressed image data (IDAT) is reused as is, as the APNG's frame data (fdAT). Browsers, VS Code's
// extension page and GitHub play APNG; a viewer without APNG support shows the first frame.
import { readFileSync, writeFileSync } from 'node:fs';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

interface Png {
  ihdr: Buffer;
  idat: Buffer[];
}

function readPng(file: string): Png {
  const buf = readFileSync(file);
  if (!buf.subarray(0, 8).equals(SIGNATURE)) throw new Error(`${file} is not a PNG`);
  let ihdr: Buffer | undefined;
  const idat: Buffer[] = [];
  for (let at = 8; at < buf.length; ) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString('ascii', at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') ihdr = Buffer.from(data);
    else if (type === 'IDAT') idat.push(Buffer.from(data));
    at += 12 + length;
  }
  if (!ihdr || idat.length === 0) throw new Error(`${file} has no image data`);
  return { ihdr, idat };
}

/** Writes `out`: the frames in order, each shown `delayMs` (one number, or one per frame), looping. */
export function writeApng(out: string, frames: string[], delayMs: number | number[]): void {
  const pngs = frames.map(readPng);
  const first = pngs[0]!;
  for (const [i, png] of pngs.entries()) {
    if (!png.ihdr.equals(first.ihdr)) throw new Error(`${frames[i]} differs in size or colour format from ${frames[0]}`);
  }
  const width = first.ihdr.readUInt32BE(0);
  const height = first.ihdr.readUInt32BE(4);
  const parts: Buffer[] = [SIGNATURE, chunk('IHDR', first.ihdr)];
  const actl = Buffer.alloc(8);
  actl.writeUInt32BE(pngs.length, 0);
  actl.writeUInt32BE(0, 4); // loop forever
  parts.push(chunk('acTL', actl));
  let sequence = 0;
  for (const [i, png] of pngs.entries()) {
    const delay = Array.isArray(delayMs) ? (delayMs[i] ?? delayMs[delayMs.length - 1]!) : delayMs;
    const fctl = Buffer.alloc(26);
    fctl.writeUInt32BE(sequence++, 0);
    fctl.writeUInt32BE(width, 4);
    fctl.writeUInt32BE(height, 8);
    fctl.writeUInt32BE(0, 12); // x offset
    fctl.writeUInt32BE(0, 16); // y offset
    fctl.writeUInt16BE(Math.min(65535, Math.round(delay)), 20);
    fctl.writeUInt16BE(1000, 22); // delay in milliseconds
    fctl.writeUInt8(0, 24); // dispose: none
    fctl.writeUInt8(0, 25); // blend: source (every frame is whole)
    parts.push(chunk('fcTL', fctl));
    for (const data of png.idat) {
      if (i === 0) parts.push(chunk('IDAT', data));
      else {
        const seq = Buffer.alloc(4);
        seq.writeUInt32BE(sequence++, 0);
        parts.push(chunk('fdAT', Buffer.concat([seq, data])));
      }
    }
  }
  parts.push(chunk('IEND', Buffer.alloc(0)));
  writeFileSync(out, Buffer.concat(parts));
}
