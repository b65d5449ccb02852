// The fashion-loc demo dataset, generated from the real Fashion-MNIST files: every box encloses
// the drawn item exactly, the files match the scenes, --duplicate gives two boxes per image.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFashionLoc, generatorFingerprint } from '../../src/data/demo/fashion-loc.js';
import {
  FASHION_CLASSES,
  FASHION_MNIST_DIR,
  fashionLocScene,
  generateFashionLoc,
  sceneRandom,
  sideBySide,
} from '../../src/data/fashion-loc.js';
import { drawScene, scaleItem } from '../../src/data/fashion-scene.js';
import { readIdx } from '../../src/data/idx.js';
import { loadDataset } from '../../src/data/load.js';
import { Random } from '../../src/data/random.js';
import { missing } from '../environment.js';
import { makeTempDir } from './data-fixtures.js';

const installed = existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await makeTempDir('fashion')));
afterAll(async () => cleanup());

/** A 28x28 item: a filled rectangle of intensity 200 (rows 5..20, columns 9..18). */
function syntheticItem(): Uint8Array {
  const item = new Uint8Array(28 * 28);
  for (let y = 5; y <= 20; y++) for (let x = 9; x <= 18; x++) item[y * 28 + x] = 200;
  return item;
}

function checkScene(scene: ReturnType<typeof drawScene>): void {
  const { size, pixels, background, mask, box } = scene;
  let maskPixels = 0;
  let changed = 0;
  let changedOutsideMask = 0;
  let maskOutsideBox = 0;
  const tight = { x0: size, y0: size, x1: 0, y1: 0 };
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = y * size + x;
      const inside = x >= box.x0 && x < box.x1 && y >= box.y0 && y < box.y1;
      const differs =
        pixels[p * 3] !== background[p * 3] ||
        pixels[p * 3 + 1] !== background[p * 3 + 1] ||
        pixels[p * 3 + 2] !== background[p * 3 + 2];
      if (differs) changed++;
      if (!mask[p]) {
        if (differs) changedOutsideMask++;
        continue;
      }
      if (!inside) maskOutsideBox++;
      maskPixels++;
      tight.x0 = Math.min(tight.x0, x);
      tight.y0 = Math.min(tight.y0, y);
      tight.x1 = Math.max(tight.x1, x + 1);
      tight.y1 = Math.max(tight.y1, y + 1);
    }
  }
  expect(changedOutsideMask).toBe(0); // everything the item did not touch is exactly the background
  expect(maskOutsideBox).toBe(0);
  expect(tight).toEqual(box); // the box is the tight box of the drawn item
  expect(maskPixels).toBeGreaterThan(0);
  expect(changed).toBeGreaterThan(maskPixels / 2); // the item is visible, not blended away
}

describe('scenes', () => {
  it('scales items bilinearly, keeping zero where the item is empty', () => {
    const scaled = scaleItem(syntheticItem(), 56);
    expect(scaled[0]).toBe(0);
    expect(scaled[25 * 56 + 28]).toBe(200);
    let nonzero = 0;
    for (const v of scaled) if (v > 0) nonzero++;
    expect(nonzero).toBeGreaterThan(10 * 16 * 4 - 60);
    expect(nonzero).toBeLessThan(12 * 18 * 4);
  });

  it('puts each item inside its exact box, on a background that differs between scenes', () => {
    const backgrounds = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const scene = drawScene(syntheticItem(), syntheticItem(), 64, new Random(seed));
      checkScene(scene);
      backgrounds.add(Buffer.from(scene.background.subarray(0, 30)).toString('hex'));
    }
    expect(backgrounds.size).toBe(40);
  });

  it('duplicates a scene side by side with one box per copy', () => {
    const scene = drawScene(syntheticItem(), syntheticItem(), 32, new Random(1));
    const { pixels, boxes } = sideBySide(scene.pixels, 32, scene.box);
    expect(boxes).toEqual([scene.box, { ...scene.box, x0: scene.box.x0 + 32, x1: scene.box.x1 + 32 }]);
    for (let y = 0; y < 32; y++) {
      const left = Buffer.from(pixels.subarray(y * 64 * 3, (y * 64 + 32) * 3));
      const right = Buffer.from(pixels.subarray((y * 64 + 32) * 3, (y + 1) * 64 * 3));
      expect(left.equals(right)).toBe(true);
      expect(left.equals(Buffer.from(scene.pixels.subarray(y * 32 * 3, (y + 1) * 32 * 3)))).toBe(true);
    }
  });
});

