// Model selection with the real loop and addon: the run ends with the model whose validation LE is
// the lowest it recorded (ties: higher F1, then earlier), that model is what is scored at the end
// and exported, and an interrupted, resumed run selects the same model with the same score.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { TrainConfigInput } from '../../src/train/config.js';
import { train } from '../../src/train/loop.js';
import { bestWeightsFile, isBetter, type SelectionScore } from '../../src/train/model-selection.js';
import { missing } from '../environment.js';
import { makeToyDataset, tryLoadAddon } from './train-fixture.js';

const addon = await tryLoadAddon();
const root = mkdtempSync(path.join(tmpdir(), 'casm-selection-run-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const records = (runDir: string) =>
  readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown> & { kind: string; step: number });

const config = (data: string, out: string): TrainConfigInput => ({
  data,
  out,
  arch: 'resnet10',
  imageSize: 32,
  batchSize: 4,
  epochs: 3,
  epochFraction: 1,
  pretrainEpochs: 1,
  preset: 'L100',
  snapshotEvery: 2,
  selectBy: 'val-le',
  selectEvery: 2,
  checkpointEvery: 3,
  seed: 3,
});

it.skipIf(missing(addon, 'the compiled addon (bash scripts/setup.sh --test)'))(
  'ends with, scores and exports the model of lowest validation LE; resume keeps the best so far',
  async () => {
    const data = await makeToyDataset(path.join(root, 'data'), { classes: 3, trainPerClass: 8, valPerClass: 4 });
    const runDir = path.join(root, 'run');
    const result = await train(config(data, runDir), { addon: addon! });

    const scored = records(runDir).filter((r) => r.kind === 'selection') as unknown as (SelectionScore & {
      kind: string;
    })[];
    // 6 steps per epoch, scored every 2 steps (epoch ends included, each step once).
    expect(scored.map((r) => r.step)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18]);
    const expected = scored.reduce<SelectionScore | null>((best, r) => (isBetter(r, best) ? r : best), null)!;
    expect(Math.min(...scored.map((r) => r.LE))).toBe(expected.LE);
    expect(result.selectBy).toBe('val-le');
    expect(result.selected?.step).toBe(expected.step);
    expect(result.selected?.LE).toBe(expected.LE);
    const chosen = records(runDir).find((r) => r.kind === 'selected') as { selected: SelectionScore } | undefined;
    expect(chosen?.selected.step).toBe(expected.step);

    // The end-of-training score is on the validation split here, with the transform selection
    // used: it must be exactly the selected model's validation score.
    expect(result.localization?.LE).toBe(expected.LE);
    expect(result.localization?.F1).toBe(expected.F1);
    // The exported model is the selected one.
    expect(
      readFileSync(path.join(runDir, 'model.safetensors')).equals(readFileSync(bestWeightsFile(runDir, expected.step))),
    ).toBe(true);

    // Interrupted after the scoring at step 8, then resumed: the same selection and score.
    const again = path.join(root, 'again');
    const controller = new AbortController();
    const first = await train(config(data, again), {
      addon: addon!,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'selection' && e.step === 8) controller.abort();
      },
    });
    expect(first.interrupted).toBe(true);
    const resumed = await train({ data, out: again } as TrainConfigInput, { addon: addon!, resume: again });
    expect(resumed.selected).toEqual(result.selected);
    expect(resumed.localization?.LE).toBe(result.localization?.LE);
    expect(
      records(again)
        .filter((r) => r.kind === 'selection')
        .map((r) => r.step),
    ).toEqual(scored.map((r) => r.step));
  },
  600_000,
);
