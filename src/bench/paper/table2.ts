// Table 2 of the paper: the ablation over the thinning strategy (F, L, FL, L1000, L100), the score
// function (E: entropy, C: classification loss) and sharing the encoder with the classifier.
// Every row is one training run from the same pretrained f(0); our numbers are printed beside the
// paper's ImageNet ones.
import type { PresetName, ScoreName } from '../../train/presets.js';
import { localisationMeans } from './aggregate.js';
import type { BenchContext } from './context.js';
import type { ExperimentResult } from './experiment.js';
import { PAPER_TABLE2 } from './paper-numbers.js';
import { markdownTable, textTable } from './report.js';

export interface Table2Row {
  row: string;
  score: ScoreName;
  shared: boolean;
  preset: PresetName;
}

export const TABLE2_ROWS: readonly Table2Row[] = PAPER_TABLE2.map((p) => ({
  row: p.row,
  score: p.score === 'E' ? 'entropy' : 'classification',
  shared: p.shared === 'Y',
  preset: p.thin as PresetName,
}));

/** Run id of a Table 2 row; other experiments reuse rows (a) F and (e) L100 as Baseline and CASM. */
export function table2RunId(r: Table2Row): string {
  return `t2-${r.row}-${r.preset}-${r.score === 'entropy' ? 'E' : 'C'}-${r.shared ? 'shared' : 'separate'}`;
}

export const BASELINE_ROW = TABLE2_ROWS.find((r) => r.row === 'a')!;
export const CASM_ROW = TABLE2_ROWS.find((r) => r.row === 'e')!;

export async function runTable2(ctx: BenchContext): Promise<ExperimentResult> {
  const d = ctx.datasets.plain;
  const rows = [];
  for (const r of TABLE2_ROWS) {
    const record = await ctx.casm(table2RunId(r), d, { preset: r.preset, score: r.score, separateEncoder: !r.shared });
    const ours = localisationMeans(await ctx.scores(record, d));
    const paper = PAPER_TABLE2.find((p) => p.row === r.row)!;
    rows.push({
      row: r.row,
      score: r.score === 'entropy' ? 'E' : 'C',
      shared: r.shared ? 'Y' : 'N',
      thin: r.preset,
      ours: {
        OM: ours.OM,
        LE: ours.LE,
        F1: ours.F1,
        accuracy: ours.accuracy,
        images: ours.images,
        maskMean: record.val?.maskMean ?? null,
        lambdaR: record.lambdaR,
        steps: record.steps,
        seconds: record.seconds,
      },
      paper: { OM: paper.OM, LE: paper.LE, F1: paper.F1 },
      run: record.id,
    });
  }
  const headers = [
    '',
    'S',
    'Shr',
    'Thin',
    'OM↓',
    'LE↓',
    'F1↑',
    'paper OM',
    'paper LE',
    'paper F1',
    'acc',
    'mask',
    'train s',
  ];
  const cells = rows.map((r) => [
    `(${r.row})`,
    r.score,
    r.shared,
    r.thin,
    r.ours.OM,
    r.ours.LE,
    r.ours.F1,
    r.paper.OM,
    r.paper.LE,
    r.paper.F1,
    r.ours.accuracy,
    r.ours.maskMean === null ? null : r.ours.maskMean.toFixed(2),
    r.ours.seconds.toFixed(0),
  ]);
  const images = rows[0]?.ours.images ?? 0;
  const f0 = ctx.classifierRun(ctx.datasets.plain, ctx.seed);
  const f0Line = f0
    ? `Every row starts from the same f(0): ${f0.config.train.pretrainEpochs} epochs of classifier pretraining (run \`${f0.id}\`), validation accuracy ${f0.pretrainValAccuracy == null ? '–' : `${(100 * f0.pretrainValAccuracy).toFixed(1)}%`}.${ctx.budget.targetMaskArea !== null ? ` λr starts at the preset's value and is steered toward a mean mask of ${ctx.budget.targetMaskArea} in every row.` : ''}`
    : 'Every row starts from the same f(0) (--init-weights).';
  const markdown = [
    markdownTable(headers, cells),
    '',
    f0Line,
    `OM, LE, F1 in % on ${images} images of the score split (lower OM/LE and higher F1 are better); "paper" columns: ImageNet val, ResNet-50 (Table 2).`,
    "`acc`: top-1 accuracy of the run's own classifier on the clean score images (enters OM). `mask`: mean mask on the validation images at the last epoch (the paper tunes λr for ≈0.5). `train s`: wall-clock seconds of the run.",
  ].join('\n');
  return {
    name: 'table2',
    title: 'Table 2: ablations (thinning, score function, shared encoder)',
    data: { rows },
    markdown,
    text: textTable(headers, cells),
    runs: rows.map((r) => r.run),
  };
}
