// Section 4's mask statistics, CASM (L100) vs Baseline (F): total variation, entropy of the mask
// pixel intensities and the std of the per-image mask means (the "masked-out volume"), over the
// score split, with the paper's figures beside them.
import { maskStatisticsMeans } from './aggregate.js';
import type { BenchContext } from './context.js';
import type { ExperimentResult } from './experiment.js';
import { PAPER_MASK_STATISTICS } from './paper-numbers.js';
import { markdownTable, textTable } from './report.js';
import { BASELINE_ROW, CASM_ROW, table2RunId } from './table2.js';

export async function runStats(ctx: BenchContext): Promise<ExperimentResult> {
  const d = ctx.datasets.plain;
  const rows = [];
  for (const [name, row] of [
    ['CASM', CASM_ROW],
    ['Baseline', BASELINE_ROW],
  ] as const) {
    const record = await ctx.casm(table2RunId(row), d, {
      preset: row.preset,
      score: row.score,
      separateEncoder: !row.shared,
    });
    rows.push({
      model: name,
      preset: row.preset,
      run: record.id,
      ...maskStatisticsMeans(await ctx.scores(record, d)),
      paper: PAPER_MASK_STATISTICS[name],
    });
  }
  const headers = [
    'model',
    'TV',
    'mask entropy',
    'std of mask means',
    'mean mask',
    'paper TV',
    'paper entropy',
    'paper std',
  ];
  const cells = rows.map((r) => [
    r.model,
    r.tv.toExponential(2),
    r.entropy.toFixed(3),
    r.stdOfMeans.toFixed(3),
    r.maskMean.toFixed(3),
    r.paper.tv.toExponential(1),
    r.paper.entropy.toFixed(2),
    r.paper.stdOfMeans.toFixed(2),
  ]);
  const [casm, base] = rows as [(typeof rows)[number], (typeof rows)[number]];
  const markdown = [
    markdownTable(headers, cells),
    '',
    `Over ${casm.images} score images. TV = mean squared horizontal + vertical neighbour difference (our scale; the paper's is unstated, only the ratio compares: paper CASM/Baseline = ${(PAPER_MASK_STATISTICS.CASM.tv / PAPER_MASK_STATISTICS.Baseline.tv).toFixed(2)}, ours = ${(casm.tv / base.tv).toFixed(2)}). Entropy = −Σ m·log2 m over pixels with 0<m<1, divided by all pixels. Std of mask means: unbiased, over the whole set.`,
    'Paper: CASM masks have lower TV (more regular), lower entropy (closer to 0/1) and a larger std of mask means (sizes that vary with the image).',
  ].join('\n');
  return {
    name: 'stats',
    title: 'Mask statistics: CASM vs Baseline',
    data: { rows },
    markdown,
    text: textTable(headers, cells),
    runs: rows.map((r) => r.run),
  };
}
