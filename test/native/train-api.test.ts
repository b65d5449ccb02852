// The Node API example proposed for the README, run as written (paths aside): train with a
// progress callback and an AbortSignal, reopen the trained model, compute saliency on a Buffer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, expect, it } from 'vitest';
import { loadTrainedModel, train } from '../../src/index.js';
import { missing } from '../environment.js';
import { makeToyDataset, tryLoadAddon } from './train-fixture.js';

const addon = await tryLoadAddon();
const root = mkdtempSync(path.join(tmpdir(), 'casm-train-api-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it.skipIf(missing(addon, 'the compiled addon (bash scripts/setup.sh --test)'))(
  'README example: train, reload, saliency on a Buffer',
  async () => {
    const dataDir = await makeToyDataset(path.join(root, 'data'), { classes: 3, trainPerClass: 4, valPerClass: 2 });
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);

    // --- README example starts -------------------------------------------------------------------
    const controller = new AbortController(); // controller.abort() stops after the current step, with a checkpoint
    const result = await train(
      {
        data: dataDir,
        arch: 'resnet18',
        imageSize: 32,
        batchSize: 4,
        epochs: 1,
        epochFraction: 1,
        preset: 'L100',
        out: path.join(root, 'run'),
      },
      {
        signal: controller.signal,
        onProgress: (e) => {
          if (e.type === 'epoch')
            log(`epoch ${e.epoch + 1}: val masked acc ${e.val?.accMasked}, mean mask ${e.val?.maskMean}`);
          if (e.type === 'localization') log(`LE ${e.result.LE} OM ${e.result.OM} F1 ${e.result.F1}`);
        },
      },
    );
    const { model, classIds } = await loadTrainedModel(result.runDir);
    const { data, info } = await sharp(path.join(dataDir, 'img', 'val-0-0.png'))
      .resize(32, 32, { fit: 'cover' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const { masks, logits } = await model.saliency({ kind: 'uint8', data, n: 1, h: info.height, w: info.width });
    log(
      `predicted ${classIds[logits.indexOf(Math.max(...logits))]}, mask mean ${masks.reduce((a, b) => a + b, 0) / masks.length}`,
    );
    // --- README example ends ---------------------------------------------------------------------

    expect(result.interrupted).toBe(false);
    expect(masks).toHaveLength(32 * 32);
    expect(lines[0]).toMatch(/^epoch 1: val masked acc/);
    expect(lines.some((l) => l.startsWith('LE '))).toBe(true);
    // Whatever the run learned (a collapsed mask prints e.g. 7.8e-7), the mean is a number in [0, 1].
    const last = /^predicted c\d, mask mean (\S+)$/.exec(lines[lines.length - 1]!);
    expect(last).not.toBeNull();
    const mean = Number(last![1]);
    expect(mean).toBeGreaterThanOrEqual(0);
    expect(mean).toBeLessThanOrEqual(1);
  },
);
