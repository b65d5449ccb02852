// Turns the training log into the report's curves: losses, accuracies and mask area against the
// global step, from the periodic 'interval' records (training batches) and the 'epoch' records
// (training means and validation). Each chart is an inline SVG (src/viz/line-chart.ts).
import type { MetricsRecord } from '../train/metrics-log.js';
import { renderLineChart, type Series } from '../viz/line-chart.js';

type Point = readonly [number, number];

/** record[path…] as a number, or NaN. */
function num(record: MetricsRecord, ...keys: string[]): number {
  let v: unknown = record;
  for (const k of keys) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'number' ? v : NaN;
}

function series(records: readonly MetricsRecord[], name: string, ...keys: string[]): Series {
  return { name, points: records.map((r): Point => [r.step, num(r, ...keys)]).filter(([, y]) => Number.isFinite(y)) };
}

export function trainingCurveCharts(records: readonly MetricsRecord[]): string[] {
  const intervals = records.filter((r) => r.kind === 'interval');
  const epochs = records.filter((r) => r.kind === 'epoch');
  // Intervals are the finer view; a run logged too rarely for them still has its epochs.
  const train = intervals.length >= 2 ? intervals : epochs;
  const xLabel = 'step';
  return [
    renderLineChart(
      [series(train, 'classifier, clean', 'train', 'lossClean'), series(train, 'classifier, masked', 'train', 'lossMasked'), series(train, 'mapping', 'train', 'lossMapping')],
      { title: 'Training losses', xLabel },
    ),
    renderLineChart(
      [
        series(train, 'train, clean', 'train', 'accClean'),
        series(train, 'train, masked', 'train', 'accMasked'),
        series(epochs, 'val, clean', 'val', 'accClean'),
        series(epochs, 'val, masked', 'val', 'accMasked'),
      ],
      { title: 'Top-1 accuracy', xLabel },
    ),
    renderLineChart([series(train, 'train', 'train', 'maskMean'), series(epochs, 'val', 'val', 'maskMean')], { title: 'Mean mask (area)', xLabel }),
    renderLineChart([series(records.filter((r) => r.kind === 'interval' || r.kind === 'epoch'), 'λr', 'lambdaR')], { title: 'Area penalty λr', xLabel }),
  ];
}
