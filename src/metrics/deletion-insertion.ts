// Deletion and insertion (Petsiuk et al. 2018, RISE): pixels are removed from the image (deletion) or
// added to a substrate (insertion) in the order of the map, most salient first, and the classifier's
// probability of its original prediction is recorded after each step; the area under that curve
// summarises it (low for deletion and high for insertion when the map explains the prediction). This
// file holds the model-free parts: the order, the images of each step and the area.

/** Pixel indices from the most to the least salient; equal values keep index order (a stable sort). */
export function saliencyOrder(mask: ArrayLike<number>): Int32Array {
  const order = Array.from({ length: mask.length }, (_, i) => i).sort((i, j) => mask[j]! - mask[i]! || i - j);
  return Int32Array.from(order);
}

/** How many pixels are switched after step s of `steps` (0 … every pixel, evenly spaced). */
export function pixelsAtStep(step: number, steps: number, pixels: number): number {
  return Math.round((step * pixels) / steps);
}

/**
 * The image of one step, HWC with `channels` values per pixel: for deletion the image with its first
 * `count` pixels in `order` taken from the substrate; for insertion the substrate with those pixels
 * taken from the image.
 */
export function perturbedImage<T extends Uint8Array | Float32Array>(
  mode: 'deletion' | 'insertion',
  image: T,
  substrate: T,
  order: Int32Array,
  count: number,
  channels: number,
  out: T,
): T {
  if (image.length !== substrate.length || image.length !== out.length || image.length !== order.length * channels)
    throw new RangeError('perturbedImage: image, substrate, output and order disagree in size');
  const [base, source] = mode === 'deletion' ? [image, substrate] : [substrate, image];
  out.set(base);
  for (let k = 0; k < count; k++) {
    const p = order[k]! * channels;
    for (let c = 0; c < channels; c++) out[p + c] = source[p + c]!;
  }
  return out;
}

/** Area under a curve sampled at equally spaced fractions 0 … 1 (the trapezoid rule). */
export function curveArea(values: readonly number[]): number {
  if (values.length < 2) throw new RangeError(`curveArea: needs at least two points, got ${values.length}`);
  let inner = 0;
  for (let i = 1; i < values.length - 1; i++) inner += values[i]!;
  return (inner + (values[0]! + values.at(-1)!) / 2) / (values.length - 1);
}
