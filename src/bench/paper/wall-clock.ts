// Expected wall-clock of one paper-scale run from a measured throughput. The work of one run is
// fixed by the protocol: 60 epochs × 20% of ImageNet's 1 281 167 training images through the fused
// step, plus a validation pass per epoch and one scoring pass over the 50 000 val images
// (inference: two forward passes per validation image, one per scored image).

export const IMAGENET_TRAIN_IMAGES = 1281167;
export const IMAGENET_VAL_IMAGES = 50000;

export interface WallClockInput {
  /** Fused-step throughput (images/s) of the architecture, size and batch of the run. */
  trainImagesPerSecond: number;
  /** Saliency-inference throughput (images/s); default 3× the step's (a forward pass vs ~3 passes). */
  inferImagesPerSecond?: number;
  epochs?: number;
  epochFraction?: number;
  /** Validation images per epoch (the full budget validates on 10 000). */
  valImagesPerEpoch?: number;
}

export function paperRunSeconds(i: WallClockInput): { seconds: number; trainImages: number; formula: string } {
  const epochs = i.epochs ?? 60;
  const fraction = i.epochFraction ?? 0.2;
  const val = i.valImagesPerEpoch ?? 10000;
  const infer = i.inferImagesPerSecond ?? 3 * i.trainImagesPerSecond;
  const trainImages = epochs * fraction * IMAGENET_TRAIN_IMAGES;
  const seconds = trainImages / i.trainImagesPerSecond + (epochs * 2 * val + IMAGENET_VAL_IMAGES) / infer;
  const formula = `T = ${epochs}·${fraction}·${IMAGENET_TRAIN_IMAGES} / step_img_per_s + (${epochs}·2·${val} + ${IMAGENET_VAL_IMAGES}) / infer_img_per_s`;
  return { seconds, trainImages, formula };
}

export function formatHours(seconds: number): string {
  if (seconds < 3600) return `${(seconds / 60).toFixed(0)} min`;
  if (seconds < 3 * 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}
