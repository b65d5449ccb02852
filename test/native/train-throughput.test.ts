// Orchestration overhead of the training loop: images/s of train() fed from memory versus the bare
// fused native step on the same batches. A measurement, not a check: timing on a shared machine is
// noisy and no test may fail because the machine is slow, so it prints the numbers and checks only
// that the loop ran every step. Runs only when asked:
// CASM_TRAIN_BENCH=1 npx vitest run test/native/train-throughput
// (knobs: CASM_TRAIN_BENCH_SIZE, _BATCH, _STEPS, _ARCH).
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import type { ImageBatch } from '../../src/data/types.js';
import { modelOptions, stepOptions, trainerOptions } from '../../src/native/defaults.js';
import type { Arch, NativeAddon, NativeTrainer, NativeTrainerOptions } from '../../src/native/types.js';
import type { TrainData } from '../../src/train/data-source.js';
import { train } from '../../src/train/loop.js';
import { tryLoadAddon } from './train-fixture.js';

const enabled = process.env.CASM_TRAIN_BENCH === '1';
const addon = enabled ? await tryLoadAddon() : null;
if (enabled && !addon) throw new Error('CASM_TRAIN_BENCH=1 needs the compiled addon (bash scripts/setup.sh --test)');
const size = Number(process.env.CASM_TRAIN_BENCH_SIZE ?? 64);
const batchSize = Number(process.env.CASM_TRAIN_BENCH_BATCH ?? 32);
const steps = Number(process.env.CASM_TRAIN_BENCH_STEPS ?? 24);
const arch = (process.env.CASM_TRAIN_BENCH_ARCH ?? 'resnet18') as Arch;
const numClasses = 10;

function makeBatches(count: number): ImageBatch[] {
  return Array.from({ length: count }, (_, b) => {
    const data = Buffer.alloc(batchSize * size * size * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761 + b * 97) >>> 24;
    const labels = new Int32Array(batchSize).map((_, i) => (i + b) % numClasses);
    return { data, n: batchSize, h: size, w: size, labels, indices: [], boxes: [] };
  });
}

function memoryData(batches: ImageBatch[]): TrainData {
  return {
    numClasses,
    classIds: Array.from({ length: numClasses }, (_, i) => String(i)),
    trainImages: batches.length * batchSize,
    valImages: 0,
    scoreHasBoxes: false,
    scoreSamples: [],
    skipped: [],
    batchesPerEpoch: () => batches.length,
    async *trainBatches(_epoch, start) {
      for (let b = start; b < batches.length; b++) yield batches[b]!;
    },
    async *valBatches() {},
    async *scoreBatches() {},
    decodeSkips: () => [],
    close: async () => undefined,
  };
}

/** The addon with Trainer.step timed: the sum of native step times, over the loop's wall time,
 * gives the orchestration overhead without comparing two runs on a machine whose load changes. */
function timedAddon(a: NativeAddon) {
  const timing = { stepSeconds: [] as number[] };
  const Trainer = ((model: unknown, opts: NativeTrainerOptions): NativeTrainer => {
    const inner = new a.Trainer(model as never, opts);
    return {
      step: async (...args) => {
        const t0 = performance.now();
        const r = await inner.step(...args);
        timing.stepSeconds.push((performance.now() - t0) / 1000);
        return r;
      },
      snapshot: (id) => inner.snapshot(id),
      release: (id) => inner.release(id),
      poolIds: () => inner.poolIds(),
      setLearningRates: (lr, lrMapping) => inner.setLearningRates(lr, lrMapping),
      setLambdaR: (v) => inner.setLambdaR(v),
      saveCheckpoint: (dir, json) => inner.saveCheckpoint(dir, json),
      loadCheckpoint: (dir) => inner.loadCheckpoint(dir),
    };
  }) as unknown as NativeAddon['Trainer'];
  return { addon: { ...a, Model: a.Model, Trainer }, timing };
}

it.runIf(enabled)('measures what the loop adds to the fused step', async () => {
  const a = addon!;
  a.setThreads(availableParallelism());
  const batches = makeBatches(steps);
  const warmup = 3;

  // Bare fused steps, same policy as preset L (current classifier, no snapshots): for reference.
  const model = new a.Model(modelOptions({ arch, numClasses, seed: 1 }));
  await model.init();
  const trainer = new a.Trainer(model, trainerOptions({ lambdaR: 14 }));
  for (let i = 0; i < warmup; i++)
    await trainer.step(
      { kind: 'uint8', data: batches[i]!.data, n: batchSize, h: size, w: size },
      batches[i]!.labels,
      stepOptions({ adversary: -1 }),
    );
  let t0 = performance.now();
  for (const b of batches)
    await trainer.step(
      { kind: 'uint8', data: b.data, n: batchSize, h: size, w: size },
      b.labels,
      stepOptions({ adversary: -1 }),
    );
  const bare = (steps * batchSize) / ((performance.now() - t0) / 1000);

  // The loop, fed from memory: wall time between the step events after the warm-up (excludes
  // start-up and the epoch-end checkpoint) against the native step time inside it.
  const { addon: timed, timing } = timedAddon(a);
  const root = mkdtempSync(path.join(tmpdir(), 'casm-train-bench-'));
  const stamps: number[] = [];
  try {
    await train(
      {
        data: 'memory',
        arch,
        imageSize: size,
        batchSize,
        epochs: 1,
        preset: 'L',
        valSplit: null,
        checkpointEvery: 0,
        logEvery: 10,
        out: path.join(root, 'run'),
      },
      {
        addon: timed,
        data: memoryData([...batches.slice(0, warmup), ...batches]),
        onProgress: (e) => e.type === 'step' && stamps.push(performance.now()),
      },
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  t0 = stamps[warmup - 1]!;
  const wall = (stamps[stamps.length - 1]! - t0) / 1000;
  const native = timing.stepSeconds.slice(warmup).reduce((x, y) => x + y, 0);
  const loop = (steps * batchSize) / wall;
  const overhead = 1 - native / wall;
  console.log(
    `${arch} @ ${size}px, batch ${batchSize}, ${steps} steps, ${availableParallelism()} threads: fused step alone ${bare.toFixed(1)} img/s; ` +
      `train() loop ${loop.toFixed(1)} img/s, of which native steps ${((steps * batchSize) / native).toFixed(1)} img/s; orchestration ${(100 * overhead).toFixed(2)}% of wall time`,
  );
  expect(stamps).toHaveLength(warmup + steps);
  expect(timing.stepSeconds).toHaveLength(warmup + steps);
});
