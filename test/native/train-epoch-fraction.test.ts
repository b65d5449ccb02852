// The default epoch fraction (0.2: each epoch visits a fresh random fifth of the training set),
// which every other training test overrides with 1: the steps per epoch it implies, and a run
// interrupted mid-epoch and resumed that follows the same per-epoch visit plan as an uninterrupted
// run (same steps per epoch, same batches, bit-identical final weights).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeAddon } from '../../src/native/types.js';
import { TRAIN_DEFAULTS, type TrainConfigInput } from '../../src/train/config.js';
import type { TrainEvent } from '../../src/train/events.js';
import { train } from '../../src/train/loop.js';
import { readSafetensors } from '../../src/util/safetensors.js';
import { missing } from '../environment.js';
import { makeToyDataset, tryLoadAddon } from './train-fixture.js';

const addon = await tryLoadAddon();
const root = mkdtempSync(path.join(tmpdir(), 'casm-epoch-fraction-'));
const data = path.join(root, 'data');
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeAll(async () => {
  // 3 classes × 20 = 60 training images: a fifth is 12 images, 3 batches of 4.
  await makeToyDataset(data, { classes: 3, trainPerClass: 20, valPerClass: 1, side: 24 });
});

// No epochFraction: the default applies.
const config = (out: string): TrainConfigInput => ({
  data,
  arch: 'resnet10',
  imageSize: 32,
  batchSize: 4,
  epochs: 3,
  preset: 'L100',
  snapshotEvery: 2,
  poolSize: 2,
  checkpointEvery: 0,
  logEvery: 1,
  seed: 5,
  out: path.join(root, out),
});

type StepEvent = Extract<TrainEvent, { type: 'step' }>;
const stepsOf = (events: TrainEvent[]) => events.filter((e): e is StepEvent => e.type === 'step');
const epochRecords = (runDir: string) =>
  readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.kind === 'epoch');

function weightBytes(file: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [name, t] of readSafetensors(file))
    out.set(name, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return out;
}

describe.skipIf(missing(addon, 'the compiled addon (bash scripts/setup.sh --test)'))(
  'the default epoch fraction (native, CPU)',
  () => {
    const a = addon as NativeAddon;
    const referenceEvents: TrainEvent[] = [];
    let reference: Awaited<ReturnType<typeof train>>;
    beforeAll(async () => {
      reference = await train(config('reference'), { addon: a, onProgress: (e) => referenceEvents.push(e) });
    });

    it('is 0.2: each epoch trains on 12 of the 60 images, 3 steps of 4', () => {
      expect(TRAIN_DEFAULTS.epochFraction).toBe(0.2);
      expect(JSON.parse(readFileSync(path.join(reference.runDir, 'config.json'), 'utf8')).epochFraction).toBe(0.2);
      expect(reference.interrupted).toBe(false);
      expect(reference.steps).toBe(9);
      const steps = stepsOf(referenceEvents);
      expect(steps.map((e) => [e.epoch, e.batch])).toEqual([
        [0, 0],
        [0, 1],
        [0, 2],
        [1, 0],
        [1, 1],
        [1, 2],
        [2, 0],
        [2, 1],
        [2, 2],
      ]);
      expect(steps.every((e) => e.batches === 3 && e.totalSteps === 9 && e.stats.batchSize === 4)).toBe(true);
      expect(epochRecords(reference.runDir).map((r) => [r.train.steps, r.train.images])).toEqual([
        [3, 12],
        [3, 12],
        [3, 12],
      ]);
    });

    it('a run interrupted mid-epoch resumes with the same visit plan and ends with the same weights', async () => {
      const controller = new AbortController();
      const first = await train(config('interrupted'), {
        addon: a,
        signal: controller.signal,
        onProgress: (e) => {
          if (e.type === 'step' && e.step === 4) controller.abort(); // after batch 0 of epoch 1
        },
      });
      expect(first.interrupted).toBe(true);
      expect(first.steps).toBe(4);
      const resumedEvents: TrainEvent[] = [];
      const resumed = await train(
        { data },
        { addon: a, resume: first.runDir, onProgress: (e) => resumedEvents.push(e) },
      );
      expect(resumed.interrupted).toBe(false);
      expect(resumed.steps).toBe(9);
      // The resumed run carries on at batch 1 of epoch 1 with the same 3-batch epochs, and each
      // step sees the batch the uninterrupted run saw there (same images and crops: same losses).
      const after = stepsOf(resumedEvents);
      const want = stepsOf(referenceEvents).slice(4);
      expect(after.map((e) => [e.step, e.epoch, e.batch, e.batches, e.totalSteps])).toEqual(
        want.map((e) => [e.step, e.epoch, e.batch, e.batches, e.totalSteps]),
      );
      expect(after.map((e) => e.stats.lossClean)).toEqual(want.map((e) => e.stats.lossClean));
      expect(epochRecords(resumed.runDir).map((r) => r.train)).toEqual(
        epochRecords(reference.runDir).map((r) => r.train),
      );
      const got = weightBytes(path.join(resumed.runDir, 'model.safetensors'));
      const ref = weightBytes(path.join(reference.runDir, 'model.safetensors'));
      expect([...got.keys()].sort()).toEqual([...ref.keys()].sort());
      expect([...got.keys()].filter((k) => !got.get(k)!.equals(ref.get(k)!))).toEqual([]);
    });
  },
);
