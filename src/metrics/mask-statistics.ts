// Mask statistics of the authors' stats.StatisticsContainer, per image, and their means over a set.
//  - mean: mean mask value;
//  - entropy: -Σ m·log2 m over pixels with 0 < m < 1, divided by the number of *all* pixels;
//  - tv: mean squared horizontal difference + mean squared vertical difference.
// Over a set: the mean of each, and the std of the per-image means. The reference takes that std per
// batch (torch .std(), unbiased) and averages it over batches; stdOfMeans() is the set-wide
// unbiased std, stdOfMeansByBatch(b) reproduces the batch-averaged figure for a given batch size.

/** One mask's statistics: mean, entropy and total variation. */
export interface MaskStatistics {
  mean: number;
  entropy: number;
  tv: number;
}

export function maskStatistics(mask: Float32Array, h: number, w: number): MaskStatistics {
  const n = h * w;
  if (mask.length !== n) throw new RangeError(`maskStatistics: mask has ${mask.length} values, expected ${h}x${w}`);
  let sum = 0;
  let ent = 0;
  let dh = 0;
  let dv = 0;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const i = row + x;
      const m = mask[i]!;
      sum += m;
      if (m > 0 && m < 1) ent -= m * Math.log2(m);
      if (x + 1 < w) {
        const d = m - mask[i + 1]!;
        dh += d * d;
      }
      if (y + 1 < h) {
        const d = m - mask[i + w]!;
        dv += d * d;
      }
    }
  }
  const tvH = w > 1 ? dh / (h * (w - 1)) : 0;
  const tvV = h > 1 ? dv / ((h - 1) * w) : 0;
  return { mean: sum / n, entropy: ent / n, tv: tvH + tvV };
}

/** Mask statistics over a set of images (what `eval` prints under 'mask statistics'). */
export interface MaskStatisticsSummary {
  count: number;
  mean: number;
  /** Unbiased std of the per-image means over the whole set (0 for fewer than two images). */
  std: number;
  entropy: number;
  tv: number;
}

export class MaskStatisticsAccumulator {
  private readonly means: number[] = [];
  private entropySum = 0;
  private tvSum = 0;

  add(stats: MaskStatistics): void {
    this.means.push(stats.mean);
    this.entropySum += stats.entropy;
    this.tvSum += stats.tv;
  }

  get count(): number {
    return this.means.length;
  }

  stdOfMeans(): number {
    return unbiasedStd(this.means, 0, this.means.length);
  }

  /** The reference's figure: unbiased std within consecutive batches, averaged weighted by batch size. */
  stdOfMeansByBatch(batchSize = 128): number {
    let weighted = 0;
    for (let s = 0; s < this.means.length; s += batchSize) {
      const e = Math.min(this.means.length, s + batchSize);
      // A batch of one has an undefined (NaN) std in torch; it contributes NaN there too.
      weighted += unbiasedStd(this.means, s, e, true) * (e - s);
    }
    return this.means.length ? weighted / this.means.length : 0;
  }

  summary(): MaskStatisticsSummary {
    const n = this.means.length;
    let s = 0;
    for (const m of this.means) s += m;
    return {
      count: n,
      mean: n ? s / n : 0,
      std: this.stdOfMeans(),
      entropy: n ? this.entropySum / n : 0,
      tv: n ? this.tvSum / n : 0,
    };
  }
}

function unbiasedStd(v: number[], start: number, end: number, nanForOne = false): number {
  const n = end - start;
  if (n < 2) return nanForOne && n === 1 ? NaN : 0;
  let s = 0;
  for (let i = start; i < end; i++) s += v[i]!;
  const mu = s / n;
  let ss = 0;
  for (let i = start; i < end; i++) ss += (v[i]! - mu) ** 2;
  return Math.sqrt(ss / (n - 1));
}
