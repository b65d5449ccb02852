import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runMetricsConformance } from '../../src/conformance/metrics.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = path.resolve(repoRoot, 'test', 'conformance-vectors', 'metrics');

describe("metrics conformance vectors (authors' score.py)", () => {
  it('passes all 48 cases and the aggregate', () => {
    const results = runMetricsConformance(dir);
    const failed = results.filter((r) => !r.passed).map((r) => `${r.name}: ${r.detail}`);
    expect(failed).toEqual([]);
    expect(results.filter((r) => r.name !== 'metrics/aggregate')).toHaveLength(48);
  });
});

describe('metrics conformance runner: what makes a case fail (tolerance, deviation, missing masks)', () => {
  const masksFile = path.join(dir, 'masks.safetensors');
  const spec = JSON.parse(readFileSync(path.join(dir, 'metrics.json'), 'utf8'));

  /** The vectors with `change` applied to a copy of metrics.json, in a temporary folder. */
  function variant(change: (s: typeof spec) => void): string {
    const out = mkdtempSync(path.join(tmpdir(), 'casm-metrics-conf-'));
    const copy = structuredClone(spec);
    copy.mask_file = path.relative(out, masksFile);
    change(copy);
    writeFileSync(path.join(out, 'metrics.json'), JSON.stringify(copy));
    return out;
  }

  it('an expected F1 off by 1e-5 fails that case alone, with the deviation; 5e-7 off is within 1e-6', () => {
    const off = runMetricsConformance(variant((s) => (s.cases[3].expected.F1 += 1e-5)));
    expect(off.filter((r) => !r.passed).map((r) => r.name)).toEqual([off[3].name]);
    expect(off[3].detail).toMatch(/^F1: got /);
    // The largest deviation of the case, not the last one compared (F1a, LE and OM come after).
    expect(off[3].maxDeviation).toBeGreaterThan(0.9e-5);
    expect(off[3].maxDeviation).toBeLessThan(1.1e-5);
    const within = runMetricsConformance(variant((s) => (s.cases[3].expected.F1 += 5e-7)));
    expect(within.every((r) => r.passed)).toBe(true);
    // The aggregate is checked with the same tolerance.
    const agg = runMetricsConformance(variant((s) => (s.aggregate.F1a += 1e-5)));
    expect(agg.filter((r) => !r.passed).map((r) => r.name)).toEqual(['metrics/aggregate']);
  });

  it('a case whose mask index is one past the file fails as missing', () => {
    const results = runMetricsConformance(variant((s) => (s.cases[0].index = 48)));
    expect(results[0].passed).toBe(false);
    expect(results[0].detail).toBe('mask 48 missing (file has 48)');
  });
});
