// Model.saliency and Trainer.step take their inputs at call time (issue 14): a caller that
// overwrites its buffer right after the call, before the queued native call runs, must still get
// the results for what it passed.
import { describe, expect, it } from 'vitest';
import { Model, Trainer } from '../../src/native/model.js';
import { labelsFor, maxAbsDiff, pixelBatch, SMALL } from './helpers.js';

describe('inputs are copied when the call is made', () => {
  it('saliency: zeroing the buffer after the call does not change the masks', async () => {
    const model = await Model.create(SMALL);
    const batch = pixelBatch(2, 64, 64, 3);
    const reference = await model.saliency({ ...batch, data: new Uint8Array(batch.data) });
    const zeros = await model.saliency({ ...batch, data: new Uint8Array(batch.data.length) });
    expect(maxAbsDiff(reference.masks, zeros.masks)).toBeGreaterThan(0); // the test can tell them apart

    // Queue something first, so the call under test waits behind it, then overwrite the buffer.
    const busy = model.saliency(pixelBatch(2, 64, 64, 9));
    const pending = model.saliency(batch);
    batch.data.fill(0);
    await busy;
    const got = await pending;
    expect(maxAbsDiff(got.masks, reference.masks)).toBe(0);
  });

  it('step: overwriting pixels and labels after the call does not change the step', async () => {
    const run = async (mode: 'clean' | 'overwrite' | 'zeros') => {
      const model = await Model.create(SMALL);
      const trainer = new Trainer(model, { lambdaR: 10 });
      const batch = pixelBatch(4, 64, 64, 5);
      const labels = labelsFor(4, 5, 1);
      if (mode === 'zeros') {
        batch.data.fill(0);
        labels.fill(0);
      }
      const busy = model.saliency(pixelBatch(2, 64, 64, 9));
      const pending = trainer.step(batch, labels, { adversary: -1 });
      if (mode === 'overwrite') {
        batch.data.fill(0);
        labels.fill(0);
      }
      await busy;
      return pending;
    };
    const clean = await run('clean');
    const zeros = await run('zeros');
    expect(zeros.lossClean).not.toBe(clean.lossClean); // the test can tell them apart
    const overwritten = await run('overwrite');
    expect(overwritten.lossClean).toBe(clean.lossClean);
    expect(overwritten.lossMasked).toBe(clean.lossMasked);
    expect(overwritten.maskMean).toBe(clean.maskMean);
  });
});
