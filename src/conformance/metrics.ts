// Runs the metrics conformance vectors (test/conformance-vectors/metrics: metrics.json + masks file)
// through scoreMask and compares every field: F1 and IoU values within 1e-6, everything else exact,
// and the aggregate means within 1e-6 (they are means of F1s). One result per case plus one for the
// aggregate, so the CLI can print a line each.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Box } from '../data/types.js';
import { createScoreScratch, LocalisationAccumulator, type MaskScore, scoreMask } from '../metrics/score-mask.js';
import { readSafetensors } from '../util/safetensors.js';

export const FLOAT_TOLERANCE = 1e-6;

export interface CaseResult {
  name: string;
  passed: boolean;
  /** Largest absolute deviation over the compared numbers of this case. */
  maxDeviation: number;
  /** Empty when passed, else what differed. */
  detail: string;
}

interface MetricsCase {
  index: number;
  kind?: string;
  image_size: [number, number];
  break_ratio: boolean;
  boxes: [number, number, number, number][];
  is_correct: number | boolean;
  expected: MaskScore;
}

interface MetricsFile {
  mask_file?: string;
  aggregate: { F1: number; F1a: number; LE: number; OM: number };
  cases: MetricsCase[];
}

class Comparison {
  maxDeviation = 0;
  readonly problems: string[] = [];

  near(label: string, actual: number, expected: number, tol: number): void {
    const d = Math.abs(actual - expected);
    if (Number.isFinite(d)) this.maxDeviation = Math.max(this.maxDeviation, d);
    if (!(d <= tol)) this.problems.push(`${label}: got ${actual}, expected ${expected}`);
  }

  exact(label: string, actual: number, expected: number): void {
    this.near(label, actual, expected, 0);
  }

  arrays(label: string, actual: readonly number[], expected: readonly number[], tol: number): void {
    if (actual.length !== expected.length) {
      this.problems.push(`${label}: ${actual.length} values, expected ${expected.length}`);
      return;
    }
    for (let i = 0; i < actual.length; i++) this.near(`${label}[${i}]`, actual[i]!, expected[i]!, tol);
  }
}

function compareCase(actual: MaskScore, e: MaskScore): Comparison {
  const c = new Comparison();
  c.exact('binarized_pixels', actual.binarized_pixels, e.binarized_pixels);
  c.arrays('box', actual.box, e.box, 0);
  if (actual.resized_boxes.length !== e.resized_boxes.length) c.problems.push('resized_boxes: count differs');
  else actual.resized_boxes.forEach((b, i) => c.arrays(`resized_boxes[${i}]`, b, e.resized_boxes[i]!, 0));
  c.arrays('f1_per_box', actual.f1_per_box, e.f1_per_box, FLOAT_TOLERANCE);
  c.arrays('iou_per_box', actual.iou_per_box, e.iou_per_box, FLOAT_TOLERANCE);
  c.arrays('hit_per_box', actual.hit_per_box, e.hit_per_box, 0);
  c.near('F1', actual.F1, e.F1, FLOAT_TOLERANCE);
  c.near('F1a', actual.F1a, e.F1a, FLOAT_TOLERANCE);
  c.exact('LE', actual.LE, e.LE);
  c.exact('OM', actual.OM, e.OM);
  return c;
}

function toBox(b: readonly number[]): Box {
  return { x0: b[0]!, y0: b[1]!, x1: b[2]!, y1: b[3]! };
}

/** True when `dir` looks like a metrics conformance folder. */
export function isMetricsConformanceDir(dir: string): boolean {
  try {
    readFileSync(path.join(dir, 'metrics.json'));
    return true;
  } catch {
    return false;
  }
}

/** Scores every case of a metrics conformance folder and compares with the expected values. */
export function runMetricsConformance(dir: string): CaseResult[] {
  const jsonPath = path.join(dir, 'metrics.json');
  let spec: MetricsFile;
  try {
    spec = JSON.parse(readFileSync(jsonPath, 'utf8')) as MetricsFile;
  } catch (e) {
    throw new Error(`${jsonPath}: cannot read metrics conformance file (${(e as Error).message})`);
  }
  const maskPath = path.join(dir, spec.mask_file ?? 'masks.safetensors');
  const masks = readSafetensors(maskPath).get('masks');
  if (!masks) throw new Error(`${maskPath}: no tensor named 'masks'`);
  const [count, h, w] = masks.shape as [number, number, number];
  if (masks.shape.length !== 3 || !(masks.data instanceof Float32Array)) {
    throw new Error(
      `${maskPath}: 'masks' must be a float tensor [N,H,W], got ${masks.dtype} [${masks.shape.join(',')}]`,
    );
  }
  const data = masks.data;
  const scratch = createScoreScratch(h * w);
  const acc = new LocalisationAccumulator();
  const results: CaseResult[] = [];
  for (const [i, kase] of spec.cases.entries()) {
    const index = kase.index ?? i;
    const name = `metrics/${index}${kase.kind ? `-${kase.kind}` : ''}`;
    if (index >= count) {
      results.push({
        name,
        passed: false,
        maxDeviation: Infinity,
        detail: `mask ${index} missing (file has ${count})`,
      });
      continue;
    }
    const mask = data.subarray(index * h * w, (index + 1) * h * w);
    let score: MaskScore;
    try {
      score = scoreMask(mask, h, w, kase.boxes.map(toBox), kase.image_size, {
        resize: kase.break_ratio ? 'direct' : 'crop',
        size: h,
        isCorrect: Boolean(kase.is_correct),
        scratch,
      });
    } catch (e) {
      results.push({ name, passed: false, maxDeviation: Infinity, detail: (e as Error).message });
      continue;
    }
    acc.add(score);
    const c = compareCase(score, kase.expected);
    results.push({
      name,
      passed: c.problems.length === 0,
      maxDeviation: c.maxDeviation,
      detail: c.problems.join('; '),
    });
  }
  const agg = acc.summary();
  const c = new Comparison();
  for (const key of ['F1', 'F1a', 'LE', 'OM'] as const)
    c.near(`aggregate.${key}`, agg[key], spec.aggregate[key], FLOAT_TOLERANCE);
  results.push({
    name: 'metrics/aggregate',
    passed: c.problems.length === 0,
    maxDeviation: c.maxDeviation,
    detail: c.problems.join('; '),
  });
  return results;
}
