// CAM and Grad-CAM of the addon (Model.activationMaps, native/casm/class_activation.cpp) equal an
// independent PyTorch implementation (scripts/pytorch-cam.py: forward hook on the stage module,
// backward of the class logits) on the same weights and images, at every layer, for a basic-block
// and a bottleneck ResNet whose weights and BN statistics have moved from their initial values.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Model, Trainer } from '../../src/native/model.js';
import type { ActivationMapLayer, ActivationMapMethod, ModelOptions } from '../../src/native/types.js';
import { encodeSafetensors, readSafetensors } from '../../src/util/safetensors.js';
import { HANG_MS } from '../budget.js';
import { missing } from '../environment.js';
import { repoRoot, venvPython } from '../test-libtorch.js';
import { labelsFor, maxAbsDiff, pixelBatch } from './helpers.js';

const python = venvPython('torch2.13-cpu');
const script = join(repoRoot, 'scripts', 'pytorch-cam.py');
const tmp = mkdtempSync(join(tmpdir(), 'casm-cam-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CASES: [ActivationMapMethod, ActivationMapLayer][] = [
  ['cam', 'l4'],
  ['gradcam', 'l4'],
  ['gradcam', 'l3'],
  ['gradcam', 'l2'],
  ['gradcam', 'l1'],
];

async function compareAll(name: string, opts: ModelOptions) {
  const model = await Model.create(opts);
  const trainer = new Trainer(model, { lambdaR: 10 });
  for (let s = 0; s < 3; s++)
    await trainer.step(pixelBatch(4, 64, 64, s + 1), labelsFor(4, opts.numClasses, s), { adversary: -1 });
  const run = join(tmp, name);
  mkdirSync(run);
  await model.saveWeights(join(run, 'model.safetensors'));

  const n = 3;
  const batch = pixelBatch(n, 64, 96, 11);
  // Not the predicted class for every image: the maps must follow the class asked for.
  const classes = Int32Array.from({ length: n }, (_, i) => (i * 2 + 1) % opts.numClasses);
  const images = join(tmp, `${name}-images.safetensors`);
  writeFileSync(
    images,
    encodeSafetensors(
      new Map([
        ['images', { shape: [n, 64, 96, 3], data: Float32Array.from(batch.data) }],
        ['classes', { shape: [n], data: Float32Array.from(classes) }],
      ]),
    ),
  );
  for (const [method, layer] of CASES) {
    const ours = await model.activationMaps(batch, classes, { method, layer });
    expect([ours.n, ours.h, ours.w]).toEqual([n, 64, 96]);
    const out = join(tmp, `${name}-${method}-${layer}.safetensors`);
    const log = execFileSync(python!, [script, run, images, method, layer, out], {
      encoding: 'utf8',
      timeout: HANG_MS,
    });
    expect(log).toMatch(new RegExp(`${method} at ${layer}, 3 maps of 64x96, torch 2\\.13`));
    const theirs = readSafetensors(out);
    const maps = theirs.get('maps')!.data as Float32Array;
    expect(maps.length).toBe(ours.maps.length);
    // Maps are on [0,1]: an absolute 1e-4 is 1e-4 of their range.
    expect(maxAbsDiff(ours.maps, maps), `${name} ${method} ${layer}`).toBeLessThanOrEqual(1e-4);
    const logits = theirs.get('logits')!.data as Float32Array;
    expect(maxAbsDiff(ours.logits, logits)).toBeLessThanOrEqual(
      1e-4 * Math.max(1, ...Array.from(ours.logits, Math.abs)),
    );
    // Each map spans [0,1], or is all zeros (Grad-CAM whose weighted sum is nowhere positive); at
    // least one per case varies, so the comparison means something.
    let varying = 0;
    for (let i = 0; i < n; i++) {
      const one = ours.maps.subarray(i * 64 * 96, (i + 1) * 64 * 96);
      expect(Math.min(...one)).toBe(0);
      const top = Math.max(...one);
      if (top === 0) expect(method).toBe('gradcam');
      else {
        expect(top).toBeCloseTo(1, 6);
        varying++;
      }
    }
    expect(varying, `${name} ${method} ${layer}`).toBeGreaterThan(0);
  }
  // The class matters: another class gives another CAM.
  const other = Int32Array.from(classes, (c) => (c + 1) % opts.numClasses);
  const a = await model.activationMaps(batch, classes, { method: 'cam', layer: 'l4' });
  const b = await model.activationMaps(batch, other, { method: 'cam', layer: 'l4' });
  expect(maxAbsDiff(a.maps, b.maps)).toBeGreaterThan(1e-2);
  model.dispose();
}

describe.skipIf(missing(python, 'PyTorch 2.13 in .cache/venv/torch2.13-cpu'))(
  'CAM and Grad-CAM equal a PyTorch reference (scripts/pytorch-cam.py)',
  () => {
    it('ResNet-10 (basic blocks): CAM at l4, Grad-CAM at l1..l4', async () => {
      await compareAll('resnet10', { arch: 'resnet10', numClasses: 4, seed: 3 });
    });

    it('bottleneck [1,1,1,1]: CAM at l4, Grad-CAM at l1..l4', async () => {
      await compareAll('bottleneck', {
        arch: 'custom',
        block: 'bottleneck',
        layers: [1, 1, 1, 1],
        numClasses: 3,
        seed: 5,
      });
    });
  },
);

describe('activationMaps: argument errors', () => {
  it('rejects CAM away from l4, an unknown layer, out-of-range classes and a wrong class count', async () => {
    const model = await Model.create({ arch: 'resnet10', numClasses: 3, seed: 1 });
    const batch = pixelBatch(2, 64, 64, 1);
    const ok = Int32Array.from([0, 2]);
    await expect(model.activationMaps(batch, ok, { method: 'cam', layer: 'l3' })).rejects.toThrow(
      /CAM is defined at the last stage only/,
    );
    await expect(
      model.activationMaps(batch, ok, { method: 'gradcam', layer: 'l5' as ActivationMapLayer }),
    ).rejects.toThrow(TypeError);
    await expect(
      model.activationMaps(batch, Int32Array.from([0, 3]), { method: 'gradcam', layer: 'l4' }),
    ).rejects.toThrow(/classes must be in 0\.\.2/);
    await expect(model.activationMaps(batch, Int32Array.from([0]), { method: 'cam', layer: 'l4' })).rejects.toThrow(
      /labels has 1 entries for a batch of 2/,
    );
    // The model is still usable after the errors, and in eval mode: the same call twice gives the same maps.
    const first = await model.activationMaps(batch, ok, { method: 'gradcam', layer: 'l2' });
    const second = await model.activationMaps(batch, ok, { method: 'gradcam', layer: 'l2' });
    expect(maxAbsDiff(first.maps, second.maps)).toBe(0);
    model.dispose();
  });
});
