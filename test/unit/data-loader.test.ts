// The batch loader: reproducible order and augmentation, exact resume, buffer lifetime, alignment
// of labels with pixels.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { BatchLoader } from '../../src/data/loader.js';
import type { Dataset, ImageBatch } from '../../src/data/types.js';
import { classColour, makeTempDir, meanColour, writeClassImage, writeText } from './data-fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
let dataset: Dataset;
const count = 22;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('loader'));
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const label = i % 5;
    // A white box at a per-image place, so crops and flips change the pixels.
    await writeClassImage(join(dir, `img${i}.png`), label, 40 + i, 30 + (i % 7), {
      x0: i % 10,
      y0: 2,
      x1: (i % 10) + 8,
      y1: 12,
    });
    lines.push(JSON.stringify({ path: `img${i}.png`, label }));
  }
  await writeText(join(dir, 'train.jsonl'), lines.join('\n'));
  dataset = await loadDataset({ data: dir, split: 'train' });
});
afterAll(async () => cleanup());

interface Copy {
  data: Buffer;
  labels: number[];
  indices: number[];
  boxes: string;
}

const copy = (b: ImageBatch): Copy => ({
  data: Buffer.from(b.data),
  labels: [...b.labels],
  indices: [...b.indices],
  boxes: JSON.stringify(b.boxes),
});

async function collect(loader: BatchLoader, epoch: number, startBatch = 0): Promise<Copy[]> {
  const out: Copy[] = [];
  for await (const batch of loader.batches({ epoch, startBatch })) out.push(copy(batch));
  return out;
}

describe('BatchLoader', () => {
  it('yields NHWC uint8 batches covering the epoch, last one smaller', async () => {
    const loader = new BatchLoader(dataset, { batchSize: 4, size: 16, seed: 1 });
    expect(loader.batchesPerEpoch).toBe(6);
    const batches: ImageBatch[] = [];
    for await (const b of loader.batches({ epoch: 0 })) {
      expect([b.h, b.w]).toEqual([16, 16]);
      expect(b.data.length).toBe(b.n * 16 * 16 * 3);
      expect(b.labels).toBeInstanceOf(Int32Array);
      batches.push({ ...b, data: Buffer.from(b.data) });
    }
    expect(batches.map((b) => b.n)).toEqual([4, 4, 4, 4, 4, 2]);
    const seen = batches.flatMap((b) => b.indices).sort((x, y) => x - y);
    expect(seen).toEqual(Array.from({ length: count }, (_, i) => i));
    const dropLast = new BatchLoader(dataset, { batchSize: 4, size: 16, dropLast: true });
    expect((await collect(dropLast, 0)).map((b) => b.labels.length)).toEqual([4, 4, 4, 4, 4]);
  });

  it('keeps labels aligned with pixels', async () => {
    const loader = new BatchLoader(dataset, { batchSize: 5, size: 12, transform: 'score-direct' });
    for (const batch of await collect(loader, 0)) {
      batch.labels.forEach((label, slot) => {
        expect(label).toBe(dataset.samples[batch.indices[slot]!]!.label);
        // Corner pixel (away from the white box) carries the class colour.
        const corner = meanColour(batch.data, (slot * 144 + 11 * 12 + 11) * 3, 1);
        classColour(label).forEach((c, k) => expect(Math.abs(corner[k]! - c)).toBeLessThanOrEqual(6));
      });
    }
  });

  it('is reproducible and independent of prefetch depth and concurrency', async () => {
    const a = await collect(
      new BatchLoader(dataset, { batchSize: 4, size: 16, seed: 7, prefetch: 1, concurrency: 1 }),
      2,
    );
    const b = await collect(
      new BatchLoader(dataset, { batchSize: 4, size: 16, seed: 7, prefetch: 4, concurrency: 8 }),
      2,
    );
    expect(b).toEqual(a);
    const otherEpoch = await collect(new BatchLoader(dataset, { batchSize: 4, size: 16, seed: 7 }), 3);
    expect(otherEpoch.map((x) => x.indices)).not.toEqual(a.map((x) => x.indices));
    const otherSeed = await collect(new BatchLoader(dataset, { batchSize: 4, size: 16, seed: 8 }), 2);
    expect(otherSeed.map((x) => x.data)).not.toEqual(a.map((x) => x.data));
  });

  it('resumes exactly at startBatch', async () => {
    const full = await collect(new BatchLoader(dataset, { batchSize: 4, size: 16, seed: 3, concurrency: 3 }), 5);
    for (const start of [1, 3, 5]) {
      const resumed = await collect(
        new BatchLoader(dataset, { batchSize: 4, size: 16, seed: 3, prefetch: 3 }),
        5,
        start,
      );
      expect(resumed).toEqual(full.slice(start));
    }
    expect(await collect(new BatchLoader(dataset, { batchSize: 4, size: 16 }), 0, 99)).toEqual([]);
  });

  it('visits a fresh random fraction per epoch', async () => {
    const loader = new BatchLoader(dataset, { batchSize: 3, size: 8, fraction: 0.5, seed: 2 });
    expect(loader.samplesPerEpoch).toBe(11);
    const e0 = (await collect(loader, 0)).flatMap((b) => b.indices);
    const e1 = (await collect(loader, 1)).flatMap((b) => b.indices);
    expect(new Set(e0).size).toBe(11);
    expect(e1).toHaveLength(11);
    expect(new Set(e0)).not.toEqual(new Set(e1));
  });

  it('does not reuse a batch buffer while the consumer may still hold it', async () => {
    const loader = new BatchLoader(dataset, { batchSize: 2, size: 16, seed: 4, prefetch: 1, concurrency: 2 });
    const iterator = loader.batches({ epoch: 0 });
    let previous: { batch: ImageBatch; snapshot: Buffer } | undefined;
    const buffers = new Set<ArrayBufferLike>();
    for (;;) {
      const next = await iterator.next();
      await new Promise((resolve) => setTimeout(resolve, 20)); // the "step": prefetch runs ahead meanwhile
      // While the consumer holds batch k+1, batch k must be untouched.
      if (previous) expect(Buffer.compare(previous.batch.data, previous.snapshot)).toBe(0);
      if (next.done) break;
      buffers.add(next.value.data.buffer);
      previous = { batch: next.value, snapshot: Buffer.from(next.value.data) };
    }
    // 11 batches through a pool of prefetch + 2 = 3 buffers.
    expect(buffers.size).toBe(3);
  });

  it('stops cleanly when the consumer breaks out', async () => {
    const loader = new BatchLoader(dataset, { batchSize: 2, size: 16, prefetch: 3 });
    let n = 0;
    for await (const _ of loader.batches()) if (++n === 2) break;
    expect(n).toBe(2);
  });

  it('keeps dataset order for evaluation transforms', async () => {
    const loader = new BatchLoader(dataset, { batchSize: 8, size: 16, transform: 'val' });
    expect((await collect(loader, 0)).flatMap((b) => b.indices)).toEqual(Array.from({ length: count }, (_, i) => i));
  });
});

