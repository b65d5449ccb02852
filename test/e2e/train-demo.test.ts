// `casm-native train --demo`, the README's one-command tour, on a reduced budget: the real demo
// path (demo data generated into a cache, the demo's settings under explicit flags, training,
// scoring on the test split, the baseline table), with flags that make it tiny: no classifier
// pretraining, 32 px, one epoch of 2% of the 3200 training scenes (4 steps of 16).
// The demo data (3800 scenes at 128 px, ~20 s to generate on 2 loaded cores) goes to a cache under
// the temp folder through CASM_NATIVE_CACHE, not the user's ~/.cache; its folder name holds the
// generator's code fingerprint, so it is made once per machine and never stale.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TRAIN } from '../../src/cli/demo.js';
import { readSafetensors } from '../../src/util/safetensors.js';
import { missing } from '../environment.js';
import { tryLoadAddon } from '../native/train-fixture.js';
import { type Finished, runCliIn } from './cli-process.js';

const addon = await tryLoadAddon();
const root = mkdtempSync(path.join(tmpdir(), 'casm-train-demo-'));
const cache = path.join(tmpdir(), `casm-native-test-demo-cache-${process.getuid?.() ?? 0}`);
const runDir = path.join(root, 'run');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const readJsonl = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe.skipIf(missing(addon, 'the compiled addon (bash scripts/setup.sh --test)'))('train --demo (CLI, tiny)', () => {
  let r: Finished;
  beforeAll(async () => {
    r = await runCliIn(
      root,
      [
        'train',
        '--demo',
        '--pretrain-epochs',
        '0',
        '--epochs',
        '1',
        '--epoch-fraction',
        '0.02',
        '--image-size',
        '32',
        '--batch-size',
        '16',
        '--out',
        runDir,
      ],
      { env: { CASM_NATIVE_CACHE: cache } },
    );
  });

  it('finishes on the demo data from the given cache, with the demo settings under the explicit flags', () => {
    expect(r.code, r.stderr).toBe(0);
    const config = JSON.parse(readFileSync(path.join(runDir, 'config.json'), 'utf8'));
    expect(path.dirname(config.data)).toBe(cache);
    expect(path.basename(config.data)).toMatch(/^fashion-loc-[0-9a-f]{12}-s128-single-n3200-200-400-seed0-c4-/);
    // The demo's own settings ...
    expect(config).toMatchObject({
      preset: DEMO_TRAIN.preset,
      arch: DEMO_TRAIN.arch,
      targetMaskArea: DEMO_TRAIN.targetMaskArea,
      scoreSplit: 'test',
      lrMapping: DEMO_TRAIN.lrMapping,
      maskUpsample: DEMO_TRAIN.maskUpsample,
    });
    // ... and the flags given win over them.
    expect(config).toMatchObject({ imageSize: 32, batchSize: 16, epochs: 1, epochFraction: 0.02, pretrainEpochs: 0 });
    expect(r.stderr).toMatch(/3200 train \/ 200 val images, 4 steps\/epoch × 1 epochs/);
  });

  it('writes localization.json with LE/OM/F1 on the test split and the centre-box baseline', () => {
    const loc = JSON.parse(readFileSync(path.join(runDir, 'localization.json'), 'utf8'));
    expect(loc).toMatchObject({ split: 'test', images: 400, size: 32, imagesWithoutBoxes: 0 });
    for (const k of ['LE', 'OM', 'F1', 'F1a']) {
      expect(loc[k], k).toBeGreaterThanOrEqual(0);
      expect(loc[k], k).toBeLessThanOrEqual(1);
    }
    expect(loc.OM).toBeGreaterThanOrEqual(loc.LE); // a miss is a miss whatever the classifier says
    for (const k of ['LE', 'F1']) {
      expect(loc.centerBaseline[k], k).toBeGreaterThanOrEqual(0);
      expect(loc.centerBaseline[k], k).toBeLessThanOrEqual(1);
    }
    // The summary line and the table print the same numbers as the file.
    const pct = (v: number) => (100 * v).toFixed(1);
    expect(r.stdout).toContain(`LE ${pct(loc.LE)}%   OM ${pct(loc.OM)}%   F1 ${pct(loc.F1)}%`);
    expect(r.stdout).toMatch(
      new RegExp(`^  centre box\\s+${pct(loc.centerBaseline.LE)}\\s+\\S+\\s+${pct(loc.centerBaseline.F1)}$`, 'm'),
    );
  });

  it('prints the table with CASM, CAM, Grad-CAM and centre-box rows, scored on the test split', () => {
    expect(r.stdout).toMatch(/localisation on 400 images of split "test", 32x32/);
    for (const row of ['CASM', 'CAM', 'Grad-CAM', 'centre box'])
      expect(r.stdout).toMatch(new RegExp(`^  ${row}\\s+\\d+\\.\\d\\s+\\d+\\.\\d\\s+\\d+\\.\\d`, 'm'));
  });

  it('writes the trained model and the training log', () => {
    const weights = readSafetensors(path.join(runDir, 'model.safetensors'));
    const names = [...weights.keys()];
    expect(names.some((n) => n.startsWith('classifier.'))).toBe(true);
    expect(names.some((n) => n.startsWith('decoder.'))).toBe(true);
    expect(weights.get('classifier.fc.weight')!.shape[0]).toBe(4); // the demo's four classes
    const records = readJsonl(path.join(runDir, 'metrics.jsonl'));
    const epochs = records.filter((x) => x.kind === 'epoch');
    expect(epochs).toHaveLength(1);
    expect(epochs[0].train).toMatchObject({ steps: 4, images: 64 });
    expect(epochs[0].val.images).toBe(200);
    expect(records.some((x) => x.kind === 'localization')).toBe(true);
    expect(existsSync(path.join(runDir, 'checkpoints', 'latest'))).toBe(true);
  });
});
