// What the auto recipe (src/train/recipe.ts) needs to know about a dataset before training: how
// many training images and classes, how large the images are, and how much of an image the boxed
// objects cover. Sizes come from the manifest when it states them, else from image headers of a
// bounded sample (so profiling a large dataset stays a matter of seconds).
import { loadDataset } from '../data/load.js';
import { originalSize } from '../data/original-size.js';
import type { Sample } from '../data/types.js';

export interface DatasetProfile {
  trainImages: number;
  classes: number;
  /** Median shorter side of the training images, px (null: none could be read). */
  medianShortSide: number | null;
  /** Mean share of the image its largest box covers, over boxed images (validation split first, else training). */
  meanBoxArea: number | null;
  validationHasBoxes: boolean;
}

/** Images whose headers are read for the image side and the box areas. */
const SAMPLED = 200;

/** Every k-th sample, at most `max` of them (deterministic). */
function spread<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const step = items.length / max;
  return Array.from({ length: max }, (_, i) => items[Math.floor(i * step)]!);
}

async function sizeOf(sample: Sample): Promise<[number, number] | null> {
  try {
    return await originalSize(sample);
  } catch {
    return null;
  }
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Mean area share of each boxed sample's largest box. */
export async function meanLargestBoxArea(samples: readonly Sample[]): Promise<number | null> {
  const shares: number[] = [];
  for (const s of spread(
    samples.filter((x) => x.boxes.length > 0),
    SAMPLED,
  )) {
    const size = await sizeOf(s);
    if (!size) continue;
    const largest = Math.max(...s.boxes.map((b) => Math.max(0, b.x1 - b.x0) * Math.max(0, b.y1 - b.y0)));
    shares.push(Math.min(1, largest / (size[0] * size[1])));
  }
  return shares.length ? shares.reduce((a, b) => a + b, 0) / shares.length : null;
}

export async function profileDataset(opts: {
  data: string;
  split: string;
  valSplit: string | null;
  allowOutsideRoot?: boolean;
}): Promise<DatasetProfile> {
  const access = { data: opts.data, allowOutsideRoot: opts.allowOutsideRoot ?? false };
  const train = await loadDataset({ ...access, split: opts.split });
  let val: Sample[] = [];
  if (opts.valSplit) {
    try {
      val = (await loadDataset({ ...access, split: opts.valSplit })).samples;
    } catch {
      // training reports a missing validation split with its own message
    }
  }
  const sides: number[] = [];
  for (const s of spread(train.samples, SAMPLED)) {
    const size = await sizeOf(s);
    if (size) sides.push(Math.min(size[0], size[1]));
  }
  const validationHasBoxes = val.some((s) => s.boxes.length > 0);
  return {
    trainImages: train.samples.length,
    classes: train.classIds.length,
    medianShortSide: median(sides),
    meanBoxArea: await meanLargestBoxArea(validationHasBoxes ? val : train.samples),
    validationHasBoxes,
  };
}
