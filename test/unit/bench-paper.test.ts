// The pure parts of the paper benchmark harness: budgets and snapshot scaling, the two-copies
// summary, copy shares of a hand-made mask, the wall-clock formula, tables and the Fig. 3 SVG.
import { describe, expect, it } from 'vitest';
import { BUDGETS, getBudget, PAPER_DEMO_EPOCHS, scaledSnapshotEvery } from '../../src/bench/paper/budgets.js';
import { summariseCopies } from '../../src/bench/paper/copies.js';
import { fig3Svg } from '../../src/bench/paper/fig3-svg.js';
import type { ImageScore } from '../../src/bench/paper/image-scores.js';
import { imageScorer } from '../../src/bench/paper/image-scores.js';
import { PAPER_RUN_STEPS, PAPER_TABLE2 } from '../../src/bench/paper/paper-numbers.js';
import { markdownTable, textTable } from '../../src/bench/paper/report.js';
import { TABLE2_ROWS, table2RunId } from '../../src/bench/paper/table2.js';
import { paperRunSeconds } from '../../src/bench/paper/wall-clock.js';
import { DEMO_DATA, DEMO_TRAIN } from '../../src/cli/demo.js';
import type { Dataset, ImageBatch } from '../../src/data/types.js';

const stats = { mean: 0.5, entropy: 0, tv: 0 };

describe('budgets', () => {
  it('full is the paper protocol', () => {
    const full = BUDGETS.full;
    expect([
      full.arch,
      full.imageSize,
      full.batchSize,
      full.epochs,
      full.epochFraction,
      full.lr,
      full.lrDecayEvery,
    ]).toEqual(['resnet50', 224, 128, 60, 0.2, 1e-3, 20]);
    expect(full.pretrain).toBeNull();
    expect(() => getBudget('huge')).toThrow(/unknown budget/);
  });

  it("demo is train --demo's recipe except the three differences its comment states", () => {
    const d = BUDGETS.demo;
    expect({
      arch: d.arch,
      imageSize: d.imageSize,
      batchSize: d.batchSize,
      epochs: d.epochs,
      epochFraction: d.epochFraction,
      lr: d.lr,
      lrMapping: d.lrMapping,
      lrDecayEvery: d.lrDecayEvery,
      pretrainEpochs: d.pretrain?.epochs,
      pretrainLr: d.pretrain?.lr,
      maskAreaEvery: d.maskAreaEvery,
      maskUpsample: d.maskUpsample,
      cropScale: d.trainTransform === 'whole' ? [1, 1] : null,
    }).toEqual({
      arch: DEMO_TRAIN.arch,
      imageSize: DEMO_TRAIN.imageSize,
      batchSize: DEMO_TRAIN.batchSize,
      epochs: PAPER_DEMO_EPOCHS,
      epochFraction: DEMO_TRAIN.epochFraction,
      lr: DEMO_TRAIN.lr,
      lrMapping: DEMO_TRAIN.lrMapping,
      lrDecayEvery: DEMO_TRAIN.lrDecayEvery,
      pretrainEpochs: DEMO_TRAIN.pretrainEpochs,
      pretrainLr: DEMO_TRAIN.pretrainLr,
      maskAreaEvery: DEMO_TRAIN.maskAreaEvery,
      maskUpsample: DEMO_TRAIN.maskUpsample,
      cropScale: DEMO_TRAIN.cropScale,
    });
    const { itemScale: _demoItems, ...sharedData } = DEMO_DATA;
    expect(d.demoData).toEqual({ ...sharedData, classes: [...DEMO_DATA.classes] });
    expect([d.targetMaskArea, DEMO_TRAIN.targetMaskArea]).toEqual([0.1, 0.15]);
    expect([d.epochs, DEMO_TRAIN.epochs]).toEqual([6, 5]);
    expect([scaledSnapshotEvery(100, d), DEMO_TRAIN.snapshotEvery]).toEqual([1, 10]);
  });

  it('scales the snapshot intervals of L100/L1000 at small budgets and keeps F/FL/L', () => {
    expect(scaledSnapshotEvery(100, BUDGETS.demo)).toBe(1);
    expect(scaledSnapshotEvery(1000, BUDGETS.demo)).toBe(10);
    expect(scaledSnapshotEvery(100, BUDGETS.full)).toBe(100);
    expect(scaledSnapshotEvery('first', BUDGETS.demo)).toBe('first');
    expect(scaledSnapshotEvery(null, BUDGETS.demo)).toBeNull();
  });

  it('one paper run is ~120k steps', () => {
    expect(PAPER_RUN_STEPS).toBe(120109);
  });
});

