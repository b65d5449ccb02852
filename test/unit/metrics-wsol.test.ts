// MaxBoxAccV2 and PxAP (clovaai/wsolevaluation definitions) on hand-computed cases.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { camThresholds } from '../../src/metrics/cam-thresholds.js';
import { contourBoundingBoxes } from '../../src/metrics/contour-boxes.js';
import { boxesAtThresholds, MaxBoxAccAccumulator, wsolIou } from '../../src/metrics/max-box-acc.js';
import { PxapAccumulator } from '../../src/metrics/pxap.js';

function grid(rows: string[]): { data: Uint8Array; h: number; w: number } {
  const h = rows.length;
  const w = rows[0]!.length;
  const data = new Uint8Array(h * w);
  rows.forEach((r, y) => [...r].forEach((c, x) => (data[y * w + x] = c === '#' ? 1 : 0)));
  return { data, h, w };
}

function scoremap(h: number, w: number, fill: (x: number, y: number) => number): Float32Array {
  const m = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) m[y * w + x] = fill(x, y);
  return m;
}

const sortBoxes = (b: { x0: number; y0: number; x1: number; y1: number }[]): string[] =>
  b.map((v) => `${v.x0},${v.y0},${v.x1},${v.y1}`).sort();

describe('contour rectangles (findContours RETR_TREE)', () => {
  it('joins diagonal foreground (8-connected) and finds 4-connected holes', () => {
    const g = grid(['.......', '.###...', '.#.#...', '.##.#..', '.....#.', '.......']);
    // One 8-connected component spanning (1,1)-(5,4); the single '.' at (2,2) is a hole even though
    // it touches the outside diagonally, because background connects only through edges.
    expect(sortBoxes(contourBoundingBoxes(g.data, g.h, g.w))).toEqual(
      sortBoxes([
        { x0: 1, y0: 1, x1: 5, y1: 4 },
        { x0: 1, y0: 1, x1: 3, y1: 3 },
      ]),
    );
  });
  it('counts pixels on the image border and nested islands', () => {
    const g = grid(['#######', '#.....#', '#..#..#', '#.....#', '#######']);
    // Outer ring, its hole (1..5 x 1..3 grown by one), and the island inside the hole.
    expect(sortBoxes(contourBoundingBoxes(g.data, g.h, g.w))).toEqual(
      sortBoxes([
        { x0: 0, y0: 0, x1: 6, y1: 4 },
        { x0: 0, y0: 0, x1: 6, y1: 4 },
        { x0: 3, y0: 2, x1: 3, y1: 2 },
      ]),
    );
  });
});

describe('contour rectangles against OpenCV', () => {
  it('equal the boundingRect of every findContours(RETR_TREE) contour, as a multiset', () => {
    const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'metrics-contours-opencv-fixture.json');
    const fixture = JSON.parse(readFileSync(file, 'utf8')) as {
      cases: { h: number; w: number; bits: string; rects: number[][] }[];
    };
    expect(fixture.cases.length).toBeGreaterThan(0);
    let withSeveral = 0;
    for (const c of fixture.cases) {
      const binary = Uint8Array.from(c.bits, (ch) => (ch === '1' ? 1 : 0));
      const mine = sortBoxes(contourBoundingBoxes(binary, c.h, c.w));
      const ref = sortBoxes(c.rects.map(([x, y, w, h]) => ({ x0: x!, y0: y!, x1: x! + w! - 1, y1: y! + h! - 1 })));
      expect(mine).toEqual(ref);
      if (c.rects.length > 1) withSeveral++;
    }
    expect(withSeveral).toBeGreaterThan(0);
  });
});

describe('cam thresholds', () => {
  it('are np.arange(0, 1, interval)', () => {
    const t = camThresholds(0.01);
    expect(t).toHaveLength(100);
    expect(t[7]).toBe(7 * 0.01);
    expect(camThresholds(0.25)).toEqual([0, 0.25, 0.5, 0.75]);
    // The default is the reference's cam_curve_interval, 0.01.
    expect(camThresholds()).toEqual(t);
  });
});

describe('wsolIou', () => {
  it('counts areas with +1 and gives 0 for a degenerate union', () => {
    expect(wsolIou([2, 2, 6, 6], [2, 2, 5, 5])).toBeCloseTo(16 / 25, 12);
    expect(wsolIou([0, 0, 0, 0], [0, 0, 1, 1])).toBeCloseTo(1 / 4, 12);
    expect(wsolIou([5, 5, 4, 4], [5, 5, 4, 4])).toBe(0);
  });
});

