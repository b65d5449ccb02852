// Measured figures in the docs are generated from bench/results by scripts/docs/figures.mjs; this
// checks the committed docs match their results files, and that the script notices a change.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { HANG_MS } from '../budget.js';
import { missing } from '../environment.js';

const repo = path.resolve(import.meta.dirname, '..', '..');
const script = path.join(repo, 'scripts', 'docs', 'figures.mjs');
const fixture = path.join(repo, 'test', 'fixtures', 'demo-seeds-two-seeds.json');
const tmp = mkdtempSync(path.join(tmpdir(), 'casm-docs-figures-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const figures = (...args: string[]) =>
  spawnSync(process.execPath, [script, ...args], { cwd: repo, encoding: 'utf8', timeout: HANG_MS });

it.skipIf(
  missing(
    existsSync(path.join(repo, 'bench', 'results', 'demo-seeds', 'results.json')),
    'bench/results/demo-seeds/results.json (npx casm-native bench seeds --seeds 0-4 --demo --out bench/results/demo-seeds)',
  ),
)('the docs hold the figures of the committed results files', () => {
  const r = figures('--check');
  expect(r.status, r.stderr).toBe(0);
});

it('renders a sweep as mean ± sd, and --check fails when a result changes', async () => {
  const { demoSeedsBlock, demoSummaryLine, readSweep } = await import('../../scripts/docs/figures.mjs');
  const sweep = readSweep(fixture);
  expect(demoSummaryLine(sweep)).toBe('CASM LE 40.6 ± 1.2%, F1 62.4 ± 1.4% over 2 of 5 seeds; centre box LE 91.5%');
  expect(demoSeedsBlock(sweep)).toContain('| CASM | 2 | 40.6 ± 1.2 | 48.9 ± 1.9 | 62.4 ± 1.4 |');
  expect(demoSeedsBlock(sweep)).toContain('| 1 | 41.5 | 50.2 | 63.4 | – | – |');

  // The same sweep with seed 1 scored differently: the generated blocks no longer match.
  const changed = JSON.parse(readFileSync(fixture, 'utf8'));
  changed.runs[1].methods.CASM.LE = 0.5;
  changed.summary.CASM.LE = { mean: 0.449, sd: 0.0719, n: 2 };
  const file = path.join(tmp, 'changed.json');
  writeFileSync(file, JSON.stringify(changed));
  const r = figures('--check', '--demo-seeds', file);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/figures out of date in .*README\.md/);
  expect(r.stderr).toMatch(/docs\/benchmarks\.md/);
});

it('names the missing results file and how to make it', () => {
  const r = figures('--check', '--demo-seeds', path.join(tmp, 'absent.json'));
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/absent\.json is missing: make it with `npx casm-native bench seeds --seeds 0-4 --demo/);
});
