// Fig. 3 of the paper: are the masks classifier-agnostic? Several independently trained
// classifiers (different seeds; the first is f(0), the classifier Baseline and CASM started from)
// classify the masked-in, masked-out and inpainted masked-out score images of Baseline (F) and
// CASM (L100). Expected (paper): masked-in images lose less accuracy with CASM; masked-out images
// fool every classifier for both; inpainting restores much accuracy for Baseline (its masks are
// adversarial, the evidence is still there) but not for CASM.
import { Model } from '../../native/model.js';
import type { BenchContext } from './context.js';
import type { ExperimentResult } from './experiment.js';
import { type Fig3Point, fig3Svg } from './fig3-svg.js';
import { CONDITIONS, type MaskedAccuracyCounts, maskedClassification } from './masked-classification.js';
import { markdownTable, textTable } from './report.js';
import { BASELINE_ROW, CASM_ROW, table2RunId } from './table2.js';

export async function runFig3(ctx: BenchContext): Promise<ExperimentResult> {
  const d = ctx.datasets.plain;
  const seeds = Array.from({ length: ctx.budget.fig3Classifiers }, (_, k) => ctx.seed + k);
  const classifierRuns = [];
  for (const seed of seeds) classifierRuns.push(await ctx.scratchL(d, seed));
  const classifiers = await Promise.all(
    classifierRuns.map((r) => Model.load(r.weights, { device: ctx.budget.device })),
  );
  const names = seeds.map((s, k) => `classifier seed ${s}${k === 0 ? ' (f(0))' : ''}`);

  const models = [
    { name: 'Baseline', row: BASELINE_ROW },
    { name: 'CASM', row: CASM_ROW },
  ];
  const points: Fig3Point[] = [];
  const rows: ({ model: string; preset: string; classifier: string; images: number } & Record<
    (typeof CONDITIONS)[number],
    number
  >)[] = [];
  const runs = classifierRuns.map((r) => r.id);
  for (const m of models) {
    const record = await ctx.casm(table2RunId(m.row), d, {
      preset: m.row.preset,
      score: m.row.score,
      separateEncoder: !m.row.shared,
    });
    runs.push(record.id);
    const counts: MaskedAccuracyCounts = { images: 0, correct: [] };
    await ctx.pass(record, d, [maskedClassification(classifiers, counts)]);
    counts.correct.forEach((c, k) => {
      const acc = Object.fromEntries(CONDITIONS.map((cond) => [cond, (100 * c[cond]) / counts.images])) as Record<
        (typeof CONDITIONS)[number],
        number
      >;
      rows.push({ model: m.name, preset: m.row.preset, classifier: names[k]!, images: counts.images, ...acc });
      points.push({
        model: m.name,
        classifier: names[k]!,
        own: k === 0,
        maskedIn: acc.maskedIn,
        maskedOut: acc.maskedOut,
        inpainted: acc.inpainted,
      });
    });
  }
  const headers = ['saliency model', 'classifier', 'clean', 'masked-in', 'masked-out', 'inpainted'];
  const cells = rows.map((r) => [r.model, r.classifier, r.clean, r.maskedIn, r.maskedOut, r.inpainted]);
  const mean = (model: string, key: (typeof CONDITIONS)[number]) => {
    const sel = rows.filter((r) => r.model === model);
    return sel.reduce((s, r) => s + r[key], 0) / sel.length;
  };
  for (const m of models)
    cells.push([
      m.name,
      'mean',
      mean(m.name, 'clean'),
      mean(m.name, 'maskedIn'),
      mean(m.name, 'maskedOut'),
      mean(m.name, 'inpainted'),
    ]);
  const images = rows[0]?.images ?? 0;
  const caption = `${images} score images; ${ctx.budget.arch}, ${ctx.budget.imageSize} px; budget ${ctx.budget.name}`;
  const markdown = [
    markdownTable(headers, cells),
    '',
    `Top-1 accuracy in % on ${images} score images, b = the binarised mask of the saliency model (top fraction = mask mean). Masked images are b·x (masked-in) and (1−b)·x (masked-out) on the unnormalised image (black where hidden, as the authors' eval.py); inpainted = Telea inpainting (radius 3) of the masked-out pixels. Plot: fig3.svg.`,
    'Paper (Fig. 3, ImageNet, 37 classifiers): masked-in images are classified better with CASM masks than Baseline masks; masked-out images fool most classifiers for both; inpainting raises the accuracy a lot for Baseline but not for CASM.',
  ].join('\n');
  return {
    name: 'fig3',
    title: 'Fig. 3: classifiers on masked-in, masked-out and inpainted images',
    data: { rows },
    markdown,
    text: textTable(headers, cells),
    runs,
    files: [
      {
        name: 'fig3.svg',
        content: fig3Svg(
          points,
          models.map((m) => m.name),
          caption,
        ),
      },
    ],
  };
}
