// The trivial saliency "extractors" of the authors' score.py (--toy), against which a trained model
// is judged: 'full' = the whole image (their 'max'), 'center' = a centred square with a 33-pixel
// margin at 224 px (mask[33:-33, 33:-33] = 1). At other sizes the margin scales with the side,
// round(33·size/224), so the square keeps the same share of the image (about 49.7 %).
// score.py also counts every toy prediction as correctly classified, so OM equals LE for a toy.

/** One of {@link TOY_KINDS}. */
export type ToyKind = 'center' | 'full';

/** The trivial baselines of the authors' scorer: the centre box and the whole image. */
export const TOY_KINDS: readonly ToyKind[] = ['center', 'full'];

/** Margin of the centre box at 224 px in score.py. */
export const CENTER_MARGIN_AT_224 = 33;

/** The centre box's margin at a given image side (33 px at 224, scaled). */
export function centerMargin(size: number): number {
  return Math.round((CENTER_MARGIN_AT_224 * size) / 224);
}

/** The toy's mask, size×size, values 0 or 1. */
export function toyMask(kind: ToyKind, size: number): Float32Array {
  const mask = new Float32Array(size * size);
  if (kind === 'full') return mask.fill(1);
  const m = centerMargin(size);
  for (let y = m; y < size - m; y++) mask.fill(1, y * size + m, y * size + size - m);
  return mask;
}
