import { describe, expect, it } from 'vitest';
import type { TrainConfig } from '../../src/train/config.js';
import { resolveTrainConfig, TRAIN_DEFAULTS } from '../../src/train/config.js';
import type { DatasetProfile } from '../../src/train/dataset-profile.js';
import { median } from '../../src/train/dataset-profile.js';
import { RunDiagnosis } from '../../src/train/diagnosis.js';
import type { TrainEvent } from '../../src/train/events.js';
import { autoRecipe, describeRecipe } from '../../src/train/recipe.js';

const small: DatasetProfile = {
  trainImages: 1600,
  classes: 5,
  medianShortSide: 128,
  meanBoxArea: 0.2,
  validationHasBoxes: true,
};
const allFree = new Set(
  Object.keys({ ...TRAIN_DEFAULTS, preset: 0, lambdaR: 0, snapshotEvery: 0 }) as (keyof TrainConfig)[],
);
const asConfig = (choices: ReturnType<typeof autoRecipe>) => Object.fromEntries(choices.map((c) => [c.key, c.value]));

describe('the auto recipe', () => {
  it('sizes a small dataset: whole epochs and images, pretraining, ~300 CASM steps, mask target below the box area', () => {
    const advice: string[] = [];
    const c = asConfig(autoRecipe(small, {}, allFree, advice));
    expect(c).toMatchObject({ arch: 'resnet10', imageSize: 64, batchSize: 64, epochFraction: 1, cropScale: [1, 1] });
    // Pretraining is suggested (25 steps per epoch → 12 epochs ≈ 300 steps), not imposed.
    expect(c.pretrainEpochs).toBeUndefined();
    expect(advice.join('\n')).toMatch(/--pretrain-epochs 12\b/);
    expect(c.epochs).toBe(12);
    expect(c.snapshotEvery).toBe(10);
    expect(c.targetMaskArea).toBe(0.17);
    expect(c.selectEvery).toBe(25);
    // Every choice is a valid configuration.
    expect(() => resolveTrainConfig({ data: '/tmp/x', out: '/tmp/y-run', ...c })).not.toThrow();
  });

  it('never touches what the user gave, and derives the rest from it', () => {
    const given: Partial<TrainConfig> = { pretrainEpochs: 2, batchSize: 32, arch: 'resnet50' };
    const free = new Set([...allFree].filter((k) => !(k in given)));
    const choices = autoRecipe(small, given, free);
    expect(choices.map((x) => x.key)).not.toContain('pretrainEpochs');
    expect(choices.map((x) => x.key)).not.toContain('arch');
    const c = asConfig(choices);
    expect(c.epochs).toBe(Math.ceil(300 / Math.floor(1600 / 32)));
    expect(c.pretrainCropScale).toEqual([0.6, 1]);
    // The objective measured better on small data; a user's --objective wins.
    expect(c.objective).toBe('in-out');
    expect(
      autoRecipe(small, { objective: 'out' }, new Set([...allFree].filter((k) => k !== 'objective'))),
    ).not.toContainEqual(expect.objectContaining({ key: 'objective' }));
  });

  it('leaves an ImageNet-sized dataset with the paper settings, and says why for every choice', () => {
    const big: DatasetProfile = {
      ...small,
      trainImages: 1_281_167,
      classes: 1000,
      medianShortSide: 400,
      meanBoxArea: null,
    };
    const choices = autoRecipe(big, { initWeights: 'x.pth' }, allFree);
    expect(choices.map((x) => x.key)).toEqual(['selectEvery']);
    for (const k of ['arch', 'imageSize', 'epochFraction', 'cropScale', 'pretrainEpochs', 'targetMaskArea'])
      expect(choices.map((x) => x.key)).not.toContain(k);
    const lines = describeRecipe('auto', autoRecipe(small, {}, allFree));
    expect(lines.length).toBe(autoRecipe(small, {}, allFree).length + 1);
    expect(lines.slice(1).every((l) => /^ {2}--[a-z-]+ \S+: .{20,}/.test(l))).toBe(true);
    expect(median([3, 1, 2, 10])).toBe(2.5);
  });
});

const stats = (maskMean: number) => ({ maskMean }) as unknown as Extract<TrainEvent, { type: 'step' }>['stats'];
const stepEvent = (step: number, maskMean: number) => ({ type: 'step', step, stats: stats(maskMean) }) as TrainEvent;
const epochEvent = (epoch: number, epochs: number, accClean: number, accMasked: number) =>
  ({ type: 'epoch', step: epoch * 10, epoch, epochs, val: { accClean, accMasked, maskMean: 0.1 } }) as TrainEvent;

describe('diagnosis', () => {
  it('flags a classifier at chance after pretraining, naming the fixing flags', () => {
    const d = new RunDiagnosis(4);
    const pre = (epoch: number, acc: number) =>
      ({ type: 'pretrain-epoch', step: 0, epoch, epochs: 2, val: { images: 100, accClean: acc } }) as TrainEvent;
    expect(d.observe(pre(0, 0.25))).toEqual([]); // not the last pretraining epoch yet
    const [f] = d.observe(pre(1, 0.3));
    expect(f?.code).toBe('classifier-at-chance');
    expect(f?.message).toMatch(/--pretrain-epochs/);
    expect(new RunDiagnosis(4).observe(pre(1, 0.9))).toEqual([]);
  });

  it('flags masks collapsing toward 0 or 1 only when it lasts a window, once per episode', () => {
    const d = new RunDiagnosis(4);
    d.observe({ type: 'start', totalSteps: 40 } as TrainEvent); // window = 10
    const found = (means: number[], from: number) => means.flatMap((m, i) => d.observe(stepEvent(from + i, m)));
    expect(found(Array(9).fill(0.001), 0)).toEqual([]);
    expect(found([0.5], 9)).toEqual([]); // recovered: the streak restarts
    const empty = found(Array(12).fill(0.001), 10);
    expect(empty.map((x) => x.code)).toEqual(['masks-empty']);
    expect(empty[0]?.message).toMatch(/--target-mask-area/);
    expect(found(Array(10).fill(0.999), 30).map((x) => x.code)).toEqual(['masks-full']);
  });

  it('flags masked-out accuracy equal to clean accuracy on two epochs in a row or the last one', () => {
    const d = new RunDiagnosis(4);
    expect(d.observe(epochEvent(0, 5, 0.9, 0.9))).toEqual([]);
    expect(d.observe(epochEvent(1, 5, 0.9, 0.89)).map((x) => x.code)).toEqual(['masks-remove-nothing']);
    expect(new RunDiagnosis(4).observe(epochEvent(4, 5, 0.9, 0.91)).map((x) => x.code)).toEqual([
      'masks-remove-nothing',
    ]);
    expect(new RunDiagnosis(4).observe(epochEvent(4, 5, 0.9, 0.4))).toEqual([]);
    expect(new RunDiagnosis(4).observe(epochEvent(4, 5, 0.3, 0.3)).map((x) => x.code)).toEqual([
      'classifier-at-chance',
    ]);
  });
});
