// The TypeScript side of data-parallel training without the addon: sharded batches put together
// are exactly the unsharded ones (pixels, labels, augmentation), torchrun's environment is read
// strictly, the launcher hands its workers the right arguments, and the run fingerprint ignores
// only the per-process device.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerArgsFrom } from '../../src/cli/train-launcher.js';
import { loadDataset } from '../../src/data/load.js';
import { BatchLoader } from '../../src/data/loader.js';
import type { Dataset, ImageBatch } from '../../src/data/types.js';
import { resolveTrainConfig } from '../../src/train/config.js';
import { runFingerprint, workerEnvFrom, worldSizeMismatch } from '../../src/train/distributed.js';
import { makeTempDir, writeClassImage, writeText } from './data-fixtures.js';

let cleanup: () => Promise<void>;
let dataset: Dataset;
const count = 23;

beforeAll(async () => {
  let dir: string;
  ({ dir, cleanup } = await makeTempDir('data-parallel'));
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    await writeClassImage(join(dir, `img${i}.png`), i % 5, 40 + i, 30 + (i % 7), {
      x0: i % 10,
      y0: 2,
      x1: (i % 10) + 8,
      y1: 12,
    });
    lines.push(JSON.stringify({ path: `img${i}.png`, label: i % 5 }));
  }
  await writeText(join(dir, 'train.jsonl'), lines.join('\n'));
  dataset = await loadDataset({ data: dir, split: 'train' });
});
afterAll(async () => cleanup());

async function collect(
  loader: BatchLoader,
  epoch: number,
): Promise<{ data: Buffer; labels: number[]; indices: number[] }[]> {
  const out = [];
  for await (const b of loader.batches({ epoch }))
    out.push({ data: Buffer.from(b.data), labels: [...b.labels], indices: [...(b as ImageBatch).indices] });
  return out;
}

describe('sharded training batches', () => {
  it("the ranks' slices of batch k, concatenated in rank order, are batch k of one process (train transform)", async () => {
    const options = { batchSize: 8, size: 16, seed: 4, fraction: 1 };
    const whole = await collect(new BatchLoader(dataset, options), 2);
    const shards = await Promise.all(
      [0, 1, 2].map((rank) => collect(new BatchLoader(dataset, { ...options, shard: { rank, worldSize: 3 } }), 2)),
    );
    // 23 images, batch 8: 8, 8, 7 — each split 3 ways (3/3/2, 3/3/2, 2/2/3).
    expect(whole.map((b) => b.labels.length)).toEqual([8, 8, 7]);
    for (let k = 0; k < whole.length; k++) {
      const parts = shards.map((s) => s[k]!);
      expect(parts.every((p) => p.labels.length >= 2)).toBe(true);
      expect(Buffer.concat(parts.map((p) => p.data)).equals(whole[k]!.data)).toBe(true);
      expect(parts.flatMap((p) => p.labels)).toEqual(whole[k]!.labels);
      expect(parts.flatMap((p) => p.indices)).toEqual(whole[k]!.indices);
    }
  });

  it('leaves out a last batch with fewer images than processes, on every rank alike', () => {
    // 23 = 2 × 10 + 3: the last batch of three images cannot feed 4 processes.
    const one = new BatchLoader(dataset, { batchSize: 10, size: 16 });
    const four = [0, 1, 2, 3].map(
      (rank) => new BatchLoader(dataset, { batchSize: 10, size: 16, shard: { rank, worldSize: 4 } }),
    );
    expect(one.batchesPerEpoch).toBe(3);
    expect(four.map((l) => l.batchesPerEpoch)).toEqual([2, 2, 2, 2]);
    // What BatchNorm sees: the smallest slice of the smallest batch (10 images in 4 slices: 2, 3, 2, 3).
    expect(one.smallestBatch).toBe(3);
    expect(four.map((l) => l.smallestBatch)).toEqual([2, 2, 2, 2]);
    // Evaluation batches are not merged: 23 = 2 × 11 + 1 leaves one image for 2 processes.
    expect(
      new BatchLoader(dataset, { batchSize: 11, size: 16, transform: 'val', shard: { rank: 0, worldSize: 2 } })
        .batchesPerEpoch,
    ).toBe(2);
    expect(() => new BatchLoader(dataset, { batchSize: 2, size: 16, shard: { rank: 0, worldSize: 3 } })).toThrow(
      /smaller than the number of processes/,
    );
    expect(() => new BatchLoader(dataset, { batchSize: 4, size: 16, shard: { rank: 2, worldSize: 2 } })).toThrow(
      /rank 2 of 2/,
    );
  });

  it('merges a last training batch of one image into the batch before, then splits it, as one process would train it', async () => {
    // 23 = 2 × 11 + 1: one process trains batches of 11 and 12; 2 ranks get 5+6 and 6+6 of them.
    const options = { batchSize: 11, size: 16, seed: 9, fraction: 1 };
    const whole = await collect(new BatchLoader(dataset, options), 1);
    const loaders = [0, 1].map((rank) => new BatchLoader(dataset, { ...options, shard: { rank, worldSize: 2 } }));
    expect(whole.map((b) => b.labels.length)).toEqual([11, 12]);
    expect(loaders.map((l) => l.batchesPerEpoch)).toEqual([2, 2]);
    expect(loaders.map((l) => l.smallestBatch)).toEqual([5, 5]);
    const shards = await Promise.all(loaders.map((l) => collect(l, 1)));
    expect(shards.map((s) => s.map((b) => b.labels.length))).toEqual([
      [5, 6],
      [6, 6],
    ]);
    for (let k = 0; k < whole.length; k++) {
      expect(Buffer.concat(shards.map((s) => s[k]!.data)).equals(whole[k]!.data)).toBe(true);
      expect(shards.flatMap((s) => s[k]!.indices)).toEqual(whole[k]!.indices);
    }
  });
});

