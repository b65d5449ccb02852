// The README's Node API example, run as written (paths aside): train with a progress callback,
// reopen the trained model, compute saliency on a Buffer, dispose of the model.
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
    const result = await train(
      {
        data: dataDir,
        arch: 'resnet18',
        imageSize: 32,
        batchSize: 4,
        epochs: 1,
        preset: 'L100',
        out: path.join(root, 'run'),
      },
      {
        onProgress: (e) => {
          if (e.type === 'localization') log(`LE ${e.result.LE}`);
        },
      },
    );
    const { model, classIds } = await loadTrainedModel(result.runDir);
    let masks: Float32Array;
    try {
      const { data, info } = await sharp(path.join(dataDir, 'img', 'val-0-0.png'))
        .resize(32, 32, { fit: 'cover' })
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const out = await model.saliency({ kind: 'uint8', data, n: 1, h: info.height, w: info.width });
      masks = out.masks;
      log(`predicted ${classIds[out.logits.indexOf(Math.max(...out.logits))]}, ${out.masks.length} mask pixels`);
    } finally {
      model.dispose(); // frees the native memory at once
    }
    // --- README example ends ---------------------------------------------------------------------

    expect(result.interrupted).toBe(false);
    expect(masks!).toHaveLength(32 * 32);
    const mean = masks!.reduce((x, y) => x + y, 0) / masks!.length;
    expect(mean).toBeGreaterThanOrEqual(0);
    expect(mean).toBeLessThanOrEqual(1);
    expect(lines.some((l) => l.startsWith('LE '))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^predicted c\d, 1024 mask pixels$/);
    // The example's dispose() freed the model: it refuses further calls.
    await expect(
      model.saliency({ kind: 'uint8', data: new Uint8Array(32 * 32 * 3), n: 1, h: 32, w: 32 }),
    ).rejects.toThrow();
  },
);
