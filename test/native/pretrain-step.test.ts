// The classifier-only pretraining step (f(0)) on the real addon: it trains the classifier and
// nothing else, leaves preset F's classifier fixed for the CASM phase, and learns.
import { describe, expect, it } from 'vitest';
import type { Batch } from '../../src/native/types.js';
import { labelsFor, maxAbsDiff, pixelBatch, SMALL, smallTrainer, xorshift32 } from './helpers.js';

/**
 * Two classes a classifier can tell apart only by where the bright square is (left or right half):
 * the position varies, and the background is noise.
 */
function squaresBatch(n: number, size: number, seed: number): { batch: Batch; labels: Int32Array } {
  const data = new Uint8Array(n * size * size * 3);
  const labels = new Int32Array(n);
  const next = xorshift32(seed);
  const rand = () => next() / 4294967296;
  const side = size / 4;
  for (let i = 0; i < n; i++) {
    const label = rand() < 0.5 ? 0 : 1;
    labels[i] = label;
    const x0 = Math.floor((label === 0 ? 0 : size / 2) + rand() * (size / 2 - side));
    const y0 = Math.floor(rand() * (size - side));
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside = x >= x0 && x < x0 + side && y >= y0 && y < y0 + side;
        const v = inside ? 230 : Math.floor(rand() * 120);
        for (let c = 0; c < 3; c++) data[((i * size + y) * size + x) * 3 + c] = v;
      }
    }
  }
  return { batch: { kind: 'uint8', data, n, h: size, w: size }, labels };
}

describe('pretraining step', () => {
  it('updates the classifier only (decoder untouched) and reports loss and correct counts', async () => {
    const { model, trainer } = await smallTrainer();
    const before = await model.stateDict();
    const r = await trainer.pretrainStep(pixelBatch(6, 64, 64, 1), labelsFor(6, 5), { lr: 0.05, optimizer: 'sgd' });
    expect(r.batchSize).toBe(6);
    expect(r.finite).toBe(true);
    expect(r.loss).toBeGreaterThan(0);
    expect(r.correct).toBeGreaterThanOrEqual(0);
    expect(r.correct).toBeLessThanOrEqual(6);
    const after = await model.stateDict();
    expect(maxAbsDiff(before['classifier.fc.weight']!.data, after['classifier.fc.weight']!.data)).toBeGreaterThan(0);
    expect(maxAbsDiff(before['classifier.conv1.weight']!.data, after['classifier.conv1.weight']!.data)).toBeGreaterThan(
      0,
    );
    for (const name of Object.keys(before).filter((k) => k.startsWith('decoder.'))) {
      expect(maxAbsDiff(before[name]!.data, after[name]!.data), name).toBe(0);
    }
  });

  it('a zero learning rate leaves the weights as they were (BN statistics aside)', async () => {
    const { model, trainer } = await smallTrainer();
    const before = await model.stateDict('classifier.fc');
    await trainer.pretrainStep(pixelBatch(4, 64, 64, 2), labelsFor(4, 5), { lr: 0, optimizer: 'sgd' });
    const after = await model.stateDict('classifier.fc');
    expect(maxAbsDiff(before['classifier.fc.weight']!.data, after['classifier.fc.weight']!.data)).toBe(0);
  });

  it('preset F: pretraining trains f(0), and the CASM steps afterwards keep it fixed', async () => {
    const { model, trainer } = await smallTrainer(SMALL, { lambdaR: 2.5, fixedClassifier: true });
    const initial = await model.stateDict('classifier.fc');
    await trainer.pretrainStep(pixelBatch(4, 64, 64, 3), labelsFor(4, 5), { lr: 0.05, optimizer: 'sgd' });
    const pretrained = await model.stateDict('classifier.');
    expect(maxAbsDiff(initial['classifier.fc.weight']!.data, pretrained['classifier.fc.weight']!.data)).toBeGreaterThan(
      0,
    );
    for (let i = 0; i < 2; i++)
      await trainer.step(pixelBatch(4, 64, 64, 10 + i), labelsFor(4, 5, i), { adversary: -1 });
    const afterCasm = await model.stateDict('classifier.');
    for (const name of Object.keys(pretrained))
      expect(maxAbsDiff(pretrained[name]!.data, afterCasm[name]!.data), name).toBe(0);
  });

  it('rejects bad arguments with clear errors', async () => {
    const { trainer } = await smallTrainer();
    await expect(
      trainer.pretrainStep(pixelBatch(2, 64, 64), labelsFor(2, 5), { lr: -1, optimizer: 'sgd' }),
    ).rejects.toThrow(/lr must be finite and non-negative/);
    await expect(
      trainer.pretrainStep(pixelBatch(2, 64, 64), Int32Array.from([0, 7]), { lr: 0.1, optimizer: 'sgd' }),
    ).rejects.toThrow(/labels must be in 0..4/);
    await expect(
      trainer.pretrainStep(pixelBatch(2, 64, 64), Int32Array.from([0]), { lr: 0.1, optimizer: 'sgd' }),
    ).rejects.toThrow(/1 entries for a batch of 2/);
    await expect(
      trainer.pretrainStep(pixelBatch(2, 64, 64), labelsFor(2, 5), { lr: 0.1, optimizer: 'lbfgs' as 'sgd' }),
    ).rejects.toThrow(/optimizer must be 'sgd' or 'adam'/);
  });

  it.each([
    ['sgd', 0.05],
    ['adam', 2e-3],
  ] as const)(
    'learns with %s: a seeded two-class task goes from chance to well above it on held-out images',
    async (optimizer, lr) => {
      const { model, trainer } = await smallTrainer({ ...SMALL, numClasses: 2 });
      const heldOut = squaresBatch(64, 32, 999);
      const accuracy = async () => {
        const { logits } = await model.saliency(heldOut.batch);
        let correct = 0;
        for (let i = 0; i < heldOut.batch.n; i++)
          if ((logits[2 * i + 1]! > logits[2 * i]! ? 1 : 0) === heldOut.labels[i]) correct++;
        return correct / heldOut.batch.n;
      };
      const before = await accuracy();
      for (let step = 0; step < 60; step++) {
        const { batch, labels } = squaresBatch(16, 32, step + 1);
        await trainer.pretrainStep(batch, labels, { lr, optimizer });
      }
      // Chance is 50%; a classifier that learned where the square is gets nearly all right. Init,
      // data and order are seeded, so the outcome does not depend on luck.
      expect(before).toBeLessThan(0.75);
      expect(await accuracy()).toBeGreaterThanOrEqual(0.85);
    },
  );
});
