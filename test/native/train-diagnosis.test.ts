// Diagnosis with the real loop: a classifier that has not learned (pretraining at a learning rate
// that moves nothing) is reported at chance after pretraining, with the flags that fix it, in the
// result, in metrics.jsonl and through onProgress.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { TrainEvent } from '../../src/train/events.js';
import { train } from '../../src/train/loop.js';
import { missing } from '../environment.js';
import { makeToyDataset, tryLoadAddon } from './train-fixture.js';

const addon = await tryLoadAddon();
const root = mkdtempSync(path.join(tmpdir(), 'casm-diagnosis-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it.skipIf(missing(addon, 'the compiled addon (bash scripts/setup.sh --test)'))(
  'an untrained classifier is diagnosed at chance after pretraining',
  async () => {
    // 4 classes, so chance is 25% and the line 37.5%; a classifier that learned nothing predicts
    // (nearly) one class for every image of this balanced validation split.
    const data = await makeToyDataset(path.join(root, 'data'), { classes: 4, trainPerClass: 4, valPerClass: 4 });
    const out = path.join(root, 'run');
    const events: TrainEvent[] = [];
    const result = await train(
      {
        data,
        out,
        arch: 'resnet10',
        imageSize: 32,
        batchSize: 4,
        epochs: 1,
        epochFraction: 1,
        pretrainEpochs: 1,
        pretrainLr: 1e-12,
        lr: 1e-12,
        seed: 5,
      },
      { addon: addon!, onProgress: (e) => events.push(e) },
    );
    const pre = events.filter((e) => e.type === 'pretrain-epoch');
    const acc = pre[pre.length - 1]?.type === 'pretrain-epoch' ? pre[pre.length - 1]!.val!.accClean : NaN;
    // What is asserted below only holds when the untrained classifier is at chance, as it is.
    expect(acc).toBeLessThanOrEqual(1.5 / 4);
    const found = result.diagnoses.find((d) => d.code === 'classifier-at-chance');
    expect(found?.message).toMatch(/--pretrain-epochs/);
    expect(events.some((e) => e.type === 'diagnosis' && e.code === 'classifier-at-chance')).toBe(true);
    const logged = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((r) => r.kind === 'diagnosis');
    expect(logged.map((r) => r.code)).toContain('classifier-at-chance');
  },
  600_000,
);
