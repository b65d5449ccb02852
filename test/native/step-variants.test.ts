import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../../src/util/safetensors.js';
import { labelsFor, maxAbsDiff, pixelBatch, SMALL, smallTrainer } from './helpers.js';

const stepArgs = (i: number) => [pixelBatch(4, 64, 64, i), labelsFor(4, 5, i)] as const;

describe('fused step variants', () => {
  it('mixed classifier loss with a pooled adversary is the clean SGD step alone, as in two-step', async () => {
    // With a pooled adversary neither variant takes a masked classifier step, and the decoder's
    // gradient does not depend on when the clean update happens, so both must agree exactly.
    const runs = [];
    for (const classifierLoss of ['two-step', 'mixed'] as const) {
      const { model, trainer } = await smallTrainer(SMALL, { lambdaR: 10, classifierLoss });
      await trainer.snapshot(0);
      for (let i = 0; i < 2; i++) await trainer.step(...stepArgs(i), { adversary: 0 });
      runs.push(await model.stateDict());
    }
    for (const name of Object.keys(runs[0])) expect(maxAbsDiff(runs[0][name].data, runs[1][name].data), name).toBe(0);
  });

  it('mixed classifier loss with the current adversary takes one SGD step on ½(CE clean + CE masked); two-step takes two', async () => {
    // The fc bias's gradient of a mean cross-entropy is mean_i(softmax(logits_i) − onehot(y_i)), so
    // the step's own logits predict the bias update exactly: SGD with momentum 0.9 and coupled weight
    // decay 1e-4 (the defaults), lr 1e-3, from a fresh momentum buffer.
    const lr = 1e-3,
      wd = 1e-4,
      mom = 0.9;
    const [, labels] = stepArgs(0);
    const biasGrad = (logits: Float32Array): number[] => {
      const k = logits.length / labels.length;
      const g = new Array<number>(k).fill(0);
      for (let i = 0; i < labels.length; i++) {
        const row = Array.from(logits.subarray(i * k, (i + 1) * k));
        const top = Math.max(...row);
        const e = row.map((v) => Math.exp(v - top));
        const z = e.reduce((a, b) => a + b, 0);
        for (let c = 0; c < k; c++) g[c]! += (e[c]! / z - (c === labels[i] ? 1 : 0)) / labels.length;
      }
      return g;
    };
    const predicted = {
      // One step on the mean of the two losses (the masked logits are of the unchanged classifier).
      mixed: (b0: number[], gc: number[], gm: number[]) =>
        b0.map((b, c) => b - lr * (0.5 * (gc[c]! + gm[c]!) + wd * b)),
      // The clean step, then the masked one (its logits are of the classifier after the clean step).
      'two-step': (b0: number[], gc: number[], gm: number[]) =>
        b0.map((b, c) => {
          const buf1 = gc[c]! + wd * b;
          const b1 = b - lr * buf1;
          return b1 - lr * (mom * buf1 + gm[c]! + wd * b1);
        }),
    };
    const actual: Record<string, number[]> = {};
    const inputs: Record<string, [number[], number[], number[]]> = {};
    for (const classifierLoss of ['two-step', 'mixed'] as const) {
      const { model, trainer } = await smallTrainer(SMALL, { lambdaR: 10, classifierLoss });
      const b0 = Array.from((await model.stateDict('classifier.fc.bias'))['classifier.fc.bias'].data);
      const r = await trainer.step(...stepArgs(0), { adversary: -1, returnTensors: true });
      actual[classifierLoss] = Array.from((await model.stateDict('classifier.fc.bias'))['classifier.fc.bias'].data);
      inputs[classifierLoss] = [b0, biasGrad(r.tensors!.cleanLogits), biasGrad(r.tensors!.maskedLogits)];
      const want = predicted[classifierLoss](...inputs[classifierLoss]);
      for (let c = 0; c < want.length; c++)
        expect(Math.abs(actual[classifierLoss][c]! - want[c]!), `${classifierLoss} fc.bias[${c}]`).toBeLessThan(1e-6);
    }
    // (Measured: within 2e-9 of the prediction, 4e-4 from the other rule's.) Each run matches its own rule only.
    const gap = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
    expect(gap(actual.mixed!, predicted['two-step'](...inputs.mixed!))).toBeGreaterThan(1e-5);
    expect(gap(actual['two-step']!, predicted.mixed(...inputs['two-step']!))).toBeGreaterThan(1e-5);
  });

  it('a pooled snapshot is frozen: stepping with it never changes it, and steps can replace it', async () => {
    const { trainer, model } = await smallTrainer();
    const atSnapshot = await model.stateDict('classifier.');
    await trainer.snapshot(7);
    for (let i = 0; i < 3; i++) await trainer.step(...stepArgs(i), { adversary: 7 });
    const dir = mkdtempSync(join(tmpdir(), 'casm-pool-'));
    await trainer.saveCheckpoint(join(dir, 'c'), '{}');
    const pool = readSafetensors(join(dir, 'c', 'pool.safetensors'));
    for (const name of ['conv1.weight', 'layer2.0.bn1.running_mean', 'fc.bias']) {
      expect(Array.from(pool.get(`pool.7.${name}`)!.data as Float32Array), name).toEqual(
        Array.from(atSnapshot[`classifier.${name}`].data),
      );
    }
    const now = await model.stateDict('classifier.fc');
    expect(maxAbsDiff(now['classifier.fc.bias'].data, atSnapshot['classifier.fc.bias'].data)).toBeGreaterThan(0);
    // Replace it within a step: release 7, snapshot 8 after the clean step, and use 8 at once.
    await trainer.step(...stepArgs(3), { adversary: 8, snapshotId: 8, releaseId: 7 });
    expect(await trainer.poolIds()).toEqual([8]);
  });

  it('the classification score trains the decoder against the masked cross-entropy', async () => {
    const { trainer } = await smallTrainer(SMALL, { lambdaR: 0, score: 'classification' });
    const s = await trainer.step(...stepArgs(0), { adversary: -1 });
    // With λr = 0 the mapping loss is exactly −CE on the masked images.
    expect(s.lossMapping).toBeCloseTo(-s.lossMasked, 5);
  });

  it('the not-shared ablation trains a separate encoder with the decoder and saves it', async () => {
    const { model, trainer } = await smallTrainer({ ...SMALL, separateEncoder: true });
    const before = await model.stateDict('encoder.layer1');
    const clfBefore = await model.stateDict('classifier.fc');
    await trainer.step(...stepArgs(0), { adversary: -1 });
    const after = await model.stateDict('encoder.layer1');
    expect(
      maxAbsDiff(before['encoder.layer1.0.conv1.weight'].data, after['encoder.layer1.0.conv1.weight'].data),
    ).toBeGreaterThan(0);
    const clfAfter = await model.stateDict('classifier.fc');
    expect(maxAbsDiff(clfBefore['classifier.fc.weight'].data, clfAfter['classifier.fc.weight'].data)).toBeGreaterThan(
      0,
    );
    // The encoder's fc is not part of the mapping: it keeps its initial weights.
    const encFc = await model.stateDict('encoder.fc');
    await trainer.step(...stepArgs(1), { adversary: -1 });
    const encFc2 = await model.stateDict('encoder.fc');
    expect(maxAbsDiff(encFc['encoder.fc.weight'].data, encFc2['encoder.fc.weight'].data)).toBe(0);
  });

  it("objective 'in-out' adds λ_in · CE(x·m) to the mapping loss only: with λ_in = 0 the first step's losses are the authors'", async () => {
    // Same initial state and batch: the masked-in pass runs after every value the authors' objective
    // reports, so with weight 0 they agree exactly, while the masked-in statistics are reported.
    const out = await smallTrainer(SMALL, { lambdaR: 10 });
    const zero = await smallTrainer(SMALL, { lambdaR: 10, objective: 'in-out', maskInWeight: 0 });
    const one = await smallTrainer(SMALL, { lambdaR: 10, objective: 'in-out', maskInWeight: 1 });
    const opts = { adversary: -1, returnTensors: true };
    const [a, b, c] = [
      await out.trainer.step(...stepArgs(0), opts),
      await zero.trainer.step(...stepArgs(0), opts),
      await one.trainer.step(...stepArgs(0), opts),
    ];
    for (const k of ['lossClean', 'lossMasked', 'lossMapping', 'maskMean'] as const) expect(b[k], k).toBe(a[k]);
    expect(a.lossMaskedIn).toBe(0);
    expect(a.tensors!.maskedInLogits).toBeUndefined();
    expect(b.lossMaskedIn).toBeGreaterThan(0);
    expect(b.tensors!.maskedInLogits!.length).toBe(4 * 5);
    expect(b.correctMaskedIn).toBeGreaterThanOrEqual(0);
    expect(c.lossMaskedIn).toBe(b.lossMaskedIn);
    expect(c.lossMapping - a.lossMapping).toBeCloseTo(c.lossMaskedIn!, 5);
    // The masked-in term trains the decoder, never the classifier: the classifier's weights after
    // the step are those of the authors' objective (its BN statistics did see one more pass).
    const clf = await Promise.all([out, one].map((r) => r.model.stateDict('classifier.fc')));
    expect(maxAbsDiff(clf[0]['classifier.fc.weight'].data, clf[1]['classifier.fc.weight'].data)).toBe(0);
    const dec = await Promise.all([out, one].map((r) => r.model.stateDict('decoder.final')));
    expect(maxAbsDiff(dec[0]['decoder.final.0.weight'].data, dec[1]['decoder.final.0.weight'].data)).toBeGreaterThan(0);
  });

  it('rejects an unknown objective and a negative mask-in weight', async () => {
    await expect(smallTrainer(SMALL, { lambdaR: 10, objective: 'in' as never })).rejects.toThrow(
      /objective must be 'out' or 'in-out'/,
    );
    await expect(smallTrainer(SMALL, { lambdaR: 10, objective: 'in-out', maskInWeight: -1 })).rejects.toThrow(
      /maskInWeight/,
    );
  });

  it('saliency leaves BN statistics alone and returns masks in [0, 1] at input size', async () => {
    const { model } = await smallTrainer();
    const bn = await model.stateDict('classifier.bn1.running_mean');
    const r = await model.saliency(pixelBatch(3, 96, 64, 4));
    expect([r.n, r.h, r.w]).toEqual([3, 96, 64]);
    expect(r.masks.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(r.logits.length).toBe(15);
    const bn2 = await model.stateDict('classifier.bn1.running_mean');
    expect(Array.from(bn2['classifier.bn1.running_mean'].data)).toEqual(
      Array.from(bn['classifier.bn1.running_mean'].data),
    );
  });
});
