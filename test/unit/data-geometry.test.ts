// Transform geometry against hand-computed values (torchvision arithmetic, the spec's box rule).
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import {
  boxProblem,
  planScoreCrop,
  planScoreDirect,
  planTrain,
  planVal,
  randomResizedCropRegion,
  roundHalfEven,
  type TransformPlan,
  transformBox,
  validationShortSide,
} from '../../src/data/transform-geometry.js';

const box = { x0: 100, y0: 50, x1: 400, y1: 300 };

describe('rounding', () => {
  it('rounds halves to even like Python', () => {
    expect([0.5, 1.5, 2.5, -0.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 0, 2, 3]);
  });
});

describe('score-crop (short side 224, centre 224) on 500x375', () => {
  const plan = planScoreCrop(500, 375, 224);
  it('resizes to 298x224 and crops at x=37', () => {
    // long side int(224*500/375) = int(298.67) = 298; offset round((298-224)/2) = 37
    expect([plan.resizeWidth, plan.resizeHeight]).toEqual([298, 224]);
    expect(plan.post).toEqual({ left: 37, top: 0, width: 224, height: 224 });
  });
  it('moves boxes by scale 224/375, minus the offset, truncated', () => {
    // x0: 100*0.597333-37 = 22.73 -> 22; y0: 29.87 -> 29; x1: 238.93-37 = 201.93 -> 201; y1: 179.2 -> 179
    expect(transformBox(box, plan)).toEqual({ x0: 22, y0: 29, x1: 201, y1: 179 });
  });
  it('truncates toward zero for boxes left of the crop', () => {
    // 10*0.597333-37 = -31.03 -> -31 (not -32)
    expect(transformBox({ x0: 10, y0: 0, x1: 20, y1: 10 }, plan).x0).toBe(-31);
  });
  it('uses half-even centre offsets', () => {
    expect(planScoreCrop(449, 224, 224).post!.left).toBe(112); // (449-224)/2 = 112.5
    expect(planScoreCrop(451, 224, 224).post!.left).toBe(114); // 113.5
  });
  it('handles portrait images', () => {
    const portrait = planScoreCrop(375, 500, 224);
    expect([portrait.resizeWidth, portrait.resizeHeight]).toEqual([224, 298]);
    expect(portrait.post).toEqual({ left: 0, top: 37, width: 224, height: 224 });
  });
});

describe('val (short side 256, centre 224)', () => {
  it('computes the resize, crop and box on 500x375', () => {
    const plan = planVal(500, 375, 224);
    expect([plan.resizeWidth, plan.resizeHeight]).toEqual([341, 256]);
    expect(plan.post).toEqual({ left: 58, top: 16, width: 224, height: 224 }); // 58.5 -> 58, 16
    // scale 256/375 = 0.682667: 68.27-58 -> 10; 34.13-16 -> 18; 273.07-58 -> 215; 204.8-16 -> 188
    expect(transformBox(box, plan)).toEqual({ x0: 10, y0: 18, x1: 215, y1: 188 });
  });
  it('scales the short side with the output size', () => {
    expect(validationShortSide(224)).toBe(256);
    expect(validationShortSide(128)).toBe(146); // 146.29
    expect(planVal(300, 200, 128).resizeHeight).toBe(146);
  });
});

describe('score-direct', () => {
  it('squeezes to size x size and scales each axis', () => {
    const plan = planScoreDirect(500, 375, 224);
    expect([plan.resizeWidth, plan.resizeHeight, plan.post, plan.pre]).toEqual([224, 224, undefined, undefined]);
    // x: *0.448 -> 44.8, 179.2; y: *0.597333 -> 29.87, 179.2
    expect(transformBox(box, plan)).toEqual({ x0: 44, y0: 29, x1: 179, y1: 179 });
  });
});

