// Turns the JSON files scripts/bench/gpu.sh wrote into one side-by-side table (Markdown on
// stdout) and gpu-bench.json. Usage: node scripts/bench/gpu-table.mjs OUT_DIR [TRAIN_LOG]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, trainLog] = process.argv.slice(2);
const read = (f) => (existsSync(join(dir, f)) ? JSON.parse(readFileSync(join(dir, f), 'utf8')) : null);
const fmt = (v) => (typeof v === 'number' ? Math.round(v).toLocaleString('en-US') : 'not measured');
const gib = (v) => (typeof v === 'number' ? `${v.toFixed(2)} GiB` : 'not measured');

const rows = [];
const ref = (name, label) => {
  const r = read(name);
  rows.push({
    label,
    current: r?.current_img_s,
    pooled: r?.pooled_img_s,
    inference: r?.inference_img_s,
    peak: r?.peak_memory_gib,
    device: r?.device,
  });
};
const ours = (name, label) => {
  const r = read(name);
  rows.push({
    label,
    current: r?.currentClassifier?.imgPerSec,
    pooled: r?.pooledAdversary?.imgPerSec,
    inference: r?.inference?.imgPerSec,
    peak: r?.peakMemoryGiB,
    device: r?.machine?.gpus?.[0]?.name,
  });
};
ref('ref-authors.json', "authors' step, fp32 (reference script)");
ref('ref-tuned.json', 'tuned PyTorch port, bf16 (reference script)');
ref('ref-compiled.json', 'tuned port under torch.compile (reference script)');
ours('casm-fp32.json', 'casm-native, fp32');
ours('casm-bf16.json', 'casm-native, bf16 autocast');

const device = rows.find((r) => r.device)?.device ?? 'unknown device';
const lines = [
  `ResNet-50, 224 px, batch 128, synthetic data on the GPU; images per second; device: ${device}`,
  '',
  '| | current-classifier step | pooled-adversary step | mask inference | peak memory |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.label} | ${fmt(r.current)} | ${fmt(r.pooled)} | ${fmt(r.inference)} | ${gib(r.peak)} |`),
];
let training = null;
if (trainLog && existsSync(trainLog)) {
  // The training loop's JSON lines: the last one carrying throughput figures wins.
  for (const line of readFileSync(trainLog, 'utf8').split('\n')) {
    try {
      const e = JSON.parse(line);
      if (e && typeof e === 'object' && e.type === 'interval') training = e;
    } catch {}
  }
  if (training)
    lines.push(
      '',
      `End-to-end training (demo data, real pipeline): ${fmt(training.imagesPerSecond)} img/s, GPU waiting for data ${((training.dataWaitFraction ?? NaN) * 100).toFixed(1)}% of the time`,
    );
}
console.log(lines.join('\n'));
writeFileSync(join(dir, 'gpu-bench.json'), `${JSON.stringify({ device, rows, training }, null, 2)}\n`);
