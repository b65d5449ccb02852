/**
 * The top-1 class of a row of logits with its softmax probability, computed stably (shifted by the
 * maximum) because logits of an untrained or overconfident model can be large.
 */
export function softmaxTop1(logits: Float32Array): { index: number; probability: number } {
  let index = 0;
  for (let j = 1; j < logits.length; j++) if (logits[j]! > logits[index]!) index = j;
  let sum = 0;
  for (let j = 0; j < logits.length; j++) sum += Math.exp(logits[j]! - logits[index]!);
  return { index, probability: 1 / sum };
}
