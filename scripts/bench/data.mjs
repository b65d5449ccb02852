// Measures the data loader on generated ImageNet-like JPEGs. The parent process writes the images
// once, then runs each measurement in a child process, because libuv's thread pool size
// (UV_THREADPOOL_SIZE) is fixed when a process first uses it.
//
// "Per core" = one libuv thread, one libvips thread per image: the decode work runs on one core
// (the main JS thread only orchestrates). Besides wall-clock img/s, each run reports img per CPU
// second (process CPU time), which stays meaningful when other work shares the machine.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(here), '..', '..');
const load = (p) => import(pathToFileURL(path.join(root, 'dist', 'data', p)).href);

if (process.argv[2] === '--measure') await measure(JSON.parse(process.argv[3]));
else await main(Number(process.argv[2] ?? 400), Number(process.argv[3] ?? 3));

async function main(count, passes) {
  const sharp = (await import('sharp')).default;
  const dir = await mkdtemp(path.join(tmpdir(), 'casm-bench-data-'));
  try {
    const started = performance.now();
    const lines = [];
    for (let i = 0; i < count; i++) {
      const [w, h] = [
        [500, 375],
        [500, 333],
        [375, 500],
        [500, 400],
      ][i % 4];
      const file = `img${String(i).padStart(5, '0')}.jpg`;
      await sharp(photoLike(w, h, i), { raw: { width: w, height: h, channels: 3 } })
        .jpeg({ quality: 90 })
        .toFile(path.join(dir, file));
      lines.push(JSON.stringify({ path: file, label: i % 10 }));
    }
    await writeFile(path.join(dir, 'train.jsonl'), `${lines.join('\n')}\n`);
    const cores = availableParallelism();
    console.log(`generated ${count} JPEGs (~500x375, q90) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    console.log(`machine: ${cores} cores, ${cpus()[0]?.model ?? 'unknown CPU'}; node ${process.version}`);
    const runs = [
      { name: 'train 224, 1 core', transform: 'train', threads: 1, concurrency: 2 },
      { name: `train 224, ${cores} cores`, transform: 'train', threads: cores, concurrency: cores * 2 },
      { name: 'val 224, 1 core', transform: 'val', threads: 1, concurrency: 2 },
      { name: `val 224, ${cores} cores`, transform: 'val', threads: cores, concurrency: cores * 2 },
    ];
    for (const run of runs) {
      const result = await child({ ...run, dir, passes, size: 224, batchSize: 64 });
      console.log(
        `${run.name.padEnd(22)} ${result.images} images: ${result.imgPerSecond.toFixed(0).padStart(5)} img/s wall, ` +
          `${result.imgPerCpuSecond.toFixed(0).padStart(5)} img per CPU-second (cpu ${result.cpuSeconds.toFixed(2)} s, wall ${result.wallSeconds.toFixed(2)} s)`,
      );
    }
    console.log('goal: >= 250 img/s per core for train 224 (compare "img per CPU-second" when the machine is busy)');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function child(options) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [here, '--measure', JSON.stringify(options)], {
      env: { ...process.env, UV_THREADPOOL_SIZE: String(options.threads) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (chunk) => (out += chunk));
    proc.on('error', reject);
    proc.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`measurement exited with ${code}`)),
    );
  });
}

async function measure({ dir, passes, size, batchSize, transform, concurrency }) {
  const { loadDataset } = await load('load.js');
  const { BatchLoader } = await load('loader.js');
  const dataset = await loadDataset({ data: dir, split: 'train', strict: true });
  const loader = new BatchLoader(dataset, {
    batchSize,
    size,
    transform,
    seed: 1,
    concurrency,
    prefetch: 2,
    threadsPerImage: 1,
    strict: true,
  });
  // Warm-up: first decodes pay for library initialisation.
  for await (const batch of loader.batches({ epoch: 99 })) if (batch) break;
  let images = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let epoch = 0; epoch < passes; epoch++) for await (const batch of loader.batches({ epoch })) images += batch.n;
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(
    JSON.stringify({
      images,
      wallSeconds,
      cpuSeconds,
      imgPerSecond: images / wallSeconds,
      imgPerCpuSecond: images / cpuSeconds,
    }),
  );
}

/** Smooth colour fields, edges and fine texture: compresses like a photo at quality 90. */
function photoLike(w, h, seed) {
  let s = seed * 7919 + 17;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const blobs = Array.from({ length: 6 }, () => ({
    x: rnd() * w,
    y: rnd() * h,
    r: 40 + rnd() * 160,
    c: [rnd() * 255, rnd() * 255, rnd() * 255],
  }));
  const px = new Uint8ClampedArray(w * h * 3); // clamps like a camera would, no wrap-around
  const fx = 0.02 + rnd() * 0.2;
  const fy = 0.02 + rnd() * 0.2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      let r = 90,
        g = 90,
        b = 90,
        wsum = 1;
      for (const blob of blobs) {
        const d2 = ((x - blob.x) ** 2 + (y - blob.y) ** 2) / (blob.r * blob.r);
        const wgt = d2 < 1 ? 3 : Math.exp(-d2);
        r += blob.c[0] * wgt;
        g += blob.c[1] * wgt;
        b += blob.c[2] * wgt;
        wsum += wgt;
      }
      const texture = 25 * Math.sin(x * fx + Math.sin(y * fy) * 3) + (rnd() - 0.5) * 30;
      px[i] = r / wsum + texture;
      px[i + 1] = g / wsum + texture;
      px[i + 2] = b / wsum + texture;
    }
  }
  return Buffer.from(px.buffer);
}
