#!/usr/bin/env node
// Benchmark: mask inference throughput of the ONNX runtime (onnxruntime-node, the file from
// exportOnnx with BatchNorm folded and kept) against the addon's Model.saliency(), on the same
// model, the same uint8 batch and the same number of threads, in one process: the rounds of the
// three alternate (addon, onnx-fold, onnx-keep, addon, …) so that load from other processes falls
// on all of them alike. Records the load average before and after.
//
// Usage: node scripts/bench/onnx-inference.mjs [--archs resnet18,resnet50] [--size 224] [--batch 8]
//          [--rounds 6] [--threads 2] [--out bench/results/onnx-inference.json]
// Needs dist/ (npx tsc -p tsconfig.json), the addon and onnxruntime-node (bash scripts/setup.sh).
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: {
    archs: { type: 'string', default: 'resnet18,resnet50' },
    size: { type: 'string', default: '224' },
    batch: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '6' },
    threads: { type: 'string', default: String(cpus().length) },
    out: { type: 'string' },
  },
});
const size = Number(values.size);
const batch = Number(values.batch);
const rounds = Number(values.rounds);
const threads = Number(values.threads);

const { Model, OnnxModel, exportOnnx } = await import(path.join(root, 'dist', 'index.js'));
const { loadAddon } = await import(path.join(root, 'dist', 'native', 'loader.js'));
const addon = loadAddon();
addon.setThreads?.(threads);
const { writeFile, mkdtemp, rm } = await import('node:fs/promises');
const { tmpdir } = await import('node:os');
const dir = await mkdtemp(path.join(tmpdir(), 'casm-onnx-bench-'));

const pixels = new Uint8Array(batch * size * size * 3);
let s = 12345;
for (let i = 0; i < pixels.length; i++) {
  s = (s * 1103515245 + 12345) >>> 0;
  pixels[i] = (s >>> 24) ^ ((i >> 9) & 0x7f);
}
const input = { kind: 'uint8', data: pixels, n: batch, h: size, w: size };

const loadBefore = loadavg();
const started = new Date().toISOString();
const results = [];
for (const arch of values.archs.split(',')) {
  const model = await Model.create({ arch, numClasses: 1000, seed: 1 });
  const runners = { addon: (b) => model.saliency(b) };
  const sessions = [];
  for (const batchNorm of ['fold', 'keep']) {
    const file = path.join(dir, `${arch}-${batchNorm}.onnx`);
    await writeFile(file, await exportOnnx(model, { batchNorm }));
    const onnx = await OnnxModel.load(file, { threads });
    sessions.push(onnx);
    runners[`onnx-${batchNorm}`] = (b) => onnx.saliency(b);
  }
  // Warm-up (first-call allocations, onnxruntime's graph set-up) and the outputs' agreement.
  const outs = {};
  for (const [name, run] of Object.entries(runners)) outs[name] = await run(input);
  let maxMaskDiff = 0;
  for (const name of ['onnx-fold', 'onnx-keep'])
    for (let i = 0; i < outs.addon.masks.length; i++)
      maxMaskDiff = Math.max(maxMaskDiff, Math.abs(outs.addon.masks[i] - outs[name].masks[i]));
  const times = Object.fromEntries(Object.keys(runners).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(runners)) {
      const t0 = process.hrtime.bigint();
      await run(input);
      times[name].push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const row = { arch, size, batch, threads, rounds, maxMaskDiff, runtimes: {} };
  for (const [name, ts] of Object.entries(times))
    row.runtimes[name] = { medianSeconds: median(ts), imagesPerSecond: batch / median(ts), seconds: ts };
  row.ratioOnnxFoldToAddon = row.runtimes['onnx-fold'].imagesPerSecond / row.runtimes.addon.imagesPerSecond;
  row.ratioOnnxKeepToAddon = row.runtimes['onnx-keep'].imagesPerSecond / row.runtimes.addon.imagesPerSecond;
  results.push(row);
  console.log(
    `${arch} ${size}px batch ${batch}, ${threads} threads: addon ${row.runtimes.addon.imagesPerSecond.toFixed(2)} img/s, ` +
      `onnx (BN folded) ${row.runtimes['onnx-fold'].imagesPerSecond.toFixed(2)} img/s (×${row.ratioOnnxFoldToAddon.toFixed(2)}), ` +
      `onnx (BN kept) ${row.runtimes['onnx-keep'].imagesPerSecond.toFixed(2)} img/s (×${row.ratioOnnxKeepToAddon.toFixed(2)}); ` +
      `max |Δmask| ${maxMaskDiff.toExponential(2)}`,
  );
  for (const o of sessions) await o.dispose();
  model.dispose();
}
await rm(dir, { recursive: true, force: true });
const report = {
  benchmark: 'onnx-inference',
  started,
  finished: new Date().toISOString(),
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  node: process.version,
  libtorch: addon.versions().libtorch,
  onnxruntime: JSON.parse(readFileSync(path.join(root, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8'))
    .version,
  loadAverageBefore: loadBefore,
  loadAverageAfter: loadavg(),
  results,
};
console.log(
  `load average before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${report.loadAverageAfter.map((x) => x.toFixed(2)).join(' ')}`,
);
if (values.out) {
  writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${values.out}`);
}
