import { describe, expect, it } from 'vitest';
import { MaskStatisticsAccumulator, maskStatistics } from '../../src/metrics/mask-statistics.js';

describe('mask statistics', () => {
  it('computes mean, entropy in bits over 0<m<1 per pixel, and total variation', () => {
    // 2x2 mask [[0, 0.5], [1, 0.5]].
    const s = maskStatistics(Float32Array.of(0, 0.5, 1, 0.5), 2, 2);
    expect(s.mean).toBeCloseTo(0.5, 12);
    // Only the two 0.5 pixels count: -2 * 0.5 * log2(0.5) = 1, divided by 4 pixels.
    expect(s.entropy).toBeCloseTo(0.25, 12);
    // Horizontal diffs: (0-0.5)^2, (1-0.5)^2 -> mean 0.25; vertical: (0-1)^2, (0.5-0.5)^2 -> mean 0.5.
    expect(s.tv).toBeCloseTo(0.75, 12);
  });
  it('has zero entropy and TV for a binary constant mask', () => {
    const s = maskStatistics(new Float32Array(9).fill(1), 3, 3);
    expect([s.mean, s.entropy, s.tv]).toEqual([1, 0, 0]);
  });
  it('summarises a set: std of per-image means (unbiased) and batch-averaged std', () => {
    const acc = new MaskStatisticsAccumulator();
    for (const v of [0, 1, 0.25, 0.75]) acc.add({ mean: v, entropy: v, tv: 2 * v });
    const s = acc.summary();
    expect(s.count).toBe(4);
    expect(s.mean).toBeCloseTo(0.5, 12);
    expect(s.entropy).toBeCloseTo(0.5, 12);
    expect(s.tv).toBeCloseTo(1, 12);
    // Deviations 0.5, 0.5, 0.25, 0.25: sum of squares 0.625, / 3.
    expect(s.std).toBeCloseTo(Math.sqrt(0.625 / 3), 12);
    // Batches of two: std([0,1]) = sqrt(0.5), std([0.25,0.75]) = sqrt(0.125); averaged.
    expect(acc.stdOfMeansByBatch(2)).toBeCloseTo((Math.sqrt(0.5) + Math.sqrt(0.125)) / 2, 12);
  });

  it('weights a short last batch by its own size', () => {
    const acc = new MaskStatisticsAccumulator();
    for (const v of [0, 1, 0.25, 0.75, 0.5]) acc.add({ mean: v, entropy: v, tv: v });
    // Batches of three: [0, 1, 0.25] (mean 5/12, squared deviations 78/144, / 2) and [0.75, 0.5]
    // (std sqrt(2 · 0.125²)); weighted 3:2.
    const first = Math.sqrt(39) / 12;
    const second = Math.sqrt(2 * 0.125 ** 2);
    expect(acc.stdOfMeansByBatch(3)).toBeCloseTo((3 * first + 2 * second) / 5, 12);
  });
});
