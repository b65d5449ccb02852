// The predicted class of rows of logits: every caller that needs an argmax (accuracies, masked
// accuracies, reports) uses these two, so ties resolve the same way everywhere (the first index).

/** Index of the largest of each row of a [n, k] matrix (the first one on a tie). */
export function argmaxRows(values: Float32Array, n: number): Int32Array {
  const k = values.length / n;
  if (!Number.isInteger(k) || k < 1) throw new Error(`argmaxRows: ${values.length} values for ${n} rows`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestValue = values[i * k]!;
    for (let j = 1; j < k; j++) {
      const v = values[i * k + j]!;
      if (v > bestValue) {
        bestValue = v;
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
}

/**
 * The top-1 class of one row of logits with its softmax probability, computed stably (shifted by
 * the maximum) because logits of an untrained or overconfident model can be large.
 */
export function softmaxTop1(logits: Float32Array): { index: number; probability: number } {
  const index = argmaxRows(logits, 1)[0]!;
  let sum = 0;
  for (let j = 0; j < logits.length; j++) sum += Math.exp(logits[j]! - logits[index]!);
  return { index, probability: 1 / sum };
}
