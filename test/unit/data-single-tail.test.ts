// The loader merges a final training batch of one image into the batch before (BatchNorm cannot
// train on a single value per channel); evaluation batches are left as they are. Real images on
// disk, decoded by the real loader.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { BatchLoader } from '../../src/data/loader.js';
import { makeToyDataset } from '../native/train-fixture.js';

async function sizes(loader: BatchLoader, epoch: number, startBatch = 0): Promise<number[][]> {
  const out: number[][] = [];
  for await (const b of loader.batches({ epoch, startBatch })) out.push([...b.indices]);
  return out;
}

describe('a last batch of one image', () => {
  it('is merged into the batch before for training, deterministically, and kept for evaluation', async () => {
    const data = await makeToyDataset(mkdtempSync(join(tmpdir(), 'casm-tail-')), {
      classes: 3,
      trainPerClass: 5,
      valPerClass: 1,
    });
    const dataset = await loadDataset({ data, split: 'train' }); // 15 images
    const train = new BatchLoader(dataset, { batchSize: 7, size: 32, seed: 4 });
    expect(train.batchesPerEpoch).toBe(2);
    expect(train.smallestBatch).toBe(7);
    const epoch0 = await sizes(train, 0);
    expect(epoch0.map((b) => b.length)).toEqual([7, 8]);
    expect(new Set(epoch0.flat()).size).toBe(15); // every image once
    // Resume at the merged batch: the same images as in the uninterrupted epoch.
    expect(await sizes(train, 0, 1)).toEqual([epoch0[1]]);

    const evaluation = new BatchLoader(dataset, { batchSize: 7, size: 32, transform: 'val' });
    expect(evaluation.batchesPerEpoch).toBe(3);
    expect(evaluation.smallestBatch).toBe(1);
    expect((await sizes(evaluation, 0)).map((b) => b.length)).toEqual([7, 7, 1]);

    const dropped = new BatchLoader(dataset, { batchSize: 7, size: 32, dropLast: true });
    expect(dropped.batchesPerEpoch).toBe(2);
    expect((await sizes(dropped, 0)).map((b) => b.length)).toEqual([7, 7]);
  });
});
