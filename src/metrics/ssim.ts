// Structural similarity of two maps (Wang et al. 2004) as scikit-image's structural_similarity
// computes it with a uniform window: local means, sample variances and covariance over a w×w window,
// averaged over the positions whose window lies inside the image (a strip of (w−1)/2 pixels at each
// edge is left out). Adebayo et al. 2018 compare saliency maps with a window of 5.

export interface SsimOptions {
  /** Odd window side (default 5). */
  window?: number;
  /** The maps' value range (default 1: masks in [0, 1]). */
  dataRange?: number;
}

const K1 = 0.01;
const K2 = 0.03;

/** Mean SSIM of two h×w maps (row-major). */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, h: number, w: number, o: SsimOptions = {}): number {
  const win = o.window ?? 5;
  const range = o.dataRange ?? 1;
  if (a.length !== h * w || b.length !== h * w)
    throw new RangeError(`ssim: maps of ${a.length} and ${b.length} values, expected ${h}x${w}`);
  if (win < 3 || win % 2 !== 1) throw new RangeError(`ssim: the window must be odd and at least 3, got ${win}`);
  if (win > h || win > w) throw new RangeError(`ssim: a ${win}-pixel window does not fit a ${h}x${w} map`);
  const pad = (win - 1) / 2;
  const np = win * win;
  // Sample (not population) covariance, scikit-image's default.
  const covNorm = np / (np - 1);
  const c1 = (K1 * range) ** 2;
  const c2 = (K2 * range) ** 2;
  let total = 0;
  let count = 0;
  for (let y = pad; y < h - pad; y++) {
    for (let x = pad; x < w - pad; x++) {
      let sa = 0;
      let sb = 0;
      let saa = 0;
      let sbb = 0;
      let sab = 0;
      for (let dy = -pad; dy <= pad; dy++) {
        const row = (y + dy) * w;
        for (let dx = -pad; dx <= pad; dx++) {
          const va = a[row + x + dx]!;
          const vb = b[row + x + dx]!;
          sa += va;
          sb += vb;
          saa += va * va;
          sbb += vb * vb;
          sab += va * vb;
        }
      }
      const ua = sa / np;
      const ub = sb / np;
      const va = covNorm * (saa / np - ua * ua);
      const vb = covNorm * (sbb / np - ub * ub);
      const vab = covNorm * (sab / np - ua * ub);
      total += ((2 * ua * ub + c1) * (2 * vab + c2)) / ((ua * ua + ub * ub + c1) * (va + vb + c2));
      count++;
    }
  }
  return total / count;
}