describe('BatchLoader cropScale', () => {
  let cropDir: string;
  let cropCleanup: () => Promise<void>;
  let boxed: Dataset;
  // Aspect ratios inside RandomResizedCrop's 3/4..4/3, so a full-area crop is the whole image.
  const shapes: Array<[number, number]> = [
    [48, 40],
    [40, 40],
    [36, 44],
    [64, 48],
    [50, 60],
    [45, 45],
  ];

  beforeAll(async () => {
    ({ dir: cropDir, cleanup: cropCleanup } = await makeTempDir('loader-crop'));
    const lines: string[] = [];
    for (const [i, [w, h]] of shapes.entries()) {
      const box = { x0: 3 + i, y0: 5, x1: 3 + i + 14, y1: 5 + 12 };
      await writeClassImage(join(cropDir, `c${i}.png`), i % 3, w, h, box);
      lines.push(
        JSON.stringify({
          path: `c${i}.png`,
          label: i % 3,
          boxes: [[box.x0, box.y0, box.x1, box.y1]],
          width: w,
          height: h,
        }),
      );
    }
    await writeText(join(cropDir, 'train.jsonl'), lines.join('\n'));
    boxed = await loadDataset({ data: cropDir, split: 'train' });
  });
  afterAll(async () => cropCleanup());

  /** Image `slot` of `b` mirrored left-right. */
  const mirrored = (b: Copy, slot: number, size: number): Buffer => {
    const out = Buffer.alloc(size * size * 3);
    const base = slot * size * size * 3;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        b.data.copy(
          out,
          (y * size + x) * 3,
          base + (y * size + (size - 1 - x)) * 3,
          base + (y * size + (size - 1 - x)) * 3 + 3,
        );
    return out;
  };

  it('with [1, 1] crops the whole image: pixels and boxes as a plain resize, up to the flip', async () => {
    const size = 16;
    const train = await collect(
      new BatchLoader(boxed, { batchSize: shapes.length, size, seed: 3, shuffle: false, cropScale: [1, 1] }),
      0,
    );
    const direct = await collect(
      new BatchLoader(boxed, { batchSize: shapes.length, size, transform: 'score-direct' }),
      0,
    );
    expect(train).toHaveLength(1);
    const [t, d] = [train[0]!, direct[0]!];
    expect(t.indices).toEqual(d.indices);
    const tBoxes = JSON.parse(t.boxes) as Array<Array<{ x0: number; y0: number; x1: number; y1: number }>>;
    const dBoxes = JSON.parse(d.boxes) as typeof tBoxes;
    const imageBytes = size * size * 3;
    let flips = 0;
    for (let slot = 0; slot < shapes.length; slot++) {
      const pixels = t.data.subarray(slot * imageBytes, (slot + 1) * imageBytes);
      const plain = d.data.subarray(slot * imageBytes, (slot + 1) * imageBytes);
      const box = dBoxes[slot]![0]!;
      if (pixels.equals(plain)) {
        expect(tBoxes[slot]).toEqual([box]);
      } else {
        flips++;
        expect(pixels.equals(mirrored(d, slot, size))).toBe(true);
        expect(tBoxes[slot]).toEqual([{ ...box, x0: size - box.x1, x1: size - box.x0 }]);
      }
    }
    // The flip still happens (p = 0.5): some but, with this seed, not all images are mirrored.
    expect(flips).toBeGreaterThan(0);
    expect(flips).toBeLessThan(shapes.length);
  });

  it('defaults to the spec range: crops smaller than the image occur', async () => {
    const loader = new BatchLoader(boxed, { batchSize: shapes.length, size: 16, seed: 3, shuffle: false });
    const full = new BatchLoader(boxed, {
      batchSize: shapes.length,
      size: 16,
      seed: 3,
      shuffle: false,
      cropScale: [1, 1],
    });
    expect((await collect(loader, 0))[0]!.boxes).not.toEqual((await collect(full, 0))[0]!.boxes);
  });

  it('rejects a bad range', () => {
    for (const bad of [
      [0, 1],
      [0.5, 0.4],
      [0.5, 1.2],
      [Number.NaN, 1],
      [-0.1, 0.5],
    ] as Array<[number, number]>) {
      expect(() => new BatchLoader(boxed, { batchSize: 2, cropScale: bad })).toThrow(/crop scale/);
    }
  });
});