describe('torchrun environment', () => {
  it('reads RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT', () => {
    expect(workerEnvFrom({})).toBeNull();
    expect(
      workerEnvFrom({
        RANK: '3',
        WORLD_SIZE: '4',
        LOCAL_RANK: '1',
        LOCAL_WORLD_SIZE: '2',
        MASTER_ADDR: '10.0.0.1',
        MASTER_PORT: '29400',
      }),
    ).toEqual({
      rank: 3,
      worldSize: 4,
      localRank: 1,
      localWorldSize: 2,
      masterAddr: '10.0.0.1',
      masterPort: 29400,
    });
    expect(workerEnvFrom({ RANK: '0', WORLD_SIZE: '2' })).toMatchObject({
      localRank: 0,
      localWorldSize: 2,
      masterAddr: '127.0.0.1',
      masterPort: 29500,
    });
    expect(() => workerEnvFrom({ WORLD_SIZE: '2' })).toThrow(/RANK must be a non-negative integer/);
    expect(() => workerEnvFrom({ RANK: '2', WORLD_SIZE: '2' })).toThrow(/RANK 2 must be below WORLD_SIZE 2/);
    expect(() => workerEnvFrom({ RANK: '0', WORLD_SIZE: 'two' })).toThrow(/WORLD_SIZE/);
  });
});

describe('launcher', () => {
  it('hands the workers the train arguments without its own flags', () => {
    expect(
      workerArgsFrom([
        '--data',
        'd',
        '--nproc-per-node',
        '2',
        '--nnodes=2',
        '--node-rank',
        '1',
        '--master-addr',
        'h',
        '--master-port=1234',
        '--epochs',
        '3',
      ]),
    ).toEqual(['--data', 'd', '--epochs', '3']);
  });
});

describe('run agreement', () => {
  it('the fingerprint differs for any knob, position or class list, but not for the device', () => {
    const config = resolveTrainConfig({ data: 'd', out: 'o' });
    const at = { step: 0, phase: 'casm', epoch: 0, batch: 0 };
    const base = runFingerprint(config, at, ['a', 'b']);
    expect(runFingerprint({ ...config, device: 'cuda:1' }, at, ['a', 'b'])).toBe(base);
    expect(runFingerprint({ ...config, lr: 0.5 }, at, ['a', 'b'])).not.toBe(base);
    expect(runFingerprint({ ...config, out: 'elsewhere' }, at, ['a', 'b'])).not.toBe(base);
    expect(runFingerprint(config, { ...at, step: 1 }, ['a', 'b'])).not.toBe(base);
    expect(runFingerprint(config, at, ['a'])).not.toBe(base);
  });

  it('a resume with another number of processes is refused with the numbers and the fix', () => {
    expect(worldSizeMismatch('runs/x/checkpoints/step-0000010', 2, 1).message).toMatch(
      /runs\/x\/checkpoints\/step-0000010 was trained by 2 processes \(worldSize 2\) and this run has one process: resume it with the same number \(--nnodes × --nproc-per-node = 2\)/,
    );
  });
});
