// Finds the conformance suites in a folder (a step/ or metrics/ folder, or one holding both) and
// runs each.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FLOAT_TOLERANCE, runMetricsConformance } from './metrics.js';
import type { CaseResult } from './result.js';
import { runStepConformance } from './step.js';

/** The outcome of {@link runConformance}. */
export interface SuiteResult {
  suite: 'step' | 'metrics';
  dir: string;
  cases: CaseResult[];
}

export function findSuites(dir: string): Array<{ suite: 'step' | 'metrics'; dir: string }> {
  const found: Array<{ suite: 'step' | 'metrics'; dir: string }> = [];
  const probe = (d: string) => {
    if (existsSync(join(d, 'manifest.json'))) found.push({ suite: 'step', dir: d });
    else if (existsSync(join(d, 'metrics.json'))) found.push({ suite: 'metrics', dir: d });
  };
  probe(dir);
  // A folder of suites: each subfolder holding one (step/, metrics/, step-variants/, …), in name order.
  if (found.length === 0 && existsSync(dir))
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)))
      if (entry.isDirectory()) probe(join(dir, entry.name));
  if (found.length === 0)
    throw new Error(
      `${dir}: no conformance suite (expected manifest.json, metrics.json, or folders holding them such as step/ and metrics/)`,
    );
  return found;
}

/** Runs every conformance case in `dir` (step/ and metrics/ vectors made with the authors' code) through this build and reports each check. */
export async function runConformance(
  dir: string,
  opts: { device?: string; toleranceScale?: number } = {},
): Promise<SuiteResult[]> {
  const out: SuiteResult[] = [];
  for (const s of findSuites(dir)) {
    const cases = s.suite === 'step' ? await runStepConformance(s.dir, opts) : metricsCases(s.dir);
    out.push({ ...s, cases });
  }
  return out;
}

/** Metrics cases compare exact integers and floats within 1e-6: one check per case. */
function metricsCases(dir: string): CaseResult[] {
  return runMetricsConformance(dir).map((c) => {
    const check = {
      name: c.detail || 'all fields',
      deviation: c.passed ? c.maxDeviation : Math.max(c.maxDeviation, Infinity),
      tolerance: FLOAT_TOLERANCE,
    };
    return { name: c.name, passed: c.passed, worst: check, checks: [check] };
  });
}