describe('train crop', () => {
  it('maps boxes through crop, scale and mirror', () => {
    const plan: TransformPlan = {
      kind: 'train',
      size: 100,
      pre: { left: 50, top: 20, width: 200, height: 100 },
      resizeWidth: 100,
      resizeHeight: 100,
      flip: true,
      boxScaleX: 0.5,
      boxScaleY: 1,
    };
    // unflipped: x (60-50)*0.5 = 5 .. (160-50)*0.5 = 55, y 10..50; mirrored in 100: 45..95
    expect(transformBox({ x0: 60, y0: 30, x1: 160, y1: 70 }, plan)).toEqual({ x0: 45, y0: 10, x1: 95, y1: 50 });
  });
  it('falls back to a ratio-clamped centre crop after ten failed tries', () => {
    // A 1000x100 image with scale fixed at 1 never fits a ratio-3/4..4/3 crop.
    const region = randomResizedCropRegion(1000, 100, new Random(1), [1, 1]);
    expect(region).toEqual({ left: 433, top: 0, width: 133, height: 100 }); // w = round(100*4/3)
    const tall = randomResizedCropRegion(100, 1000, new Random(1), [1, 1]);
    expect(tall).toEqual({ left: 0, top: 433, width: 100, height: 133 }); // h = round(100/(3/4))
  });
  it('draws crops inside the image with area and ratio in range', () => {
    const rng = new Random(3);
    let flips = 0;
    for (let i = 0; i < 2000; i++) {
      const r = randomResizedCropRegion(500, 375, rng);
      expect(r.left).toBeGreaterThanOrEqual(0);
      expect(r.top).toBeGreaterThanOrEqual(0);
      expect(r.left + r.width).toBeLessThanOrEqual(500);
      expect(r.top + r.height).toBeLessThanOrEqual(375);
      const area = (r.width * r.height) / (500 * 375);
      if (r.width < 500 && r.height < 375) {
        expect(area).toBeGreaterThan(0.07);
        expect(r.width / r.height).toBeGreaterThan(0.74);
        expect(r.width / r.height).toBeLessThan(1.35);
      }
      if (planTrain(500, 375, new Random(i), { size: 224 }).flip) flips++;
    }
    expect(flips).toBeGreaterThan(900);
    expect(flips).toBeLessThan(1100);
  });
  it('executes large crops as resize-then-extract so JPEG can shrink on load', () => {
    // Find a draw whose crop is at least twice the output in both directions.
    for (let seed = 0; seed < 200; seed++) {
      const plan = planTrain(2000, 1500, new Random(seed), { size: 224 });
      if (!plan.pre) {
        expect(plan.post!.width).toBe(224);
        expect(plan.post!.left + 224).toBeLessThanOrEqual(plan.resizeWidth);
        expect(plan.boxScaleX).toBeCloseTo(plan.resizeWidth / 2000, 12);
        const exact = planTrain(2000, 1500, new Random(seed), { size: 224, fastShrink: false });
        // Same crop either way, up to the rounding of the offset to output pixels.
        expect(Math.abs(exact.pre!.left * plan.boxScaleX - plan.post!.left)).toBeLessThanOrEqual(0.5 + 1e-9);
        expect(exact.flip).toBe(plan.flip);
        return;
      }
    }
    throw new Error('no large crop drawn in 200 seeds');
  });
});

describe('box validity', () => {
  it('accepts boxes inside the image (one pixel of slack) and rejects others', () => {
    expect(boxProblem({ x0: 0, y0: 0, x1: 500, y1: 375 }, 500, 375)).toBeUndefined();
    expect(boxProblem({ x0: 0, y0: 0, x1: 501, y1: 375 }, 500, 375)).toBeUndefined();
    expect(boxProblem({ x0: 0, y0: 0, x1: 600, y1: 375 }, 500, 375)).toMatch(/outside/);
    expect(boxProblem({ x0: -5, y0: 0, x1: 10, y1: 10 })).toMatch(/outside/);
    expect(boxProblem({ x0: 10, y0: 0, x1: 10, y1: 10 })).toMatch(/empty/);
    expect(boxProblem({ x0: NaN, y0: 0, x1: 10, y1: 10 })).toMatch(/non-numeric/);
  });
});
