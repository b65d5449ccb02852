// Data-parallel scaling of the fused CASM step on this CPU: the same global batch trained by
// 1 process × T threads and by N processes × T/N threads (Gloo over 127.0.0.1, gradients
// averaged by the addon's c10d all-reduce). Only the training step is timed (no image decoding),
// after a warm-up; rank 0's wall clock per step is the figure (all ranks wait for each other).
// Usage: node scripts/bench/data-parallel.mjs [--arch resnet18] [--size 64] [--batch 32]
//        [--procs 2] [--threads 2] [--steps 10] [--warmup 2] [--json FILE]
// Needs `npm run build`. Figures on a shared machine vary with its load: the load average before
// and after is recorded with them.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    arch: { type: 'string', default: 'resnet18' },
    size: { type: 'string', default: '64' },
    batch: { type: 'string', default: '32' },
    procs: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    json: { type: 'string' },
    // Internal: one worker of a configuration.
    worker: { type: 'string' },
  },
});
const size = Number(o.size),
  batch = Number(o.batch),
  steps = Number(o.steps),
  warmup = Number(o.warmup);
const CLASSES = 100;

if (o.worker) {
  const w = JSON.parse(o.worker);
  const { loadAddon } = await import('../../dist/native/loader.js');
  const { modelOptions, processGroupOptions, stepOptions, trainerOptions } = await import(
    '../../dist/native/defaults.js'
  );
  const addon = loadAddon();
  addon.setThreads(w.threads);
  const group =
    w.world > 1
      ? await addon.ProcessGroup.connect(processGroupOptions({ rank: w.rank, worldSize: w.world, masterPort: w.port }))
      : undefined;
  const model = new addon.Model(modelOptions({ arch: o.arch, numClasses: CLASSES, seed: 0 }));
  await model.init();
  const trainer = new addon.Trainer(model, trainerOptions({ lambdaR: 10, ...(group ? { processGroup: group } : {}) }));
  await trainer.broadcastModel(0);
  const n = batch / w.world;
  const data = new Uint8Array(n * size * size * 3);
  let s = (w.rank + 1) >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  const labels = Int32Array.from({ length: n }, (_, i) => (i + w.rank * n) % CLASSES);
  const input = { kind: 'uint8', data, n, h: size, w: size };
  await trainer.snapshot(0);
  const step = (i) => trainer.step(input, labels, stepOptions({ adversary: i % 2 === 0 ? -1 : 0 }));
  for (let i = 0; i < warmup; i++) await step(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) await step(i);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (w.rank === 0) process.stdout.write(`${JSON.stringify({ seconds })}\n`);
  process.exit(0);
}

async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs one configuration; returns rank 0's seconds for the timed steps. */
async function configuration(world, threadsPerProc) {
  const port = await freePort();
  const self = fileURLToPath(import.meta.url);
  const runs = Array.from({ length: world }, (_, rank) => {
    const args = [
      self,
      '--arch',
      o.arch,
      '--size',
      o.size,
      '--batch',
      o.batch,
      '--steps',
      o.steps,
      '--warmup',
      o.warmup,
      '--worker',
      JSON.stringify({ rank, world, threads: threadsPerProc, port }),
    ];
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, args, {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, OMP_NUM_THREADS: String(threadsPerProc) },
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('close', (code) =>
        code === 0 ? resolve(out) : reject(new Error(`worker ${rank} of ${world} exited with ${code}`)),
      );
    });
  });
  const outputs = await Promise.all(runs);
  return JSON.parse(outputs[0].trim()).seconds;
}

const procs = Number(o.procs),
  threads = Number(o.threads);
if (batch % procs !== 0) throw new Error(`--batch ${batch} must be divisible by --procs ${procs}`);
const loadBefore = loadavg();
const results = [];
for (const [world, t] of [
  [1, threads],
  [procs, Math.max(1, Math.floor(threads / procs))],
]) {
  const seconds = await configuration(world, t);
  const r = {
    processes: world,
    threadsPerProcess: t,
    imgPerSec: (steps * batch) / seconds,
    msPerStep: (seconds / steps) * 1000,
  };
  results.push(r);
  console.log(
    `${world} process(es) × ${t} thread(s): ${r.imgPerSec.toFixed(1).padStart(7)} img/s   ${r.msPerStep.toFixed(0)} ms per step of ${batch} images`,
  );
}
const loadAfter = loadavg();
console.log(`speed-up of ${procs} processes over 1: ${(results[1].imgPerSec / results[0].imgPerSec).toFixed(2)}×`);
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model}; load average before ${loadBefore.map((x) => x.toFixed(1)).join(' ')}, after ${loadAfter.map((x) => x.toFixed(1)).join(' ')}`,
);
if (o.json) {
  writeFileSync(
    o.json,
    `${JSON.stringify(
      {
        what: 'fused CASM step, same global batch: 1 process vs N processes (Gloo all-reduce over loopback)',
        arch: o.arch,
        size,
        batch,
        steps,
        warmup,
        results,
        machine: { cpus: cpus().length, model: cpus()[0]?.model, loadBefore, loadAfter },
        date: new Date().toISOString(),
      },
      null,
      2,
    )}\n`,
  );
}
