// `casm-native eval` end to end, in-process through its commander command: a model trained on the
// generated demo data (JSON keys and ranges, table output, checkpoint folder vs run folder), the
// trivial baselines on a dataset whose boxes are chosen so every score can be worked out by hand,
// and the shape of the Fig. 3 output.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerEval } from '../../src/cli/eval.js';
import { loadDataset } from '../../src/data/load.js';
import { encodeSafetensors } from '../../src/util/safetensors.js';
import { missing } from '../environment.js';
import { runCommand, type TinyRun, tinyDemoRun } from './eval-fixture.js';
import { tryLoadAddon } from './train-fixture.js';

const addon = await tryLoadAddon();
const root = mkdtempSync(path.join(tmpdir(), 'casm-eval-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const evalCli = (args: string[]) => runCommand([registerEval], ['eval', ...args]);

/** A ResNet-18 whose fc weights are 0 and fc bias 5 for `favoured` (0 otherwise): it predicts `favoured` for every image. */
async function constantClassifier(favoured: number, numClasses: number): Promise<string> {
  const { Model } = await import('../../src/native/model.js');
  const m = await Model.create({ arch: 'resnet18', numClasses, seed: 2 });
  const fc = await m.stateDict('classifier.fc');
  const weight = fc['classifier.fc.weight']!;
  const bias = new Float32Array(numClasses);
  bias[favoured] = 5;
  const fcFile = path.join(root, 'constant-fc.safetensors');
  writeFileSync(
    fcFile,
    encodeSafetensors(
      new Map([
        ['fc.weight', { shape: weight.shape, data: new Float32Array(weight.data.length) }],
        ['fc.bias', { shape: [numClasses], data: bias }],
      ]),
    ),
  );
  await m.importWeights(fcFile, { prefix: 'classifier.' });
  const file = path.join(root, 'constant.safetensors');
  await m.saveWeights(file);
  m.dispose();
  return file;
}

/**
 * Five images whose scores under the toys follow from geometry alone (224-px frame, crop resize):
 *  - two 224×224 images boxed whole ([0,0,224,224]);
 *  - two 224×224 images boxed exactly as the centre toy ([33,33,191,191], 158×158 px);
 *  - one 448×224 image boxed [112,0,336,224]: short side 224, so the centre crop cuts 112 px on the
 *    left and the box becomes the whole frame.
 */
async function controlledDataset(dir: string): Promise<string> {
  mkdirSync(path.join(dir, 'img'), { recursive: true });
  writeFileSync(path.join(dir, 'classes.txt'), 'a\nb\n');
  const rows: [string, number, number, number[]][] = [
    ['whole-1', 224, 224, [0, 0, 224, 224]],
    ['whole-2', 224, 224, [0, 0, 224, 224]],
    ['centre-1', 224, 224, [33, 33, 191, 191]],
    ['centre-2', 224, 224, [33, 33, 191, 191]],
    ['wide', 448, 224, [112, 0, 336, 224]],
  ];
  const lines: string[] = [];
  for (const [name, width, height, box] of rows) {
    await sharp({ create: { width, height, channels: 3, background: { r: 90, g: 120, b: 30 } } })
      .png()
      .toFile(path.join(dir, 'img', `${name}.png`));
    lines.push(JSON.stringify({ path: `img/${name}.png`, label: 'a', boxes: [box], width, height }));
  }
  writeFileSync(path.join(dir, 'val.jsonl'), `${lines.join('\n')}\n`);
  return dir;
}

describe('eval --toy (trivial baselines, no model needed)', () => {
  let data: string;
  beforeAll(async () => {
    data = await controlledDataset(path.join(root, 'controlled'));
  });
  // Centre toy: rows/columns 33..190 → 158² = 24964 of 50176 pixels (49.75 %).
  const share = (158 * 158) / (224 * 224);
  const partialF1 = (2 * share) / (1 + share); // P = share, R = 1 (or the reverse)

  it('full image: hits the three whole-frame boxes, misses the centre boxes (IoU 0.4975)', async () => {
    const { stdout } = await evalCli(['--toy', 'full', '--data', data, '--json']);
    const r = JSON.parse(stdout);
    expect(r.images).toBe(5);
    expect(r.LE).toBeCloseTo(2 / 5, 10);
    expect(r.OM).toBeCloseTo(2 / 5, 10); // score.py counts toys as correctly classified
    expect(r.F1).toBeCloseTo((3 * 1 + 2 * partialF1) / 5, 5);
    expect(r.F1a).toBeCloseTo(r.F1, 10);
    // wsolevaluation: the mask's box is [0,0,223,223]; vs the whole frame IoU = 224²/225² (≥ 0.7),
    // vs the centre box 159²/224² = 0.504 (≥ 0.3 and 0.5, not 0.7): (1 + 1 + 3/5) / 3.
    expect(r.MaxBoxAccV2).toBeCloseTo((1 + 1 + 3 / 5) / 3, 10);
    expect(r.maskStats.mean).toBeCloseTo(1, 10);
    expect(r.maskStats.entropy).toBe(0);
    expect(r.maskStats.tv).toBe(0);
    expect(r.top1).toBeNull();
  });

  it('centre box: hits the two centre boxes only', async () => {
    const { stdout } = await evalCli(['--toy', 'center', '--data', data, '--json']);
    const r = JSON.parse(stdout);
    expect(r.LE).toBeCloseTo(3 / 5, 10);
    expect(r.OM).toBeCloseTo(3 / 5, 10);
    expect(r.F1).toBeCloseTo((2 * 1 + 3 * partialF1) / 5, 5);
    // Box [33,33,191,191] vs the centre GT: IoU 1; vs the whole frame 159²/225² = 0.499 (≥ 0.3 only).
    expect(r.MaxBoxAccV2).toBeCloseTo((1 + 2 / 5 + 2 / 5) / 3, 10);
    expect(r.maskStats.mean).toBeCloseTo(share, 6);
  });

  it('the margin scales with the frame: at 112 px the centre toy is rows 17..94', async () => {
    const { stdout } = await evalCli(['--toy', 'center', '--data', data, '--size', '112', '--json']);
    const r = JSON.parse(stdout);
    expect(r.size).toBe(112);
    expect(r.maskStats.mean).toBeCloseTo((78 * 78) / (112 * 112), 6);
    expect(r.LE).toBeCloseTo(3 / 5, 10);
  });

  it('prints a table without --json', async () => {
    const { stdout } = await evalCli(['--toy', 'full', '--data', data]);
    expect(stdout).toMatch(/baseline "full": 5 images/);
    expect(stdout).toMatch(/LE\s+40\.00 %/);
    expect(stdout).toMatch(/MaxBoxAccV2/);
    expect(stdout).toMatch(/total variation/);
  });
});

describe.skipIf(missing(addon, 'the compiled addon (bash scripts/setup.sh --test)'))(
  'eval on a model trained on demo data (native, CPU)',
  () => {
    let run: TinyRun;
    beforeAll(async () => {
      run = await tinyDemoRun();
    });

    it('--json: one line with LE, OM, F1, F1a, MaxBoxAccV2 in [0,1] and mask statistics', async () => {
      const { stdout } = await evalCli(['--checkpoint', run.runDir, '--data', run.data, '--json', '--batch-size', '3']);
      expect(stdout.trimEnd().split('\n')).toHaveLength(1);
      const r = JSON.parse(stdout);
      for (const key of ['LE', 'OM', 'F1', 'F1a', 'MaxBoxAccV2']) {
        expect(typeof r[key], key).toBe('number');
        expect(r[key], key).toBeGreaterThanOrEqual(0);
        expect(r[key], key).toBeLessThanOrEqual(1);
      }
      expect(r.OM).toBeGreaterThanOrEqual(r.LE); // a miss is a miss whatever the classifier says
      expect(r.images).toBe(8);
      expect(r.imagesWithBoxes).toBe(8);
      expect(r.size).toBe(32); // the training size, read from the checkpoint
      for (const key of ['mean', 'std', 'entropy', 'tv']) expect(Number.isFinite(r.maskStats[key]), key).toBe(true);
      expect(r.maskStats.mean).toBeGreaterThan(0);
      expect(r.maskStats.mean).toBeLessThan(1);
      expect(r.top1).toBeGreaterThanOrEqual(0);
      expect(r.maxBoxAcc.map((m: { iou: number }) => m.iou)).toEqual([0.3, 0.5, 0.7]);
      expect(r.report).toBeNull(); // a report only with --report
    });

    it('a checkpoint folder, direct resize and --limit, as a table', async () => {
      const { stdout } = await evalCli([
        '--checkpoint',
        path.join(run.runDir, 'checkpoints', 'step-0000006'),
        '--data',
        run.data,
        '--resize',
        'direct',
        '--limit',
        '5',
      ]);
      expect(stdout).toMatch(/5 images of split "val" \(5 with boxes\), 32x32, resize direct/);
      for (const label of ['LE', 'OM', 'F1', 'F1a', 'MaxBoxAccV2', 'top-1'])
        expect(stdout).toMatch(new RegExp(`^  ${label}\\s+\\d+\\.\\d\\d %`, 'm'));
      expect(stdout).not.toMatch(/report:/); // no report unless asked for with --report
    });

    it('--classifiers: top-1 of each classifier on clean, masked-in, masked-out and inpainted images', async () => {
      const other = path.join(run.runDir, 'model.safetensors');
      const checkpoint = path.join(run.runDir, 'checkpoints', 'step-0000006');
      // An independent answer: a classifier whose fc weights are zero and whose bias favours one
      // class says that class for every input, so its top-1 on clean, masked-in, masked-out and
      // inpainted images alike is the share of the validation images labelled with that class.
      const val = await loadDataset({ data: run.data, split: 'val' });
      const favoured = val.samples[0]!.label;
      const share = val.samples.filter((s) => s.label === favoured).length / val.samples.length;
      const constant = await constantClassifier(favoured, 10);
      const args = [
        '--checkpoint',
        run.runDir,
        '--data',
        run.data,
        '--classifiers',
        other,
        checkpoint,
        constant,
        '--batch-size',
        '4',
      ];
      const json = JSON.parse((await evalCli([...args, '--json'])).stdout);
      expect(json.images).toBe(8);
      expect(json.maskArea).toBeGreaterThan(0);
      expect(json.maskArea).toBeLessThan(1);
      expect(json.classifiers.map((c: { name: string }) => c.name)).toEqual([
        "run (CASM's own)",
        'run',
        'step-0000006',
        'constant',
      ]);
      for (const c of json.classifiers) {
        expect(Object.keys(c.top1).sort()).toEqual(['clean', 'inpainted', 'maskedIn', 'maskedOut']);
        for (const v of Object.values(c.top1) as number[]) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
          expect(Number.isInteger(v * 8)).toBe(true); // a count of the 8 images
        }
      }
      // The run's model.safetensors is the CASM model's own classifier: the same weights, the same answers.
      // (The last checkpoint is not compared with them: the run's weights are the model selection's
      // pick, which on this tiny run may be an earlier epoch's.)
      expect(json.classifiers[1].top1).toEqual(json.classifiers[0].top1);
      expect(json.classifiers[3].top1).toEqual({ clean: share, maskedIn: share, maskedOut: share, inpainted: share });
      const table = (await evalCli([...args, '--limit', '4'])).stdout.trim().split('\n');
      expect(table[0]).toMatch(/top-1 accuracy \(%\) on 4 images/);
      expect(table[1]).toMatch(/classifier\s+clean\s+masked-in\s+masked-out\s+inpainted/);
      expect(table).toHaveLength(6);
      expect(table[5]).toMatch(/^constant\s/);
    });

    it('rejects a classifier with another number of classes', async () => {
      const { Model } = await import('../../src/native/model.js');
      const m = await Model.create({ arch: 'resnet18', numClasses: 3, seed: 1 });
      const file = path.join(root, 'three-classes.safetensors');
      await m.saveWeights(file);
      await expect(evalCli(['--checkpoint', run.runDir, '--data', run.data, '--classifiers', file])).rejects.toThrow(
        /3 outputs, the dataset has 10 classes/,
      );
    });
  },
);
