// End-of-training localisation score (LE, OM, F1) on the validation split, as the authors score it:
// masks on the score-crop transform (short side = size, centre crop), scored by the one scorer of
// src/metrics/localisation-scorer.ts with classifier correctness from the clean logits; the centre-box
// baseline (score.py --toy center) on the same images beside it, because a score means little
// without it. Writes runDir/localization.json with the means and the setting they were computed in.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ImageBatch, Sample } from '../data/types.js';
import { LocalisationScorer } from '../metrics/localisation-scorer.js';
import type { LocalisationSummary } from '../metrics/score-mask.js';
import { argmaxRows } from '../metrics/top1.js';
import { toyMask } from '../metrics/toy-masks.js';
import { saliencyOptions } from '../native/defaults.js';
import type { NativeModel } from '../native/types.js';
import type { TrainData } from './data-source.js';
import type { RunLocalisation } from './events.js';

export const LOCALIZATION_FILE = 'localization.json';

/** Means of the model's masks over `batches` (images without a box left out), centre box beside them. */
export interface MaskScores {
  summary: LocalisationSummary | null;
  center: LocalisationSummary | null;
  withoutBoxes: number;
  size: number;
}

/**
 * Scores the model's masks on `batches` (score-crop transform; ImageBatch.indices index `samples`)
 * with the one scorer; with `center`, the centre box on the same images too. Shared by the
 * end-of-training score and model selection on the validation split.
 */
export async function scoreModelMasks(
  model: NativeModel,
  batches: AsyncIterable<ImageBatch>,
  samples: readonly Sample[],
  opts: { center?: boolean; signal?: AbortSignal } = {},
): Promise<MaskScores | null> {
  const scorer = new LocalisationScorer('crop');
  const center = opts.center ? new LocalisationScorer('crop') : null;
  let centerMask: Float32Array | null = null;
  let withoutBoxes = 0;
  let size = 0;
  for await (const batch of batches) {
    if (opts.signal?.aborted) return null;
    const { n, h, w } = batch;
    size = h;
    const result = await model.saliency({ kind: 'uint8', data: batch.data, n, h, w }, saliencyOptions());
    const predicted = argmaxRows(result.logits, n);
    if (!centerMask || centerMask.length !== h * w) centerMask = toyMask('center', h);
    for (let i = 0; i < n; i++) {
      const index = batch.indices[i]!;
      const sample = samples[index]!;
      const scored = await scorer.add(
        result.masks.subarray(i * h * w, (i + 1) * h * w),
        h,
        w,
        sample,
        index,
        predicted[i] === batch.labels[i],
      );
      if (!scored) {
        withoutBoxes++;
        continue;
      }
      // score.py counts every toy prediction as correctly classified.
      await center?.add(centerMask, h, w, sample, index, true);
    }
  }
  return { summary: scorer.summary(), center: center?.summary() ?? null, withoutBoxes, size };
}

export async function scoreLocalization(
  model: NativeModel,
  data: TrainData,
  runDir: string,
): Promise<RunLocalisation | null> {
  const scores = await scoreModelMasks(model, data.scoreBatches(), data.scoreSamples, { center: true });
  const s = scores?.summary;
  const c = scores?.center;
  if (!scores || !s || !c) return null;
  const centerBaseline = { LE: c.LE, F1: c.F1 };
  const file = path.join(runDir, LOCALIZATION_FILE);
  const split = data.scoreSplit;
  const report = {
    split,
    images: s.images,
    LE: s.LE,
    OM: s.OM,
    F1: s.F1,
    F1a: s.F1a,
    centerBaseline,
    imagesWithoutBoxes: scores.withoutBoxes,
    resize: 'crop',
    size: scores.size,
    scoredAt: new Date().toISOString(),
  };
  await fs.writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return { images: s.images, LE: s.LE, OM: s.OM, F1: s.F1, F1a: s.F1a, split, centerBaseline, file };
}
