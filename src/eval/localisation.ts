// `casm-native eval`: scores the masks of a trained model (or a trivial baseline) on a dataset split,
// as the authors' score.py does (LE, OM, F1, F1a on the scoring transform, boxes moved alike), plus
// wsolevaluation's MaxBoxAccV2 and the mask statistics. Images without a ground-truth box still count
// for the mask statistics and the top-1 accuracy, but have no LE/OM/F1 (score.py has no definition).
import { BatchLoader } from '../data/loader.js';
import type { Dataset, SkipRecord } from '../data/types.js';
import type { ResizeMode } from '../metrics/ground-truth-boxes.js';
import { LocalisationScorer } from '../metrics/localisation-scorer.js';
import { MaskStatisticsAccumulator, type MaskStatisticsSummary, maskStatistics } from '../metrics/mask-statistics.js';
import { MaxBoxAccAccumulator } from '../metrics/max-box-acc.js';
import { argmaxRows } from '../metrics/top1.js';
import { type ToyKind, toyMask } from '../metrics/toy-masks.js';
import type { Model } from '../native/model.js';
import type { ActivationMapLayer, ActivationMapMethod } from '../native/types.js';
import { limitDataset } from './dataset-limit.js';
import { externalMask } from './external-masks.js';

/**
 * Where the masks come from: the CASM model; a trivial baseline; CAM / Grad-CAM of the model's
 * classifier for the ground-truth class (src/eval/baselines.ts); or another tool's map files
 * (src/eval/external-masks.ts: naming, formats and geometry).
 */
export type MaskSource =
  | { kind: 'model'; model: Model }
  | { kind: 'toy'; toy: ToyKind }
  | { kind: 'activation'; model: Model; method: ActivationMapMethod; layer: ActivationMapLayer }
  | { kind: 'files'; dir: string };

/** Where the scored masks come from: the model, a toy baseline, an activation map, or files. */
export type MaskSourceName = 'model' | `toy-${ToyKind}` | `${ActivationMapMethod}-${ActivationMapLayer}` | 'files';

function sourceName(masks: MaskSource): MaskSourceName {
  if (masks.kind === 'toy') return `toy-${masks.toy}`;
  if (masks.kind === 'activation') return `${masks.method}-${masks.layer}`;
  return masks.kind;
}

