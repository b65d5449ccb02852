import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Model, Trainer } from '../../src/native/model.js';
import { labelsFor, pixelBatch, SMALL, smallTrainer } from './helpers.js';

const H = 64;
const W = 64;
const N = 4;

async function runSteps(trainer: Trainer, from: number, to: number) {
  const stats = [];
  for (let i = from; i < to; i++) {
    // Step 1 snapshots into the pool, later steps alternate between the pool and the current classifier.
    stats.push(
      await trainer.step(pixelBatch(N, H, W, i), labelsFor(N, 5, i), {
        adversary: i >= 2 && i % 2 === 0 ? 0 : -1,
        snapshotId: i === 1 ? 0 : undefined,
      }),
    );
  }
  return stats;
}

describe('checkpoints', () => {
  it('save → load → the next steps are identical (bit-exact on CPU), pool and optimisers included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'casm-ckpt-'));
    const { model, trainer } = await smallTrainer();
    await runSteps(trainer, 0, 3);
    await trainer.saveCheckpoint(join(dir, 'ckpt'), JSON.stringify({ step: 3 }));
    expect(readdirSync(join(dir, 'ckpt')).sort()).toEqual([
      'model.safetensors',
      'optimizer.safetensors',
      'pool.safetensors',
      'state.json',
    ]);
    // No temporary folder is left behind.
    expect(readdirSync(dir)).toEqual(['ckpt']);
    const continued = await runSteps(trainer, 3, 6);
    const expected = await model.stateDict();

    const fresh = await Model.create({ ...SMALL, seed: 1234 });
    const resumed = new Trainer(fresh, { lambdaR: 10 });
    expect(JSON.parse(await resumed.loadCheckpoint(join(dir, 'ckpt')))).toEqual({ step: 3 });
    expect(await resumed.poolIds()).toEqual([0]);
    const again = await runSteps(resumed, 3, 6);
    expect(again.map((s) => [s.lossClean, s.lossMasked, s.lossMapping])).toEqual(
      continued.map((s) => [s.lossClean, s.lossMasked, s.lossMapping]),
    );
    const actual = await fresh.stateDict();
    for (const name of Object.keys(expected)) {
      expect(Array.from(actual[name].data), name).toEqual(Array.from(expected[name].data));
    }
  });

  it('overwrites an existing checkpoint folder atomically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'casm-ckpt-'));
    const { trainer } = await smallTrainer();
    await trainer.saveCheckpoint(join(dir, 'c'), '{"v":1}');
    await runSteps(trainer, 0, 1);
    await trainer.saveCheckpoint(join(dir, 'c'), '{"v":2}');
    expect(readdirSync(dir)).toEqual(['c']);
    expect(JSON.parse(await trainer.loadCheckpoint(join(dir, 'c')))).toEqual({ v: 2 });
  });

  it('missing or corrupt checkpoints are clear errors, and the trainer still works afterwards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'casm-ckpt-'));
    const { trainer } = await smallTrainer();
    await expect(trainer.loadCheckpoint(join(dir, 'absent'))).rejects.toThrow(
      /not a complete checkpoint: model.safetensors is missing/,
    );
    await trainer.saveCheckpoint(join(dir, 'c'), '{}');
    rmSync(join(dir, 'c', 'pool.safetensors'));
    await expect(trainer.loadCheckpoint(join(dir, 'c'))).rejects.toThrow(/pool.safetensors is missing/);
    await trainer.saveCheckpoint(join(dir, 'd'), '{}');
    writeFileSync(join(dir, 'd', 'model.safetensors'), Buffer.from('garbage that is not safetensors'));
    await expect(trainer.loadCheckpoint(join(dir, 'd'))).rejects.toThrow(
      /model.safetensors: corrupt safetensors header/,
    );
    const other = await Model.create({ ...SMALL, numClasses: 7 });
    const otherTrainer = new Trainer(other, { lambdaR: 1 });
    await trainer.saveCheckpoint(join(dir, 'e'), '{}');
    await expect(otherTrainer.loadCheckpoint(join(dir, 'e'))).rejects.toThrow(
      /classifier.fc.weight' has shape \[5, 512\] but the model expects \[7, 512\]/,
    );
    const s = await trainer.step(pixelBatch(N, H, W), labelsFor(N, 5), { adversary: -1 });
    expect(s.finite).toBe(true);
  });
});
