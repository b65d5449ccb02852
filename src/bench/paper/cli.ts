// `npm run bench:paper -- [--data DIR] [--budget tiny|demo|gpu|full] [--only table2,table3,copies,fig3,stats]
//  [--out DIR] [--seed S] [--smoke] …`: runs the paper's experiments at the chosen budget, prints
// each table in the paper's layout beside the paper's numbers, and writes <name>.json + <name>.md
// (and fig3.svg) plus summary.md and runs.json into the results folder.
import { existsSync, promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureFashionLoc } from '../../data/demo/fashion-loc.js';
import { loadAddon } from '../../native/loader.js';
import { BUDGETS, type Budget, getBudget } from './budgets.js';
import { BenchContext, type BenchDataset } from './context.js';
import { runCopies } from './copies.js';
import type { ExperimentResult } from './experiment.js';
import { runFig3 } from './fig3.js';
import { writeImageNetFixture, writeStandInInitWeights } from './imagenet-fixture.js';
import { describeMachine, type MachineDescription, machineLine } from './machine.js';
import { writeResult } from './report.js';
import type { RunRecord } from './runs.js';
import { runStats } from './stats.js';
import { runTable2 } from './table2.js';
import { runTable3 } from './table3.js';
import { formatHours, paperRunSeconds } from './wall-clock.js';

/** In the order they run: Table 2 first, since the statistics and Fig. 3 reuse its runs. */
export const EXPERIMENTS = {
  table2: runTable2,
  copies: runCopies,
  stats: runStats,
  fig3: runFig3,
  table3: runTable3,
} as const satisfies Record<string, (ctx: BenchContext) => Promise<ExperimentResult>>;
export type ExperimentName = keyof typeof EXPERIMENTS;

const USAGE = `usage: casm-native bench paper [options]   (in a checkout: npm run bench:paper -- [options])
  --budget tiny|demo|gpu|full  compute budget (default demo; gpu = 10^4-step fashion-loc runs for one GPU; full = the paper's ImageNet setting)
  --data DIR                dataset (ImageNet folders, wsolevaluation, JSONL); default: the fashion-loc demo data
  --only LIST               comma-separated subset of ${Object.keys(EXPERIMENTS).join(',')} (default all)
  --out DIR                 results folder (default bench/results/paper-<budget>, or .cache/bench-paper/results-<budget> for tiny/smoke)
  --work DIR                training runs (weights, logs; reused when the configuration matches) (default .cache/bench-paper/<budget>)
  --seed S                  seed of every run (default 0; Fig. 3's classifiers use S, S+1, …)
  --init-weights FILE       torchvision ResNet weights for f(0) (required by --budget full)
  --copies-data DIR         two-copies dataset (default: fashion-loc --duplicate, generated)
  --score-split NAME        split the numbers are computed on (default: test when the data has one, else val)
  --score-limit N           score at most N images per model, evenly spaced (default: the budget's)
  --device DEV              cpu, cuda, cuda:N (default: the budget's)
  --threads N               LibTorch CPU threads (default: all cores)
  --smoke                   the whole ImageNet path (ResNet-50, ImageNet layout, --init-weights) on a generated fixture, tiny budget`;

