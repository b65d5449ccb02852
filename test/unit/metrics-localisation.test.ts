// Hand-computed cases for the authors' localisation scoring pieces.
import { describe, expect, it } from 'vitest';
import { binarizeTopFraction, maskMeanFloat32, thresholdRank } from '../../src/metrics/binarize.js';
import { boxF1 } from '../../src/metrics/box-f1.js';
import { boxIouAsPixelSets } from '../../src/metrics/box-iou.js';
import { clipBox, resizeGroundTruthBox, unclippedArea } from '../../src/metrics/ground-truth-boxes.js';
import { largestComponent4 } from '../../src/metrics/largest-component.js';
import { createScoreScratch, LocalisationAccumulator, scoreMask } from '../../src/metrics/score-mask.js';
import { kthSmallest } from '../../src/metrics/select.js';
import { tightBox, tightBoxOfLabel } from '../../src/metrics/tight-box.js';

function grid(rows: string[]): { data: Uint8Array; h: number; w: number } {
  const h = rows.length;
  const w = rows[0]!.length;
  const data = new Uint8Array(h * w);
  rows.forEach((r, y) => [...r].forEach((c, x) => (data[y * w + x] = c === '#' ? 1 : 0)));
  return { data, h, w };
}

describe('kthSmallest', () => {
  it('agrees with sorting on random data with ties, negatives and both zeros, and leaves the input alone', () => {
    let s = 7;
    const rnd = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rnd() * 300);
      const a = Float32Array.from({ length: n }, () => {
        const r = rnd();
        return r < 0.1
          ? -0
          : r < 0.3
            ? -Math.floor(rnd() * 5) / 3
            : Math.floor(rnd() * 10) / 10 + (r < 0.5 ? rnd() * 1e-3 : 0);
      });
      const before = a.slice();
      const sorted = [...a].sort((x, y) => x - y);
      const k = Math.floor(rnd() * n);
      // === so that -0 and +0 count as the same value.
      expect(kthSmallest(a, k) === sorted[k]).toBe(true);
      expect(a).toEqual(before);
    }
  });
  it('works on a subarray view and rejects an index outside the array', () => {
    const whole = Float32Array.of(9, 3, 1, 2, 8);
    expect(kthSmallest(whole.subarray(1, 4), 0)).toBe(1);
    expect(kthSmallest(whole.subarray(1, 4), 2)).toBe(3);
    expect(() => kthSmallest(new Float32Array(3), 3)).toThrow(RangeError);
  });
});

describe('binarisation (top fraction = mask mean)', () => {
  it('uses k = 1 + floor((N-1)(1-a) + 0.5)', () => {
    // N = 4, mean 0.25: (3)(0.75) + 0.5 = 2.75 -> k = 3.
    expect(thresholdRank(4, 0.25)).toBe(3);
    // N = 10, mean 0.5: 9*0.5 + 0.5 = 5 -> k = 6.
    expect(thresholdRank(10, 0.5)).toBe(6);
    expect(thresholdRank(10, 0)).toBe(10);
    expect(thresholdRank(10, 1)).toBe(1);
  });
  it('keeps pixels strictly above the k-th smallest value', () => {
    // Values 0, 0.1, ..., 0.9: mean 0.45 -> k = 1 + floor(9*0.55 + 0.5) = 6 -> t = 0.5 -> 4 pixels (0.6..0.9).
    const m = Float32Array.from({ length: 10 }, (_, i) => i / 10);
    const b = binarizeTopFraction(m);
    expect(b.threshold).toBeCloseTo(0.5, 6);
    expect(b.count).toBe(4);
    expect([...b.binary]).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
  });
  it('leaves ties at the threshold off', () => {
    // Mean 0.5 of [0,0,1,1]: k = 1 + floor(3*0.5+0.5) = 3 -> t = 1 clamped to 1-1e-6 -> both ones kept.
    expect(binarizeTopFraction(Float32Array.of(0, 0, 1, 1)).count).toBe(2);
    // Constant 0.5: t = 0.5 and nothing is strictly above it.
    expect(binarizeTopFraction(new Float32Array(9).fill(0.5)).count).toBe(0);
  });
  it('clamps the threshold into [1e-6, 1-1e-6]', () => {
    expect(binarizeTopFraction(new Float32Array(8)).threshold).toBe(Math.fround(1e-6));
    const ones = binarizeTopFraction(new Float32Array(8).fill(1));
    expect(ones.threshold).toBe(Math.fround(1 - 1e-6));
    expect(ones.count).toBe(8);
  });
  it('accumulates the mean in float32 like torch', () => {
    // 1 + 2^-24 is not a float32: a float32 running sum loses the small term, a double keeps it.
    const m = Float32Array.of(1, 2 ** -24, 2 ** -24, 0);
    expect(maskMeanFloat32(m)).toBe(0.25);
  });
});

