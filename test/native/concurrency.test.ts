import { describe, expect, it } from 'vitest';
import { labelsFor, pixelBatch, smallTrainer } from './helpers.js';

describe('calls on one model are serialised', () => {
  it('concurrent steps and saliency calls give the results of running them in order', async () => {
    const run = async (concurrent: boolean) => {
      const { model, trainer } = await smallTrainer();
      const jobs = [
        () => trainer.step(pixelBatch(2, 64, 64, 1), labelsFor(2, 5), { adversary: -1, snapshotId: 0 }),
        () => model.saliency(pixelBatch(2, 64, 64, 9)),
        () => trainer.step(pixelBatch(2, 64, 64, 2), labelsFor(2, 5, 1), { adversary: 0 }),
        () => trainer.step(pixelBatch(2, 64, 64, 3), labelsFor(2, 5, 2), { adversary: -1 }),
        () => model.saliency(pixelBatch(2, 64, 64, 9)),
      ];
      const out: unknown[] = [];
      if (concurrent) out.push(...(await Promise.all(jobs.map((j) => j()))));
      else for (const j of jobs) out.push(await j());
      return out.map((r) => JSON.stringify(r, (_k, v) => (v instanceof Float32Array ? Array.from(v.slice(0, 64)) : v)));
    };
    const sequential = await run(false);
    const concurrent = await run(true);
    expect(concurrent).toEqual(sequential);
    // The two saliency calls saw different models (training happened in between).
    expect(sequential[1]).not.toEqual(sequential[4]);
  });

  it('the event loop keeps running while a step computes: a timer set before the call fires before it resolves', async () => {
    const { trainer } = await smallTrainer();
    // A step that blocked the main thread would resolve (a microtask) before any timer could run;
    // computed on a worker thread, the timer's turn of the event loop comes while it works.
    const order: string[] = [];
    const timer = new Promise<void>((resolve) =>
      setTimeout(() => {
        order.push('timer');
        resolve();
      }, 0),
    );
    await trainer.step(pixelBatch(8, 96, 96), labelsFor(8, 5), { adversary: -1 }).then(() => order.push('step'));
    await timer;
    expect(order).toEqual(['timer', 'step']);
  });
});
