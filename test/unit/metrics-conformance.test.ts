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
