// Shows which part of an image the model did not see (outside the centre crop): those pixels are
// turned grey and darkened, so an overlay cannot be misread as "the mask is empty there".

/**
 * Where `covered` is 0, writes into `target` the `source` pixel as grey at 40% brightness; leaves
 * the covered pixels of `target` alone. `target` may be `source`.
 */
export function dimUncovered(target: Uint8Array, source: Uint8Array, covered: Uint8Array): void {
  if (target.length !== covered.length * 3 || source.length !== target.length) {
    throw new RangeError(`dimUncovered: ${target.length}/${source.length} RGB bytes for ${covered.length} pixels`);
  }
  for (let p = 0; p < covered.length; p++) {
    if (covered[p]) continue;
    const grey = Math.round(0.4 * (0.299 * source[3 * p]! + 0.587 * source[3 * p + 1]! + 0.114 * source[3 * p + 2]!));
    target[3 * p] = target[3 * p + 1] = target[3 * p + 2] = grey;
  }
}

/** 8-bit grey + alpha: the mask's grey level, alpha 0 where the model saw nothing. */
export function maskWithCoverageAlpha(grey: Uint8Array, covered: Uint8Array): Uint8Array {
  if (grey.length !== covered.length)
    throw new RangeError(`maskWithCoverageAlpha: ${grey.length} mask pixels for ${covered.length} coverage pixels`);
  const out = new Uint8Array(grey.length * 2);
  for (let p = 0; p < grey.length; p++) {
    out[2 * p] = grey[p]!;
    out[2 * p + 1] = covered[p] ? 255 : 0;
  }
  return out;
}
