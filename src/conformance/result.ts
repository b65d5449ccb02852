// One conformance case's outcome: every check with its deviation and tolerance, and the worst one
// relative to its tolerance (what the runner prints).
/** One compared quantity of a conformance case: its deviation and tolerance. */
export interface Check {
  name: string;
  deviation: number;
  tolerance: number;
}

/** One conformance case's outcome: every check, and the worst one relative to its tolerance. */
export interface CaseResult {
  name: string;
  passed: boolean;
  worst: Check;
  checks: Check[];
}

export function summarise(name: string, checks: Check[]): CaseResult {
  const score = (c: Check) => (c.tolerance > 0 ? c.deviation / c.tolerance : c.deviation > 0 ? Infinity : 0);
  let worst = checks[0];
  for (const c of checks) if (score(c) > score(worst) || Number.isNaN(c.deviation)) worst = c;
  const passed = checks.every((c) => c.deviation <= c.tolerance);
  return { name, passed, worst, checks };
}
