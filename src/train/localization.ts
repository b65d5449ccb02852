// End-of-training localisation score (LE, OM, F1) on the validation split, as the authors score it:
// masks on the score-crop transform (short side = size, centre crop), ground-truth boxes mapped from
// original pixels by src/metrics, classifier correctness from the clean logits; the centre-box
// baseline (score.py --toy center) on the same images beside it, because a score means little
// without it. Writes runDir/localization.json with the means and the setting they were computed in.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readImageBytes, readImageHeader } from '../data/decode.js';
import type { Sample } from '../data/types.js';
import { LocalisationAccumulator, createScoreScratch, scoreMask } from '../metrics/score-mask.js';
import type { NativeModel } from '../native/types.js';
import type { TrainData } from './data-source.js';
import type { LocalizationSummary } from './events.js';
import { argmaxRows } from './masked-input.js';
import { toyMask } from '../eval/toy-masks.js';

export const LOCALIZATION_FILE = 'localization.json';

export async function scoreLocalization(model: NativeModel, data: TrainData, runDir: string): Promise<LocalizationSummary | null> {
  const acc = new LocalisationAccumulator();
  const center = new LocalisationAccumulator();
  let centerMask: Float32Array | null = null;
  let withoutBoxes = 0;
  let size = 0;
  for await (const batch of data.scoreBatches()) {
    const { n, h, w } = batch;
    size = h;
    const result = await model.saliency({ kind: 'uint8', data: batch.data, n, h, w });
    const predicted = argmaxRows(result.logits, n);
    const scratch = createScoreScratch(h * w);
    for (let i = 0; i < n; i++) {
      const sample = data.valSamples[batch.indices[i]!]!;
      // The reference scorer has no definition for an image without boxes; leave it out.
      if (sample.boxes.length === 0) {
        withoutBoxes++;
        continue;
      }
      const original = await originalSize(sample);
      acc.add(scoreMask(result.masks.subarray(i * h * w, (i + 1) * h * w), h, w, sample.boxes, original, { resize: 'crop', size: h, isCorrect: predicted[i] === batch.labels[i], scratch }));
      if (!centerMask || centerMask.length !== h * w) centerMask = toyMask('center', h);
      // score.py counts every toy prediction as correctly classified.
      center.add(scoreMask(centerMask, h, w, sample.boxes, original, { resize: 'crop', size: h, isCorrect: true, scratch }));
    }
  }
  if (acc.count === 0) return null;
  const s = acc.summary();
  const c = center.summary();
  const centerBaseline = { LE: c.LE, F1: c.F1 };
  const file = path.join(runDir, LOCALIZATION_FILE);
  const split = data.scoreSplit;
  const report = { split, images: s.count, LE: s.LE, OM: s.OM, F1: s.F1, F1a: s.F1a, centerBaseline, imagesWithoutBoxes: withoutBoxes, resize: 'crop', size, scoredAt: new Date().toISOString() };
  await fs.writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return { images: s.count, LE: s.LE, OM: s.OM, F1: s.F1, F1a: s.F1a, split, centerBaseline, file };
}

/** Original [width, height]: from the manifest when it states it, else from the file's header. */
async function originalSize(sample: Sample): Promise<[number, number]> {
  if (sample.width && sample.height) return [sample.width, sample.height];
  const header = await readImageHeader(await readImageBytes(sample.path), sample.path);
  return [header.width, header.height];
}
