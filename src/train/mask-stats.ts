// Mask statistics over a set of masks, as the spec defines them: mean mask, standard deviation of
// the per-image means, entropy −Σ m·log2 m per pixel (pixels with 0 < m < 1 contribute), and total
// variation (mean squared horizontal + mean squared vertical difference), averaged over images.
// Streaming, so validation never holds more than one batch of masks.

export interface MaskStatsSummary {
  images: number;
  mean: number;
  std: number;
  entropy: number;
  totalVariation: number;
}

export class MaskStatsAccumulator {
  private images = 0;
  private sumMean = 0;
  private sumMeanSq = 0;
  private sumEntropy = 0;
  private sumTv = 0;

  /** @param masks float32 [n, h, w] */
  add(masks: Float32Array, n: number, h: number, w: number): void {
    const plane = h * w;
    for (let i = 0; i < n; i++) {
      const base = i * plane;
      let sum = 0;
      let ent = 0;
      let dx = 0;
      let dy = 0;
      for (let y = 0; y < h; y++) {
        const row = base + y * w;
        for (let x = 0; x < w; x++) {
          const m = masks[row + x]!;
          sum += m;
          if (m > 0 && m < 1) ent -= m * Math.log2(m);
          if (x + 1 < w) {
            const d = masks[row + x + 1]! - m;
            dx += d * d;
          }
          if (y + 1 < h) {
            const d = masks[row + w + x]! - m;
            dy += d * d;
          }
        }
      }
      const mean = sum / plane;
      this.images++;
      this.sumMean += mean;
      this.sumMeanSq += mean * mean;
      this.sumEntropy += ent / plane;
      this.sumTv += (w > 1 ? dx / (h * (w - 1)) : 0) + (h > 1 ? dy / ((h - 1) * w) : 0);
    }
  }

  summary(): MaskStatsSummary {
    const n = Math.max(1, this.images);
    const mean = this.sumMean / n;
    return {
      images: this.images,
      mean,
      std: Math.sqrt(Math.max(0, this.sumMeanSq / n - mean * mean)),
      entropy: this.sumEntropy / n,
      totalVariation: this.sumTv / n,
    };
  }
}
