// Throughput of the fused CASM step and of saliency inference through the real addon.
// Defaults: the configuration of issue 13 (ResNet-50, 64 px, batch 32, 10 classes, CPU); threads:
// the addon's default (one per core) unless --threads is given; the reference uses the same number.
// Usage: node scripts/bench/step.mjs [--arch resnet50] [--size 64] [--batch 32] [--classes 10]
//        [--device cpu] [--threads 2] [--steps 10] [--warmup 2] [--rounds 3] [--amp] [--json FILE]
//        [--compare-reference [--python PATH]] [--memory-steps N]
// --compare-reference: the authors' step semantics in plain PyTorch (reference/casm_reference.py)
//   runs in a python3 process beside this one, on the PyTorch of the same major.minor as the
//   LibTorch the addon was built on. Each measurement (one kind: warm-up, then --steps calls) is
//   paired with the reference's measurement of the same kind right after or before it (the order
//   alternates every round), so both sides of a ratio see the same machine load; the ratios
//   casm-native / reference are printed per round and for the medians, with the process CPU time
//   per batch of both sides (less sensitive to other users' load than wall time).
// --memory-steps N: after the timing, N more steps (current and pooled adversaries alternating, a
//   snapshot taken and the oldest released every 10 steps) with the resident set size sampled, to
//   show that memory per step stays flat.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { doctorReport, Model, Trainer } from '../../dist/index.js';
import { loadAddon } from '../../dist/native/loader.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const { values: o } = parseArgs({
  options: {
    arch: { type: 'string', default: 'resnet50' },
    size: { type: 'string', default: '64' },
    batch: { type: 'string', default: '32' },
    device: { type: 'string', default: 'cpu' },
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    classes: { type: 'string', default: '10' },
    threads: { type: 'string', default: '0' },
    rounds: { type: 'string', default: '3' },
    amp: { type: 'boolean', default: false },
    'compare-reference': { type: 'boolean', default: false },
    python: { type: 'string' },
    'memory-steps': { type: 'string', default: '0' },
    json: { type: 'string' },
  },
});
const size = Number(o.size),
  batch = Number(o.batch),
  steps = Number(o.steps),
  warmup = Number(o.warmup);
const classes = Number(o.classes),
  threads = Number(o.threads),
  rounds = Number(o.rounds);
const memorySteps = Number(o['memory-steps']);

function randomBatch(seed) {
  const data = new Uint8Array(batch * size * size * 3);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { kind: 'uint8', data, n: batch, h: size, w: size };
}

const addon = loadAddon();
if (threads > 0) addon.setThreads(threads);
const model = await Model.create({ arch: o.arch, numClasses: classes, device: o.device, seed: 0 });
const trainer = new Trainer(model, { lambdaR: 10, amp: o.amp });
const batches = [randomBatch(1), randomBatch(2)];
const labels = Int32Array.from({ length: batch }, (_, i) => i % classes);
await trainer.snapshot(0);

/** img/s over `steps` calls after `warmup`, and process CPU seconds per call (all threads, warm-up included, as the reference counts). */
async function time(fn) {
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < warmup; i++) await fn(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) await fn(i);
  const imgPerSec = (steps * batch) / (Number(process.hrtime.bigint() - t0) / 1e9);
  const cpu = process.cpuUsage(cpu0);
  return { imgPerSec, cpuSecPerBatch: (cpu.user + cpu.system) / 1e6 / (warmup + steps) };
}

const KINDS = [
  ['current', 'step, current classifier'],
  ['pooled', 'step, pooled adversary'],
  ['inference', 'saliency inference'],
];

const CASM = {
  current: (i) => trainer.step(batches[i % 2], labels, { adversary: -1 }),
  pooled: (i) => trainer.step(batches[i % 2], labels, { adversary: 0 }),
  inference: (i) => model.saliency(batches[i % 2], { amp: o.amp }),
};

