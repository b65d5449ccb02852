// Table 3 of the paper: localisation of classes unseen during training. The sorted class list is
// split into subsets A–F (src/data/subsets: 50,50,100,300,300,200 of ImageNet's 1000; for other
// counts the same cumulative fractions, every subset kept non-empty). Each row trains on the
// classes of F, E–F, …, B–F, A–F — every stage on the seen classes only, so f(0) is not the
// pretrained classifier of the other experiments but trained from scratch with the mapping — and
// is scored on each subset's images separately. As in the paper, every row runs the same number of
// epochs, so rows with fewer classes also see fewer images. Preset L, as the paper uses.
import { SUBSET_NAMES, subsetBounds } from '../../data/subsets.js';
import { localisationMeans } from './aggregate.js';
import type { BenchContext } from './context.js';
import type { ExperimentResult } from './experiment.js';
import { PAPER_TABLE3 } from './paper-numbers.js';
import { markdownTable, textTable } from './report.js';

const TRAIN_SUBSETS = ['F', 'E-F', 'D-F', 'C-F', 'B-F', 'A-F'] as const;

export async function runTable3(ctx: BenchContext): Promise<ExperimentResult> {
  const d = ctx.datasets.plain;
  const scoreSet = await ctx.scoreSet(d);
  const bounds = subsetBounds(scoreSet.classIds.length);
  const subsetOf = (label: number) => SUBSET_NAMES[bounds.findIndex((b, k) => label >= b && label < bounds[k + 1]!)]!;
  const classesPerSubset = SUBSET_NAMES.map((_, k) => bounds[k + 1]! - bounds[k]!);
  const imagesPerSubset = SUBSET_NAMES.map((name) => scoreSet.samples.filter((s) => subsetOf(s.label) === name).length);

  const rows = [];
  for (const train of TRAIN_SUBSETS) {
    const record = await ctx.scratchL(d, ctx.seed, train === 'A-F' ? undefined : train, ctx.budget.table3Epochs);
    const scores = await ctx.scores(record, d);
    const seen = new Set(SUBSET_NAMES.slice(SUBSET_NAMES.indexOf(train[0] as (typeof SUBSET_NAMES)[number])));
    const perSubset = SUBSET_NAMES.map((name) => {
      const m = localisationMeans(scores.filter((s) => subsetOf(s.label) === name));
      return { subset: name, seen: seen.has(name), LE: m.LE, images: m.images };
    });
    const all = localisationMeans(scores);
    rows.push({
      train,
      trainImages: record.trainImages,
      steps: record.steps,
      seconds: record.seconds,
      perSubset,
      all: all.LE,
      paper: PAPER_TABLE3.find((p) => p.train === train)!.LE,
      run: record.id,
    });
  }

  const headers = ['train on', ...SUBSET_NAMES, 'All', 'paper (A…F, All)', 'train images'];
  // Unseen test subsets are marked with *, as the paper shades them.
  const cells = rows.map((r) => [
    r.train === 'A-F' ? 'A-F (all)' : r.train,
    ...r.perSubset.map((p) => (Number.isFinite(p.LE) ? `${p.LE.toFixed(1)}${p.seen ? '' : '*'}` : '–')),
    r.all,
    r.paper.map((x) => x.toFixed(1)).join(' '),
    String(r.trainImages),
  ]);
  const markdown = [
    markdownTable(headers, cells),
    '',
    `LE in % (lower is better) on the score split, per test subset; * = classes not seen in training. Subsets of the ${scoreSet.classIds.length} sorted classes: ${SUBSET_NAMES.map((n, k) => `${n} = ${classesPerSubset[k]} class${classesPerSubset[k] === 1 ? '' : 'es'} (${imagesPerSubset[k]} test images)`).join(', ')}.`,
    `Every row is a preset-L run from scratch on its seen classes for the same ${ctx.budget.table3Epochs} epoch(s) (so fewer classes = fewer training images, as in the paper). "paper": ImageNet Table 3, row trained on the same subsets.`,
  ].join('\n');
  return {
    name: 'table3',
    title: 'Table 3: localisation of unseen classes',
    data: {
      subsets: SUBSET_NAMES.map((name, k) => ({
        name,
        classes: classesPerSubset[k],
        classIds: scoreSet.classIds.slice(bounds[k], bounds[k + 1]),
        scoreImages: imagesPerSubset[k],
      })),
      rows,
    },
    markdown,
    text: textTable(headers, cells),
    runs: rows.map((r) => r.run),
  };
}
