// The transforms on real files through sharp: pixels and boxes must move together, and every
// colour layout must come out as 8-bit RGB.

import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { type TransformKind, transformImage } from '../../src/data/transforms.js';
import { brightBox, makeTempDir, meanColour, paintBoxes, writeImage } from './data-fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await makeTempDir('transforms')));
afterAll(async () => cleanup());

describe('pixels and boxes move together', () => {
  const object = { x0: 150, y0: 90, x1: 330, y1: 260 };
  const kinds: TransformKind[] = ['train', 'val', 'score-crop', 'score-direct'];
  for (const format of ['jpeg', 'png'] as const) {
    for (const kind of kinds) {
      it(`${kind} on ${format}`, async () => {
        const path = join(dir, `object.${format}`);
        await writeImage(path, paintBoxes(500, 375, [object]), 500, 375, format);
        const seeds = kind === 'train' ? 16 : 1;
        let checked = 0;
        const paths = new Set<string>();
        for (let seed = 0; seed < seeds; seed++) {
          // Odd seeds force the crop-then-resize path; even ones may resize-then-crop (shrink on load).
          const result = await transformImage(
            path,
            { kind, size: 96, fastShrink: seed % 2 === 0 },
            { rng: new Random(seed), boxes: [object] },
          );
          paths.add(result.plan.pre ? 'crop-first' : 'resize-first');
          expect(result.data.length).toBe(96 * 96 * 3);
          expect([result.width, result.height]).toEqual([500, 375]);
          const moved = result.boxes[0]!;
          const clipped = {
            x0: Math.max(0, moved.x0),
            y0: Math.max(0, moved.y0),
            x1: Math.min(96, moved.x1),
            y1: Math.min(96, moved.y1),
          };
          const seen = brightBox(result.data, 96, 96, 128);
          if (clipped.x1 - clipped.x0 < 3 || clipped.y1 - clipped.y0 < 3) continue; // object cropped away
          expect(seen).toBeDefined();
          // Resampling blurs edges by about a pixel; truncation moves box edges by up to one more.
          for (const edge of ['x0', 'y0', 'x1', 'y1'] as const)
            expect(Math.abs(seen![edge] - clipped[edge])).toBeLessThanOrEqual(2);
          checked++;
        }
        expect(checked).toBeGreaterThan(0);
        if (kind === 'train') expect(paths.size).toBe(2);
      });
    }
  }

  it('mirrors the pixels when the train transform flips', async () => {
    const path = join(dir, 'left-object.png');
    const left = { x0: 0, y0: 0, x1: 100, y1: 375 };
    await writeImage(path, paintBoxes(500, 375, [left]), 500, 375, 'png');
    const sides = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const result = await transformImage(
        path,
        { kind: 'train', size: 64, scale: [1, 1], ratio: [4 / 3, 4 / 3] },
        { rng: new Random(seed), boxes: [left] },
      );
      // A full-image crop: the white stripe is on the left, or on the right when flipped.
      const side = meanColour(result.data, 0, 1)[0] > 128 ? 'left' : 'right';
      expect(side).toBe(result.plan.flip ? 'right' : 'left');
      expect(result.boxes[0]!.x0 === 0).toBe(!result.plan.flip);
      sides.add(side);
    }
    expect(sides.size).toBe(2);
  });

  it('uses JPEG shrink-on-load for large crops and keeps boxes with pixels', async () => {
    const path = join(dir, 'large.jpg');
    const big = { x0: 600, y0: 500, x1: 1400, y1: 1100 };
    await writeImage(path, paintBoxes(2000, 1600, [big]), 2000, 1600, 'jpeg');
    let shrunk = 0;
    for (let seed = 0; seed < 30 && shrunk < 3; seed++) {
      const result = await transformImage(path, { kind: 'train', size: 64 }, { rng: new Random(seed), boxes: [big] });
      if (result.plan.pre) continue;
      shrunk++;
      const moved = result.boxes[0]!;
      const clipped = {
        x0: Math.max(0, moved.x0),
        y0: Math.max(0, moved.y0),
        x1: Math.min(64, moved.x1),
        y1: Math.min(64, moved.y1),
      };
      if (clipped.x1 - clipped.x0 < 3 || clipped.y1 - clipped.y0 < 3) continue;
      const seen = brightBox(result.data, 64, 64, 128)!;
      for (const edge of ['x0', 'y0', 'x1', 'y1'] as const)
        expect(Math.abs(seen[edge] - clipped[edge])).toBeLessThanOrEqual(2);
    }
    expect(shrunk).toBeGreaterThan(0);
  });
});

