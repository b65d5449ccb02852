// Batches BatchNorm cannot train on (issue 14): at 32 px ResNet's last stage is 1×1, so a batch of
// one image used to abort the run without a checkpoint ("Expected more than 1 value per channel").
// A final batch of one is now merged into the batch before (deterministically, so resume stays
// exact); a batch size of 1 at that size is refused before training starts.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainConfigInput } from '../../src/train/config.js';
import type { TrainEvent } from '../../src/train/events.js';
import { train } from '../../src/train/loop.js';
import { readSafetensors } from '../../src/util/safetensors.js';
import { missing } from '../environment.js';
import { makeToyDataset, tryLoadAddon } from './train-fixture.js';

const addon = await tryLoadAddon();
const root = mkdtempSync(path.join(tmpdir(), 'casm-small-batches-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = (data: string, out: string, over: Partial<TrainConfigInput> = {}): TrainConfigInput => ({
  data,
  arch: 'resnet18',
  imageSize: 32,
  batchSize: 7,
  epochs: 1,
  epochFraction: 1,
  preset: 'L100',
  seed: 3,
  valSplit: null,
  out: path.join(root, out),
  ...over,
});

function weights(file: string): Map<string, string> {
  return new Map(
    [...readSafetensors(file)].map(([n, t]) => [
      n,
      Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64'),
    ]),
  );
}

describe.skipIf(missing(addon, 'the compiled addon (bash scripts/setup.sh --test)'))(
  'training with batches BatchNorm cannot take alone',
  () => {
    it('8 images at 32 px with --batch-size 7 trains (one merged batch of 8) and checkpoints', async () => {
      const data = await makeToyDataset(path.join(root, 'eight'), { classes: 2, trainPerClass: 4, valPerClass: 1 });
      const events: TrainEvent[] = [];
      const result = await train(config(data, 'eight-run'), { addon: addon!, onProgress: (e) => events.push(e) });
      expect(result.interrupted).toBe(false);
      expect(result.steps).toBe(1);
      const sizes = events.flatMap((e) => (e.type === 'step' ? [e.stats.batchSize] : []));
      expect(sizes).toEqual([8]);
      expect(result.checkpoint).not.toBeNull();
      expect(existsSync(path.join(result.runDir, 'model.safetensors'))).toBe(true);
    });

    it('a merged last batch resumes exactly', async () => {
      // 15 images, batch 7: batches of 7 and 8 per epoch (the 15th image joins the second batch).
      const data = await makeToyDataset(path.join(root, 'fifteen'), { classes: 3, trainPerClass: 5, valPerClass: 1 });
      const reference = await train(config(data, 'ref', { epochs: 2 }), { addon: addon! });
      expect(reference.steps).toBe(4);
      const controller = new AbortController();
      const first = await train(config(data, 'cut', { epochs: 2 }), {
        addon: addon!,
        signal: controller.signal,
        onProgress: (e) => {
          if (e.type === 'step' && e.step === 1) controller.abort(); // right before the merged batch
        },
      });
      expect(first.interrupted).toBe(true);
      const resumed = await train({ data }, { addon: addon!, resume: first.runDir });
      expect(resumed.steps).toBe(4);
      const a = weights(path.join(reference.runDir, 'model.safetensors'));
      const b = weights(path.join(resumed.runDir, 'model.safetensors'));
      expect([...a.keys()].filter((k) => a.get(k) !== b.get(k))).toEqual([]);
    });

    it('--batch-size 1 at 32 px is refused before training, naming the ways out', async () => {
      const data = await makeToyDataset(path.join(root, 'ones'), { classes: 2, trainPerClass: 1, valPerClass: 1 });
      await expect(train(config(data, 'ones-run', { batchSize: 1 }), { addon: addon! })).rejects.toThrow(
        /a training batch of one image at --image-size 32 leaves BatchNorm a single value per channel.*--batch-size 2 or more.*--image-size 64 or more/,
      );
      // At 64 px the last stage is 2×2: a batch of one trains.
      const ok = await train(config(data, 'ones-64', { batchSize: 1, imageSize: 64 }), { addon: addon! });
      expect(ok.steps).toBe(2);
    });
  },
);
