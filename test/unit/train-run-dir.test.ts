// A run folder inside a split folder of an ImageNet-layout dataset would become a class (issue
// 14): the configuration is refused before any folder is created.
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTrainConfig } from '../../src/train/config.js';
import { train } from '../../src/train/loop.js';

describe('--out inside the dataset', () => {
  it('is refused inside the train or val split folder, allowed beside them', async () => {
    const data = mkdtempSync(join(tmpdir(), 'casm-outdir-'));
    mkdirSync(join(data, 'train', 'n01'), { recursive: true });
    mkdirSync(join(data, 'val', 'n01'), { recursive: true });
    const inTrain = join(data, 'train', 'run1');
    await expect(train({ data, out: inTrain })).rejects.toThrow(
      `--out ${inTrain} is inside the dataset's train folder (${join(data, 'train')}), where it would be read as a class`,
    );
    expect(existsSync(inTrain)).toBe(false);
    expect(() => resolveTrainConfig({ data, out: join(data, 'val') })).toThrow(/inside the dataset's val folder/);
    expect(() => resolveTrainConfig({ data, out: join(data, 'train-runs', 'a') })).not.toThrow();
    expect(() => resolveTrainConfig({ data, out: join(data, 'runs') })).not.toThrow();
    expect(() =>
      resolveTrainConfig({ data, out: join(data, 'train', 'x'), split: 'other', valSplit: null }),
    ).not.toThrow();
  });
});
