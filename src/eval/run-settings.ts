// The settings table of a run report: every training option the run was started with, the ones a
// reader compares runs by first (preset, λr, learning rates, seed, data), then the rest in the order
// the configuration lists them, so an option added to TrainConfig later shows up without a change here.
import type { TrainConfig } from '../train/config.js';

/** Labels of the options shown first, in this order. */
const FIRST: readonly [keyof TrainConfig, string][] = [
  ['preset', 'preset'],
  ['lambdaR', 'λr (at start)'],
  ['targetMaskArea', 'target mask area (λr adapted)'],
  ['score', 'score'],
  ['lr', 'learning rate, classifier (SGD)'],
  ['lrMapping', 'learning rate, mapping (Adam)'],
  ['lrDecayEvery', 'learning rates ×0.1 every (epochs)'],
  ['seed', 'seed'],
  ['data', 'data'],
  ['split', 'training split'],
  ['valSplit', 'validation split'],
  ['arch', 'architecture'],
  ['imageSize', 'image size (px)'],
  ['batchSize', 'batch size'],
  ['epochs', 'epochs'],
  ['epochFraction', 'fraction of the training set per epoch'],
  ['snapshotEvery', 'snapshot every (steps)'],
  ['poolSize', 'snapshot pool size'],
  ['initWeights', 'initial classifier weights'],
  ['device', 'device'],
];

const show = (v: unknown): string => {
  if (v === null || v === undefined) return '–';
  if (Array.isArray(v)) return v.map(show).join('–');
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  return String(v);
};

/** [label, value] rows for the report; `extra` rows (steps trained, weights file) go last. */
export function runSettingsRows(config: TrainConfig | null, extra: [string, string][] = []): [string, string][] {
  if (!config) return extra;
  const rows: [string, string][] = [];
  const seen = new Set<string>();
  for (const [key, label] of FIRST) {
    if (!(key in config)) continue;
    rows.push([label, show(config[key])]);
    seen.add(key);
  }
  for (const [key, value] of Object.entries(config)) if (!seen.has(key)) rows.push([key, show(value)]);
  return [...rows, ...extra];
}
