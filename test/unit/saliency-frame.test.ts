// Masks carried from the model's square input back onto the original image, and the boxes drawn
// on it: coverage of the centre crop, interpolation, the binarised mask, box outlines.
import { describe, expect, it } from 'vitest';
import { planScoreCrop, planScoreDirect } from '../../src/data/transform-geometry.js';
import { binaryToOriginal, maskToOriginal } from '../../src/eval/mask-to-original.js';
import { dimUncovered, maskWithCoverageAlpha } from '../../src/viz/coverage.js';
import { boxLineWidth, drawBox } from '../../src/viz/draw-box.js';

describe('maskToOriginal', () => {
  it('crop: a 300×200 image is covered only in its centre 200×200 square', () => {
    const size = 32;
    const plan = planScoreCrop(300, 200, size);
    const mask = new Float32Array(size * size).fill(0.25);
    const r = maskToOriginal(mask, plan, 300, 200);
    expect(r.coverage).toEqual({ x0: 50, y0: 0, x1: 250, y1: 200 });
    expect(r.coveredFraction).toBeCloseTo(200 / 300, 10);
    for (let y = 0; y < 200; y += 7) {
      for (let x = 0; x < 300; x += 3) {
        const inside = x >= 50 && x < 250;
        expect(r.covered[y * 300 + x]).toBe(inside ? 1 : 0);
        expect(r.mask[y * 300 + x]).toBeCloseTo(inside ? 0.25 : 0, 6);
      }
    }
  });

  it('direct: everything is covered, and a left/right split stays a left/right split', () => {
    const size = 8;
    const mask = Float32Array.from({ length: size * size }, (_, i) => (i % size < size / 2 ? 1 : 0));
    const r = maskToOriginal(mask, planScoreDirect(300, 200, size), 300, 200);
    expect(r.coveredFraction).toBe(1);
    expect(r.coverage).toEqual({ x0: 0, y0: 0, x1: 300, y1: 200 });
    // Columns well inside each half keep the value; the transition is at the middle of the width.
    for (const y of [0, 99, 199]) {
      expect(r.mask[y * 300 + 10]).toBe(1);
      expect(r.mask[y * 300 + 289]).toBe(0);
      const row = r.mask.subarray(y * 300, (y + 1) * 300);
      const firstBelowHalf = row.findIndex((v) => v < 0.5);
      expect(Math.abs(firstBelowHalf - 150)).toBeLessThanOrEqual(1);
    }
    // Bilinear values stay within the input's range.
    expect(Math.min(...r.mask)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...r.mask)).toBeLessThanOrEqual(1);
  });

  it('keeps the mean of a smooth mask (area-preserving up to interpolation)', () => {
    const size = 16;
    const mask = Float32Array.from(
      { length: size * size },
      (_, i) => ((i % size) + Math.floor(i / size)) / (2 * size - 2),
    );
    const r = maskToOriginal(mask, planScoreDirect(160, 96, size), 160, 96);
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(r.mask)).toBeCloseTo(mean(mask), 2);
  });

  it('binaryToOriginal puts a kept block where it belongs and nothing outside the crop', () => {
    const size = 32;
    const plan = planScoreCrop(300, 200, size);
    // Keep input columns 0..7 (the left quarter of the crop = original x 50..100).
    const binary = Uint8Array.from({ length: size * size }, (_, i) => (i % size < 8 ? 1 : 0));
    const b = binaryToOriginal(binary, plan, 300, 200);
    const row = Array.from(b.subarray(100 * 300, 101 * 300));
    expect(row.slice(0, 50).every((v) => v === 0)).toBe(true);
    expect(row.slice(52, 96).every((v) => v === 1)).toBe(true);
    expect(row.slice(104).every((v) => v === 0)).toBe(true);
  });
});

describe('drawing on the original frame', () => {
  it('drawBox paints the outline only, clipped to the image', () => {
    const w = 10;
    const h = 8;
    const rgb = new Uint8Array(w * h * 3);
    drawBox(rgb, w, h, { x0: 2, y0: 1, x1: 7, y1: 6 }, [255, 0, 255], 1);
    const at = (x: number, y: number) => [...rgb.subarray(3 * (y * w + x), 3 * (y * w + x) + 3)];
    expect(at(2, 1)).toEqual([255, 0, 255]);
    expect(at(6, 5)).toEqual([255, 0, 255]); // exclusive end: last column/row is x1−1, y1−1
    expect(at(7, 5)).toEqual([0, 0, 0]);
    expect(at(4, 3)).toEqual([0, 0, 0]); // inside stays untouched
    drawBox(rgb, w, h, { x0: -5, y0: -5, x1: 50, y1: 50 }, [1, 2, 3], 1);
    expect(at(0, 0)).toEqual([1, 2, 3]);
    expect(at(9, 7)).toEqual([1, 2, 3]);
    expect(boxLineWidth(32, 32)).toBe(1);
    expect(boxLineWidth(3000, 2000)).toBe(13);
  });

  it('uncovered pixels turn dark grey, covered ones keep their colour; the mask carries coverage as alpha', () => {
    const source = Uint8Array.from([200, 100, 50, 200, 100, 50]);
    const target = Uint8Array.from([9, 9, 9, 9, 9, 9]);
    dimUncovered(target, source, Uint8Array.from([1, 0]));
    expect([...target.subarray(0, 3)]).toEqual([9, 9, 9]);
    const g = target[3]!;
    expect([target[4], target[5]]).toEqual([g, g]);
    expect(g).toBe(Math.round(0.4 * (0.299 * 200 + 0.587 * 100 + 0.114 * 50)));
    expect([...maskWithCoverageAlpha(Uint8Array.from([10, 20]), Uint8Array.from([1, 0]))]).toEqual([10, 255, 20, 0]);
  });
});
