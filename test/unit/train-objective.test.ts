// The mapping's objective (--objective, --mask-in-weight) reaches the trainer and is part of the
// run: a checkpoint records it, a resumed run trains with it, and a checkpoint from before the
// option existed resumes with the authors' objective (the only one it could have used).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainConfigInput } from '../../src/train/config.js';
import { train } from '../../src/train/loop.js';
import { fakeAddon, fakeData } from './train-fakes.js';

const root = mkdtempSync(path.join(tmpdir(), 'casm-train-objective-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = (out: string, over: Partial<TrainConfigInput> = {}): TrainConfigInput => ({
  data: 'fake',
  arch: 'resnet18',
  imageSize: 32,
  batchSize: 4,
  epochs: 2,
  preset: 'L',
  checkpointEvery: 2,
  logEvery: 2,
  out: path.join(root, out),
  ...over,
});

async function run(input: TrainConfigInput, opts: { resume?: string; stopAt?: number } = {}) {
  const addon = fakeAddon();
  const controller = new AbortController();
  const result = await train(input, {
    addon,
    data: fakeData({ batches: 4, boxes: false }),
    resume: opts.resume,
    signal: controller.signal,
    onProgress: (e) => {
      if (opts.stopAt !== undefined && e.type === 'step' && e.step === opts.stopAt) controller.abort();
    },
  });
  return { result, trainerOpts: addon.trainers[0]!.opts };
}

const latestState = (runDir: string) => {
  const dir = path.join(runDir, 'checkpoints');
  const latest = readFileSync(path.join(dir, 'latest'), 'utf8').trim();
  return path.join(dir, latest, 'state.json');
};

describe('objective of the mapping', () => {
  it('is passed to the trainer, recorded in the checkpoint and used again on resume', async () => {
    const first = await run(config('in-out', { objective: 'in-out', maskInWeight: 0.5 }), { stopAt: 3 });
    expect(first.result.interrupted).toBe(true);
    expect(first.trainerOpts).toMatchObject({ objective: 'in-out', maskInWeight: 0.5 });
    const state = JSON.parse(readFileSync(latestState(first.result.runDir), 'utf8'));
    expect(state.config).toMatchObject({ objective: 'in-out', maskInWeight: 0.5 });
    const resumed = await run({ data: 'fake' }, { resume: first.result.runDir });
    expect(resumed.result.interrupted).toBe(false);
    expect(resumed.trainerOpts).toMatchObject({ objective: 'in-out', maskInWeight: 0.5 });
  });

  it("defaults to the authors' objective, also for a checkpoint written before the option existed", async () => {
    const first = await run(config('old'), { stopAt: 3 });
    expect(first.trainerOpts).toMatchObject({ objective: 'out' });
    const file = latestState(first.result.runDir);
    const state = JSON.parse(readFileSync(file, 'utf8'));
    delete state.config.objective;
    delete state.config.maskInWeight;
    writeFileSync(file, JSON.stringify(state));
    const resumed = await run({ data: 'fake' }, { resume: first.result.runDir });
    expect(resumed.trainerOpts).toMatchObject({ objective: 'out', maskInWeight: 1 });
  });
});
