// `casm-native bench seeds` as a user runs it: real training runs per seed (child processes of the
// compiled CLI), a results table with mean ± sd beside the centre box, and a rerun of the same
// command that continues the sweep instead of redoing finished seeds.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { SweepResults } from '../../src/bench/seeds/results.js';
import { meanSd } from '../../src/bench/seeds/results.js';
import { parseSeeds } from '../../src/bench/seeds/sweep.js';
import { missing } from '../environment.js';
import { makeToyDataset, tryLoadAddon } from '../native/train-fixture.js';
import { runCliIn, TINY_TRAIN_FLAGS } from './cli-process.js';

const addon = await tryLoadAddon();
const root = mkdtempSync(path.join(tmpdir(), 'casm-bench-seeds-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('parses seed lists and computes the sample sd', () => {
  expect(parseSeeds('0-2,7,1')).toEqual([0, 1, 2, 7]);
  expect(() => parseSeeds('3-1')).toThrow(/backwards/);
  expect(() => parseSeeds('a')).toThrow(/not a seed/);
  expect(meanSd([1, 2, 3])).toEqual({ mean: 2, sd: 1, n: 3 });
});

it.skipIf(missing(addon, 'the compiled addon (bash scripts/setup.sh --test)'))(
  'trains each seed once, tabulates them, and continues a half-done sweep',
  async () => {
    const data = await makeToyDataset(path.join(root, 'data'), { classes: 3, trainPerClass: 4, valPerClass: 2 });
    const out = path.join(root, 'sweep');
    const trainFlags = ['--data', data, ...TINY_TRAIN_FLAGS];
    // Half a sweep: seed 0 only.
    const first = await runCliIn(root, ['bench', 'seeds', '--seeds', '0', '--out', out, ...trainFlags]);
    expect(first.code, first.stderr).toBe(0);
    const seed0 = readFileSync(path.join(out, 'seed-0', 'model.safetensors'));

    const second = await runCliIn(root, ['bench', 'seeds', '--seeds', '0-1', '--out', out, ...trainFlags]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/seed 0: finished earlier/);
    expect(second.stderr).toMatch(/seed 1: training into/);
    // Seed 0 was not trained again.
    expect(readFileSync(path.join(out, 'seed-0', 'model.safetensors')).equals(seed0)).toBe(true);

    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as SweepResults;
    expect(results.runs.map((r) => r.seed)).toEqual([0, 1]);
    const les = results.runs.map((r) => r.methods.CASM!.LE);
    expect(results.summary.CASM!.LE).toEqual(meanSd(les));
    expect(results.summary['centre box']!.LE.n).toBe(2);
    const md = readFileSync(path.join(out, 'results.md'), 'utf8');
    expect(md).toMatch(/\| CASM \| 1 \|/);
    expect(md).toMatch(/\| centre box \| 2 \| \d+\.\d ± \d+\.\d/);
    expect(second.stdout).toContain('| method | seeds | LE mean ± sd');

    // Other training flags in the same folder would mix two experiments: refused.
    const mixed = await runCliIn(root, [
      'bench',
      'seeds',
      '--seeds',
      '0-1',
      '--out',
      out,
      ...trainFlags,
      '--lr',
      '0.1',
    ]);
    expect(mixed.code).not.toBe(0);
    expect(mixed.stderr).toMatch(/holds a sweep of other training flags/);
    expect(existsSync(path.join(out, 'seed-1', 'localization.json'))).toBe(true);
  },
  600_000,
);
