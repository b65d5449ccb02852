// dispose() on Model and Trainer with the real addon: idempotent, clear errors afterwards (from the
// TS layer and from the native wrappers themselves), work already running still finishes, a model's
// trainers go with it, and the memory it held is given back for reuse (no growth over many rounds).
import { describe, expect, it } from 'vitest';
import { modelOptions, saliencyOptions, trainerOptions } from '../../src/native/defaults.js';
import { loadAddon } from '../../src/native/loader.js';
import { DisposedError, Model, Trainer } from '../../src/native/model.js';
import { labelsFor, pixelBatch, SMALL, smallTrainer } from './helpers.js';

const rss = () => process.memoryUsage().rss;

describe('dispose', () => {
  it('Model: idempotent; every later call fails with a DisposedError; Symbol.dispose does the same', async () => {
    const model = await Model.create(SMALL);
    expect(model.disposed).toBe(false);
    model.dispose();
    model.dispose();
    expect(model.disposed).toBe(true);
    expect(() => model.info()).toThrow(DisposedError);
    await expect(model.saliency(pixelBatch(1, 32, 32))).rejects.toThrow(
      /this Model was disposed; create or load a new one/,
    );
    await expect(model.stateDict()).rejects.toThrow(DisposedError);
    expect(() => new Trainer(model, { lambdaR: 1 })).toThrow(DisposedError);

    const other = await Model.create(SMALL);
    other[Symbol.dispose]();
    expect(other.disposed).toBe(true);
    await expect(other.saveWeights('/tmp/never.safetensors')).rejects.toThrow(DisposedError);
  });

  it('the native wrappers refuse on their own after dispose (no TS guard involved)', async () => {
    const addon = loadAddon();
    const native = new addon.Model(modelOptions(SMALL));
    await native.init();
    const trainer = new addon.Trainer(native, trainerOptions({ lambdaR: 1 }));
    trainer.dispose();
    trainer.dispose();
    await expect(Promise.resolve().then(() => trainer.poolIds())).rejects.toThrow(/this Trainer was disposed/);
    expect(() => trainer.setLambdaR(2)).toThrow(/this Trainer was disposed/);
    native.dispose();
    native.dispose();
    expect(() => native.info()).toThrow(/this Model was disposed/);
    expect(() => native.saliency(pixelBatch(1, 32, 32), saliencyOptions())).toThrow(/this Model was disposed/);
    expect(() => new addon.Trainer(native, trainerOptions({ lambdaR: 1 }))).toThrow(/this Model was disposed/);
  });

  it('dispose during init and during a running call: the running work completes, nothing after it runs', async () => {
    const addon = loadAddon();
    const native = new addon.Model(modelOptions(SMALL));
    const init = native.init();
    native.dispose();
    await init; // the networks are built, then dropped
    expect(() => native.info()).toThrow(/disposed/);

    const model = await Model.create(SMALL);
    const running = model.saliency(pixelBatch(2, 64, 64));
    model.dispose();
    const r = await running;
    expect(r.masks.length).toBe(2 * 64 * 64);
    await expect(model.saliency(pixelBatch(2, 64, 64))).rejects.toThrow(DisposedError);
  });

  it('Trainer: dispose frees it alone; the model keeps working; disposing the model disposes its trainers', async () => {
    const { model, trainer } = await smallTrainer();
    await trainer.step(pixelBatch(2, 64, 64), labelsFor(2, 5), { adversary: -1, snapshotId: 0 });
    trainer.dispose();
    trainer[Symbol.dispose]();
    expect(trainer.disposed).toBe(true);
    await expect(trainer.step(pixelBatch(2, 64, 64), labelsFor(2, 5), { adversary: -1 })).rejects.toThrow(
      /this Trainer was disposed; create a new one/,
    );
    await expect(trainer.setLambdaR(1)).rejects.toThrow(DisposedError);
    expect((await model.saliency(pixelBatch(1, 64, 64))).masks.length).toBe(64 * 64);

    const second = new Trainer(model, { lambdaR: 1 });
    const third = new Trainer(model, { lambdaR: 1 });
    third.dispose();
    model.dispose();
    expect(second.disposed).toBe(true);
    await expect(second.poolIds()).rejects.toThrow(DisposedError);
  });

  it('memory is released: creating, training and disposing a large model many times stays within one copy', async () => {
    // ResNet-34 with 1000 classes: ~22 M classifier parameters (~87 MB in float32); after one step
    // a model holds weights, optimiser state and a pool snapshot, ~3× that. Were dispose to leak,
    // ten rounds would grow the process by ~2.6 GB; with the memory released, the allocator reuses
    // it and the growth after the first round stays far below one classifier. (The allocator may
    // keep freed memory for reuse, so a single dispose need not shrink the process.)
    const round = async () => {
      const model = await Model.create({ arch: 'resnet34', numClasses: 1000, seed: 1 });
      const trainer = new Trainer(model, { lambdaR: 1 });
      await trainer.step(pixelBatch(2, 32, 32), labelsFor(2, 1000), { adversary: -1, snapshotId: 0 });
      const bytes = 4 * model.info().classifierParameters;
      model.dispose();
      expect(trainer.disposed).toBe(true);
      return bytes;
    };
    const classifierBytes = await round();
    const afterFirst = rss();
    for (let i = 0; i < 9; i++) await round();
    expect(rss() - afterFirst).toBeLessThan(classifierBytes);
  });
});
