// Geometry of the image transforms, with no pixels involved: where to crop, what to resize to,
// whether to flip, and how a ground-truth box moves. The pixel side (transforms.ts) only executes
// a plan, so pixels and boxes cannot disagree.

import type { Random } from './random.js';
import type { Box } from './types.js';

/** Which image transform a sample gets: training augmentation, validation, or scoring (short side + centre crop, or squeezed whole). */
export type TransformKind = 'train' | 'val' | 'score-crop' | 'score-direct';

/** A rectangle of an image in pixels (left, top, width, height). */
export interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Executed in this order: extract `pre` from the (EXIF-oriented) original, resize to
 * resizeWidth×resizeHeight, extract `post` from the resized image, mirror left-right if `flip`.
 * A box maps as x' = trunc((x − preLeft)·boxScaleX − postLeft), then mirrors with the pixels.
 */
export interface TransformPlan {
  kind: TransformKind;
  /** Output size (square). */
  size: number;
  pre?: Region;
  resizeWidth: number;
  resizeHeight: number;
  post?: Region;
  flip: boolean;
  boxScaleX: number;
  boxScaleY: number;
}

export interface PlanOptions {
  /** Output side in pixels (default 224). */
  size: number;
  /**
   * Allow the train crop to be executed as resize-then-extract when the crop is at least twice the
   * output size, which lets libjpeg decode at 1/2..1/8 scale. Offsets then round to output pixels.
   */
  fastShrink?: boolean;
  /** RandomResizedCrop area range and aspect range (torchvision defaults). */
  scale?: [number, number];
  ratio?: [number, number];
}

/** Python's round(): halves go to the even neighbour (torchvision's crop arithmetic uses it). */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Short side of the validation resize: 256 at 224 px, proportional otherwise. */
export function validationShortSide(size: number): number {
  return Math.round((size * 256) / 224);
}

/**
 * torchvision's RandomResizedCrop.get_params: ten tries of a random area fraction and log-uniform
 * aspect ratio, then a centre crop clamped to the ratio range. Returns the crop in original pixels.
 */
export function randomResizedCropRegion(
  width: number,
  height: number,
  rng: Random,
  scale: [number, number] = [0.08, 1],
  ratio: [number, number] = [3 / 4, 4 / 3],
): Region {
  const area = width * height;
  const logRatio: [number, number] = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logRatio[0], logRatio[1]));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = rng.int(height - h + 1);
      const left = rng.int(width - w + 1);
      return { left, top, width: w, height: h };
    }
  }
  const inRatio = width / height;
  let w: number;
  let h: number;
  if (inRatio < Math.min(...ratio)) {
    w = width;
    h = roundHalfEven(w / Math.min(...ratio));
  } else if (inRatio > Math.max(...ratio)) {
    h = height;
    w = roundHalfEven(h * Math.max(...ratio));
  } else {
    w = width;
    h = height;
  }
  return { left: Math.floor((width - w) / 2), top: Math.floor((height - h) / 2), width: w, height: h };
}

/** Train: RandomResizedCrop(size) + horizontal flip with p = 0.5. Draws from `rng` in that order. */
export function planTrain(width: number, height: number, rng: Random, options: PlanOptions): TransformPlan {
  const { size } = options;
  const crop = randomResizedCropRegion(width, height, rng, options.scale, options.ratio);
  const flip = rng.chance(0.5);
  const shrinkable = options.fastShrink !== false && crop.width >= 2 * size && crop.height >= 2 * size;
  if (!shrinkable) {
    return {
      kind: 'train',
      size,
      pre: crop,
      resizeWidth: size,
      resizeHeight: size,
      flip,
      boxScaleX: size / crop.width,
      boxScaleY: size / crop.height,
    };
  }
  // Same crop expressed as "resize the whole image, then cut": the decoder may then shrink on load.
  const resizeWidth = Math.max(size, Math.round((width * size) / crop.width));
  const resizeHeight = Math.max(size, Math.round((height * size) / crop.height));
  const scaleX = resizeWidth / width;
  const scaleY = resizeHeight / height;
  const left = Math.min(resizeWidth - size, Math.round(crop.left * scaleX));
  const top = Math.min(resizeHeight - size, Math.round(crop.top * scaleY));
  return {
    kind: 'train',
    size,
    resizeWidth,
    resizeHeight,
    post: { left, top, width: size, height: size },
    flip,
    boxScaleX: scaleX,
    boxScaleY: scaleY,
  };
}

