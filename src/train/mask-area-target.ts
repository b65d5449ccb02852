// Optional λr controller (--target-mask-area A). The paper tunes λr by hand so that about half of
// the pixels are kept; this does the same between epochs: a mean mask above the target means the
// area penalty is too weak, so λr grows, and vice versa. The update is multiplicative (λr stays
// positive and the step is scale-free) and bounded per epoch, so one noisy epoch cannot swing it.

export interface MaskAreaTargetOptions {
  target: number;
  /** Exponent of the correction: λr ← λr · (mean / target)^gain. */
  gain?: number;
  /** Largest change per epoch as a factor (and its inverse). */
  maxFactor?: number;
  /** Bounds on λr itself. */
  min?: number;
  max?: number;
}

export interface LambdaAdjustment {
  previous: number;
  next: number;
  meanMask: number;
  target: number;
}

export function adjustLambdaR(lambdaR: number, meanMask: number, opts: MaskAreaTargetOptions): LambdaAdjustment {
  const { target } = opts;
  if (!(target > 0 && target < 1)) throw new RangeError(`target mask area must be in (0, 1), got ${target}`);
  const gain = opts.gain ?? 1;
  const maxFactor = opts.maxFactor ?? 2;
  const min = opts.min ?? 1e-3;
  const max = opts.max ?? 1e3;
  if (!Number.isFinite(meanMask)) return { previous: lambdaR, next: lambdaR, meanMask, target };
  // Guard the ratio against a fully collapsed mask (mean 0) so the factor stays finite.
  const ratio = Math.max(meanMask, 1e-6) / target;
  const factor = Math.min(maxFactor, Math.max(1 / maxFactor, Math.pow(ratio, gain)));
  const next = Math.min(max, Math.max(min, lambdaR * factor));
  return { previous: lambdaR, next, meanMask, target };
}
