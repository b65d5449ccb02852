// The four image transforms of the spec, on real pixels: train (RandomResizedCrop + flip), val
// (short side 256·size/224, centre crop), score-crop (short side = size, centre crop) and
// score-direct (squeeze to size×size). Each returns the pixels and the boxes moved identically.

import { type DecodeOptions, readImageBytes, readImageHeader, renderPlan } from './decode.js';
import type { Random } from './random.js';
import { DataError } from './skips.js';
import {
  boxProblem,
  type PlanOptions,
  planTransform,
  type TransformKind,
  type TransformPlan,
  transformBox,
} from './transform-geometry.js';
import type { Box } from './types.js';

export type { TransformKind, TransformPlan } from './transform-geometry.js';

export interface TransformSpec extends PlanOptions, DecodeOptions {
  kind: TransformKind;
}

export interface TransformedImage {
  /** size×size×3 uint8 RGB, row-major (HWC). */
  data: Buffer;
  size: number;
  /** Boxes in output pixels (truncated to integers, not clipped). */
  boxes: Box[];
  plan: TransformPlan;
  /** Original size after EXIF orientation. */
  width: number;
  height: number;
}

/**
 * Decodes `source` (a path or the file's bytes) and applies the transform. `rng` is required for
 * 'train'. Throws DataError (naming `origin`, default the path) for any bad input, including a box
 * that does not fit the decoded image and a decoded size other than `expectedSize`.
 */
export async function transformImage(
  source: string | Buffer,
  spec: TransformSpec,
  options: {
    rng?: Random;
    boxes?: readonly Box[];
    origin?: string;
    expectedSize?: { width: number; height: number };
  } = {},
): Promise<TransformedImage> {
  const origin = options.origin ?? (typeof source === 'string' ? source : '<buffer>');
  const bytes = typeof source === 'string' ? await readFileAs(source, origin) : source;
  const header = await readImageHeader(bytes, origin, spec.maxPixels);
  const expected = options.expectedSize;
  // Boxes are in the manifest's pixels: if the manifest disagrees with the file, they are wrong.
  if (expected && (expected.width !== header.width || expected.height !== header.height)) {
    throw new DataError(
      origin,
      `size mismatch: the manifest says ${expected.width}x${expected.height}, the image is ${header.width}x${header.height}`,
    );
  }
  const boxes = options.boxes ?? [];
  for (const box of boxes) {
    const problem = boxProblem(box, header.width, header.height);
    if (problem) throw new DataError(origin, problem);
  }
  const plan = planTransform(spec.kind, header.width, header.height, spec, options.rng);
  const data = await renderPlan(bytes, plan, origin, spec);
  return {
    data,
    size: spec.size,
    boxes: boxes.map((box) => transformBox(box, plan)),
    plan,
    width: header.width,
    height: header.height,
  };
}

async function readFileAs(path: string, origin: string): Promise<Buffer> {
  try {
    return await readImageBytes(path);
  } catch (err) {
    if (err instanceof DataError && origin !== path) throw new DataError(origin, `${path}: ${err.reason}`);
    throw err;
  }
}
