// The loop's orchestration against a fake addon: schedule, policy calls, checkpoints, resume.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainConfigInput } from '../../src/train/config.js';
import type { TrainEvent } from '../../src/train/events.js';
import type { TrainOptions } from '../../src/train/loop.js';
import { train } from '../../src/train/loop.js';
import type { FakeModel } from './train-fakes.js';
import { fakeAddon, fakeData } from './train-fakes.js';

const root = mkdtempSync(path.join(tmpdir(), 'casm-train-loop-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;

function baseConfig(over: Partial<TrainConfigInput> = {}): TrainConfigInput {
  return {
    data: 'fake',
    arch: 'resnet18',
    imageSize: 32,
    batchSize: 4,
    epochs: 3,
    preset: 'L100',
    snapshotEvery: 2,
    poolSize: 3,
    lrDecayEvery: 2,
    checkpointEvery: 3,
    keepCheckpoints: 2,
    logEvery: 2,
    out: path.join(root, `run-${runs++}`),
    ...over,
  };
}

async function run(config: TrainConfigInput, opts: Partial<TrainOptions> = {}, batches = 5) {
  const addon = fakeAddon();
  const events: TrainEvent[] = [];
  const result = await train(config, {
    addon,
    data: fakeData({ batches, boxes: false }),
    ...opts,
    onProgress: (e) => {
      events.push(e);
      opts.onProgress?.(e);
    },
  });
  const trainer = addon.trainers[0]!;
  return { result, events, trainer, weights: (trainer.model as FakeModel).weights };
}

function metricLines(runDir: string) {
  return readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r.kind !== 'resume' && r.kind !== 'checkpoint')
    .map(({ time: _t, seconds: _s, imagesPerSecond: _i, dataWaitFraction: _w, ...rest }) => {
      if (rest.val) rest.val = { ...(rest.val as object), seconds: 0 };
      return rest;
    });
}

describe('train loop (fake addon)', () => {
  it('runs every batch of every epoch once, with the schedule and the policy applied', async () => {
    const { result, events, trainer } = await run(baseConfig());
    expect(result.interrupted).toBe(false);
    expect(result.steps).toBe(15);
    expect(trainer.calls).toHaveLength(15);
    // Snapshots: step 0 (empty pool) and every 2nd step ((s+1) % 2 == 0), capacity 3.
    const snaps = trainer.calls.map((c, s) => (c.snapshotId >= 0 ? s : -1)).filter((s) => s >= 0);
    expect(snaps).toEqual([0, 1, 3, 5, 7, 9, 11, 13]);
    expect(trainer.pool.size).toBe(3);
    // LR decays ×0.1 at epoch 2 (lrDecayEvery 2).
    expect(trainer.lr).toBeCloseTo(1e-4, 12);
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(epochs).toHaveLength(3);
    expect(epochs[0]).toMatchObject({ val: { images: 8, accMasked: expect.any(Number), maskMean: 0.25 } });
    // Checkpoints: every 3 steps except where an epoch ends, plus each epoch end; keep the last 2.
    const cps = events.filter((e) => e.type === 'checkpoint').map((e) => (e as { step: number }).step);
    expect(cps).toEqual([3, 5, 6, 9, 10, 12, 15]);
    const kept = readdirSync(path.join(result.runDir, 'checkpoints')).filter((n) => n.startsWith('step-'));
    expect(kept).toEqual(['step-0000012', 'step-0000015']);
    expect(readFileSync(path.join(result.runDir, 'checkpoints', 'latest'), 'utf8').trim()).toBe('step-0000015');
    expect(existsSync(path.join(result.runDir, 'model.safetensors'))).toBe(true);
    const kinds = metricLines(result.runDir).map((r) => r.kind);
    expect(kinds.filter((k) => k === 'epoch')).toHaveLength(3);
    expect(kinds.filter((k) => k === 'interval')).toHaveLength(7);
  });

  it('an interrupted run resumed from its checkpoint ends exactly like an uninterrupted one', async () => {
    const reference = await run(baseConfig());
    const controller = new AbortController();
    const cfg = baseConfig();
    const first = await run(cfg, {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'step' && e.step === 7) controller.abort();
      },
    });
    expect(first.result.interrupted).toBe(true);
    expect(first.result.steps).toBe(7);
    expect(first.result.checkpoint).toMatch(/step-0000007$/);
    const resumed = await run({ data: 'fake' }, { resume: first.result.runDir });
    expect(resumed.result.steps).toBe(15);
    expect(resumed.trainer.calls).toHaveLength(8);
    expect(resumed.weights).toBe(reference.weights);
    expect(metricLines(resumed.result.runDir)).toEqual(metricLines(reference.result.runDir));
  });

  it('resuming from an older checkpoint (as after SIGKILL) also ends exactly like the reference', async () => {
    const reference = await run(baseConfig({ keepCheckpoints: 100 }));
    // A copy of the finished run stands in for a killed one: resume from its step-6 checkpoint.
    const killed = path.join(root, 'killed');
    cpSync(reference.result.runDir, killed, { recursive: true });
    const resumed = await run({ data: 'fake' }, { resume: path.join(killed, 'checkpoints', 'step-0000003') });
    expect(resumed.trainer.calls).toHaveLength(12);
    expect(resumed.weights).toBe(reference.weights);
    expect(metricLines(killed)).toEqual(metricLines(reference.result.runDir));
  });

  it('an interruption during validation resumes with that validation', async () => {
    const reference = await run(baseConfig());
    const controller = new AbortController();
    const first = await run(baseConfig(), {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'validation' && e.epoch === 1) controller.abort();
      },
    });
    expect(first.result.interrupted).toBe(true);
    expect(first.result.steps).toBe(10);
    const resumed = await run({ data: 'fake' }, { resume: first.result.runDir });
    expect(resumed.weights).toBe(reference.weights);
    expect(metricLines(resumed.result.runDir)).toEqual(metricLines(reference.result.runDir));
  });

  it('a finished run can be extended with a larger epoch count on resume', async () => {
    const reference = await run(baseConfig({ epochs: 4 }));
    const short = await run(baseConfig({ epochs: 2 }));
    expect(short.result.steps).toBe(10);
    // Other knobs given on resume are ignored: the checkpoint's configuration wins.
    const extended = await run({ data: 'fake', epochs: 4, lr: 0.5 }, { resume: short.result.runDir });
    expect(extended.result.steps).toBe(20);
    expect(extended.result.config.lr).toBe(1e-3);
    expect(extended.weights).toBe(reference.weights);
  });

  it('keeps the crop range on resume; a checkpoint from before the knob resumes with the spec range', async () => {
    const short = await run(baseConfig({ epochs: 1, cropScale: [0.5, 1] }));
    expect(short.result.config.cropScale).toEqual([0.5, 1]);
    const extended = await run({ data: 'fake', epochs: 2, cropScale: [1, 1] }, { resume: short.result.runDir });
    expect(extended.result.config.cropScale).toEqual([0.5, 1]);

    const old = path.join(root, `run-${runs++}`);
    cpSync(short.result.runDir, old, { recursive: true });
    const stateFile = path.join(
      old,
      'checkpoints',
      readFileSync(path.join(old, 'checkpoints', 'latest'), 'utf8').trim(),
      'state.json',
    );
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { config: Record<string, unknown> };
    delete state.config.cropScale;
    writeFileSync(stateFile, JSON.stringify(state));
    const resumedOld = await run({ data: 'fake', epochs: 2 }, { resume: old });
    expect(resumedOld.result.config.cropScale).toEqual([0.08, 1]);
  });

  it('F never snapshots and its classifier is fixed; L never snapshots', async () => {
    const f = await run(baseConfig({ preset: 'F', snapshotEvery: undefined }));
    expect(f.trainer.opts.fixedClassifier).toBe(true);
    expect(f.trainer.opts.lambdaR).toBe(2.5);
    expect(f.trainer.calls.every((c) => c.adversary === -1 && c.snapshotId === -1)).toBe(true);
    const l = await run(baseConfig({ preset: 'L', snapshotEvery: undefined, score: 'classification' }));
    expect(l.trainer.opts.lambdaR).toBe(18);
    expect(l.trainer.calls.every((c) => c.adversary === -1 && c.snapshotId === -1)).toBe(true);
  });

  it('steers λr toward a target mask area once per control window', async () => {
    // The fake's training masks have mean 0.5: against a target of 0.25 each window raises λr by
    // the largest factor, 1.1; 15 steps in windows of 5 make three adjustments.
    const { events, trainer, result } = await run(baseConfig({ targetMaskArea: 0.25, maskAreaEvery: 5, lambdaR: 8 }));
    const adj = events.filter((e) => e.type === 'lambda') as Extract<TrainEvent, { type: 'lambda' }>[];
    expect(adj.map((e) => e.step)).toEqual([5, 10, 15]);
    const expected = [8 * 1.1, 8 * 1.1 * 1.1, 8 * 1.1 * 1.1 * 1.1];
    expect(adj.map((e) => e.next)).toEqual(expected);
    expect(trainer.lambdaR).toBe(expected[2]);
    expect(result.lambdaR).toBe(expected[2]);
    const logged = metricLines(result.runDir).filter((r) => r.kind === 'lambda');
    expect(logged.map((r) => r.next)).toEqual(expected);
  });

  it('an interrupted run with a λr controller resumes exactly (the open window is checkpointed)', async () => {
    const cfg = { targetMaskArea: 0.25, maskAreaEvery: 4, lambdaR: 8 };
    const reference = await run(baseConfig(cfg));
    const controller = new AbortController();
    const first = await run(baseConfig(cfg), {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'step' && e.step === 6) controller.abort();
      },
    });
    const resumed = await run({ data: 'fake' }, { resume: first.result.runDir });
    expect(resumed.result.lambdaR).toBe(reference.result.lambdaR);
    expect(resumed.weights).toBe(reference.weights);
    expect(metricLines(resumed.result.runDir)).toEqual(metricLines(reference.result.runDir));
  });

  it('pretrains the classifier for pretrainEpochs on its own batches, then runs CASM', async () => {
    const addon = fakeAddon();
    const events: TrainEvent[] = [];
    const result = await train(baseConfig({ pretrainEpochs: 2, pretrainLr: 0.1, epochs: 1 }), {
      addon,
      data: fakeData({ batches: 5, pretrainBatches: 10 }),
      onProgress: (e) => events.push(e),
    });
    const trainer = addon.trainers[0]!;
    expect(trainer.pretrainCalls).toHaveLength(20);
    expect(trainer.calls).toHaveLength(5);
    expect(result.steps).toBe(5);
    // Warm-up over the first step (5% of 20), then cosine decay.
    expect(trainer.pretrainCalls[0]).toBeCloseTo(0.1, 12);
    expect(trainer.pretrainCalls[19]).toBeLessThan(0.002);
    const order = events.map((e) => e.type).filter((t) => ['phase', 'pretrain-epoch', 'epoch', 'done'].includes(t));
    expect(order).toEqual(['phase', 'pretrain-epoch', 'pretrain-epoch', 'phase', 'epoch', 'done']);
    const pre = events.filter((e) => e.type === 'pretrain-epoch') as Extract<TrainEvent, { type: 'pretrain-epoch' }>[];
    expect(pre[0]!.train).toMatchObject({ steps: 10, images: 40, loss: 1.5, accuracy: 0.5 });
    expect(pre[0]!.val).toMatchObject({ images: 8 });
    const records = metricLines(result.runDir);
    expect(records.filter((r) => r.kind === 'pretrain-epoch').map((r) => r.pretrainStep)).toEqual([10, 20]);
    expect(records.filter((r) => r.kind === 'pretrain-interval')).toHaveLength(10);
  });

  it('--epochs 0 with pretraining trains the classifier only and scores nothing', async () => {
    const addon = fakeAddon();
    const result = await train(baseConfig({ pretrainEpochs: 1, epochs: 0 }), {
      addon,
      data: fakeData({ batches: 5, boxes: true }),
    });
    expect(addon.trainers[0]!.pretrainCalls).toHaveLength(5);
    expect(addon.trainers[0]!.calls).toHaveLength(0);
    expect(result.weights).toMatch(/model\.safetensors$/);
    expect(result.localization).toBeNull();
    await expect(train(baseConfig({ epochs: 0 }), { addon, data: fakeData({ batches: 5 }) })).rejects.toThrow(
      /0 only together with --pretrain-epochs/,
    );
  });

  it('an interruption during pretraining resumes exactly, in pretraining and from an older checkpoint', async () => {
    const cfg = (over: Partial<TrainConfigInput> = {}) =>
      baseConfig({ pretrainEpochs: 2, epochs: 2, keepCheckpoints: 100, ...over });
    const reference = await run(cfg());
    const controller = new AbortController();
    const first = await run(cfg(), {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'pretrain-step' && e.pretrainStep === 7) controller.abort();
      },
    });
    expect(first.result.interrupted).toBe(true);
    expect(first.result.steps).toBe(0);
    const resumed = await run({ data: 'fake' }, { resume: first.result.runDir });
    expect(resumed.trainer.pretrainCalls).toHaveLength(3);
    expect(resumed.weights).toBe(reference.weights);
    expect(metricLines(resumed.result.runDir)).toEqual(metricLines(reference.result.runDir));

    // As after SIGKILL: resume the finished reference from a checkpoint taken during pretraining.
    const killed = path.join(root, `run-${runs++}`);
    cpSync(reference.result.runDir, killed, { recursive: true });
    const pretrainCheckpoints = readdirSync(path.join(killed, 'checkpoints'))
      .filter((d) => d.startsWith('pretrain-'))
      .sort();
    expect(pretrainCheckpoints.length).toBeGreaterThan(2);
    const atPretrain = pretrainCheckpoints[1]!;
    const again = await run({ data: 'fake' }, { resume: path.join(killed, 'checkpoints', atPretrain) });
    expect(again.weights).toBe(reference.weights);
    expect(metricLines(killed)).toEqual(metricLines(reference.result.runDir));
  });

  it('scores localisation at the end when the validation split has boxes', async () => {
    const addon = fakeAddon();
    const events: TrainEvent[] = [];
    const result = await train(baseConfig({ epochs: 1 }), {
      addon,
      data: fakeData({ batches: 2, boxes: true }),
      onProgress: (e) => events.push(e),
    });
    expect(result.localization).toMatchObject({
      images: 8,
      LE: expect.any(Number),
      OM: expect.any(Number),
      F1: expect.any(Number),
    });
    const file = JSON.parse(readFileSync(path.join(result.runDir, 'localization.json'), 'utf8'));
    expect(file).toMatchObject({ images: 8, resize: 'crop', size: 8 });
    // The fake's masks are uniform (0.25): every pixel is kept, the box is the whole frame, no hit.
    expect(file.LE).toBe(1);
    expect(events.some((e) => e.type === 'localization')).toBe(true);
  });

  it('refuses to start a new run in a folder that holds one', async () => {
    const cfg = baseConfig({ epochs: 1 });
    await run(cfg);
    await expect(run(cfg)).rejects.toThrow(/already holds a training run/);
  });

  it('stops on a run of non-finite steps, with a checkpoint', async () => {
    const addon = fakeAddon((stats) => ({ ...stats, finite: false, skipped: ['masked'] }));
    const data = fakeData({ batches: 30 });
    const events: TrainEvent[] = [];
    const cfg = baseConfig({ epochs: 1, preset: 'L', snapshotEvery: undefined });
    await expect(train(cfg, { addon, data, onProgress: (e) => events.push(e) })).rejects.toThrow(/diverged/);
    expect(events.filter((e) => e.type === 'warning')).toHaveLength(20);
    expect(events.some((e) => e.type === 'checkpoint' && e.reason === 'interrupt')).toBe(true);
  });
});
