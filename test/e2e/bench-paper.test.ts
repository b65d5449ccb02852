// Smoke test of `npm run bench:paper` at the tiny budget, through the real addon: (1) on the
// fashion-loc demo data, the two-copies example and the mask statistics (which share Table 2's
// Baseline and CASM runs); (2) --smoke, the ImageNet path (ImageNet folder layout with
// LOC_val_solution.csv, ResNet-50, f(0) from --init-weights) on a generated fixture. Checks the
// files the harness promises and that runs are reused when an experiment runs again.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/bench/paper/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'casm-bench-paper-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const json = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;

describe('bench:paper', () => {
  it('tiny budget: two-copies example and mask statistics, with results files', async () => {
    const out = join(dir, 'results');
    const work = join(dir, 'work');
    expect(
      await main(['--budget', 'tiny', '--only', 'copies,stats', '--out', out, '--work', work, '--seed', '3']),
    ).toBe(0);
    for (const f of ['copies.json', 'copies.md', 'stats.json', 'stats.md', 'summary.md', 'runs.json'])
      expect(existsSync(join(out, f)), f).toBe(true);
    const copies = json(join(out, 'copies.json'));
    expect(copies.rows.map((r: { preset: string }) => r.preset)).toEqual(['F', 'L100']);
    for (const r of copies.rows) {
      expect(r.massShare[0] + r.massShare[1]).toBeCloseTo(1, 6);
      expect(r.images).toBe(16);
    }
    expect(copies.seed).toBe(3);
    expect(copies.machine.cpuCores).toBeGreaterThan(0);
    const stats = json(join(out, 'stats.json'));
    expect(stats.rows.map((r: { model: string }) => r.model)).toEqual(['CASM', 'Baseline']);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('Mask statistics');
    const runs = json(join(out, 'runs.json')).runs;
    expect(Object.keys(runs).sort()).toEqual([
      'copies-F',
      'copies-L100',
      'f0-duplicate-pre1-s3',
      'f0-plain-pre1-s3',
      't2-a-F-E-shared',
      't2-e-L100-E-shared',
    ]);

    // Again: every run is reused, nothing is trained.
    expect(await main(['--budget', 'tiny', '--only', 'stats', '--out', out, '--work', work, '--seed', '3'])).toBe(0);
    expect(json(join(out, 'stats.json')).runs.every((r: { reused: boolean }) => r.reused)).toBe(true);
  });

  it('--smoke: the ImageNet path on an ImageNet-layout fixture', async () => {
    const out = join(dir, 'smoke');
    const work = join(dir, 'smoke-work');
    expect(await main(['--smoke', '--only', 'stats', '--out', out, '--work', work])).toBe(0);
    expect(existsSync(join(work, 'imagenet-fixture', 'LOC_val_solution.csv'))).toBe(true);
    const stats = json(join(out, 'stats.json'));
    expect(stats.budget.arch).toBe('resnet50');
    expect(stats.data.plain.scoreSplit).toBe('val');
    expect(stats.data.plain.resize).toBe('crop');
    // 18 val images (6 classes × 3), all with boxes; the tiny budget scores 16 of them.
    expect(stats.rows[0].images).toBe(16);
    const run = stats.runs[0];
    expect(run.config.train.initWeights).toMatch(/resnet50-stand-in\.safetensors$/);
  });
});
