// Orchestration overhead of the training loop: images/s of train() fed from memory against the
// bare fused native step on the same batches, and the share of the loop's wall time spent outside
// native steps. A measurement, not a check (timing on a shared machine is noisy): it prints the
// figures, the load average and the machine. Formerly test/native/train-throughput.test.ts, which
// only ran when asked; a benchmark belongs here.
// Usage: node scripts/bench/train-throughput.mjs [--arch resnet18] [--size 64] [--batch 32]
//        [--steps 24] [--warmup 3] [--classes 10] [--threads N] [--json FILE]
// Needs `npm run build` (dist/) and the compiled addon.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { doctorReport } from '../../dist/index.js';
import { modelOptions, stepOptions, trainerOptions } from '../../dist/native/defaults.js';
import { loadAddon } from '../../dist/native/loader.js';
import { train } from '../../dist/train/loop.js';

const { values: o } = parseArgs({
  options: {
    arch: { type: 'string', default: 'resnet18' },
    size: { type: 'string', default: '64' },
    batch: { type: 'string', default: '32' },
    steps: { type: 'string', default: '24' },
    warmup: { type: 'string', default: '3' },
    classes: { type: 'string', default: '10' },
    threads: { type: 'string', default: String(availableParallelism()) },
    json: { type: 'string' },
  },
});
const size = Number(o.size),
  batchSize = Number(o.batch),
  steps = Number(o.steps),
  warmup = Number(o.warmup),
  numClasses = Number(o.classes),
  threads = Number(o.threads);
for (const [name, v] of Object.entries({ size, batch: batchSize, steps, warmup, classes: numClasses, threads }))
  if (!Number.isInteger(v) || v < (name === 'warmup' ? 0 : 1)) throw new Error(`--${name}: not a usable count: ${v}`);

function makeBatches(count) {
  return Array.from({ length: count }, (_, b) => {
    const data = Buffer.alloc(batchSize * size * size * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761 + b * 97) >>> 24;
    const labels = new Int32Array(batchSize).map((_, i) => (i + b) % numClasses);
    return { data, n: batchSize, h: size, w: size, labels, indices: [], boxes: [] };
  });
}

/** A TrainData that yields the given batches from memory (no decoding, no files). */
function memoryData(batches) {
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
      for (let b = start; b < batches.length; b++) yield batches[b];
    },
    async *valBatches() {},
    async *scoreBatches() {},
    decodeSkips: () => [],
    close: async () => undefined,
  };
}

/** The addon with Trainer.step timed: the sum of native step times over the loop's wall time
 * gives the orchestration overhead without comparing two runs on a machine whose load changes. */
function timedAddon(a) {
  const stepSeconds = [];
  // A function, not an arrow: train() calls it with `new` (returning an object from it yields that object).
  function Trainer(model, opts) {
    const inner = new a.Trainer(model, opts);
    return {
      step: async (...args) => {
        const t0 = performance.now();
        const r = await inner.step(...args);
        stepSeconds.push((performance.now() - t0) / 1000);
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
  }
  return { addon: { ...a, Model: a.Model, Trainer }, stepSeconds };
}

const addon = loadAddon();
addon.setThreads(threads);
const env = doctorReport();
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `train() loop against the fused step: ${o.arch}, ${size}px, batch ${batchSize}, ${numClasses} classes, ` +
    `${steps} steps after ${warmup} warm-up; LibTorch ${env.libtorch}, ${threads} threads, ${cpu} (${cpus().length} CPUs)`,
);
const load = [loadavg()[0]];
const batches = makeBatches(steps);

// Bare fused steps, same policy as preset L (current classifier, no snapshots): for reference.
const model = new addon.Model(modelOptions({ arch: o.arch, numClasses, seed: 1 }));
await model.init();
const trainer = new addon.Trainer(model, trainerOptions({ lambdaR: 14 }));
const asInput = (b) => ({ kind: 'uint8', data: b.data, n: batchSize, h: size, w: size });
for (let i = 0; i < warmup; i++)
  await trainer.step(
    asInput(batches[i % batches.length]),
    batches[i % batches.length].labels,
    stepOptions({ adversary: -1 }),
  );
const t0 = performance.now();
for (const b of batches) await trainer.step(asInput(b), b.labels, stepOptions({ adversary: -1 }));
const bare = (steps * batchSize) / ((performance.now() - t0) / 1000);
load.push(loadavg()[0]);

// The loop, fed from memory: wall time between the step events after the warm-up (excludes
// start-up and the epoch-end checkpoint) against the native step time inside it.
const { addon: timed, stepSeconds } = timedAddon(addon);
const root = mkdtempSync(join(tmpdir(), 'casm-train-bench-'));
const stamps = [];
try {
  const warm = Array.from({ length: warmup }, (_, i) => batches[i % batches.length]);
  await train(
    {
      data: 'memory',
      arch: o.arch,
      imageSize: size,
      batchSize,
      epochs: 1,
      preset: 'L',
      valSplit: null,
      checkpointEvery: 0,
      logEvery: 10,
      out: join(root, 'run'),
    },
    {
      addon: timed,
      data: memoryData([...warm, ...batches]),
      onProgress: (e) => e.type === 'step' && stamps.push(performance.now()),
    },
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
load.push(loadavg()[0]);
if (stamps.length !== warmup + steps || stepSeconds.length !== warmup + steps)
  throw new Error(`the loop ran ${stamps.length} steps (${stepSeconds.length} native), not ${warmup + steps}`);
// With no warm-up the first step's event is the earliest stamp there is: time from it.
const first = warmup > 0 ? warmup - 1 : 0;
const counted = stamps.length - 1 - first;
const wall = (stamps[stamps.length - 1] - stamps[first]) / 1000;
const native = stepSeconds.slice(first + 1).reduce((x, y) => x + y, 0);
const loop = (counted * batchSize) / wall;
const overhead = 1 - native / wall;
console.log(`fused step alone             ${bare.toFixed(1).padStart(8)} img/s`);
console.log(`train() loop                 ${loop.toFixed(1).padStart(8)} img/s`);
console.log(`  of which native steps      ${((counted * batchSize) / native).toFixed(1).padStart(8)} img/s`);
console.log(`orchestration                ${(100 * overhead).toFixed(2).padStart(8)} % of the loop's wall time`);
console.log(`1-min load average: ${load.map((l) => l.toFixed(2)).join(' → ')}`);
if (o.json)
  writeFileSync(
    o.json,
    `${JSON.stringify(
      {
        config: { arch: o.arch, size, batch: batchSize, classes: numClasses, steps, warmup, threads },
        machine: { cpu, cpus: cpus().length, threads, libtorch: env.libtorch, loadAverage1m: load },
        fusedStepImgPerSec: bare,
        loopImgPerSec: loop,
        nativeStepImgPerSec: (counted * batchSize) / native,
        orchestrationShare: overhead,
      },
      null,
      2,
    )}\n`,
  );
