// Scores N synthetic 224x224 masks and reports the time spent in the metrics alone (mask
// generation is timed separately). Masks are sums of a few separable Gaussian blobs squashed into
// [0,1], with every fourth one quantised into blocks, so components, ties and boxes vary like real ones.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const load = (p) => import(pathToFileURL(path.join(root, 'dist', 'metrics', p)).href);
const { scoreMask, createScoreScratch, LocalisationAccumulator } = await load('score-mask.js');
const { maskStatistics, MaskStatisticsAccumulator } = await load('mask-statistics.js');

const N = Number(process.argv[2] ?? 10000);
const S = 224;
let seed = 20190501;
const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;

const mask = new Float32Array(S * S);
let firstBlob = [0, 0, 0, 0]; // centre x, y and spreads of the first blob, in mask pixels
const gx = new Float32Array(S * 4);
const gy = new Float32Array(S * 4);
function generate(i) {
  const k = 1 + Math.floor(rnd() * 4);
  const amp = [];
  for (let b = 0; b < k; b++) {
    const cx = rnd() * S,
      cy = rnd() * S,
      sx = 5 + rnd() * 60,
      sy = 5 + rnd() * 60;
    amp.push(0.5 + rnd() * 2.5);
    if (b === 0) firstBlob = [cx, cy, sx, sy];
    for (let t = 0; t < S; t++) {
      gx[b * S + t] = Math.exp(-(((t - cx) / sx) ** 2));
      gy[b * S + t] = Math.exp(-(((t - cy) / sy) ** 2));
    }
  }
  const bias = -1 - rnd() * 2;
  const blocky = i % 4 === 3;
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      let v = bias;
      for (let b = 0; b < k; b++) v += amp[b] * 4 * gx[b * S + x] * gy[b * S + y];
      let m = 1 / (1 + Math.exp(-v * 3));
      if (blocky) m = Math.round(m * 4) / 4;
      mask[y * S + x] = m;
    }
  }
}

const scratch = createScoreScratch(S * S);
const loc = new LocalisationAccumulator();
const stats = new MaskStatisticsAccumulator();
let genNs = 0n;
let scoreNs = 0n;
let scoreCpuUs = 0; // CPU time of the scoring alone: stable when other work shares the cores
for (let i = 0; i < N; i++) {
  const g0 = process.hrtime.bigint();
  generate(i);
  const w = 100 + Math.floor(rnd() * 500),
    h = 100 + Math.floor(rnd() * 500);
  const boxes = [];
  for (let b = 0, nb = 1 + Math.floor(rnd() * 3); b < nb; b++) {
    const x0 = Math.floor(rnd() * w * 0.8),
      y0 = Math.floor(rnd() * h * 0.8);
    boxes.push({
      x0,
      y0,
      x1: Math.min(w, x0 + 1 + Math.floor(rnd() * w * 0.5)),
      y1: Math.min(h, y0 + 1 + Math.floor(rnd() * h * 0.5)),
    });
  }
  const isCorrect = rnd() < 0.75;
  const resize = i % 2 ? 'crop' : 'direct';
  if (resize === 'direct') {
    // Half of the images get a ground-truth box around their first blob, so hits occur too.
    const [cx, cy, sx, sy] = firstBlob;
    const fx = w / S,
      fy = h / S;
    boxes[0] = {
      x0: Math.max(0, Math.floor((cx - sx) * fx)),
      y0: Math.max(0, Math.floor((cy - sy) * fy)),
      x1: Math.min(w, Math.ceil((cx + sx) * fx)),
      y1: Math.min(h, Math.ceil((cy + sy) * fy)),
    };
  }
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  loc.add(scoreMask(mask, S, S, boxes, [w, h], { resize, size: S, isCorrect, scratch }));
  stats.add(maskStatistics(mask, S, S));
  const t1 = process.hrtime.bigint();
  const c1 = process.cpuUsage(c0);
  scoreCpuUs += c1.user + c1.system;
  genNs += t0 - g0;
  scoreNs += t1 - t0;
}
const seconds = Number(scoreNs) / 1e9;
const s = loc.summary();
const st = stats.summary();
const cpuSeconds = scoreCpuUs / 1e6;
console.log(
  `scored ${N} masks of ${S}x${S} in ${seconds.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} s CPU (metrics only; ${((1000 * seconds) / N).toFixed(3)} ms/mask wall); generating them took ${(Number(genNs) / 1e9).toFixed(2)} s`,
);
console.log(
  `machine: ${os.cpus().length} cores, load average ${os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')} (wall time grows with the load; CPU time hardly does)`,
);
console.log(
  `LE ${s.LE.toFixed(4)} OM ${s.OM.toFixed(4)} F1 ${s.F1.toFixed(4)} F1a ${s.F1a.toFixed(4)} | mask mean ${st.mean.toFixed(4)} std ${st.std.toFixed(4)} entropy ${st.entropy.toFixed(4)} tv ${st.tv.toExponential(3)}`,
);
const goal = 30 * (N / 10000);
console.log(seconds <= goal ? `within the goal (${goal.toFixed(1)} s)` : `OVER the goal (${goal.toFixed(1)} s)`);
process.exitCode = seconds <= goal ? 0 : 1;
