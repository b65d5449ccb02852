// The pixel-level pieces behind `saliency`, `eval --classifiers` and the report, on hand-made
// inputs (no addon needed): masked-in/out/inpainted images, grey masks and heat maps, boxes mapped
// back to original pixels, the toy masks and the chart ticks.
import { describe, expect, it } from 'vitest';
import { planScoreCrop, planScoreDirect, transformBox } from '../../src/data/transform-geometry.js';
import { maskBox } from '../../src/eval/mask-box.js';
import { boxToOriginal } from '../../src/eval/saliency-export.js';
import { centerMargin, toyMask } from '../../src/metrics/toy-masks.js';
import { heatmapOverlay, jet, maskToGrey } from '../../src/viz/heatmap.js';
import { niceTicks, renderLineChart } from '../../src/viz/line-chart.js';
import { maskedImages } from '../../src/viz/masked-images.js';

describe('masked images', () => {
  // 4×4 RGB image, pixel p = (10p, 10p+1, 10p+2); b keeps the 2×2 top-left block.
  const image = Uint8Array.from({ length: 48 }, (_, i) => 10 * Math.floor(i / 3) + (i % 3));
  const binary = Uint8Array.from({ length: 16 }, (_, p) => (p % 4 < 2 && p < 8 ? 1 : 0));

  it('masked-in keeps b, masked-out keeps 1−b, both black elsewhere', () => {
    const m = maskedImages(image, binary, 4, 4);
    for (let p = 0; p < 16; p++) {
      const px = [...image.subarray(3 * p, 3 * p + 3)];
      expect([...m.maskedIn.subarray(3 * p, 3 * p + 3)]).toEqual(binary[p] ? px : [0, 0, 0]);
      expect([...m.maskedOut.subarray(3 * p, 3 * p + 3)]).toEqual(binary[p] ? [0, 0, 0] : px);
    }
  });

  it('inpainting fills only the removed region, from its surroundings', () => {
    const m = maskedImages(image, binary, 4, 4);
    for (let p = 0; p < 16; p++) {
      if (!binary[p])
        expect([...m.inpainted.subarray(3 * p, 3 * p + 3)]).toEqual([...image.subarray(3 * p, 3 * p + 3)]);
    }
    // Filled values come from the known pixels (20..152), not from the black hole.
    for (const p of [0, 1, 4, 5]) expect(m.inpainted[3 * p]!).toBeGreaterThan(15);
  });

  it('a constant image inpaints to (nearly) the same constant', () => {
    const flat = new Uint8Array(8 * 8 * 3).fill(120);
    const hole = Uint8Array.from({ length: 64 }, (_, p) =>
      Math.floor(p / 8) >= 3 && Math.floor(p / 8) < 5 && p % 8 >= 3 && p % 8 < 5 ? 1 : 0,
    );
    const { inpainted } = maskedImages(flat, hole, 8, 8);
    for (const v of inpainted) expect(Math.abs(v - 120)).toBeLessThanOrEqual(2); // OpenCV's formula drifts by a level or two
  });
});

describe('masks for people', () => {
  it('grey levels round and clamp', () => {
    expect([...maskToGrey(Float32Array.from([0, 0.5, 1, -0.1, 1.2, 0.1]))]).toEqual([0, 128, 255, 0, 255, 26]);
  });

  it('jet runs blue → green → red and the overlay blends half and half', () => {
    expect(jet(0)).toEqual([0, 0, 128]);
    expect(jet(0.5)).toEqual([128, 255, 128]);
    expect(jet(1)).toEqual([128, 0, 0]);
    expect([...heatmapOverlay(Uint8Array.from([100, 100, 100]), Float32Array.from([1]))]).toEqual([114, 50, 50]);
  });

  it('the box is the largest component of the binarised mask', () => {
    // Background 0.1 (29 px), a 3-pixel column at 0.9 and a 2×2 block at 1: mean 0.2667, so
    // k = 1 + floor(35·0.7333 + 0.5) = 27, the 27th smallest value is 0.1 and b = m > 0.1 keeps 7.
    const m = new Float32Array(36).fill(0.1);
    for (const p of [0, 6, 12]) m[p] = 0.9;
    for (const p of [27, 28, 33, 34]) m[p] = 1;
    const r = maskBox(m, 6, 6);
    expect(r.binarizedPixels).toBe(7);
    expect(r.componentPixels).toBe(4);
    expect(r.box).toEqual({ x0: 3, y0: 4, x1: 4, y1: 5 });
    expect(maskBox(new Float32Array(36), 6, 6).box).toBeNull();
  });
});

describe('boxes back in original pixels', () => {
  it('inverts the centre-crop and direct transforms of a box', () => {
    // 448×224 → short side 112, crop offset 56: original [112,0,336,224] is the whole 112 frame.
    const crop = planScoreCrop(448, 224, 112);
    expect(transformBox({ x0: 112, y0: 0, x1: 336, y1: 224 }, crop)).toEqual({ x0: 0, y0: 0, x1: 112, y1: 112 });
    expect(boxToOriginal({ x0: 0, y0: 0, x1: 111, y1: 111 }, crop, 448, 224)).toEqual({
      x0: 112,
      y0: 0,
      x1: 336,
      y1: 224,
    });
    const direct = planScoreDirect(300, 150, 100);
    expect(boxToOriginal({ x0: 10, y0: 20, x1: 19, y1: 39 }, direct, 300, 150)).toEqual({
      x0: 30,
      y0: 30,
      x1: 60,
      y1: 60,
    });
  });
});

describe('toy masks (score.py --toy)', () => {
  it('centre: mask[33:-33, 33:-33] = 1 at 224, margin scaled elsewhere', () => {
    const m = toyMask('center', 224);
    expect(m.reduce((s, v) => s + v, 0)).toBe(158 * 158);
    expect(m[33 * 224 + 33]).toBe(1);
    expect(m[32 * 224 + 33]).toBe(0);
    expect(m[190 * 224 + 190]).toBe(1);
    expect(m[191 * 224 + 190]).toBe(0);
    expect([centerMargin(224), centerMargin(112), centerMargin(32), centerMargin(448)]).toEqual([33, 17, 5, 66]);
    expect(toyMask('full', 8).every((v) => v === 1)).toBe(true);
  });
});

describe('line charts', () => {
  it('ticks are round numbers covering the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 47)).toEqual([10, 20, 30, 40]);
  });

  it('draws one polyline per series with data, escapes names, and says when there is none', () => {
    const svg = renderLineChart(
      [
        {
          name: 'a<b',
          points: [
            [0, 1],
            [1, 2],
          ],
        },
        { name: 'empty', points: [[0, NaN]] },
      ],
      { title: 'T' },
    );
    expect(svg.match(/<polyline /g)).toHaveLength(1);
    expect(svg).toContain('a&lt;b');
    expect(renderLineChart([], { title: 'T' })).toContain('no data');
  });
});
