// The README's animated core flow (scripts/demo/apng.ts): PNG frames of one size become an APNG whose
// every chunk has a valid CRC, whose frame count, delays and sequence numbers are right, and whose
// frames decompress to the frames given, byte for byte. Frames of different sizes are refused.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import { writeApng } from '../../scripts/demo/apng';
import { tempDir } from './helpers';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function crc(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc(body), 8 + data.length);
  return out;
}

/** An RGB PNG of one colour, its image data split over two IDAT chunks (as encoders may do). */
function png(width: number, height: number, rgb: [number, number, number]): { file: Buffer; raw: Buffer } {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw.set(rgb, y * (1 + width * 3) + 1 + x * 3);
  const z = zlib.deflateSync(raw);
  const half = Math.floor(z.length / 2);
  const file = Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', z.subarray(0, half)), chunk('IDAT', z.subarray(half)), chunk('IEND', Buffer.alloc(0))]);
  return { file, raw };
}

function chunks(buf: Buffer): { type: string; data: Buffer }[] {
  assert.ok(buf.subarray(0, 8).equals(SIGNATURE), 'PNG signature');
  const list: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < buf.length; ) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString('ascii', at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + length);
    assert.equal(buf.readUInt32BE(at + 8 + length), crc(buf.subarray(at + 4, at + 8 + length)), `CRC of ${type}`);
    list.push({ type, data });
    at += 12 + length;
  }
  return list;
}

describe('animated PNG of the core flow', () => {
  it('keeps every frame byte for byte, with its delay, in sequence, looping', () => {
    const dir = tempDir('apng-');
    const colours: [number, number, number][] = [[255, 0, 0], [0, 255, 0], [0, 0, 255]];
    const frames = colours.map((c, i) => {
      const p = png(7, 5, c);
      const file = path.join(dir, `${i}.png`);
      fs.writeFileSync(file, p.file);
      return { file, raw: p.raw };
    });
    const out = path.join(dir, 'flow.png');
    writeApng(out, frames.map((f) => f.file), [500, 1200]);

    const list = chunks(fs.readFileSync(out));
    assert.deepEqual(list.map((c) => c.type), ['IHDR', 'acTL', 'fcTL', 'IDAT', 'IDAT', 'fcTL', 'fdAT', 'fdAT', 'fcTL', 'fdAT', 'fdAT', 'IEND']);
    const actl = list[1]!.data;
    assert.equal(actl.readUInt32BE(0), 3, 'frame count');
    assert.equal(actl.readUInt32BE(4), 0, 'loops forever');
    // Sequence numbers run 0, 1, 2… over fcTL and fdAT together.
    const sequence = list.filter((c) => c.type === 'fcTL' || c.type === 'fdAT').map((c) => c.data.readUInt32BE(0));
    assert.deepEqual(sequence, sequence.map((_, i) => i));
    const delays = list.filter((c) => c.type === 'fcTL').map((c) => c.data.readUInt16BE(20) / c.data.readUInt16BE(22));
    assert.deepEqual(delays, [0.5, 1.2, 1.2], 'the last delay repeats for the frames after it');
    // Each frame's data inflates to the frame given.
    const framesData: Buffer[][] = [];
    for (const c of list) {
      if (c.type === 'fcTL') framesData.push([]);
      else if (c.type === 'IDAT') framesData.at(-1)!.push(c.data);
      else if (c.type === 'fdAT') framesData.at(-1)!.push(c.data.subarray(4));
    }
    framesData.forEach((parts, i) => assert.ok(zlib.inflateSync(Buffer.concat(parts)).equals(frames[i]!.raw), `frame ${i}`));
  });

  it('refuses frames of another size, naming the file', () => {
    const dir = tempDir('apng-');
    fs.writeFileSync(path.join(dir, 'a.png'), png(4, 4, [0, 0, 0]).file);
    fs.writeFileSync(path.join(dir, 'b.png'), png(5, 4, [0, 0, 0]).file);
    assert.throws(() => writeApng(path.join(dir, 'out.png'), [path.join(dir, 'a.png'), path.join(dir, 'b.png')], 100), /b\.png differs in size/);
    assert.equal(fs.existsSync(path.join(dir, 'out.png')), false);
  });
});