describe.skipIf(missing(installed, "Fashion-MNIST (Debian's dataset-fashion-mnist)"))(
  'fashion-loc on the installed Fashion-MNIST',
  () => {
    it('writes wsolevaluation metadata whose files and boxes match the scenes', async () => {
      const out = join(dir, 'single');
      const summary = await generateFashionLoc({ out, size: 64, train: 12, val: 4, test: 6, seed: 5 });
      expect(summary.counts).toEqual({ train: 12, val: 4, test: 6 });
      const train = await loadDataset({ data: out, split: 'train', strict: true });
      expect(train.classIds).toEqual(FASHION_CLASSES.map((c) => c.id));
      expect(train.classNames[9]).toBe('Ankle boot');
      expect(train.samples).toHaveLength(12);
      const test = await loadDataset({ data: out, split: 'test', strict: true });
      expect(test.samples).toHaveLength(6);

      const official = await readIdx(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));
      const labels = await readIdx(join(FASHION_MNIST_DIR, 'train-labels-idx1-ubyte.gz'));
      const items = (await readFile(join(out, 'metadata', 'train', 'source_items.txt'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => Number(l.split(',')[1]));
      const valItems = (await readFile(join(out, 'metadata', 'val', 'source_items.txt'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => Number(l.split(',')[1]));
      expect(items.filter((i) => valItems.includes(i))).toEqual([]); // train and val items are disjoint

      for (const [k, sample] of train.samples.entries()) {
        expect(sample.label).toBe(labels.data[items[k]!]);
        expect([sample.width, sample.height]).toEqual([64, 64]);
        const scene = fashionLocScene(official.data, items[k]!, 64, sceneRandom(5, 'train', k));
        checkScene(scene);
        expect(sample.boxes).toEqual([scene.box]);
        const { data, info } = await sharp(sample.path).raw().toBuffer({ resolveWithObject: true });
        expect([info.width, info.height, info.channels]).toEqual([64, 64, 3]);
        expect(data.equals(Buffer.from(scene.pixels))).toBe(true);
      }
    });

    it('--duplicate writes 2·size × size images with two boxes', async () => {
      const out = join(dir, 'duplicate');
      await generateFashionLoc({ out, size: 48, duplicate: true, train: 3, val: 0, test: 2, seed: 1 });
      const test = await loadDataset({ data: out, split: 'test', strict: true });
      expect(test.samples).toHaveLength(2);
      for (const sample of test.samples) {
        expect([sample.width, sample.height]).toEqual([96, 48]);
        expect(sample.boxes).toHaveLength(2);
        const [a, b] = sample.boxes;
        expect(b).toEqual({ x0: a!.x0 + 48, y0: a!.y0, x1: a!.x1 + 48, y1: a!.y1 });
        const meta = await sharp(sample.path).metadata();
        expect([meta.width, meta.height]).toEqual([96, 48]);
      }
      const val = await loadDataset({ data: out, split: 'val' });
      expect(val.samples).toEqual([]);
    });

    it('is reproducible from the seed', async () => {
      await generateFashionLoc({ out: join(dir, 'r1'), size: 32, train: 3, val: 1, test: 1, seed: 9 });
      await generateFashionLoc({ out: join(dir, 'r2'), size: 32, train: 3, val: 1, test: 1, seed: 9 });
      for (const file of ['metadata/train/localization.txt', 'images/train/000002.png', 'images/test/000000.png']) {
        expect((await readFile(join(dir, 'r1', file))).equals(await readFile(join(dir, 'r2', file)))).toBe(true);
      }
    });

    it('--classes keeps only items of those classes, labelled in the given order; --item-scale sets the item size', async () => {
      const out = join(dir, 'subset');
      await generateFashionLoc({
        out,
        size: 64,
        train: 12,
        val: 2,
        test: 4,
        classes: ['bag', 'trouser'],
        itemScale: [0.7, 0.8],
      });
      expect((await readFile(join(out, 'metadata', 'classes.txt'), 'utf8')).trim().split('\n')).toEqual([
        'bag Bag',
        'trouser Trouser',
      ]);
      const official = await readIdx(join(FASHION_MNIST_DIR, 'train-labels-idx1-ubyte.gz'));
      const items = (await readFile(join(out, 'metadata', 'train', 'source_items.txt'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => Number(l.split(',')[1]));
      const labels = (await readFile(join(out, 'metadata', 'train', 'class_labels.txt'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => Number(l.split(',')[1]));
      for (let k = 0; k < items.length; k++) expect(labels[k]).toBe(official.data[items[k]!] === 8 ? 0 : 1); // bag is label 8, trouser 1
      expect(new Set(items.map((i) => official.data[i]))).toEqual(new Set([8, 1]));
      // A box is at most the item's square: sides of 70–80% of 64 px.
      for (const line of (await readFile(join(out, 'metadata', 'train', 'localization.txt'), 'utf8'))
        .trim()
        .split('\n')) {
        const [, x0, y0, x1, y1] = line.split(',').map(Number);
        expect(Math.max(x1! - x0!, y1! - y0!)).toBeLessThanOrEqual(Math.round(0.8 * 64));
        expect(Math.max(x1! - x0!, y1! - y0!)).toBeGreaterThan(Math.round(0.7 * 64) / 2);
      }
      await expect(
        generateFashionLoc({ out: join(dir, 'bad'), size: 32, train: 1, val: 0, test: 0, classes: ['cat'] }),
      ).rejects.toThrow(/unknown fashion-loc class 'cat'/);
    });

    it("the cache key carries a fingerprint of the generator's code and of the settings", async () => {
      const hash = createHash('sha256');
      for (const name of ['fashion-loc', 'fashion-scene', 'random', 'idx'])
        hash.update(await readFile(join(import.meta.dirname, '..', '..', 'src', 'data', `${name}.ts`)));
      expect(generatorFingerprint()).toBe(hash.digest('hex').slice(0, 12));
      const cache = join(dir, 'keyed');
      const a = await ensureFashionLoc({ cache, size: 32, train: 2, val: 1, test: 1 });
      const b = await ensureFashionLoc({ cache, size: 32, train: 2, val: 1, test: 1, classes: ['bag', 'sneaker'] });
      expect(a).toContain(`fashion-loc-${generatorFingerprint()}-`);
      expect(b).not.toBe(a);
    });

    it('ensureFashionLoc generates once into the cache and then reuses it', async () => {
      const cache = join(dir, 'cache');
      const lines: string[] = [];
      const first = await ensureFashionLoc({
        cache,
        size: 32,
        train: 4,
        val: 2,
        test: 2,
        onProgress: (line) => lines.push(line),
      });
      expect(lines[0]).toMatch(/generating the fashion-loc demo dataset/);
      expect(lines.at(-2)).toBe('fashion-loc: 8/8 images');
      expect(lines.at(-1)).toMatch(/^fashion-loc: generated in \d+\.\d s \(/);
      const stamp = (await stat(join(first, 'metadata', 'generator.json'))).mtimeMs;
      const again = await ensureFashionLoc({
        cache,
        size: 32,
        train: 4,
        val: 2,
        test: 2,
        onProgress: (line) => lines.push(line),
      });
      expect(again).toBe(first);
      expect((await stat(join(first, 'metadata', 'generator.json'))).mtimeMs).toBe(stamp);
      expect(await readdir(cache)).toEqual([first.split('/').pop()]); // no partial folders left
      expect((await loadDataset({ data: first, split: 'val', strict: true })).samples).toHaveLength(2);
    });
  },
);
