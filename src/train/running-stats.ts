// Sums of per-step statistics over an interval or an epoch. Losses arrive as batch means, so they
// are weighted by batch size; the plain-object state goes into checkpoints so that a resumed run
// reports the same epoch averages as an uninterrupted one.
import type { StepStats } from '../native/types.js';

export interface RunningStatsState {
  steps: number;
  images: number;
  /** Images of steps whose losses were finite: the denominator of the loss means. */
  finiteImages: number;
  lossClean: number;
  lossMasked: number;
  lossMapping: number;
  correctClean: number;
  correctMasked: number;
  maskMean: number;
  maskMeanSq: number;
  nonFinite: number;
  pooledAdversary: number;
}

/** Training statistics averaged over a window of steps. */
export interface StatsSummary {
  steps: number;
  images: number;
  lossClean: number;
  lossMasked: number;
  lossMapping: number;
  accClean: number;
  accMasked: number;
  maskMean: number;
  /** Standard deviation of the per-image mask means (from each batch's mean and std). */
  maskStd: number;
  nonFinite: number;
  /** Fraction of steps whose adversary was a pooled snapshot. */
  pooledAdversary: number;
}

export class RunningStats {
  private s: RunningStatsState = RunningStats.empty();

  static empty(): RunningStatsState {
    return {
      steps: 0,
      images: 0,
      finiteImages: 0,
      lossClean: 0,
      lossMasked: 0,
      lossMapping: 0,
      correctClean: 0,
      correctMasked: 0,
      maskMean: 0,
      maskMeanSq: 0,
      nonFinite: 0,
      pooledAdversary: 0,
    };
  }

  add(stats: StepStats, pooledAdversary: boolean): void {
    const n = stats.batchSize;
    const s = this.s;
    s.steps += 1;
    s.images += n;
    if (stats.finite) {
      s.finiteImages += n;
      s.lossClean += stats.lossClean * n;
      s.lossMasked += stats.lossMasked * n;
      s.lossMapping += stats.lossMapping * n;
    } else {
      s.nonFinite += 1;
    }
    s.correctClean += stats.correctClean;
    s.correctMasked += stats.correctMasked;
    s.maskMean += stats.maskMean * n;
    // Σ over images of (per-image mean)², recovered from the batch mean and std (population std).
    s.maskMeanSq += (stats.maskStd * stats.maskStd + stats.maskMean * stats.maskMean) * n;
    if (pooledAdversary) s.pooledAdversary += 1;
  }

  get steps(): number {
    return this.s.steps;
  }

  summary(): StatsSummary {
    const s = this.s;
    const n = Math.max(1, s.images);
    const finiteImages = Math.max(1, s.finiteImages);
    const mean = s.maskMean / n;
    return {
      steps: s.steps,
      images: s.images,
      lossClean: s.lossClean / finiteImages,
      lossMasked: s.lossMasked / finiteImages,
      lossMapping: s.lossMapping / finiteImages,
      accClean: s.correctClean / n,
      accMasked: s.correctMasked / n,
      maskMean: mean,
      maskStd: Math.sqrt(Math.max(0, s.maskMeanSq / n - mean * mean)),
      nonFinite: s.nonFinite,
      pooledAdversary: s.steps ? s.pooledAdversary / s.steps : 0,
    };
  }

  state(): RunningStatsState {
    return { ...this.s };
  }

  restore(state: RunningStatsState): void {
    this.s = { ...RunningStats.empty(), ...state };
  }

  reset(): void {
    this.s = RunningStats.empty();
  }
}