// The python3 whose torch has the addon's LibTorch major.minor (the same kernels on both sides).
function referencePython(libtorch) {
  const want = libtorch.split('.').slice(0, 2).join('.');
  const candidates = [o.python];
  // LIBTORCH=<venv>/lib/python3.X/site-packages/torch: that venv's interpreter.
  if (process.env.LIBTORCH) candidates.push(resolve(process.env.LIBTORCH, '..', '..', '..', '..', 'bin', 'python'));
  candidates.push(join(repo, '.cache', 'venv', `torch${want}-cpu`, 'bin', 'python'), '/usr/bin/python3', 'python3');
  const tried = [];
  for (const py of candidates.filter(Boolean)) {
    if (py.includes('/') && !existsSync(py)) continue;
    let version = 'no torch';
    try {
      version = execFileSync(py, ['-c', 'import torch; print(torch.__version__)'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {}
    if (version.startsWith(`${want}.`)) return { python: py, torch: version };
    tried.push(`${py} (${version})`);
  }
  throw new Error(
    `--compare-reference: no python3 with torch ${want} (the addon's LibTorch ${libtorch}); tried ${tried.join(', ')}; pass --python`,
  );
}

const LAYERS = { resnet50: '3,4,6,3', resnet101: '3,4,23,3', resnet152: '3,8,36,3' };

/** The reference process: started once, then one timed measurement per request. */
async function startReference(libtorch) {
  if (!LAYERS[o.arch])
    throw new Error(
      `--compare-reference: the reference has bottleneck ResNets only (${Object.keys(LAYERS).join(', ')}), not ${o.arch}`,
    );
  const { python, torch } = referencePython(libtorch);
  const script = join(here, 'reference', 'casm_reference.py');
  const args = [
    script,
    '--serve',
    '--variant',
    'authors',
    '--device',
    o.device,
    '--layers',
    LAYERS[o.arch],
    '--size',
    String(size),
    '--batch',
    String(batch),
    '--classes',
    String(classes),
    '--threads',
    String(env.threads),
    '--iters',
    String(steps),
    '--warmup',
    String(warmup),
  ];
  const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`reference process (${python} ${script}) exited early`);
    return JSON.parse(value);
  };
  const hello = await next();
  return {
    python,
    torch,
    threads: hello.threads,
    async measure(kind) {
      child.stdin.write(`${kind}\n`);
      const r = await next();
      return { imgPerSec: r.img_s, cpuSecPerBatch: r.cpu_s_per_batch };
    },
    close: () => child.stdin.end(),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const fmt = (v) => v.toFixed(1).padStart(8);

const env = doctorReport();
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `casm-native fused step: ${o.arch}, ${size}px, batch ${batch}, ${classes} classes, ${o.device}${o.amp ? ' (bf16 autocast)' : ''}; ` +
    `LibTorch ${env.libtorch}, ${env.threads} threads, ${cpu} (${cpus().length} CPUs)`,
);
const reference = o['compare-reference'] ? await startReference(env.libtorch) : null;
if (reference)
  console.log(
    `reference: authors' step semantics, ${reference.python}, torch ${reference.torch}, ${reference.threads} threads`,
  );
const load = [loadavg()[0]];
const casm = [],
  ref = [];
const cpuNote = (c, f) =>
  `   CPU s/batch ${c.cpuSecPerBatch.toFixed(2)}${f ? ` vs ${f.cpuSecPerBatch.toFixed(2)}` : ''}`;
for (let r = 0; r < rounds; r++) {
  const c = {},
    f = {};
  for (const [k, label] of KINDS) {
    // Odd rounds measure the reference first, so neither side always runs after the other.
    if (reference && r % 2 === 1) f[k] = await reference.measure(k);
    c[k] = await time(CASM[k]);
    if (reference && r % 2 === 0) f[k] = await reference.measure(k);
    console.log(
      `round ${r + 1} ${label.padEnd(26)} casm ${fmt(c[k].imgPerSec)} img/s` +
        (reference
          ? `   reference ${fmt(f[k].imgPerSec)} img/s   ratio ${(c[k].imgPerSec / f[k].imgPerSec).toFixed(2)}×`
          : '') +
        cpuNote(c[k], reference ? f[k] : null),
    );
  }
  casm.push(c);
  if (reference) ref.push(f);
  load.push(loadavg()[0]);
}
reference?.close();
const summary = {};
for (const [k, label] of KINDS) {
  const c = median(casm.map((x) => x[k].imgPerSec));
  const cCpu = median(casm.map((x) => x[k].cpuSecPerBatch));
  summary[k] = { casmImgPerSec: c, casmMsPerBatch: (batch / c) * 1000, casmCpuSecPerBatch: cCpu };
  let line = `median ${label.padEnd(25)} casm ${fmt(c)} img/s (${((batch / c) * 1000).toFixed(0)} ms/batch)`;
  if (reference) {
    const f = median(ref.map((x) => x[k].imgPerSec));
    const ratios = casm.map((x, i) => x[k].imgPerSec / ref[i][k].imgPerSec);
    const fCpu = median(ref.map((x) => x[k].cpuSecPerBatch));
    Object.assign(summary[k], {
      referenceImgPerSec: f,
      referenceCpuSecPerBatch: fCpu,
      ratio: c / f,
      medianPairedRatio: median(ratios),
      cpuRatio: fCpu / cCpu,
    });
    line += `   reference ${fmt(f)} img/s   ratio ${(c / f).toFixed(2)}× (median of paired ratios ${median(ratios).toFixed(2)}×; CPU time ${(fCpu / cCpu).toFixed(2)}×)`;
  } else {
    line += `   CPU s/batch ${cCpu.toFixed(2)}`;
  }
  console.log(line);
}
console.log(`1-min load average during the rounds: ${load.map((l) => l.toFixed(2)).join(' → ')}`);

let memory = null;
if (memorySteps > 0) memory = await memoryCheck(memorySteps);

/** RSS over many steps: after a warm-up of 10 steps it should not grow with the step count. */
async function memoryCheck(n) {
  const samples = [];
  const every = Math.max(1, Math.floor(n / 10));
  let nextId = 1;
  const ids = [0];
  for (let i = 1; i <= n; i++) {
    const opts = {};
    if (i % 10 === 0) {
      opts.snapshotId = nextId;
      if (ids.length >= 3) opts.releaseId = ids.shift();
      ids.push(nextId++);
    }
    // Odd steps against the current classifier, even ones against the oldest snapshot kept.
    await trainer.step(batches[i % 2], labels, { ...opts, adversary: i % 2 ? -1 : ids[0] });
    if (i === 10 || i % every === 0) samples.push({ step: i, rssMiB: process.memoryUsage().rss / 2 ** 20 });
  }
  // The pool is full (3 snapshots) from step 20 on: growth is measured from the first sample after it.
  const full = samples.find((s) => s.step >= 30) ?? samples[0],
    last = samples[samples.length - 1];
  const later = samples.filter((s) => s.step >= full.step).map((s) => s.rssMiB);
  console.log(
    `memory: RSS ${samples.map((s) => `${s.step}:${s.rssMiB.toFixed(0)}`).join(' ')} MiB; ` +
      `from step ${full.step} to ${last.step}: ${(last.rssMiB - full.rssMiB).toFixed(1)} MiB (range ${(Math.max(...later) - Math.min(...later)).toFixed(1)} MiB)`,
  );
  return {
    steps: n,
    samples,
    fromStep: full.step,
    growthMiB: last.rssMiB - full.rssMiB,
    rangeMiB: Math.max(...later) - Math.min(...later),
  };
}

// Peak GPU memory of everything above (model, one pooled snapshot, optimiser state, activations).
const gpu = o.device.startsWith('cuda') ? addon.cudaMemory(0) : null;
if (gpu) console.log(`peak GPU memory            ${(gpu.peak / 2 ** 30).toFixed(2)} GiB`);
if (o.json) {
  const results = {
    config: { arch: o.arch, size, batch, classes, device: o.device, amp: o.amp, steps, warmup, rounds },
    machine: {
      cpu,
      cpus: cpus().length,
      threads: env.threads,
      libtorch: env.libtorch,
      gpus: env.gpus,
      loadAverage1m: load,
    },
    reference: reference
      ? { python: reference.python, torch: reference.torch, threads: reference.threads, variant: 'authors' }
      : null,
    rounds: casm.map((c, i) => ({ casm: c, reference: ref[i] ?? null })),
    median: summary,
    memory,
    // The medians under the names scripts/bench/gpu-table.mjs reads.
    currentClassifier: { imgPerSec: summary.current.casmImgPerSec, msPerBatch: summary.current.casmMsPerBatch },
    pooledAdversary: { imgPerSec: summary.pooled.casmImgPerSec, msPerBatch: summary.pooled.casmMsPerBatch },
    inference: { imgPerSec: summary.inference.casmImgPerSec, msPerBatch: summary.inference.casmMsPerBatch },
    peakMemoryGiB: gpu ? gpu.peak / 2 ** 30 : undefined,
  };
  writeFileSync(o.json, `${JSON.stringify(results, null, 2)}\n`);
}