describe('Table 2 rows', () => {
  it('follow the paper (a)-(k) with unique run ids', () => {
    expect(TABLE2_ROWS.map((r) => `${r.row}${r.preset}${r.score[0]}${r.shared ? 'Y' : 'N'}`).join(' ')).toBe(
      'aFeY bLeY cFLeY dL1000eY eL100eY fFcY gLcY hL100cY iFeN jLeN kL100eN',
    );
    expect(new Set(TABLE2_ROWS.map(table2RunId)).size).toBe(PAPER_TABLE2.length);
  });
});

describe('two-copies summary', () => {
  it('averages shares, box coverage and per-copy LE', () => {
    const scores: ImageScore[] = [
      {
        label: 0,
        LE: 0,
        OM: 0,
        F1: 0.5,
        correct: true,
        stats,
        copies: { massShare: [1, 0], boxRecall: [0.9, 0], hit: [1, 0] },
      },
      {
        label: 0,
        LE: 0,
        OM: 0,
        F1: 0.5,
        correct: true,
        stats,
        copies: { massShare: [0.5, 0.5], boxRecall: [0.6, 0.8], hit: [0, 1] },
      },
    ];
    const s = summariseCopies(scores);
    expect(s.massShare).toEqual([0.75, 0.25]);
    expect(s.dominantShare).toBe(0.75);
    expect(s.coversBoth).toBe(0.5);
    expect(s.LEcopy).toEqual([0.5, 0.5]);
    expect(s.LE).toBe(0);
  });

  it('measures a mask on the left copy only as all mass left and the left box covered', async () => {
    // 4×8 image: copy 0 = columns 0-3, copy 1 = columns 4-7; boxes cover rows 1-2 of each copy.
    const h = 4;
    const w = 8;
    const mask = new Float32Array(h * w);
    for (let y = 1; y < 3; y++) for (let x = 0; x < 4; x++) mask[y * w + x] = 1;
    const dataset: Dataset = {
      root: '/',
      split: 'test',
      classIds: ['a'],
      classNames: ['a'],
      skipped: [],
      samples: [
        {
          path: '/x.png',
          label: 0,
          width: 8,
          height: 4,
          origin: 'x',
          boxes: [
            { x0: 0, y0: 1, x1: 4, y1: 3 },
            { x0: 4, y0: 1, x1: 8, y1: 3 },
          ],
        },
      ],
    };
    const out: ImageScore[] = [];
    const batch: ImageBatch = {
      data: Buffer.alloc(h * w * 3),
      n: 1,
      h,
      w,
      labels: Int32Array.of(0),
      indices: [0],
      boxes: [[]],
    };
    // The scoring frame must be square: pad the 4×8 case into an 8×8 frame (rows 4-7 empty).
    const square = new Float32Array(64);
    square.set(mask);
    await imageScorer(
      dataset,
      { resize: 'direct', copies: true },
      out,
    )({ batch: { ...batch, h: 8 }, result: { n: 1, h: 8, w: 8, masks: square, logits: Float32Array.of(1) } });
    const c = out[0]!.copies!;
    expect(c.massShare).toEqual([1, 0]);
    expect(c.boxRecall[1]).toBe(0);
    expect(out[0]!.correct).toBe(true);
  });
});

describe('reporting', () => {
  it('prints dashes for missing values and fixed decimals', () => {
    expect(
      markdownTable(
        ['a', 'b'],
        [
          ['x', 1.234],
          ['y', null],
        ],
      ),
    ).toBe('| a | b |\n|---|---|\n| x | 1.2 |\n| y | – |');
    expect(textTable(['a', 'b'], [['x', NaN]])).toContain('–');
  });

  it('draws one dot per classifier, model and panel', () => {
    const svg = fig3Svg(
      [
        { model: 'Baseline', classifier: 's0', own: true, maskedIn: 50, maskedOut: 10, inpainted: 40 },
        { model: 'CASM', classifier: 's0', own: true, maskedIn: 70, maskedOut: 5, inpainted: 8 },
      ],
      ['Baseline', 'CASM'],
      'caption & <test>',
    );
    expect(svg.match(/<circle [^>]*r="4.5" fill="#f28e2b" fill-opacity/g)).toHaveLength(6);
    expect(svg).toContain('caption &amp; &lt;test&gt;');
    expect(svg.startsWith('<svg')).toBe(true);
  });

  it('estimates the wall-clock of a paper run from throughput', () => {
    const e = paperRunSeconds({ trainImagesPerSecond: 1000, inferImagesPerSecond: 3000 });
    expect(e.trainImages).toBeCloseTo(15374004, 0);
    expect(e.seconds).toBeCloseTo(15374.004 + (60 * 2 * 10000 + 50000) / 3000, 3);
  });
});