/** What {@link evaluateLocalisation} scores and how. */
export interface LocalisationEvalOptions {
  dataset: Dataset;
  masks: MaskSource;
  /** Side of the scoring frame (default 224). */
  size?: number;
  resize?: ResizeMode;
  batchSize?: number;
  /** Score only the first N samples (0 or undefined: all). */
  limit?: number;
  strict?: boolean;
  /** Decoding concurrency (default: the loader's, the number of cores). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/** LE, OM, F1 and the other scores of one mask source on one split. */
export interface LocalisationEvalResult {
  /** 'model', the toy baseline's name, the activation map's method-layer, or 'files'. */
  source: MaskSourceName;
  split: string;
  size: number;
  resize: ResizeMode;
  /** Images scored (decoded). */
  images: number;
  /** Of those, images with ground-truth boxes: the denominator of LE/OM/F1/F1a/MaxBoxAccV2. */
  imagesWithBoxes: number;
  /** Fractions in [0,1]; null when no image had a box. */
  LE: number | null;
  OM: number | null;
  F1: number | null;
  F1a: number | null;
  MaxBoxAccV2: number | null;
  /** MaxBoxAcc at each IoU threshold and the cam threshold attaining it. */
  maxBoxAcc: { iou: number; accuracy: number; camThreshold: number }[];
  /**
   * Classifier top-1 on the clean images; null for a toy (score.py counts toys as correct) and for
   * map files (no classifier: OM is null too).
   */
  top1: number | null;
  maskStats: MaskStatisticsSummary & { stdByBatch: number };
  skipped: SkipRecord[];
}

/** Scores a model's masks (or a baseline's, or map files) on a dataset split with the authors' scoring: LE, OM, F1, MaxBoxAccV2 and mask statistics. */
export async function evaluateLocalisation(opts: LocalisationEvalOptions): Promise<LocalisationEvalResult> {
  const size = opts.size ?? 224;
  const resize = opts.resize ?? 'crop';
  const batchSize = opts.batchSize ?? 32;
  const dataset = limitDataset(opts.dataset, opts.limit);
  const loader = new BatchLoader(dataset, {
    batchSize,
    size,
    transform: resize === 'crop' ? 'score-crop' : 'score-direct',
    onBadSample: 'drop',
    strict: opts.strict,
    concurrency: opts.concurrency,
  });
  const loc = new LocalisationScorer(resize);
  const boxAcc = new MaxBoxAccAccumulator();
  const stats = new MaskStatisticsAccumulator();
  const toy = opts.masks.kind === 'toy' ? toyMask(opts.masks.toy, size) : null;
  let images = 0;
  let correct = 0;
  const total = dataset.samples.length;
  let seen = 0;
  for await (const batch of loader.batches()) {
    const { n, h, w } = batch;
    let masks: Float32Array;
    let predicted: Int32Array | null = null;
    if (opts.masks.kind === 'model') {
      const result = await opts.masks.model.saliency({ kind: 'uint8', data: batch.data, n, h, w });
      masks = result.masks;
      predicted = argmaxRows(result.logits, n);
    } else if (opts.masks.kind === 'activation') {
      // The ground-truth class, as the class-dependent methods of the paper's Table 1 are scored.
      const { method, layer } = opts.masks;
      const result = await opts.masks.model.activationMaps({ kind: 'uint8', data: batch.data, n, h, w }, batch.labels, {
        method,
        layer,
      });
      masks = result.maps;
      predicted = argmaxRows(result.logits, n);
    } else if (opts.masks.kind === 'files') {
      masks = new Float32Array(n * h * w);
      for (let i = 0; i < n; i++) {
        const sample = dataset.samples[batch.indices[i]!]!;
        masks.set(await externalMask(opts.masks.dir, dataset, sample, size, resize), i * h * w);
      }
    } else {
      masks = new Float32Array(n * h * w);
      for (let i = 0; i < n; i++) masks.set(toy!, i * h * w);
    }
    for (let i = 0; i < n; i++) {
      const mask = masks.subarray(i * h * w, (i + 1) * h * w);
      const isCorrect = predicted ? predicted[i] === batch.labels[i] : true;
      images++;
      if (isCorrect) correct++;
      stats.add(maskStatistics(mask, h, w));
      const index = batch.indices[i]!;
      const score = await loc.add(mask, h, w, dataset.samples[index]!, index, isCorrect);
      if (!score) continue;
      boxAcc.add(
        mask,
        h,
        w,
        score.resized_boxes.map(([x0, y0, x1, y1]) => ({ x0, y0, x1, y1 })),
      );
    }
    seen = Math.max(seen, ...batch.indices.map((k) => k + 1));
    opts.onProgress?.(seen, total);
  }
  const s = loc.summary();
  const box = boxAcc.result();
  return {
    source: sourceName(opts.masks),
    split: dataset.split,
    size,
    resize,
    images,
    imagesWithBoxes: loc.images,
    LE: s ? s.LE : null,
    OM: s && opts.masks.kind !== 'files' ? s.OM : null,
    F1: s ? s.F1 : null,
    F1a: s ? s.F1a : null,
    MaxBoxAccV2: s ? box.maxBoxAccV2 : null,
    maxBoxAcc: s
      ? box.iouThresholds.map((iou, k) => ({
          iou,
          accuracy: box.maxBoxAcc[k]!,
          camThreshold: box.bestCamThreshold[k]!,
        }))
      : [],
    top1: hasClassifier(opts.masks) && images > 0 ? correct / images : null,
    maskStats: { ...stats.summary(), stdByBatch: stats.count > 1 ? stats.stdOfMeansByBatch(128) : 0 },
    skipped: [...dataset.skipped, ...loader.skipped],
  };
}

/** Sources that come with a classifier's predictions (top-1, OM). */
function hasClassifier(masks: MaskSource): boolean {
  return masks.kind === 'model' || masks.kind === 'activation';
}