describe('colour layouts', () => {
  it('turns grayscale into three equal channels', async () => {
    const path = join(dir, 'grey.png');
    await writeImage(path, Buffer.alloc(32 * 32, 77), 32, 32, 'png', 1);
    const { data } = await transformImage(path, { kind: 'score-direct', size: 16 });
    expect(data.length).toBe(16 * 16 * 3);
    expect(meanColour(data, 0, 256).map(Math.round)).toEqual([77, 77, 77]);
  });

  it('converts CMYK JPEG to sRGB', async () => {
    const path = join(dir, 'cmyk.jpg');
    const red = paintBoxes(32, 32, [], [0, 0, 0], [220, 30, 30]);
    await sharp(red, { raw: { width: 32, height: 32, channels: 3 } })
      .toColourspace('cmyk')
      .jpeg({ quality: 95 })
      .toFile(path);
    expect((await sharp(path).metadata()).space).toBe('cmyk');
    const { data } = await transformImage(path, { kind: 'score-direct', size: 16 });
    const [r, g, b] = meanColour(data, 0, 256);
    expect(r).toBeGreaterThan(180);
    expect(g).toBeLessThan(80);
    expect(b).toBeLessThan(80);
  });

  it('flattens alpha onto black', async () => {
    const path = join(dir, 'alpha.png');
    const rgba = Buffer.alloc(32 * 32 * 4);
    for (let i = 0; i < 32 * 32; i++) rgba.set(i < 16 * 32 ? [200, 100, 50, 255] : [200, 100, 50, 0], i * 4);
    await writeImage(path, rgba, 32, 32, 'png', 4);
    const { data } = await transformImage(path, { kind: 'score-direct', size: 32, kernel: 'nearest' });
    expect(data.length).toBe(32 * 32 * 3);
    expect([...data.subarray(0, 3)]).toEqual([200, 100, 50]); // opaque top half
    expect([...data.subarray(31 * 32 * 3, 31 * 32 * 3 + 3)]).toEqual([0, 0, 0]); // transparent bottom
  });

  it('applies EXIF orientation before cropping', async () => {
    // Stored 40x20 with a white left half; orientation 6 displays it rotated 90 degrees clockwise,
    // so the white half ends up on top of a 20x40 picture.
    const path = join(dir, 'rotated.jpg');
    const stored = paintBoxes(40, 20, [{ x0: 0, y0: 0, x1: 20, y1: 20 }]);
    await sharp(stored, { raw: { width: 40, height: 20, channels: 3 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toFile(path);
    const result = await transformImage(
      path,
      { kind: 'score-direct', size: 20 },
      { boxes: [{ x0: 0, y0: 0, x1: 20, y1: 20 }] },
    );
    expect([result.width, result.height]).toEqual([20, 40]);
    const top = meanColour(result.data, 0, 20 * 5)[0];
    const bottom = meanColour(result.data, 15 * 20 * 3, 20 * 5)[0];
    expect(top).toBeGreaterThan(200);
    expect(bottom).toBeLessThan(50);
    // The box (original pixels of the oriented image) maps to the top half.
    expect(result.boxes[0]).toEqual({ x0: 0, y0: 0, x1: 20, y1: 10 });
  });

  it('decodes WebP', async () => {
    const path = join(dir, 'image.webp');
    await writeImage(path, paintBoxes(24, 24, [], [0, 0, 0], [10, 200, 30]), 24, 24, 'webp');
    const { data } = await transformImage(path, { kind: 'val', size: 16 });
    expect(meanColour(data, 0, 256).map(Math.round)).toEqual([10, 200, 30]);
  });
});
