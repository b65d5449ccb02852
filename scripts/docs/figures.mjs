#!/usr/bin/env node
// Writes the measured figures that come from results files into the docs, between marker comments,
// so that no number is copied by hand:
//   <!-- figures:NAME:begin -->  …generated…  <!-- figures:NAME:end -->
// Blocks and their sources:
//   demo-seeds     docs/benchmarks.md  bench/results/demo-seeds/results.json (`bench seeds --demo`)
//   demo-summary   README.md           the same file, one line
//   paper-table2   docs/paper.md       bench/results/paper-demo/table2.json (`npm run bench:paper`)
//   paper-copies, paper-stats, paper-fig3   docs/paper.md   bench/results/paper-demo/{copies,stats,fig3}.json
//   cpu-step       docs/benchmarks.md  bench/results/cpu-step-resnet50-64px-b32-torch*.json (`scripts/bench/step`)
//   data-parallel  docs/benchmarks.md  bench/results/cpu-data-parallel-*.json (`scripts/bench/data-parallel`)
// Usage:
//   node scripts/docs/figures.mjs           rewrite the blocks in place
//   node scripts/docs/figures.mjs --check   exit 1 and name every block that differs (the test suite
//                                           runs this: test/unit/docs-figures.test.ts)
//   --demo-seeds FILE                       read the seed sweep from FILE instead
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const repo = path.resolve(import.meta.dirname, '..', '..');
export const DEMO_SEEDS = 'bench/results/demo-seeds/results.json';
export const PAPER_TABLE2 = 'bench/results/paper-demo/table2.json';
const SWEEP_COMMAND = 'npx casm-native bench seeds --seeds 0-4 --demo --out bench/results/demo-seeds';

const pct = (x) => (100 * x).toFixed(1);
const pm = (m) => (m ? `${pct(m.mean)} ± ${pct(m.sd)}` : '–');
const seedList = (runs) => runs.map((r) => r.seed).join(', ');

