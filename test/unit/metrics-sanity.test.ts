// The sanity-check metrics against independent implementations, on the fixed maps of
// test/conformance-vectors/sanity/vectors.json (written once by scripts/conformance/make-sanity-vectors.py
// with scipy 1.17.1, scikit-image 0.26.0 and numpy 2.4.6): Spearman (scipy), SSIM with a 5-pixel
// window (skimage), HOG vectors and their correlation (skimage), the pointing game's peak (numpy's
// argmax), the deletion order (numpy's stable argsort) and the curve area (numpy's trapezoid).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pearson, spearman, spearmanOfConfidence } from '../../src/metrics/correlation.js';
import { curveArea, perturbedImage, pixelsAtStep, saliencyOrder } from '../../src/metrics/deletion-insertion.js';
import { hogCorrelation, hogFeatures } from '../../src/metrics/hog.js';
import { pointingGame } from '../../src/metrics/pointing-game.js';
import { ssim } from '../../src/metrics/ssim.js';

interface Vectors {
  pairs: {
    h: number;
    w: number;
    a: number[];
    b: number[];
    spearman: number;
    spearmanAbs: number;
    ssim5: number;
    hogA: number[];
    hogCorrelation: number;
  }[];
  pointing: { h: number; w: number; mask: number[]; boxes: number[][]; peak: [number, number]; hit: boolean }[];
  deletion: { h: number; w: number; mask: number[]; order: number[]; curves: number[][]; auc: number[] };
}

const vectors = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '..', 'conformance-vectors', 'sanity', 'vectors.json'), 'utf8'),
) as Vectors;

describe.each(vectors.pairs.map((p) => [`${p.h}x${p.w}`, p] as const))('maps %s', (_, p) => {
  it('Spearman of the maps and of |0.5 − map| equal scipy’s', () => {
    expect(spearman(p.a, p.b)).toBeCloseTo(p.spearman, 12);
    expect(spearmanOfConfidence(p.a, p.b)).toBeCloseTo(p.spearmanAbs, 12);
  });

  it('SSIM (window 5) equals scikit-image’s', () => {
    expect(ssim(p.a, p.b, p.h, p.w, { window: 5 })).toBeCloseTo(p.ssim5, 12);
  });

  it('HOG features and their correlation equal scikit-image’s', () => {
    const got = hogFeatures(p.a, p.h, p.w);
    expect(got).toHaveLength(p.hogA.length);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - p.hogA[i]!));
    expect(worst).toBeLessThan(1e-9);
    expect(hogCorrelation(p.a, p.b, p.h, p.w)).toBeCloseTo(p.hogCorrelation, 9);
  });
});

describe('properties the references do not cover', () => {
  it('identical maps are fully similar; a reversed map is perfectly anti-correlated', () => {
    const p = vectors.pairs[0]!;
    expect(spearman(p.a, p.a)).toBe(1);
    expect(ssim(p.a, p.a, p.h, p.w)).toBeCloseTo(1, 12);
    expect(
      spearman(
        p.a,
        p.a.map((v) => 1 - v),
      ),
    ).toBeCloseTo(-1, 12);
    expect(pearson([1, 2, 3], [5, 5, 5])).toBeNaN();
  });

  it('refuses maps of different sizes and windows that do not fit', () => {
    expect(() => spearman([1, 2], [1, 2, 3])).toThrow(/2 and 3 values/);
    expect(() => ssim([0, 1, 0, 1], [0, 1, 0, 1], 2, 2)).toThrow(/does not fit/);
    expect(() => hogFeatures(new Float64Array(16 * 16), 16, 16)).toThrow(/smaller than one block/);
  });
});

describe('pointing game', () => {
  it.each(vectors.pointing.map((c, i) => [i, c] as const))(
    'case %i: the peak is numpy’s argmax, the hit as computed',
    (_, c) => {
      const boxes = c.boxes.map(([x0, y0, x1, y1]) => ({ x0: x0!, y0: y0!, x1: x1!, y1: y1! }));
      const r = pointingGame(c.mask, c.h, c.w, boxes);
      expect([r.peak.x, r.peak.y]).toEqual(c.peak);
      expect(r.hit).toBe(c.hit);
    },
  );
});

describe('deletion / insertion', () => {
  const d = vectors.deletion;

  it('orders pixels as numpy’s stable argsort of −mask', () => {
    expect(Array.from(saliencyOrder(d.mask))).toEqual(d.order);
  });

  it('the curve area is numpy’s trapezoid over [0, 1]', () => {
    d.curves.forEach((c, i) => expect(curveArea(c)).toBeCloseTo(d.auc[i]!, 12));
  });

  it('deletion removes, insertion adds, the most salient pixels first', () => {
    const order = saliencyOrder(d.mask);
    const pixels = d.h * d.w;
    const image = Uint8Array.from({ length: pixels * 3 }, (_, i) => 100 + (i % 50));
    const substrate = new Uint8Array(pixels * 3);
    const out = new Uint8Array(pixels * 3);
    const count = pixelsAtStep(1, 4, pixels);
    expect(count).toBe(16);
    perturbedImage('deletion', image, substrate, order, count, 3, out);
    const removed = new Set(Array.from(order.subarray(0, count)));
    for (let p = 0; p < pixels; p++)
      for (let c = 0; c < 3; c++) expect(out[p * 3 + c]).toBe(removed.has(p) ? 0 : image[p * 3 + c]);
    perturbedImage('insertion', image, substrate, order, count, 3, out);
    for (let p = 0; p < pixels; p++)
      for (let c = 0; c < 3; c++) expect(out[p * 3 + c]).toBe(removed.has(p) ? image[p * 3 + c] : 0);
    expect(pixelsAtStep(4, 4, pixels)).toBe(pixels);
  });
});
