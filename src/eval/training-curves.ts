// Turns the training log into the report's curves: losses, accuracies and mask area against the
// global step, from the periodic 'interval' records (training batches) and the 'epoch' records
// (training means and validation); λr from every controller decision ('lambda' records, with the
// window's mean mask); classifier pretraining ('pretrain-*' records) against its own step count.
// Each chart is an inline SVG (src/viz/line-chart.ts).
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
  return seriesAlong('step', records, name, ...keys);
}

function seriesAlong(x: string, records: readonly MetricsRecord[], name: string, ...keys: string[]): Series {
  return {
    name,
    points: records
      .map((r): Point => [num(r, x), num(r, ...keys)])
      .filter(([px, y]) => Number.isFinite(px) && Number.isFinite(y)),
  };
}

/** Loss and accuracy of classifier pretraining (empty when the run had none). */
function pretrainCharts(records: readonly MetricsRecord[]): string[] {
  const intervals = records.filter((r) => r.kind === 'pretrain-interval');
  const epochs = records.filter((r) => r.kind === 'pretrain-epoch');
  if (intervals.length + epochs.length === 0) return [];
  const train = intervals.length >= 2 ? intervals : epochs;
  const xLabel = 'pretraining step';
  return [
    renderLineChart([seriesAlong('pretrainStep', train, 'train', 'train', 'loss')], {
      title: 'Pretraining: cross-entropy',
      xLabel,
    }),
    renderLineChart(
      [
        seriesAlong('pretrainStep', train, 'train', 'train', 'accuracy'),
        seriesAlong('pretrainStep', epochs, 'val', 'val', 'accClean'),
      ],
      {
        title: 'Pretraining: top-1 accuracy',
        xLabel,
      },
    ),
  ];
}

/** Validation LE/F1 of model selection (src/train/model-selection.ts), with the step it chose. */
function selectionCharts(records: readonly MetricsRecord[]): string[] {
  const scored = records.filter((r) => r.kind === 'selection');
  if (scored.length === 0) return [];
  const chosen = records.filter((r) => r.kind === 'selected');
  const last = chosen[chosen.length - 1];
  const pick = last ? num(last, 'selected', 'step') : NaN;
  return [
    renderLineChart(
      [
        series(scored, 'val LE', 'LE'),
        series(scored, 'val F1', 'F1'),
        ...(Number.isFinite(pick)
          ? [{ name: 'selected model', points: [[pick, num(last!, 'selected', 'LE')] as Point] }]
          : []),
      ],
      { title: 'Model selection: validation LE (lower is better) and F1', xLabel: 'step' },
    ),
  ];
}

export function trainingCurveCharts(records: readonly MetricsRecord[]): string[] {
  const intervals = records.filter((r) => r.kind === 'interval');
  const epochs = records.filter((r) => r.kind === 'epoch');
  // Intervals are the finer view; a run logged too rarely for them still has its epochs.
  const train = intervals.length >= 2 ? intervals : epochs;
  const xLabel = 'step';
  const decisions = records.filter((r) => r.kind === 'lambda');
  const lambda = decisions.length ? decisions : records.filter((r) => r.kind === 'interval' || r.kind === 'epoch');
  return [
    ...pretrainCharts(records),
    renderLineChart(
      [
        series(train, 'classifier, clean', 'train', 'lossClean'),
        series(train, 'classifier, masked', 'train', 'lossMasked'),
        series(train, 'mapping', 'train', 'lossMapping'),
      ],
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
    renderLineChart(
      [
        series(train, 'train', 'train', 'maskMean'),
        series(decisions, 'train, per λr window', 'meanMask'),
        series(epochs, 'val', 'val', 'maskMean'),
        ...(decisions.length
          ? [{ name: 'target', points: decisions.map((r): Point => [r.step, num(r, 'target')]) }]
          : []),
      ],
      { title: 'Mean mask (area)', xLabel },
    ),
    renderLineChart([series(lambda, 'λr', decisions.length ? 'next' : 'lambdaR')], {
      title: 'Area penalty λr',
      xLabel,
    }),
    ...selectionCharts(records),
  ];
}