export async function main(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      budget: { type: 'string', default: 'demo' },
      data: { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
      work: { type: 'string' },
      seed: { type: 'string', default: '0' },
      'init-weights': { type: 'string' },
      'copies-data': { type: 'string' },
      'score-split': { type: 'string' },
      'score-limit': { type: 'string' },
      device: { type: 'string' },
      threads: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (o.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const seed = Number(o.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got ${o.seed}`);
  const only = parseOnly(o.only);
  const label = o.smoke ? 'smoke' : o.budget;
  // --smoke: 64 px, not tiny's 32, because ResNet-50's layer4 is then 2×2 rather than 1×1, and a
  // from-scratch Table 3 run's train-mode BN on a 1×1 map of a 2-image last batch can overflow.
  let budget: Budget = o.smoke
    ? { ...BUDGETS.tiny, arch: 'resnet50', imageSize: 64, pretrain: null }
    : getBudget(o.budget);
  if (o.device) budget = { ...budget, device: o.device };
  if (o['score-limit'] !== undefined) budget = { ...budget, scoreLimit: Number(o['score-limit']) };
  const out = path.resolve(
    o.out ??
      (budget.name === 'tiny'
        ? path.join('.cache', 'bench-paper', `results-${label}`)
        : path.join('bench', 'results', `paper-${label}`)),
  );
  const work = path.resolve(o.work ?? path.join('.cache', 'bench-paper', label));
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const addon = loadAddon();
  addon.setThreads(o.threads ? Number(o.threads) : availableParallelism());
  const machine = describeMachine();
  log(
    `bench:paper — budget ${label}: ${budget.arch}, ${budget.imageSize} px, batch ${budget.batchSize}, ${budget.epochs} epoch(s) × ${budget.epochFraction}, device ${budget.device}`,
  );
  log(`machine: ${machineLine(machine)}`);

  let data = o.data ? path.resolve(o.data) : null;
  let initWeights = o['init-weights'] ? path.resolve(o['init-weights']) : null;
  if (o.smoke) {
    data ??= await writeImageNetFixture({ out: path.join(work, 'imagenet-fixture'), seed });
    initWeights ??= await writeStandInInitWeights(path.join(work, 'resnet50-stand-in.safetensors'), 'resnet50');
  }
  // --score-split replaces the default score split of both datasets.
  const scoreOn = (d: BenchDataset): BenchDataset => (o['score-split'] ? { ...d, scoreSplit: o['score-split'] } : d);
  const plain = scoreOn(data ? await describeDataset(data, 'plain', budget) : await demoDataset(budget, false, log));
  const duplicate = memo(async () =>
    scoreOn(
      o['copies-data']
        ? await describeDataset(path.resolve(o['copies-data']), 'duplicate', budget)
        : await demoDataset(budget, true, log),
    ),
  );
  const ctx = new BenchContext(budget, seed, work, { plain, duplicate }, initWeights, addon, log);

  const command = `npm run bench:paper -- ${argv.join(' ')}`.trim();
  let failed = 0;
  for (const name of only) {
    log(`\n== ${name} ==`);
    const started = performance.now();
    try {
      const result = await EXPERIMENTS[name](ctx);
      const seconds = (performance.now() - started) / 1000;
      const runs = result.runs.map((id) => ctx.used.get(id)!).filter(Boolean);
      const meta = {
        command,
        budget,
        seed,
        machine,
        data: { plain, duplicate: name === 'copies' ? await duplicate() : undefined },
        seconds,
        finishedAt: new Date().toISOString(),
      };
      const runLines = runs.map(
        (r) => `${r.id} (${r.steps} steps, ${r.seconds.toFixed(0)} s${r.reused ? ', reused from the run cache' : ''})`,
      );
      const header = [
        `# ${result.title}`,
        '',
        `Command: \`${command}\` — budget **${label}** (${budget.arch}, ${budget.imageSize} px, batch ${budget.batchSize}, ${budget.epochs} epoch(s) per run${budget.pretrain ? `, f(0) pretrained for ${budget.pretrain.epochs} epoch(s)` : ''}), seed ${seed}.`,
        `Data: ${displayPath(plain.dir)}, scored on its ${plain.scoreSplit} split${name === 'copies' ? ` (two-copies: ${(await duplicate()).dir})` : ''}. Machine: ${machineLine(machine)}.`,
        `Duration: ${seconds.toFixed(0)} s for this experiment in this invocation; runs: ${runLines.join('; ')}.`,
        '',
      ].join('\n');
      await writeResult(out, result.name, { ...meta, ...result.data, runs }, `${header}\n${result.markdown}`);
      for (const f of result.files ?? []) await fs.writeFile(path.join(out, f.name), f.content);
      process.stdout.write(`\n${result.title}\n${result.text}\n`);
    } catch (err) {
      failed++;
      log(`${name} failed: ${(err as Error).stack ?? err}`);
    }
  }
  await writeRunLog(out, ctx, machine);
  await writeSummary(out, label, machine, ctx);
  log(`\nresults in ${path.relative(process.cwd(), out) || out}`);
  return failed ? 1 : 0;
}

/** Paths inside the working folder relative to it, others (e.g. the demo data cache) as they are. */
function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') ? rel : p;
}

function parseOnly(spec: string | undefined): ExperimentName[] {
  const all = Object.keys(EXPERIMENTS) as ExperimentName[];
  if (!spec) return all;
  const wanted = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const w of wanted)
    if (!all.includes(w as ExperimentName))
      throw new Error(`--only: unknown experiment '${w}' (expected ${all.join(', ')})`);
  return all.filter((n) => wanted.includes(n));
}