describe('MaxBoxAccV2', () => {
  it('box x1,y1 is one past the last pixel (x + w), limited to the image', () => {
    const m = scoremap(10, 10, (x, y) => (x >= 2 && x <= 5 && y >= 2 && y <= 5 ? 1 : 0));
    const boxes = boxesAtThresholds(m, 10, 10, [0, 0.5]);
    expect(boxes).toEqual([[[2, 2, 6, 6]], [[2, 2, 6, 6]]]);
    const edge = scoremap(4, 4, (x) => (x >= 2 ? 1 : 0));
    expect(boxesAtThresholds(edge, 4, 4, [0])).toEqual([[[2, 0, 3, 3]]]);
    expect(boxesAtThresholds(new Float32Array(16), 4, 4, [0])).toEqual([[[0, 0, 0, 0]]]);
  });
  it('averages the best accuracy over IoU 0.3/0.5/0.7', () => {
    // The square's box [2,2,6,6] against GT [2,2,5,5]: IoU 0.64 -> hit at 0.3 and 0.5, miss at 0.7.
    const acc = new MaxBoxAccAccumulator();
    const m = scoremap(10, 10, (x, y) => (x >= 2 && x <= 5 && y >= 2 && y <= 5 ? 1 : 0));
    acc.add(m, 10, 10, [{ x0: 2, y0: 2, x1: 5, y1: 5 }]);
    const r = acc.result();
    expect(r.maxBoxAcc).toEqual([1, 1, 0]);
    expect(r.maxBoxAccV2).toBeCloseTo(2 / 3, 12);
  });
  it('uses every contour, holes included', () => {
    // Ring rows/cols 1..8 with a 4x4 hole at 3..6. Boxes: outer [1,1,9,9], hole [2,2,8,8].
    // GT [3,3,7,7]: IoU with the hole box 25/49 > 0.5, with the outer box only 25/81.
    const m = scoremap(10, 10, (x, y) => {
      const ring = x >= 1 && x <= 8 && y >= 1 && y <= 8;
      const hole = x >= 3 && x <= 6 && y >= 3 && y <= 6;
      return ring && !hole ? 1 : 0;
    });
    expect(boxesAtThresholds(m, 10, 10, [0])[0]).toEqual([
      [1, 1, 9, 9],
      [2, 2, 8, 8],
    ]);
    const acc = new MaxBoxAccAccumulator({ iouThresholds: [0.5] });
    acc.add(m, 10, 10, [{ x0: 3, y0: 3, x1: 7, y1: 7 }]);
    expect(acc.result().maxBoxAcc).toEqual([1]);
  });
  it('takes the best cam threshold over the set of images', () => {
    // Block A (value 1) at 0..1, block B (value 0.5 -> uint8 127) at 5..8. B survives while
    // trunc(τ·255) < 127, i.e. τ <= 0.49. Image 1's GT is B, image 2's GT is A.
    const m = scoremap(10, 10, (x, y) => (x <= 1 && y <= 1 ? 1 : x >= 5 && x <= 8 && y >= 5 && y <= 8 ? 0.5 : 0));
    const acc = new MaxBoxAccAccumulator({ iouThresholds: [0.5] });
    acc.add(m, 10, 10, [{ x0: 5, y0: 5, x1: 8, y1: 8 }]); // B box [5,5,9,9]: IoU 16/25 at τ <= 0.49
    acc.add(m, 10, 10, [{ x0: 0, y0: 0, x1: 2, y1: 2 }]); // A box [0,0,2,2]: IoU 1 at every τ
    const r = acc.result();
    expect(r.count).toBe(2);
    expect(r.maxBoxAcc).toEqual([1]);
    expect(r.bestCamThreshold).toEqual([0]);
    // At τ = 0.5 only image 2 is right.
    const only = new MaxBoxAccAccumulator({ iouThresholds: [0.5], camCurveInterval: 0.5 });
    only.add(m, 10, 10, [{ x0: 5, y0: 5, x1: 8, y1: 8 }]);
    expect(only.result().maxBoxAcc).toEqual([1]);
    const late = new MaxBoxAccAccumulator({ iouThresholds: [0.5], camCurveInterval: 0.5 });
    late.add(
      scoremap(10, 10, (x, y) => (x <= 1 && y <= 1 ? 1 : 0)),
      10,
      10,
      [{ x0: 5, y0: 5, x1: 8, y1: 8 }],
    );
    expect(late.result().maxBoxAcc).toEqual([0]);
  });
  it('rejects score maps outside [0,1]', () => {
    expect(() => boxesAtThresholds(Float32Array.of(1.5), 1, 1, [0])).toThrow(RangeError);
  });
});

describe('PxAP', () => {
  it('bins like np.histogram with edges [τ..., 1, 2, 3]', () => {
    const acc = new PxapAccumulator(0.5); // edges 0, 0.5, 1, 2, 3
    expect([
      acc.binOf(0),
      acc.binOf(0.49),
      acc.binOf(0.5),
      acc.binOf(0.99),
      acc.binOf(1),
      acc.binOf(3),
      acc.binOf(-0.1),
    ]).toEqual([0, 0, 1, 1, 2, 3, -1]);
  });
  it('computes average precision by hand', () => {
    // fg scores 0.9, 0.6, 0.2; bg scores 0.7, 0.1, 0.1; one ignored pixel (255) with score 1.
    // Edges >= 0.5: tp 2, fp 1 -> P 2/3, R 2/3. Edge >= 0: tp 3, fp 3 -> P 1/2, R 1.
    // AP = 2/3 * 2/3 + 1/2 * 1/3 = 11/18.
    const acc = new PxapAccumulator(0.5);
    acc.add(Float32Array.of(0.9, 0.6, 0.2, 0.7, 0.1, 0.1, 1), Uint8Array.of(1, 1, 1, 0, 0, 0, 255));
    expect(acc.compute()).toBeCloseTo(11 / 18, 12);
  });
  it('is 1 for a perfect separation and accumulates over images', () => {
    const acc = new PxapAccumulator(0.01);
    acc.add(Float32Array.of(1, 0.8, 0), Uint8Array.of(1, 1, 0));
    acc.add(Float32Array.of(0.3, 0.9), Uint8Array.of(0, 1));
    expect(acc.compute()).toBeCloseTo(1, 12);
  });
  it('refuses a set without positive pixels', () => {
    const acc = new PxapAccumulator();
    acc.add(Float32Array.of(0.5), Uint8Array.of(0));
    expect(() => acc.compute()).toThrow(/positive ground-truth/);
  });
});
