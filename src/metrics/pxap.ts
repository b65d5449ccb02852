// PxAP of clovaai/wsolevaluation (MaskEvaluator): pixel-wise average precision of a score map
// against ground-truth pixel masks, from histograms over the cam thresholds:
//  - bins have edges [τ_0 .. τ_{T-1}, 1, 2, 3] (np.histogram: left-closed, the last bin closed);
//  - ground-truth pixels: 1 = foreground, 0 = background, anything else (255) ignored;
//  - tp/fp at each edge = counts of scores >= that edge (reverse cumulative sums);
//  - AP = Σ_{j>=1} precision_j · (recall_j − recall_{j−1}) over edges where tp+fp > 0.
// Returned as a fraction in [0,1] (the reference prints percent).
import { camThresholds } from './cam-thresholds.js';

export class PxapAccumulator {
  readonly edges: number[];
  private readonly trueHist: Float64Array;
  private readonly falseHist: Float64Array;

  constructor(camCurveInterval = 0.01) {
    this.edges = [...camThresholds(camCurveInterval), 1, 2, 3];
    this.trueHist = new Float64Array(this.edges.length - 1);
    this.falseHist = new Float64Array(this.edges.length - 1);
  }

  /** Adds one image: score map and ground-truth mask of the same length. */
  add(scoremap: ArrayLike<number>, gtMask: ArrayLike<number>): void {
    if (scoremap.length !== gtMask.length) {
      throw new RangeError(`PxapAccumulator.add: score map has ${scoremap.length} values, mask ${gtMask.length}`);
    }
    for (let i = 0; i < scoremap.length; i++) {
      const g = gtMask[i]!;
      if (g !== 0 && g !== 1) continue;
      const bin = this.binOf(scoremap[i]!);
      if (bin < 0) continue;
      (g === 1 ? this.trueHist : this.falseHist)[bin]!++;
    }
  }

  /** Index of the histogram bin holding v, or -1 outside [edges[0], edges[last]] (np.histogram drops it). */
  binOf(v: number): number {
    const e = this.edges;
    const last = e.length - 1;
    if (!(v >= e[0]! && v <= e[last]!)) return -1;
    if (v === e[last]) return last - 1;
    // Largest i with e[i] <= v (searchsorted side='right' minus one).
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (e[mid]! <= v) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  /** Average precision as a fraction. Throws without positive ground truth or positive predictions. */
  compute(): number {
    const bins = this.trueHist.length;
    let numTrue = 0;
    for (const c of this.trueHist) numTrue += c;
    if (numTrue <= 0) throw new Error('PxAP: no positive ground-truth pixel in the evaluated set');
    let ap = 0;
    let tp = 0;
    let fp = 0;
    let prevRecall = 0;
    let anyPrediction = false;
    // j runs over the reversed bins: j = 0 is the top bin [2,3], then [1,2), then [τ_{T-1}, 1), ...
    for (let j = 0; j < bins; j++) {
      tp += this.trueHist[bins - 1 - j]!;
      fp += this.falseHist[bins - 1 - j]!;
      const recall = tp / numTrue;
      if (tp + fp > 0) {
        anyPrediction = true;
        if (j >= 1) ap += (tp / (tp + fp)) * (recall - prevRecall);
      }
      prevRecall = recall;
    }
    if (!anyPrediction) throw new Error('PxAP: no positive prediction in the evaluated set');
    return ap;
  }
}
