// Throughput of the fused CASM step and of saliency inference through the real addon.
// Defaults: ResNet-18, 64 px, batch 32, CPU (the figure the native-core issue asks for).
// Usage: node scripts/bench/step.mjs [--arch resnet18] [--size 64] [--batch 32] [--device cpu]
//        [--steps 20] [--warmup 3] [--amp] [--json FILE]
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Model, Trainer, doctorReport } from '../../dist/index.js';
import { loadAddon } from '../../dist/native/loader.js';

const { values: o } = parseArgs({
  options: {
    arch: { type: 'string', default: 'resnet18' },
    size: { type: 'string', default: '64' },
    batch: { type: 'string', default: '32' },
    device: { type: 'string', default: 'cpu' },
    steps: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    classes: { type: 'string', default: '1000' },
    amp: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const size = Number(o.size), batch = Number(o.batch), steps = Number(o.steps), warmup = Number(o.warmup);

function randomBatch(seed) {
  const data = new Uint8Array(batch * size * size * 3);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { kind: 'uint8', data, n: batch, h: size, w: size };
}

const model = await Model.create({ arch: o.arch, numClasses: Number(o.classes), device: o.device, seed: 0 });
const trainer = new Trainer(model, { lambdaR: 10, amp: o.amp });
const batches = [randomBatch(1), randomBatch(2)];
const labels = Int32Array.from({ length: batch }, (_, i) => i % Number(o.classes));
await trainer.snapshot(0);

async function time(label, fn) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) await fn(i);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const imgPerSec = (steps * batch) / seconds;
  console.log(`${label.padEnd(26)} ${imgPerSec.toFixed(1).padStart(9)} img/s   ${((seconds / steps) * 1000).toFixed(1)} ms/batch`);
  return { imgPerSec, msPerBatch: (seconds / steps) * 1000 };
}

const env = doctorReport();
console.log(`casm-native fused step: ${o.arch}, ${size}px, batch ${batch}, ${o.device}${o.amp ? ' (bf16 autocast)' : ''}; LibTorch ${env.libtorch}, ${env.threads} threads, ${cpus()[0]?.model ?? 'unknown CPU'}`);
const addon = loadAddon();
addon.resetCudaPeak?.(0);
const results = {
  config: { arch: o.arch, size, batch, device: o.device, amp: o.amp, steps, warmup },
  machine: { cpu: cpus()[0]?.model, cpus: cpus().length, threads: env.threads, libtorch: env.libtorch, gpus: env.gpus },
  currentClassifier: await time('step, current classifier', (i) => trainer.step(batches[i % 2], labels, { adversary: -1 })),
  pooledAdversary: await time('step, pooled adversary', (i) => trainer.step(batches[i % 2], labels, { adversary: 0 })),
  inference: await time('saliency inference', (i) => model.saliency(batches[i % 2], { amp: o.amp })),
};
// Peak GPU memory of everything above (model, one pooled snapshot, optimiser state, activations).
const memory = o.device.startsWith('cuda') ? addon.cudaMemory(0) : null;
if (memory) {
  results.peakMemoryGiB = memory.peak / 2 ** 30;
  console.log(`peak GPU memory            ${results.peakMemoryGiB.toFixed(2)} GiB`);
}
if (o.json) writeFileSync(o.json, JSON.stringify(results, null, 2) + '\n');