describe('largest 4-connected component', () => {
  it('does not join diagonal neighbours', () => {
    const g = grid(['#.', '.#']);
    const c = largestComponent4(g.data, g.h, g.w);
    expect(c.size).toBe(1);
  });
  it('picks the biggest component and its tight box', () => {
    const g = grid(['#.....', '..###.', '..#...', '......', '##....']);
    const out = new Uint8Array(g.h * g.w);
    const c = largestComponent4(g.data, g.h, g.w, undefined, out);
    expect(c.size).toBe(4);
    expect(c.box).toEqual({ x0: 2, y0: 1, x1: 4, y1: 2 });
    expect(tightBox(out, g.h, g.w)).toEqual(c.box);
    expect(out.reduce((a, b) => a + b, 0)).toBe(4);
  });
  it('joins runs through later rows (U shape) and keeps the raster-first label on ties after merging', () => {
    // The U's two arms start as separate runs and merge in the last row: one component of 7 pixels.
    // The single pixels at the right form two components of 1; the U wins.
    const g = grid(['#.#..#', '#.#...', '###..#']);
    const c = largestComponent4(g.data, g.h, g.w);
    expect(c.size).toBe(7);
    expect(c.box).toEqual({ x0: 0, y0: 0, x1: 2, y1: 2 });
    // Two components of 5 (they touch only diagonally): the one whose first pixel is at row 0,
    // column 3, assembled from two arms merged in row 1, comes first in raster order and wins.
    const t = grid(['...#.#', '##.###', '###...']);
    const u = largestComponent4(t.data, t.h, t.w);
    expect(u.size).toBe(5);
    expect(u.box).toEqual({ x0: 3, y0: 0, x1: 5, y1: 1 });
  });
  it('on ties keeps the component met first in raster order (scipy label order + argmax)', () => {
    const g = grid(['....##', '##....', '......']);
    const out = new Uint8Array(g.h * g.w);
    const c = largestComponent4(g.data, g.h, g.w, undefined, out);
    expect(c.size).toBe(2);
    // The component at the top right starts at (row 0, col 4), before the one at row 1.
    expect(tightBox(out, g.h, g.w)).toEqual({ x0: 4, y0: 0, x1: 5, y1: 0 });
  });
  it('agrees with a plain breadth-first labelling on random masks', () => {
    let s = 11;
    const rnd = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
    for (let trial = 0; trial < 100; trial++) {
      const h = 1 + Math.floor(rnd() * 20),
        w = 1 + Math.floor(rnd() * 20),
        p = rnd();
      const bin = Uint8Array.from({ length: h * w }, () => (rnd() < p ? 1 : 0));
      // Oracle: BFS in raster order, first strictly largest component wins.
      const seen = new Uint8Array(h * w);
      let bestSize = 0,
        bestPixels: number[] = [];
      for (let i = 0; i < h * w; i++) {
        if (!bin[i] || seen[i]) continue;
        const pixels = [i];
        seen[i] = 1;
        for (let q = 0; q < pixels.length; q++) {
          const v = pixels[q]!,
            x = v % w;
          for (const u of [x > 0 ? v - 1 : -1, x < w - 1 ? v + 1 : -1, v - w, v + w]) {
            if (u >= 0 && u < h * w && bin[u] && !seen[u]) {
              seen[u] = 1;
              pixels.push(u);
            }
          }
        }
        if (pixels.length > bestSize) {
          bestSize = pixels.length;
          bestPixels = pixels;
        }
      }
      const out = new Uint8Array(h * w);
      const c = largestComponent4(bin, h, w, undefined, out);
      expect(c.size).toBe(bestSize);
      const expectedOut = new Uint8Array(h * w);
      for (const v of bestPixels) expectedOut[v] = 1;
      expect(out).toEqual(expectedOut);
      expect(c.box).toEqual(tightBox(expectedOut, h, w));
    }
  });
  it('reports an empty mask', () => {
    const c = largestComponent4(new Uint8Array(6), 2, 3);
    expect(c.size).toBe(0);
    expect(c.box).toBeNull();
    expect(tightBoxOfLabel(Int32Array.of(0, 2, 2, 0), 2, 2, 2)).toEqual({ x0: 0, y0: 0, x1: 1, y1: 1 });
    // Only the pixels of that label: the others (0 and 3 here) span the whole frame.
    expect(tightBoxOfLabel(Int32Array.of(0, 0, 3, 0, 2, 2, 0, 2, 0), 3, 3, 2)).toEqual({ x0: 1, y0: 1, x1: 2, y1: 2 });
    expect(tightBox(new Uint8Array(6), 2, 3)).toBeNull();
  });
});

