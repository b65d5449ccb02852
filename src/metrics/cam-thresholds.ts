// The score-map threshold list of clovaai/wsolevaluation: np.arange(0, 1, interval). numpy makes
// ceil((stop - start) / step) values, each start + i*step; reproduced so that thresholds (and the
// truncated integer thresholds derived from them) are bit-identical.

export function camThresholds(interval = 0.01): number[] {
  if (!(interval > 0 && interval <= 1)) throw new RangeError(`camThresholds: interval ${interval} not in (0,1]`);
  const count = Math.ceil(1 / interval);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(i * interval);
  return out;
}
