// The paper's Fig. 3 check (authors' eval.py): how well do *other* classifiers recognise
//   masked-in b·x, masked-out (1−b)·x and inpainted masked-out images,
// where b is the binarised CASM mask? A classifier-agnostic mask removes what every classifier
// needs, so masked-out accuracy should drop for all of them, not only for the one CASM trained with.
// Images go through the validation transform (short side 256·size/224, centre crop) as in eval.py;
// masking and inpainting happen on the uint8 pixels (black = 0 before normalisation), then every
// image is normalised on the device like any other uint8 batch.
import { BatchLoader } from '../data/loader.js';
import type { Dataset, SkipRecord } from '../data/types.js';
import type { Model } from '../native/model.js';
import { limitDataset } from './dataset-limit.js';
import { countCorrectOnMaskedImages, type ImageKind } from './masked-accuracy.js';

export { IMAGE_KINDS, type ImageKind } from './masked-accuracy.js';

/** A classifier model with the name it is reported under. */
export interface NamedClassifier {
  name: string;
  model: Model;
}

/** Inputs of {@link evaluateClassifierAgnosticism}. */
export interface AgnosticismOptions {
  /** The CASM model whose masks are tested. */
  casm: Model;
  classifiers: readonly NamedClassifier[];
  dataset: Dataset;
  size?: number;
  batchSize?: number;
  limit?: number;
  strict?: boolean;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/** One classifier's top-1 accuracy on each kind of image. */
export interface ClassifierAccuracy {
  name: string;
  /** Top-1 accuracy (fraction) on each kind of image. */
  top1: Record<ImageKind, number>;
}

/** Accuracy of each classifier on clean, masked-in, masked-out and inpainted images (the paper's Fig. 3). */
export interface AgnosticismResult {
  split: string;
  size: number;
  images: number;
  /** Mean of the binarised masks' area (fraction of pixels kept by b). */
  maskArea: number;
  classifiers: ClassifierAccuracy[];
  skipped: SkipRecord[];
}

/** Measures how other classifiers do on images masked by a CASM model (the paper's Fig. 3). */
export async function evaluateClassifierAgnosticism(opts: AgnosticismOptions): Promise<AgnosticismResult> {
  const size = opts.size ?? 224;
  const dataset = limitDataset(opts.dataset, opts.limit);
  const numClasses = dataset.classIds.length;
  for (const c of opts.classifiers) {
    const k = c.model.info().numClasses;
    if (k !== numClasses)
      throw new Error(`classifier ${c.name} has ${k} outputs, the dataset has ${numClasses} classes`);
  }
  const loader = new BatchLoader(dataset, {
    batchSize: opts.batchSize ?? 16,
    size,
    transform: 'val',
    onBadSample: 'drop',
    strict: opts.strict,
    concurrency: opts.concurrency,
  });
  const correct = opts.classifiers.map(() => ({ clean: 0, maskedIn: 0, maskedOut: 0, inpainted: 0 }));
  let images = 0;
  let area = 0;
  const models = opts.classifiers.map((c) => c.model);
  for await (const batch of loader.batches()) {
    const { masks } = await opts.casm.saliency({ kind: 'uint8', data: batch.data, n: batch.n, h: batch.h, w: batch.w });
    const counts = await countCorrectOnMaskedImages(batch, masks, models);
    area += counts.area;
    counts.correct.forEach((c, ci) => {
      for (const kind of Object.keys(c) as ImageKind[]) correct[ci]![kind] += c[kind];
    });
    images += batch.n;
    opts.onProgress?.(images, dataset.samples.length);
  }
  const frac = (v: number) => (images ? v / images : 0);
  return {
    split: dataset.split,
    size,
    images,
    maskArea: frac(area),
    classifiers: opts.classifiers.map((c, ci) => ({
      name: c.name,
      top1: {
        clean: frac(correct[ci]!.clean),
        maskedIn: frac(correct[ci]!.maskedIn),
        maskedOut: frac(correct[ci]!.maskedOut),
        inpainted: frac(correct[ci]!.inpainted),
      },
    })),
    skipped: [...dataset.skipped, ...loader.skipped],
  };
}