/**
 * Resize the short side to `shortSide` (torchvision Resize(int): the long side is truncated), then
 * centre-crop size×size with torchvision's offset rounding. Boxes scale by shortSide / short side
 * on both axes, as the authors' scoring does.
 */
export function planShortSideCentreCrop(
  kind: TransformKind,
  width: number,
  height: number,
  shortSide: number,
  size: number,
): TransformPlan {
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const resizedLong = Math.floor((shortSide * long) / short);
  const resizeWidth = width <= height ? shortSide : resizedLong;
  const resizeHeight = width <= height ? resizedLong : shortSide;
  const left = roundHalfEven((resizeWidth - size) / 2);
  const top = roundHalfEven((resizeHeight - size) / 2);
  const factor = shortSide / short;
  return {
    kind,
    size,
    resizeWidth,
    resizeHeight,
    post: { left, top, width: size, height: size },
    flip: false,
    boxScaleX: factor,
    boxScaleY: factor,
  };
}

/** Validation during training: short side round(size·256/224), centre crop size. */
export function planVal(width: number, height: number, size: number): TransformPlan {
  return planShortSideCentreCrop('val', width, height, validationShortSide(size), size);
}

/** Localisation scoring, default: short side = size, centre crop size. */
export function planScoreCrop(width: number, height: number, size: number): TransformPlan {
  return planShortSideCentreCrop('score-crop', width, height, size, size);
}

/** Localisation scoring, --resize direct: the whole image squeezed to size×size. */
export function planScoreDirect(width: number, height: number, size: number): TransformPlan {
  return {
    kind: 'score-direct',
    size,
    resizeWidth: size,
    resizeHeight: size,
    flip: false,
    boxScaleX: size / width,
    boxScaleY: size / height,
  };
}

export function planTransform(
  kind: TransformKind,
  width: number,
  height: number,
  options: PlanOptions,
  rng?: Random,
): TransformPlan {
  switch (kind) {
    case 'train':
      if (!rng) throw new Error('the train transform needs a random stream');
      return planTrain(width, height, rng, options);
    case 'val':
      return planVal(width, height, options.size);
    case 'score-crop':
      return planScoreCrop(width, height, options.size);
    case 'score-direct':
      return planScoreDirect(width, height, options.size);
  }
}

/**
 * Moves a box (original pixels, exclusive end) with the pixels: scale, subtract the crop offset,
 * truncate toward zero (the spec's rule; no clipping here, metrics clip), then mirror if flipped.
 */
export function transformBox(box: Box, plan: TransformPlan): Box {
  const preLeft = plan.pre?.left ?? 0;
  const preTop = plan.pre?.top ?? 0;
  const postLeft = plan.post?.left ?? 0;
  const postTop = plan.post?.top ?? 0;
  const x0 = Math.trunc((box.x0 - preLeft) * plan.boxScaleX - postLeft);
  const y0 = Math.trunc((box.y0 - preTop) * plan.boxScaleY - postTop);
  const x1 = Math.trunc((box.x1 - preLeft) * plan.boxScaleX - postLeft);
  const y1 = Math.trunc((box.y1 - preTop) * plan.boxScaleY - postTop);
  // Columns [x0, x1) land on [size − x1, size − x0) when mirrored.
  if (plan.flip) return { x0: plan.size - x1, y0, x1: plan.size - x0, y1 };
  return { x0, y0, x1, y1 };
}

/** Why a box cannot belong to a width×height image, or undefined when it can. One pixel of slack
 * absorbs the inclusive/exclusive end conventions of the annotation formats. */
export function boxProblem(box: Box, width?: number, height?: number): string | undefined {
  const { x0, y0, x1, y1 } = box;
  if (![x0, y0, x1, y1].every(Number.isFinite)) return 'box with a non-numeric coordinate';
  if (x1 <= x0 || y1 <= y0) return `empty box (${x0},${y0},${x1},${y1})`;
  if (x0 < -1 || y0 < -1) return `box outside the image (${x0},${y0},${x1},${y1})`;
  if ((width !== undefined && x1 > width + 1) || (height !== undefined && y1 > height + 1)) {
    return `box outside the image (${x0},${y0},${x1},${y1} in ${width}x${height})`;
  }
  return undefined;
}
