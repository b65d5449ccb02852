// Carries a mask from the model's square input back onto the original image. The transform plan
// says where every input pixel came from; inverting it per original pixel gives (a) whether the
// model saw that pixel at all — with `--resize crop` the centre crop leaves two bands unseen — and
// (b) the mask value there, interpolated bilinearly between input pixel centres.
import type { TransformPlan } from '../data/transform-geometry.js';

/** A mask in the original image's pixels, with the covered part. */
export interface OriginalFrameMask {
  /** width×height mask in [0, 1]; 0 where not covered. */
  mask: Float32Array;
  /** width×height, 1 where the model's input covered the pixel. */
  covered: Uint8Array;
  /** The covered region in original pixels (x1, y1 exclusive). */
  coverage: { x0: number; y0: number; x1: number; y1: number };
  /** Covered pixels / all pixels. */
  coveredFraction: number;
}

interface AxisMap {
  /** Input coordinate (pixel-centre units) of original column/row i. */
  at: Float64Array;
  first: number;
  end: number;
}

/** Per original column (or row): where its centre lands in the model input, and the covered span. */
function axis(
  length: number,
  preOffset: number,
  preLength: number,
  resized: number,
  postOffset: number,
  size: number,
): AxisMap {
  const scale = resized / preLength;
  const at = new Float64Array(length);
  let first = length;
  let end = 0;
  for (let i = 0; i < length; i++) {
    // Centre of original pixel i in resized pixels, then in the crop; −0.5 back to index units.
    const u = (i + 0.5 - preOffset) * scale - postOffset - 0.5;
    at[i] = u;
    if (i >= preOffset && i < preOffset + preLength && u >= -0.5 && u < size - 0.5) {
      if (i < first) first = i;
      end = i + 1;
    }
  }
  return { at, first: Math.min(first, end), end };
}

/** Maps a mask from the model's input back onto the original image, with the part the model saw. */
export function maskToOriginal(
  mask: Float32Array,
  plan: TransformPlan,
  width: number,
  height: number,
): OriginalFrameMask {
  const size = plan.size;
  if (mask.length !== size * size)
    throw new RangeError(`maskToOriginal: ${mask.length} values for a ${size}x${size} input`);
  if (plan.flip) throw new RangeError('maskToOriginal: flipped plans are training-only');
  const xs = axis(width, plan.pre?.left ?? 0, plan.pre?.width ?? width, plan.resizeWidth, plan.post?.left ?? 0, size);
  const ys = axis(height, plan.pre?.top ?? 0, plan.pre?.height ?? height, plan.resizeHeight, plan.post?.top ?? 0, size);
  const out = new Float32Array(width * height);
  const covered = new Uint8Array(width * height);
  const clamp = (v: number) => (v < 0 ? 0 : Math.min(v, size - 1));
  for (let y = ys.first; y < ys.end; y++) {
    const v = clamp(ys.at[y]!);
    const v0 = Math.floor(v);
    const v1 = Math.min(size - 1, v0 + 1);
    const fy = v - v0;
    for (let x = xs.first; x < xs.end; x++) {
      const u = clamp(xs.at[x]!);
      const u0 = Math.floor(u);
      const u1 = Math.min(size - 1, u0 + 1);
      const fx = u - u0;
      const top = mask[v0 * size + u0]! * (1 - fx) + mask[v0 * size + u1]! * fx;
      const bottom = mask[v1 * size + u0]! * (1 - fx) + mask[v1 * size + u1]! * fx;
      out[y * width + x] = top * (1 - fy) + bottom * fy;
      covered[y * width + x] = 1;
    }
  }
  const coveredPixels = Math.max(0, xs.end - xs.first) * Math.max(0, ys.end - ys.first);
  return {
    mask: out,
    covered,
    coverage: { x0: xs.first, y0: ys.first, x1: xs.end, y1: ys.end },
    coveredFraction: coveredPixels / (width * height),
  };
}

/**
 * A binarised input-frame mask on the original frame: bilinearly upsampled and cut at 0.5, which
 * keeps the region's shape without the staircase of nearest-neighbour upsampling (0 where not
 * covered).
 */
export function binaryToOriginal(binary: Uint8Array, plan: TransformPlan, width: number, height: number): Uint8Array {
  const { mask } = maskToOriginal(Float32Array.from(binary), plan, width, height);
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = mask[i]! >= 0.5 ? 1 : 0;
  return out;
}