describe('ground-truth boxes', () => {
  it('direct resize scales each axis and truncates', () => {
    // 448x112 -> 224x224: x * 0.5, y * 2.
    expect(resizeGroundTruthBox({ x0: 3, y0: 5, x1: 101, y1: 50 }, [448, 112], 'direct')).toEqual({
      x0: 1,
      y0: 10,
      x1: 50,
      y1: 100,
    });
  });
  it('crop mode scales by the short side and removes the centre-crop offset, truncating toward zero', () => {
    // 448x224 landscape: short side 224 -> ratio 1, xcut = (448-224)/2 = 112.
    expect(resizeGroundTruthBox({ x0: 100, y0: 10, x1: 300, y1: 20 }, [448, 224], 'crop')).toEqual({
      x0: -12,
      y0: 10,
      x1: 188,
      y1: 20,
    });
    // Portrait 100x300 -> ratio 2.24, ycut = (672-224)/2 = 224; y0 = 2.24*50 - 224 = -112.
    expect(resizeGroundTruthBox({ x0: 10, y0: 50, x1: 20, y1: 150 }, [100, 300], 'crop')).toEqual({
      x0: 22,
      y0: -112,
      x1: 44,
      y1: 112,
    });
    // -0.5 truncates to 0 (Python int()), not -1.
    expect(resizeGroundTruthBox({ x0: 0, y0: 0, x1: 1, y1: 1 }, [2, 2], 'crop', 1).x0).toBe(0);
  });
  it('honours the frame size', () => {
    expect(resizeGroundTruthBox({ x0: 10, y0: 10, x1: 20, y1: 20 }, [40, 40], 'direct', 8)).toEqual({
      x0: 2,
      y0: 2,
      x1: 4,
      y1: 4,
    });
  });
  it('clips to the frame but keeps the unclipped area', () => {
    const b = { x0: -10, y0: 5, x1: 30, y1: 250 };
    expect(clipBox(b, 224, 224)).toEqual({ x0: 0, y0: 5, x1: 30, y1: 224 });
    expect(unclippedArea(b)).toBe(40 * 245);
  });
});

describe('IoU as pixel sets', () => {
  it('treats the prediction as inclusive and the ground truth as exclusive-end', () => {
    // Pred columns 0..9, rows 0..9 (100 px); GT [0:10, 0:10] is the same 100 pixels.
    expect(boxIouAsPixelSets({ x0: 0, y0: 0, x1: 9, y1: 9 }, { x0: 0, y0: 0, x1: 10, y1: 10 }, 224, 224)).toBe(1);
    // Pred 10x10 at 0; GT [0:10, 5:15]: overlap 5x10 = 50, union 100 + 100 - 50.
    expect(boxIouAsPixelSets({ x0: 0, y0: 0, x1: 9, y1: 9 }, { x0: 5, y0: 0, x1: 15, y1: 10 }, 224, 224)).toBeCloseTo(
      50 / 150,
      12,
    );
  });
  it('uses the unclipped ground-truth area in the union', () => {
    // GT x from -10 to 10 (area 20*10 = 200), clipped to [0:10]; pred = that clipped rectangle (100 px).
    const iou = boxIouAsPixelSets({ x0: 0, y0: 0, x1: 9, y1: 9 }, { x0: -10, y0: 0, x1: 10, y1: 10 }, 224, 224);
    expect(iou).toBeCloseTo(100 / (100 + 200 - 100), 12);
  });
  it('scores 0 for an empty prediction or a box clipped away', () => {
    expect(boxIouAsPixelSets(null, { x0: 0, y0: 0, x1: 10, y1: 10 }, 224, 224)).toBe(0);
    expect(boxIouAsPixelSets({ x0: 0, y0: 0, x1: 9, y1: 9 }, { x0: -20, y0: 0, x1: -5, y1: 10 }, 224, 224)).toBe(0);
  });
});