function readJson(file, howToMake) {
  if (!existsSync(file)) throw new Error(`${path.relative(repo, file) || file} is missing: ${howToMake}`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** A seed sweep's results.json (src/bench/seeds/results.ts), checked for what the tables use. */
export function readSweep(file) {
  const r = readJson(file, `make it with \`${SWEEP_COMMAND}\` and commit it`);
  if (r.format !== 'casm-native/seed-sweep' || !Array.isArray(r.runs) || !r.summary?.CASM)
    throw new Error(`${file} is not a seed sweep with CASM scores (format casm-native/seed-sweep)`);
  return r;
}

/** docs/benchmarks.md: mean ± sd per method, then CASM per seed. */
export function demoSeedsBlock(r, source = DEMO_SEEDS) {
  const first = r.runs[0] ?? {};
  const lines = [
    `Source: [${path.basename(source)}](../${source}) of \`${r.command}\`, ${r.updatedAt.slice(0, 10)}: ${r.runs.length} of ${r.seeds.length} seeds ` +
      `finished (${seedList(r.runs)}). Scores on the ${first.split ?? 'score'} split (${first.images ?? 0} images), ` +
      'in %; LE and OM lower is better, F1 higher is better.',
    '',
    '| method | seeds | LE mean ± sd | OM mean ± sd | F1 mean ± sd |',
    '|---|---|---|---|---|',
  ];
  for (const [name, s] of Object.entries(r.summary))
    lines.push(`| ${name} | ${s.LE.n} | ${pm(s.LE)} | ${pm(s.OM)} | ${pm(s.F1)} |`);
  lines.push(
    '',
    '| seed | CASM LE | CASM OM | CASM F1 | selected step (val LE) | training s |',
    '|---|---|---|---|---|---|',
  );
  for (const run of r.runs) {
    const m = run.methods.CASM;
    if (!m) continue;
    const sel = run.selected ? `${run.selected.step} (${pct(run.selected.LE)})` : '–';
    const secs = run.trainSeconds == null ? '–' : run.trainSeconds.toFixed(0);
    lines.push(`| ${run.seed} | ${pct(m.LE)} | ${m.OM == null ? '–' : pct(m.OM)} | ${pct(m.F1)} | ${sel} | ${secs} |`);
  }
  return lines.join('\n');
}

/** README.md: one line, CASM beside the centre box and Grad-CAM where the sweep has them. */
export function demoSummaryLine(r) {
  const s = r.summary;
  const n = s.CASM.LE.n;
  const seeds = n === r.seeds.length ? `${n} seeds` : `${n} of ${r.seeds.length} seeds`;
  const others = ['centre box', 'Grad-CAM']
    .filter((name) => s[name])
    // A baseline that does not vary over seeds (the centre box) is shown as one value.
    .map((name) => `${name} LE ${s[name].LE.sd > 0 ? pm(s[name].LE) : pct(s[name].LE.mean)}%`);
  return `CASM LE ${pm(s.CASM.LE)}%, F1 ${pm(s.CASM.F1)}% over ${seeds}${others.length ? `; ${others.join(', ')}` : ''}`;
}

/** docs/paper.md: Table 2 at the demo budget, ours beside the paper's ImageNet figures. */
export function paperTable2Block(t) {
  const m = t.machine;
  const lines = [
    `Source: \`${t.command}\`, finished ${t.finishedAt.slice(0, 10)}, budget ${t.budget.name} ` +
      `(${t.budget.arch}, ${t.budget.imageSize} px, batch ${t.budget.batchSize}), seed ${t.seed}, one run per row. ` +
      `Machine: ${m.cpuModel}, ${m.cpuCores} cores, ${m.memoryGiB} GiB, LibTorch ${m.libtorch} ` +
      `(as it reports itself), ${m.torchThreads} threads, load average ${m.loadAverageAtStart} at the start.`,
    '',
    '| row | score | shared encoder | thinning | LE | OM | F1 | paper LE | paper OM | paper F1 | accuracy |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const f = f1;
  for (const row of t.rows) {
    const o = row.ours ?? {};
    const p = row.paper ?? {};
    lines.push(
      `| (${row.row}) | ${row.score} | ${row.shared} | ${row.thin} | ${f(o.LE)} | ${f(o.OM)} | ${f(o.F1)} | ` +
        `${f(p.LE)} | ${f(p.OM)} | ${f(p.F1)} | ${f(o.accuracy)} |`,
    );
  }
  return lines.join('\n');
}

const f1 = (x) => (typeof x === 'number' ? x.toFixed(1) : '–');
const share = (x) => (100 * x).toFixed(0);

/** docs/paper.md: the two-copies example (Section 2.1), left and right copy. */
export function paperCopiesBlock(t) {
  const lines = [
    '| model | mask mass left / right (%) | box recall left / right (%) | both boxes covered (% of images) | LE (%) | mean mask |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of t.rows)
    lines.push(
      `| ${r.model} | ${share(r.massShare[0])} / ${share(r.massShare[1])} | ${share(r.boxRecall[0])} / ${share(r.boxRecall[1])} | ` +
        `${share(r.coversBoth)} | ${pct(r.LE)} | ${r.meanMask.toFixed(3)} |`,
    );
  return lines.join('\n');
}

/** docs/paper.md: mask statistics of CASM and the Baseline beside the paper's. */
export function paperStatsBlock(t) {
  const lines = [
    '| model | total variation | entropy | std of mask means | mean mask | paper: TV | paper: entropy | paper: std of means |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of t.rows)
    lines.push(
      `| ${r.model} (${r.preset}) | ${r.tv.toFixed(4)} | ${r.entropy.toFixed(3)} | ${r.stdOfMeans.toFixed(3)} | ` +
        `${r.maskMean.toFixed(3)} | ${r.paper.tv} | ${r.paper.entropy} | ${r.paper.stdOfMeans} |`,
    );
  return lines.join('\n');
}

/** docs/paper.md: Fig. 3, accuracy of classifiers on each kind of image, mean over the classifiers. */
export function paperFig3Block(t) {
  const lines = ['| masks | classifiers | clean | masked-in | masked-out | inpainted |', '|---|---|---|---|---|---|'];
  const models = [...new Set(t.rows.map((r) => r.model))];
  for (const model of models) {
    const rows = t.rows.filter((r) => r.model === model);
    const mean = (k) => rows.reduce((a, r) => a + r[k], 0) / rows.length;
    lines.push(
      `| ${model} (${rows[0].preset}) | ${rows.length} | ${f1(mean('clean'))} | ${f1(mean('maskedIn'))} | ` +
        `${f1(mean('maskedOut'))} | ${f1(mean('inpainted'))} |`,
    );
  }
  return lines.join('\n');
}

const STEP_FILES = ['cpu-step-resnet50-64px-b32-torch2.13.json', 'cpu-step-resnet50-64px-b32-torch1.13.json'];
const PARALLEL_FILES = ['cpu-data-parallel-resnet18-64px-b32.json', 'cpu-data-parallel-resnet18-64px-b32-run2.json'];

/** docs/benchmarks.md: casm-native's fused step against the authors' step in PyTorch (medians over rounds). */
export function cpuStepBlock(results) {
  const lines = [
    '| file | LibTorch | threads | rounds × steps | load average | current classifier | pooled adversary | inference |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const cell = (m) =>
    `${m.casmImgPerSec.toFixed(1)} vs ${m.referenceImgPerSec.toFixed(1)} img/s: **${m.ratio.toFixed(2)}×**`;
  for (const [file, r] of results) {
    const load = r.machine.loadAverage1m ?? [];
    lines.push(
      `| [${file}](../bench/results/${file}) | ${r.machine.libtorch} | ${r.machine.threads} | ` +
        `${r.config.rounds} × ${r.config.steps} | ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)} | ` +
        `${cell(r.median.current)} | ${cell(r.median.pooled)} | ${cell(r.median.inference)} |`,
    );
  }
  return lines.join('\n');
}

/** docs/benchmarks.md: the same global batch with 1 and with N processes. */
export function dataParallelBlock(results) {
  const lines = [
    '| file | date | load average before → after | 1 process × 2 threads | 2 processes × 1 thread | ratio |',
    '|---|---|---|---|---|---|',
  ];
  for (const [file, r] of results) {
    const one = r.results.find((x) => x.processes === 1);
    const two = r.results.find((x) => x.processes === 2);
    lines.push(
      `| [${file}](../bench/results/${file}) | ${r.date.slice(0, 16).replace('T', ' ')} UTC | ` +
        `${r.machine.loadBefore[0]} → ${r.machine.loadAfter[0]} | ${one.imgPerSec.toFixed(1)} img/s | ` +
        `${two.imgPerSec.toFixed(1)} img/s | ${(two.imgPerSec / one.imgPerSec).toFixed(2)}× |`,
    );
  }
  return lines.join('\n');
}

const readResults = (files) =>
  files.map((f) => [f, readJson(path.join(repo, 'bench', 'results', f), 'it is committed with the repository')]);

/** Replaces the text between NAME's markers; `inline` keeps begin, text and end on one line. */
export function replaceBlock(doc, name, text, file) {
  const begin = `<!-- figures:${name}:begin -->`;
  const end = `<!-- figures:${name}:end -->`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end, i + 1);
  if (i < 0 || j < 0) throw new Error(`${file} has no ${begin} … ${end} block`);
  const inline = !doc.slice(i, j).includes('\n');
  const body = inline ? text : `\n${text}\n`;
  return doc.slice(0, i + begin.length) + body + doc.slice(j);
}

/** Every block: [doc file, block name, generated text]. */
export function blocks({ demoSeeds = path.join(repo, DEMO_SEEDS) } = {}) {
  const sweep = readSweep(demoSeeds);
  const table2 = readJson(path.join(repo, PAPER_TABLE2), 'make it with `npm run bench:paper -- --only table2`');
  return [
    ['docs/benchmarks.md', 'demo-seeds', demoSeedsBlock(sweep, path.relative(repo, demoSeeds))],
    ['README.md', 'demo-summary', demoSummaryLine(sweep)],
    ['docs/paper.md', 'paper-table2', paperTable2Block(table2)],
    ...['copies', 'stats', 'fig3'].map((name) => {
      const t = readJson(path.join(repo, 'bench', 'results', 'paper-demo', `${name}.json`), 'it is committed');
      const block = { copies: paperCopiesBlock, stats: paperStatsBlock, fig3: paperFig3Block }[name](t);
      return ['docs/paper.md', `paper-${name}`, block];
    }),
    ['docs/benchmarks.md', 'cpu-step', cpuStepBlock(readResults(STEP_FILES))],
    ['docs/benchmarks.md', 'data-parallel', dataParallelBlock(readResults(PARALLEL_FILES))],
  ];
}

/** The files as they should be: file → [current, wanted]. */
export function render(opts) {
  const files = new Map();
  for (const [file, name, text] of blocks(opts)) {
    const abs = path.join(repo, file);
    const entry = files.get(file) ?? { current: readFileSync(abs, 'utf8'), wanted: readFileSync(abs, 'utf8') };
    entry.wanted = replaceBlock(entry.wanted, name, text, file);
    files.set(file, entry);
  }
  return files;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { check: { type: 'boolean' }, 'demo-seeds': { type: 'string' } } });
  try {
    const files = render({ demoSeeds: values['demo-seeds'] ? path.resolve(values['demo-seeds']) : undefined });
    const stale = [...files].filter(([, e]) => e.current !== e.wanted).map(([f]) => f);
    if (values.check) {
      if (stale.length) {
        console.error(`figures out of date in ${stale.join(', ')}: run node scripts/docs/figures.mjs`);
        process.exit(1);
      }
      console.log('figures: every generated block is current');
    } else {
      for (const [file, e] of files) if (e.current !== e.wanted) writeFileSync(path.join(repo, file), e.wanted);
      console.log(stale.length ? `figures: rewrote ${stale.join(', ')}` : 'figures: nothing to change');
    }
  } catch (e) {
    console.error(`figures: ${e.message}`);
    process.exit(1);
  }
}
