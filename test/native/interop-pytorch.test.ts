// A model trained by casm-native is usable from plain PyTorch: scripts/pytorch-saliency.py loads its
// model.safetensors into a torchvision-layout ResNet and a PyTorch decoder written from the spec,
// and computes the same masks and logits as the addon (PyTorch 2.13 from the test venv).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Model, Trainer } from '../../src/native/model.js';
import type { ModelOptions } from '../../src/native/types.js';
import { encodeSafetensors, readSafetensors } from '../../src/util/safetensors.js';
import { HANG_MS } from '../budget.js';
import { missing } from '../environment.js';
import { repoRoot, venvPython } from '../test-libtorch.js';
import { labelsFor, maxAbsDiff, pixelBatch } from './helpers.js';

const python = venvPython('torch2.13-cpu');
const script = join(repoRoot, 'scripts', 'pytorch-saliency.py');
const tmp = mkdtempSync(join(tmpdir(), 'casm-interop-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function compare(name: string, opts: ModelOptions) {
  // A few training steps, so weights and BN running statistics are no longer their initial values.
  const model = await Model.create(opts);
  const trainer = new Trainer(model, { lambdaR: 10 });
  for (let s = 0; s < 3; s++)
    await trainer.step(pixelBatch(4, 64, 64, s + 1), labelsFor(4, opts.numClasses, s), { adversary: -1 });
  const run = join(tmp, name);
  mkdirSync(run);
  await model.saveWeights(join(run, 'model.safetensors'));

  const batch = pixelBatch(3, 64, 96, 7);
  const ours = await model.saliency(batch);
  const images = join(tmp, `${name}-images.safetensors`);
  writeFileSync(
    images,
    encodeSafetensors(new Map([['images', { shape: [3, 64, 96, 3], data: Float32Array.from(batch.data) }]])),
  );
  const out = join(tmp, `${name}-pytorch.safetensors`);
  const log = execFileSync(python!, [script, run, images, out], { encoding: 'utf8', timeout: HANG_MS });
  expect(log).toMatch(/3 masks of 64x96, torch 2\.13/);

  const theirs = readSafetensors(out);
  expect(theirs.get('masks')!.shape).toEqual([3, 64, 96]);
  const masks = theirs.get('masks')!.data as Float32Array;
  const logits = theirs.get('logits')!.data as Float32Array;
  expect(maxAbsDiff(ours.masks, masks)).toBeLessThanOrEqual(1e-4);
  expect(maxAbsDiff(ours.logits, logits)).toBeLessThanOrEqual(1e-4 * Math.max(1, ...Array.from(ours.logits, Math.abs)));
  // The comparison means something only if the masks vary.
  expect(Math.max(...masks) - Math.min(...masks)).toBeGreaterThan(1e-3);
}

describe.skipIf(missing(python, 'PyTorch 2.13 in .cache/venv/torch2.13-cpu'))(
  'PyTorch reads casm-native models (scripts/pytorch-saliency.py)',
  () => {
    it('ResNet-18 (basic blocks), nearest final upsampling: same masks and logits', async () => {
      await compare('resnet18', { arch: 'resnet18', numClasses: 4, seed: 3 });
    });

    it('bottleneck [1,1,1,1], separate encoder, bilinear final upsampling: same masks and logits', async () => {
      await compare('bottleneck-separate', {
        arch: 'custom',
        block: 'bottleneck',
        layers: [1, 1, 1, 1],
        numClasses: 3,
        separateEncoder: true,
        upsample: 'bilinear',
        seed: 5,
      });
    });

    it('refuses a file that is not a casm-native model, with the reason', () => {
      const bogus = join(tmp, 'bogus.safetensors');
      writeFileSync(
        bogus,
        encodeSafetensors(new Map([['x', { shape: [1], data: new Float32Array(1) }]]), { format: 'pt' }),
      );
      let stderr = '';
      try {
        execFileSync(python!, [script, bogus, bogus, join(tmp, 'never.safetensors')], {
          encoding: 'utf8',
          stdio: 'pipe',
        });
      } catch (e) {
        stderr = String((e as { stderr: string }).stderr);
      }
      expect(stderr).toMatch(/not a casm-native model \(metadata format is 'pt'\)/);
    });
  },
);
