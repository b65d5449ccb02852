import { describe, expect, it } from 'vitest';
import { cropScale as parseCropScale } from '../../src/cli/train-flags.js';
import { argmaxRows } from '../../src/metrics/top1.js';
import type { StepStats } from '../../src/native/types.js';
import { defaultRunDir, resolveTrainConfig } from '../../src/train/config.js';
import type { TrainEvent } from '../../src/train/events.js';
import { maskedOutInput } from '../../src/train/masked-input.js';
import {
  createProgressRenderer,
  formatDuration,
  formatEventLine,
  formatStepLine,
  pickProgressMode,
} from '../../src/train/progress.js';
import { RunningStats } from '../../src/train/running-stats.js';

describe('training configuration', () => {
  it('takes defaults from the preset and lets explicit knobs win', () => {
    const c = resolveTrainConfig({ data: 'd' });
    expect(c).toMatchObject({
      preset: 'L100',
      hp: 0.5,
      snapshotEvery: 100,
      lambdaR: 10,
      arch: 'resnet50',
      imageSize: 224,
      batchSize: 128,
      epochs: 60,
      epochFraction: 0.2,
      lrDecayEvery: 20,
      poolSize: 30,
    });
    expect(resolveTrainConfig({ data: 'd', preset: 'F', score: 'classification' })).toMatchObject({
      fixedClassifier: true,
      hp: 0,
      lambdaR: 9,
    });
    expect(resolveTrainConfig({ data: 'd', preset: 'L', lambdaR: 3 }).lambdaR).toBe(3);
    expect(resolveTrainConfig({ data: 'd', preset: 'L', hp: 0.5, snapshotEvery: 10 })).toMatchObject({
      hp: 0.5,
      snapshotEvery: 10,
    });
  });

  it('rejects inconsistent or out-of-range values with a clear message', () => {
    expect(() => resolveTrainConfig({ data: 'd', preset: 'L', hp: 0.5 })).toThrow(/needs a snapshot interval/);
    expect(() => resolveTrainConfig({ data: 'd', preset: 'F', hp: 0.5 })).toThrow(/its own adversary/);
    expect(() => resolveTrainConfig({ data: 'd', imageSize: 100 })).toThrow(/multiple of 32/);
    expect(() => resolveTrainConfig({ data: 'd', epochFraction: 0 })).toThrow(/epoch fraction/);
    expect(() => resolveTrainConfig({ data: 'd', device: 'tpu' })).toThrow(/device/);
    expect(() => resolveTrainConfig({ data: 'd', targetMaskArea: 1 })).toThrow(/target mask area/);
    expect(() => resolveTrainConfig({ data: 'd', maskAreaEvery: 0 })).toThrow(/control window/);
    expect(() => resolveTrainConfig({ data: 'd', pretrainEpochs: -1 })).toThrow(/pretraining epochs/);
    expect(() => resolveTrainConfig({ data: 'd', pretrainLr: 0 })).toThrow(/pretraining lr/);
    expect(() => resolveTrainConfig({ data: 'd', pretrainOptimizer: 'rmsprop' as 'adam' })).toThrow(/optimiser/);
    expect(() => resolveTrainConfig({ data: 'd', pretrainCropScale: [0.5, 1.5] })).toThrow(/pretraining crop scale/);
    expect(() => resolveTrainConfig({ data: 'd', maskUpsample: 'cubic' as 'nearest' })).toThrow(/mask upsampling/);
    expect(() => resolveTrainConfig({ data: 'd', scoreSplit: '' })).toThrow(/score split/);
  });

  it('keeps the spec RandomResizedCrop range by default and checks a given one', () => {
    const c = resolveTrainConfig({ data: 'd' });
    expect(c.cropScale).toEqual([0.08, 1]);
    c.cropScale[0] = 0.5; // each configuration owns its array
    expect(resolveTrainConfig({ data: 'd' }).cropScale).toEqual([0.08, 1]);
    expect(resolveTrainConfig({ data: 'd', cropScale: [0.5, 1] }).cropScale).toEqual([0.5, 1]);
    expect(resolveTrainConfig({ data: 'd', cropScale: [1, 1] }).cropScale).toEqual([1, 1]);
    const bad: unknown[] = [
      [0, 1],
      [-0.2, 1],
      [0.6, 0.5],
      [0.5, 1.5],
      [Number.NaN, 1],
      [0.5],
      [0.2, 0.5, 1],
      0.5,
      null,
      ['0.5', 1],
    ];
    for (const cropScale of bad) {
      expect(() => resolveTrainConfig({ data: 'd', cropScale: cropScale as [number, number] })).toThrow(/crop scale/);
    }
  });

  it('parses --crop-scale MIN[,MAX]', () => {
    expect(parseCropScale('0.5')).toEqual([0.5, 1]);
    expect(parseCropScale('0.35,0.9')).toEqual([0.35, 0.9]);
    for (const bad of ['', '0', '0.5,', ',1', '0.6,0.5', '1.5', 'x', '0.1,0.2,0.3'])
      expect(() => parseCropScale(bad)).toThrow(/MIN/);
  });

  it("defaults to the authors' masked-out objective and checks the masked-in one's weight", () => {
    expect(resolveTrainConfig({ data: 'd' })).toMatchObject({ objective: 'out', maskInWeight: 1 });
    expect(resolveTrainConfig({ data: 'd', objective: 'in-out', maskInWeight: 0.5 })).toMatchObject({
      objective: 'in-out',
      maskInWeight: 0.5,
    });
    expect(() => resolveTrainConfig({ data: 'd', objective: 'in' as 'out' })).toThrow(
      /objective must be out or in-out/,
    );
    for (const maskInWeight of [-1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => resolveTrainConfig({ data: 'd', objective: 'in-out', maskInWeight })).toThrow(/mask-in weight/);
  });

  it('gives each run its own folder by default', () => {
    expect(defaultRunDir('L100', new Date('2024-05-06T07:08:09Z'))).toBe('runs/L100-20240506-070809');
  });
});

const stats = (o: Partial<StepStats> = {}): StepStats => ({
  lossClean: 1,
  lossMasked: 2,
  lossMapping: -0.5,
  correctClean: 3,
  correctMasked: 1,
  batchSize: 4,
  maskMean: 0.5,
  maskStd: 0.1,
  decoderGradNorm: 1,
  finite: true,
  skipped: [],
  ...o,
});

describe('running statistics', () => {
  it('weights by batch size and leaves non-finite losses out of the means', () => {
    const r = new RunningStats();
    r.add(stats(), true);
    r.add(
      stats({
        batchSize: 2,
        correctClean: 2,
        correctMasked: 0,
        maskMean: 0.2,
        maskStd: 0,
        lossClean: Number.NaN,
        finite: false,
      }),
      false,
    );
    const s = r.summary();
    expect(s.images).toBe(6);
    expect(s.accClean).toBeCloseTo(5 / 6);
    expect(s.lossClean).toBe(1);
    expect(s.maskMean).toBeCloseTo((0.5 * 4 + 0.2 * 2) / 6);
    expect(s.nonFinite).toBe(1);
    expect(s.pooledAdversary).toBe(0.5);
    const copy = new RunningStats();
    copy.restore(r.state());
    expect(copy.summary()).toEqual(s);
  });
});

describe('masked input', () => {
  it('normalises with ImageNet mean/std into NCHW and multiplies by 1 − mask', () => {
    const pixels = new Uint8Array([255, 0, 128, 0, 0, 0]); // 1 image, 1×2, RGB
    const masks = new Float32Array([0, 1]);
    const out = maskedOutInput(pixels, masks, 1, 1, 2);
    expect(out[0]).toBeCloseTo((1 - 0.485) / 0.229, 5); // R of pixel 0
    expect(out[2]).toBeCloseTo((0 - 0.456) / 0.224, 5); // G of pixel 0
    expect(out[4]).toBeCloseTo((128 / 255 - 0.406) / 0.225, 5); // B of pixel 0
    expect([out[1], out[3], out[5]]).toEqual([-0, -0, -0].map(() => expect.closeTo(0, 9))); // masked out
    expect(Array.from(argmaxRows(new Float32Array([0, 2, 1, 5, 4, 3]), 2))).toEqual([1, 0]);
  });
});

describe('progress rendering', () => {
  const step: Extract<TrainEvent, { type: 'step' }> = {
    type: 'step',
    step: 12,
    totalSteps: 100,
    epoch: 0,
    epochs: 5,
    batch: 11,
    batches: 20,
    stats: stats(),
    adversary: -1,
    poolSize: 0,
    imagesPerSecond: 42.5,
    etaSeconds: 3725,
    lambdaR: 10,
    lr: 1e-3,
  };
  it('formats a step line with epoch/step, img/s, ETA, losses, accuracies and mask mean', () => {
    const line = formatStepLine(step);
    for (const part of [
      'epoch 1/5',
      '12/20',
      'step 12/100',
      '42.5 img/s',
      'ETA 1h02m',
      'Lc 1.00',
      'Lm 2.00',
      'Lmap -0.50',
      'acc 75.0/25.0%',
      'mask 0.50',
    ])
      expect(line).toContain(part);
    expect(line.length).toBeLessThanOrEqual(125);
    expect(formatDuration(59)).toBe('59s');
    expect(formatDuration(null)).toBe('--');
  });

  it('picks the mode from the flags and the terminal', () => {
    expect(pickProgressMode({ json: true, isTTY: true })).toBe('json');
    expect(pickProgressMode({ quiet: true, isTTY: true })).toBe('quiet');
    expect(pickProgressMode({ isTTY: true })).toBe('bar');
    expect(pickProgressMode({ isTTY: false })).toBe('plain');
  });

  it('writes JSON lines without per-step noise, and plain lines for epochs', () => {
    const chunks: string[] = [];
    const stream = { write: (s: string) => chunks.push(s), columns: 80 } as unknown as NodeJS.WriteStream;
    const json = createProgressRenderer('json', stream);
    json(step);
    json({ type: 'checkpoint', step: 12, dir: '/r/checkpoints/step-0000012', reason: 'interval', seconds: 0.1 });
    expect(chunks).toHaveLength(1);
    expect(JSON.parse(chunks[0]!)).toMatchObject({ type: 'checkpoint', step: 12 });
    expect(formatEventLine({ type: 'warning', step: 1, message: 'x' })).toBe('warning: x');
  });
});