function memo<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | null = null;
  return () => (p ??= f());
}

/**
 * A given dataset folder: fashion-loc/wsolevaluation data is scored on test, ImageNet on val. The
 * two-copies data is always trained and scored on the whole (squeezed) image: both copies visible.
 */
async function describeDataset(dir: string, kind: BenchDataset['kind'], budget: Budget): Promise<BenchDataset> {
  if (!existsSync(dir)) throw new Error(`dataset ${dir} does not exist`);
  const hasTest = existsSync(path.join(dir, 'metadata', 'test')) || existsSync(path.join(dir, 'test.jsonl'));
  return {
    kind,
    dir,
    trainSplit: 'train',
    valSplit: 'val',
    scoreSplit: hasTest ? 'test' : 'val',
    resize: kind === 'duplicate' ? 'direct' : 'crop',
    trainTransform: kind === 'duplicate' || budget.trainTransform === 'whole' ? 'score-direct' : 'train',
  };
}

async function demoDataset(budget: Budget, duplicate: boolean, log: (line: string) => void): Promise<BenchDataset> {
  const dir = await ensureFashionLoc({ ...budget.demoData, duplicate, seed: 0, onProgress: log });
  return describeDataset(dir, duplicate ? 'duplicate' : 'plain', budget);
}

async function writeRunLog(out: string, ctx: BenchContext, machine: MachineDescription): Promise<void> {
  const file = path.join(out, 'runs.json');
  // Runs of earlier invocations into the same folder are kept: experiments may run one at a time.
  let previous: Record<string, unknown> = {};
  try {
    previous = (JSON.parse(await fs.readFile(file, 'utf8')) as { runs: Record<string, unknown> }).runs;
  } catch {
    /* first invocation */
  }
  const runs = { ...previous };
  for (const [id, r] of ctx.used)
    runs[id] = {
      ...r,
      runDir: path.relative(process.cwd(), r.runDir),
      weights: path.relative(process.cwd(), r.weights),
    };
  await fs.mkdir(out, { recursive: true });
  await fs.writeFile(file, `${JSON.stringify({ machine, runs }, null, 2)}\n`);
}

/** summary.md: every table in the folder (also those of earlier invocations), and the wall-clock estimate. */
async function writeSummary(out: string, label: string, machine: MachineDescription, ctx: BenchContext): Promise<void> {
  const parts = [
    `# CASM paper benchmarks — budget ${label}`,
    '',
    `Machine of the latest invocation: ${machineLine(machine)}.`,
    '',
  ];
  for (const name of Object.keys(EXPERIMENTS)) {
    const file = path.join(out, `${name}.md`);
    if (!existsSync(file)) continue;
    parts.push((await fs.readFile(file, 'utf8')).replace(/^# /, '## '), '');
  }
  // Throughput over every run recorded in this folder (runs.json keeps those of earlier invocations).
  const recorded = Object.values(
    (JSON.parse(await fs.readFile(path.join(out, 'runs.json'), 'utf8')) as { runs: Record<string, RunRecord> }).runs,
  );
  if (recorded.length) {
    const images = recorded.reduce((s, r) => s + r.steps * r.config.train.batchSize, 0);
    const ips = images / recorded.reduce((s, r) => s + r.seconds, 0);
    const est = paperRunSeconds({ trainImagesPerSecond: ips });
    parts.push(
      '## Throughput',
      '',
      `Training throughput over the ${recorded.length} runs of this folder (${ctx.budget.arch}, ${ctx.budget.imageSize} px, batch ${ctx.budget.batchSize}, ${ctx.budget.device}, data loading and per-epoch validation included), measured when each was trained: ${ips.toFixed(1)} images/s.`,
      `The paper's protocol (${est.trainImages.toExponential(3)} training images per run) at *this* throughput would take ${formatHours(est.seconds)} (${est.formula}); it is a lower bound for ResNet-50 at 224 px, whose forward pass costs ~28× the FLOPs of ResNet-18 at 64 px (4.1 vs 1.8·(64/224)² GFLOPs). No GPU figure has been measured yet.`,
      '',
    );
  }
  await fs.writeFile(path.join(out, 'summary.md'), `${parts.join('\n').trimEnd()}\n`);
}