describe('F1 of the continuous mask', () => {
  it('matches a hand computation', () => {
    // 4x4 mask: 0.5 in the top-left 2x2, 0.25 in one pixel outside. GT [0:2, 0:4] (8 px).
    const m = new Float32Array(16);
    m[0] = m[1] = m[4] = m[5] = 0.5;
    m[15] = 0.25;
    const inside = 2;
    const p = inside / (2.25 + 1e-6);
    const r = inside / 8;
    expect(boxF1(m, 4, 4, { x0: 0, y0: 0, x1: 4, y1: 2 })).toBeCloseTo((2 * p * r) / (p + r + 1e-6), 12);
  });
});

describe('scoreMask', () => {
  it('scores a rectangle mask against a matching and a missed box', () => {
    const size = 16;
    const m = new Float32Array(size * size);
    for (let y = 4; y < 12; y++) for (let x = 2; x < 10; x++) m[y * size + x] = 1;
    const s = scoreMask(
      m,
      size,
      size,
      [
        { x0: 2, y0: 4, x1: 10, y1: 12 },
        { x0: 12, y0: 0, x1: 16, y1: 3 },
      ],
      [size, size],
      {
        resize: 'direct',
        size,
        isCorrect: false,
      },
    );
    expect(s.binarized_pixels).toBe(64);
    expect(s.box).toEqual([2, 4, 9, 11]);
    expect(s.iou_per_box[0]).toBe(1);
    expect(s.hit_per_box).toEqual([1, 0]);
    expect(s.LE).toBe(0);
    expect(s.OM).toBe(1); // a hit, but the classifier was wrong
    expect(s.F1).toBeCloseTo(s.f1_per_box[0]!, 15);
    expect(s.F1a).toBeCloseTo((s.f1_per_box[0]! + s.f1_per_box[1]!) / 2, 15);
    expect(s.f1_per_box[1]).toBe(0);
    // A scratch made for another mask size is not used (it would be too small); one of the right
    // size is, and gives the same score.
    const boxes = [
      { x0: 2, y0: 4, x1: 10, y1: 12 },
      { x0: 12, y0: 0, x1: 16, y1: 3 },
    ];
    const opts = { resize: 'direct', size, isCorrect: false } as const;
    expect(scoreMask(m, size, size, boxes, [size, size], { ...opts, scratch: createScoreScratch(4) })).toEqual(s);
    const reused = createScoreScratch(size * size);
    scoreMask(new Float32Array(size * size).fill(0.5), size, size, boxes, [size, size], { ...opts, scratch: reused });
    expect(scoreMask(m, size, size, boxes, [size, size], { ...opts, scratch: reused })).toEqual(s);
  });
  it('gives -1 boxes and LE = OM = 1 for an all-zero mask', () => {
    const s = scoreMask(new Float32Array(64), 8, 8, [{ x0: 0, y0: 0, x1: 4, y1: 4 }], [8, 8], {
      resize: 'crop',
      size: 8,
      isCorrect: true,
    });
    expect(s.box).toEqual([-1, -1, -1, -1]);
    expect([s.LE, s.OM, s.F1]).toEqual([1, 1, 0]);
  });
  it('refuses images without a ground-truth box and masks of the wrong size', () => {
    expect(() =>
      scoreMask(new Float32Array(64), 8, 8, [], [8, 8], { resize: 'crop', size: 8, isCorrect: true }),
    ).toThrow(/ground-truth/);
    expect(() =>
      scoreMask(new Float32Array(64), 8, 8, [{ x0: 0, y0: 0, x1: 1, y1: 1 }], [8, 8], {
        resize: 'crop',
        isCorrect: true,
      }),
    ).toThrow(/224/);
  });
  it('accumulates means', () => {
    const acc = new LocalisationAccumulator();
    acc.add({ F1: 0.5, F1a: 0.25, LE: 1, OM: 1 });
    acc.add({ F1: 1, F1a: 0.75, LE: 0, OM: 1 });
    expect(acc.summary()).toEqual({ images: 2, F1: 0.75, F1a: 0.5, LE: 0.5, OM: 1 });
  });
});
