import { describe, expect, it } from 'vitest';
import {
  MODEL_DEFAULTS,
  modelOptions,
  PROCESS_GROUP_DEFAULTS,
  processGroupOptions,
  STEP_DEFAULTS,
  saliencyOptions,
  stepOptions,
  TRAINER_DEFAULTS,
  trainerOptions,
} from '../../src/native/defaults.js';
import { loadAddon } from '../../src/native/loader.js';
import { Model, Trainer } from '../../src/native/model.js';
import { labelsFor, pixelBatch, SMALL, smallTrainer } from './helpers.js';

describe('bad input gives JS errors, never a crash', () => {
  it('bad model options are TypeErrors', async () => {
    await expect(Model.create({ arch: 'resnet51' as never, numClasses: 3 })).rejects.toThrow(TypeError);
    await expect(Model.create({ arch: 'resnet18', numClasses: 0 })).rejects.toThrow(/numClasses/);
    await expect(Model.create({ arch: 'custom', block: 'basic', layers: [1, 1], numClasses: 3 })).rejects.toThrow(
      /4 entries/,
    );
    await expect(Model.create({ arch: 'resnet18', numClasses: 3, device: 'cuda' })).rejects.toThrow(
      /CUDA is not available/,
    );
    await expect(Model.create({ arch: 'resnet18', numClasses: 3, device: 'tpu' })).rejects.toThrow(TypeError);
    const addon = loadAddon();
    expect(() => new addon.Model(undefined as never)).toThrow(TypeError);
    expect(() => new addon.Trainer({} as never, { lambdaR: 1 })).toThrow(/expected a native Model/);
  });

  it('the raw addon has no defaults of its own: each option left out is a TypeError naming it', async () => {
    // Every key of the TypeScript table must be read by the binding (else leaving it out would
    // pass), and the filled options must be all it needs (else the complete call would throw).
    const addon = loadAddon();
    const without = <T extends object>(o: T, key: string) =>
      Object.fromEntries(Object.entries(o).filter(([k]) => k !== key)) as never;
    const named = (key: string) => new RegExp(`option '${key}' is required`);

    const model = modelOptions({ arch: 'custom', block: 'basic', layers: [1, 1, 1, 1], numClasses: 5 });
    for (const key of [...Object.keys(MODEL_DEFAULTS), 'arch', 'numClasses', 'block', 'layers']) {
      expect(() => new addon.Model(without(model, key)), key).toThrow(TypeError);
      expect(() => new addon.Model(without(model, key)), key).toThrow(named(key));
    }
    const native = new addon.Model(model);
    await native.init();

    const trainer = trainerOptions({ lambdaR: 10 });
    for (const key of [...Object.keys(TRAINER_DEFAULTS), 'lambdaR']) {
      expect(() => new addon.Trainer(native, without(trainer, key)), key).toThrow(TypeError);
      expect(() => new addon.Trainer(native, without(trainer, key)), key).toThrow(named(key));
    }

    // Checked before any rendezvous (and before a build without distributed support says so).
    const group = processGroupOptions({ rank: 0, worldSize: 1 });
    for (const key of [...Object.keys(PROCESS_GROUP_DEFAULTS), 'rank', 'worldSize']) {
      expect(() => addon.ProcessGroup.connect(without(group, key)), key).toThrow(named(key));
    }

    const t = new addon.Trainer(native, trainer);
    const batch = pixelBatch(2, 32, 32);
    const step = stepOptions({ adversary: -1 });
    for (const key of [...Object.keys(STEP_DEFAULTS), 'adversary']) {
      expect(() => t.step(batch, labelsFor(2, 5), without(step, key)), key).toThrow(named(key));
    }
    expect(() => native.saliency(batch, {} as never)).toThrow(named('amp'));
    expect(() => native.saliency(batch, undefined as never)).toThrow(/saliency options must be an object/);
    expect(() => native.importWeights('/nonexistent', { prefix: '' } as never)).toThrow(named('strict'));
    expect(() => t.pretrainStep(batch, labelsFor(2, 5), { optimizer: 'sgd' } as never)).toThrow(named('lr'));
    // And the complete options work.
    expect((await native.saliency(batch, saliencyOptions())).masks.length).toBe(2 * 32 * 32);
    expect((await t.step(batch, labelsFor(2, 5), step)).batchSize).toBe(2);
    t.dispose();
    native.dispose();
  });

  it('wrong shapes, dtypes, NaN input and bad labels reject with clear messages', async () => {
    const { trainer, model } = await smallTrainer();
    const ok = pixelBatch(2, 64, 64);
    const labels = labelsFor(2, 5);
    await expect(trainer.step({ ...ok, h: 60 }, labels, { adversary: -1 })).rejects.toThrow(/expected n\*h\*w\*3/);
    await expect(trainer.step(pixelBatch(2, 48, 64), labels, { adversary: -1 })).rejects.toThrow(/multiples of 32/);
    await expect(
      trainer.step({ kind: 'uint8', data: new Float32Array(2 * 64 * 64 * 3) as never, n: 2, h: 64, w: 64 }, labels, {
        adversary: -1,
      }),
    ).rejects.toThrow(TypeError);
    await expect(
      trainer.step({ kind: 'float16' as never, data: ok.data, n: 2, h: 64, w: 64 }, labels, { adversary: -1 }),
    ).rejects.toThrow(/kind/);
    const nan = new Float32Array(2 * 3 * 64 * 64);
    nan[77] = Number.NaN;
    await expect(
      trainer.step({ kind: 'float32', data: nan, n: 2, h: 64, w: 64 }, labels, { adversary: -1 }),
    ).rejects.toThrow(/NaN or Inf/);
    await expect(model.saliency({ kind: 'float32', data: nan, n: 2, h: 64, w: 64 })).rejects.toThrow(/NaN or Inf/);
    await expect(trainer.step(ok, new Int32Array([0, 5]), { adversary: -1 })).rejects.toThrow(/labels must be in 0..4/);
    await expect(trainer.step(ok, new Int32Array([0]), { adversary: -1 })).rejects.toThrow(/labels has 1 entries/);
    await expect(trainer.step(ok, [0, 1] as never, { adversary: -1 })).rejects.toThrow(/Int32Array/);
    await expect(trainer.step(ok, labels, { adversary: 3 })).rejects.toThrow(/not in the pool/);
    await expect(trainer.step(ok, labels, { adversary: -1, releaseId: 9 })).rejects.toThrow(/not in the pool/);
    await expect(trainer.release(4)).rejects.toThrow(/no snapshot with id 4/);
    await expect(trainer.snapshot(-2)).rejects.toThrow(TypeError);
    // After all of that the trainer is intact.
    const s = await trainer.step(ok, labels, { adversary: -1 });
    expect(Number.isFinite(s.lossMapping)).toBe(true);
  });

  it('a fixed classifier cannot take a pooled adversary', async () => {
    const { trainer } = await smallTrainer(SMALL, { lambdaR: 2.5, fixedClassifier: true });
    await trainer.snapshot(0);
    await expect(trainer.step(pixelBatch(2, 64, 64), labelsFor(2, 5), { adversary: 0 })).rejects.toThrow(
      /own adversary/,
    );
  });

  it('non-finite losses are reported and the updates skipped', async () => {
    // An absurd classifier learning rate blows the classifier up after one step.
    const m = await Model.create(SMALL);
    const t = new Trainer(m, { lambdaR: 10, lr: 1e30 });
    await t.step(pixelBatch(4, 64, 64, 1), labelsFor(4, 5), { adversary: -1 });
    const before = await m.stateDict('decoder.');
    let seen = false;
    for (let i = 0; i < 3 && !seen; i++) {
      const s = await t.step(pixelBatch(4, 64, 64, 2 + i), labelsFor(4, 5), { adversary: -1 });
      if (!s.finite) {
        seen = true;
        expect(s.skipped).toContain('mapping');
      }
    }
    expect(seen).toBe(true);
    const after = await m.stateDict('decoder.');
    for (const [name, t0] of Object.entries(before)) {
      if (/running|num_batches/.test(name)) continue;
      expect(after[name].data.every(Number.isFinite), name).toBe(true);
      expect(Array.from(after[name].data), name).toEqual(Array.from(t0.data));
    }
  });

  it('clipping of the decoder gradient is active (total norm, before-clip norm reported)', async () => {
    // Without weight decay, whose L2 term Adam adds after clipping and which would move weights by itself.
    const a = await smallTrainer(SMALL, { lambdaR: 10, weightDecay: 0 });
    const b = await smallTrainer(SMALL, { lambdaR: 10, weightDecay: 0, clipNorm: 1e-12 });
    const d0 = await a.model.stateDict('decoder.final.0.weight');
    const batch = pixelBatch(4, 64, 64, 5);
    const sa = await a.trainer.step(batch, labelsFor(4, 5), { adversary: -1 });
    const sb = await b.trainer.step(batch, labelsFor(4, 5), { adversary: -1 });
    // The reported norm is measured before clipping: both runs see the same gradient.
    expect(sb.decoderGradNorm).toBeCloseTo(sa.decoderGradNorm, 5);
    const move = async (m: Model) => {
      const w = (await m.stateDict('decoder.final.0.weight'))['decoder.final.0.weight'].data;
      let s = 0;
      for (let i = 0; i < w.length; i++) s = Math.max(s, Math.abs(w[i] - d0['decoder.final.0.weight'].data[i]));
      return s;
    };
    // Adam's first step moves each weight by about lr; a gradient clipped to 1e-12 falls under eps.
    expect(await move(a.model)).toBeGreaterThan(5e-4);
    expect(await move(b.model)).toBeLessThan(1e-6);
  });
});
