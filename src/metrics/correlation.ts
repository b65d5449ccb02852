// Correlations between two saliency maps (or feature vectors) of the same length, for the sanity
// checks of Adebayo et al. 2018: Pearson's r and Spearman's rank correlation, whose ties take their
// average rank as scipy.stats.spearmanr does (masks near 0 or 1 have many). Checked against scipy in
// test/unit/metrics-sanity.test.ts.

function checkLengths(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) throw new RangeError(`${what}: the inputs have ${a.length} and ${b.length} values`);
  if (a.length < 2) throw new RangeError(`${what}: needs at least two values, got ${a.length}`);
}

/** Pearson's r of two equally long series, in float64; NaN when either is constant (as scipy). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkLengths(a, b, 'pearson');
  const n = a.length;
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a[i]!;
    meanB += b[i]!;
  }
  meanA /= n;
  meanB /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - meanA;
    const db = b[i]! - meanB;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return Number.NaN;
  // Rounding can push |r| a hair above 1.
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}

/** Ranks 1..n, tied values sharing the mean of their ranks (scipy.stats.rankdata, method 'average'). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => values[i]! - values[j]! || i - j);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && values[order[end]!] === values[order[start]!]) end++;
    // Positions start..end-1 hold equal values: ranks start+1..end, whose mean is (start+1+end)/2.
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]!] = rank;
    start = end;
  }
  return ranks;
}

/** Spearman's rank correlation: Pearson's r of the average ranks. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkLengths(a, b, 'spearman');
  return pearson(averageRanks(a), averageRanks(b));
}

/** Spearman's rank correlation of |0.5 − a| and |0.5 − b|: how alike two masks are in what they are sure of. */
export function spearmanOfConfidence(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const conf = (m: ArrayLike<number>) => Float64Array.from({ length: m.length }, (_, i) => Math.abs(0.5 - m[i]!));
  return spearman(conf(a), conf(b));
}
