// Training through the real addon on a generated dataset (CPU, ResNet-18 at 32 px): a whole run
// with validation and localisation, exact resume after an interruption, and preset F's fixed
// classifier.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelOptions } from '../../src/native/defaults.js';
import type { NativeAddon } from '../../src/native/types.js';
import type { TrainConfigInput } from '../../src/train/config.js';
import type { TrainEvent } from '../../src/train/events.js';
import { loadTrainedModel } from '../../src/train/load-trained.js';
import { train } from '../../src/train/loop.js';
import { readSafetensors } from '../../src/util/safetensors.js';
import { missing } from '../environment.js';
import { makeToyDataset, tryLoadAddon } from './train-fixture.js';

const addon = await tryLoadAddon();
const root = mkdtempSync(path.join(tmpdir(), 'casm-train-native-'));
const data = path.join(root, 'data');
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeAll(async () => {
  await makeToyDataset(data, { classes: 3, trainPerClass: 8, valPerClass: 3 });
});

const config = (out: string, over: Partial<TrainConfigInput> = {}): TrainConfigInput => ({
  data,
  arch: 'resnet18',
  imageSize: 32,
  batchSize: 4,
  epochs: 2,
  epochFraction: 1,
  lrDecayEvery: 1,
  preset: 'L100',
  snapshotEvery: 2,
  poolSize: 3,
  checkpointEvery: 4,
  keepCheckpoints: 2,
  logEvery: 2,
  seed: 7,
  out: path.join(root, out),
  ...over,
});

/** Every tensor of a model.safetensors, as bytes, by name. */
function tensors(file: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [name, t] of readSafetensors(file))
    out.set(name, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return out;
}

function expectSameTensors(a: string, b: string) {
  const ta = tensors(a);
  const tb = tensors(b);
  expect([...ta.keys()].sort()).toEqual([...tb.keys()].sort());
  const differing = [...ta.keys()].filter((k) => !ta.get(k)!.equals(tb.get(k)!));
  expect(differing).toEqual([]);
}

describe.skipIf(missing(addon, 'the compiled addon (bash scripts/setup.sh --test)'))('train (native, CPU)', () => {
  const a = addon as NativeAddon;

  it('trains, validates, checkpoints and scores localisation', async () => {
    const events: TrainEvent[] = [];
    const result = await train(config('full'), { addon: a, onProgress: (e) => events.push(e) });
    expect(result.interrupted).toBe(false);
    expect(result.steps).toBe(12); // 24 images / 4 per batch × 2 epochs
    expect(result.lastEpoch?.val).toMatchObject({ images: 9 });
    const val = result.lastEpoch!.val!;
    for (const v of [val.accClean, val.accMasked, val.maskMean]) expect(v).toBeGreaterThanOrEqual(0);
    expect(val.maskMean).toBeLessThanOrEqual(1);
    expect(result.localization).toMatchObject({ images: 9 });
    const loc = JSON.parse(readFileSync(path.join(result.runDir, 'localization.json'), 'utf8'));
    for (const k of ['LE', 'OM', 'F1']) expect(loc[k]).toBeGreaterThanOrEqual(0);
    expect(existsSync(path.join(result.runDir, 'model.safetensors'))).toBe(true);
    const steps = events.filter((e) => e.type === 'step');
    expect(steps).toHaveLength(12);
    expect(steps.every((e) => e.type === 'step' && e.stats.finite && e.stats.batchSize === 4)).toBe(true);
    // The pool filled up to its capacity of 3 and pooled adversaries were used.
    expect(Math.max(...steps.map((e) => (e.type === 'step' ? e.poolSize : 0)))).toBe(3);
    expect(steps.some((e) => e.type === 'step' && e.adversary >= 0)).toBe(true);
    const kinds = readFileSync(path.join(result.runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).kind);
    expect(kinds.filter((k) => k === 'epoch')).toHaveLength(2);
    expect(kinds).toContain('localization');

    // The Node API reopens the trained model from the run folder.
    const trained = await loadTrainedModel(result.runDir);
    expect(trained.step).toBe(12);
    expect(trained.classIds).toEqual(['c0', 'c1', 'c2']);
    const saved = path.join(root, 'reloaded.safetensors');
    await trained.model.saveWeights(saved);
    expectSameTensors(saved, path.join(result.runDir, 'model.safetensors'));
  });

  it('an interrupted run, resumed, ends with bit-identical weights', async () => {
    const reference = await train(config('ref'), { addon: a });
    const controller = new AbortController();
    const first = await train(config('interrupted'), {
      addon: a,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'step' && e.step === 3) controller.abort(); // mid-epoch 0
      },
    });
    expect(first.interrupted).toBe(true);
    expect(first.steps).toBe(3);
    const resumed = await train({ data }, { addon: a, resume: first.runDir });
    expect(resumed.steps).toBe(12);
    expectSameTensors(path.join(resumed.runDir, 'model.safetensors'), path.join(reference.runDir, 'model.safetensors'));
    // Resuming from an older, mid-epoch checkpoint of a finished run reproduces it too (what a
    // SIGKILL leaves behind); the run folder is overwritten, so keep the reference aside.
    const referenceWeights = path.join(root, 'reference.safetensors');
    rmSync(referenceWeights, { force: true });
    await (await loadTrainedModel(reference.runDir)).model.saveWeights(referenceWeights);
    const fromMidEpoch = await train(
      { data },
      { addon: a, resume: path.join(reference.runDir, 'checkpoints', 'step-0000008') },
    );
    expect(fromMidEpoch.steps).toBe(12);
    expectSameTensors(path.join(reference.runDir, 'model.safetensors'), referenceWeights);
  });

  it("--init-weights from a finished run takes its classifier only (the paper's f(0))", async () => {
    const source = await train(config('init-source', { preset: 'L', snapshotEvery: undefined, epochs: 1 }), {
      addon: a,
    });
    const sourceWeights = path.join(source.runDir, 'model.safetensors');
    const fixed = await train(
      config('init-F', { preset: 'F', snapshotEvery: undefined, epochs: 1, initWeights: sourceWeights }),
      { addon: a },
    );
    const before = tensors(sourceWeights);
    const after = tensors(path.join(fixed.runDir, 'model.safetensors'));
    const classifierChanged = [...before.keys()].filter(
      (k) => k.startsWith('classifier.') && !before.get(k)!.equals(after.get(k)!),
    );
    expect(classifierChanged).toEqual([]);
    // (That the decoder is left out of the import is checked in test/unit/train-init-weights.)
  });

  it('preset F never changes the classifier', async () => {
    const result = await train(config('fixed', { preset: 'F', snapshotEvery: undefined, epochs: 1 }), { addon: a });
    const m = new a.Model(modelOptions({ arch: 'resnet18', numClasses: 3, seed: 7 }));
    await m.init();
    const initial = path.join(root, 'initial.safetensors');
    await m.saveWeights(initial);
    const before = tensors(initial);
    const after = tensors(path.join(result.runDir, 'model.safetensors'));
    const classifierChanged = [...before.keys()].filter(
      (k) => k.startsWith('classifier.') && !before.get(k)!.equals(after.get(k)!),
    );
    const decoderChanged = [...before.keys()].filter(
      (k) => k.startsWith('decoder.') && !before.get(k)!.equals(after.get(k)!),
    );
    expect(classifierChanged).toEqual([]);
    expect(decoderChanged.length).toBeGreaterThan(0);
  });
});
