// The JS header shortcut must agree with sharp on every file it answers for, and step aside
// (undefined) on files it does not understand.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageHeader } from '../../src/data/decode.js';
import { quickImageHeader } from '../../src/data/image-header.js';
import { makeTempDir, paintBoxes } from './data-fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await makeTempDir('header')));
afterAll(async () => cleanup());

const raw = (w: number, h: number, channels: 1 | 3 | 4 = 3) =>
  sharp(Buffer.alloc(w * h * channels, 90), { raw: { width: w, height: h, channels } });

async function agree(bytes: Buffer): Promise<void> {
  const quick = quickImageHeader(bytes);
  expect(quick).toBeDefined();
  const meta = await sharp(bytes).metadata();
  expect([quick!.width, quick!.height, quick!.format]).toEqual([meta.width, meta.height, meta.format]);
  expect(quick!.orientation).toBe(meta.orientation ?? 1);
  const header = await readImageHeader(bytes, 'x');
  expect([header.width, header.height]).toEqual([meta.autoOrient.width, meta.autoOrient.height]);
}

describe('quick image header', () => {
  it('agrees with sharp on JPEG variants and every EXIF orientation', async () => {
    await agree(await raw(37, 23).jpeg().toBuffer());
    await agree(await raw(37, 23).jpeg({ progressive: true }).toBuffer());
    await agree(await raw(37, 23).toColourspace('cmyk').jpeg().toBuffer());
    await agree(await raw(37, 23, 1).jpeg().toBuffer());
    for (let orientation = 1; orientation <= 8; orientation++) {
      await agree(await raw(37, 23).jpeg().withMetadata({ orientation }).toBuffer());
    }
  });

  it('agrees with sharp on PNG variants', async () => {
    await agree(await raw(41, 17, 1).png().toBuffer());
    await agree(await raw(41, 17, 4).png().toBuffer());
    await agree(
      await sharp(paintBoxes(41, 17, []), { raw: { width: 41, height: 17, channels: 3 } })
        .png({ palette: true })
        .toBuffer(),
    );
  });

  it('steps aside for other formats and malformed headers', async () => {
    expect(quickImageHeader(await raw(8, 8).webp().toBuffer())).toBeUndefined();
    expect(quickImageHeader(Buffer.from('GIF89a....'))).toBeUndefined();
    const jpeg = await raw(16, 16).jpeg().toBuffer();
    expect(quickImageHeader(jpeg.subarray(0, 40))).toBeUndefined(); // cut inside the headers
    const broken = Buffer.from(jpeg);
    expect(broken.readUInt16BE(2)).toBe(0xffdb); // sharp starts with the quantisation tables
    broken.writeUInt16BE(1, 4); // corrupt that segment's length
    expect(quickImageHeader(broken)).toBeUndefined();
    // A truncated file whose headers survive still reports its size; the decoder rejects it later.
    const large = await sharp(paintBoxes(200, 150, [{ x0: 20, y0: 20, x1: 90, y1: 100 }]), {
      raw: { width: 200, height: 150, channels: 3 },
    })
      .jpeg()
      .toBuffer();
    expect(quickImageHeader(large.subarray(0, Math.floor(large.length * 0.8)))).toMatchObject({
      width: 200,
      height: 150,
    });
  });

  it('reads a real file the loader wrote with sharp the same way', async () => {
    const path = join(dir, 'rotated.jpg');
    await raw(30, 20).jpeg().withMetadata({ orientation: 8 }).toFile(path);
    const header = await readImageHeader(await readFile(path), path);
    expect([header.width, header.height, header.format]).toEqual([20, 30, 'jpeg']);
  });
});
