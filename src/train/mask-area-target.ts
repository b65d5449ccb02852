// Optional λr controller (--target-mask-area A). The paper tunes λr by hand so that the masks keep
// about as much of the image as the objects cover; on other data the presets' λr can shrink masks
// to nothing or grow them to the whole image. This controller does the tuning during training:
// every `every` steps it compares the mean mask of the training batches of that window with the
// target and moves λr multiplicatively (λr stays positive, the step is scale-free):
//
//     λr ← clamp(λr · clamp((m̄ / A)^gain, 1/maxFactor, maxFactor), min, max)
//
// A mean mask above the target means the area penalty is too weak, so λr grows, and vice versa.
// Why it does not oscillate: it is an integral controller in log λr with a small gain and a bounded
// step per window, and a window of `every` steps averages the batch-to-batch noise; the mask
// answers a change of λr within a few Adam steps, well inside one window, so each correction sees
// the effect of the previous one. The window's sums are part of the checkpoint, so a resumed run
// makes the same decisions.

/** Settings of the mask-area controller (`--target-mask-area`, `--mask-area-every`). */
export interface MaskAreaTargetOptions {
  target: number;
  /** Steps per control window. */
  every?: number;
  /** Exponent of the correction. */
  gain?: number;
  /** Largest change per window as a factor (and its inverse). */
  maxFactor?: number;
  /** Bounds on λr itself. */
  min?: number;
  max?: number;
}

/** One decision of the mask-area controller: λr before and after, and the window mean that led to it. */
export interface LambdaAdjustment {
  previous: number;
  next: number;
  /** Mean mask over the window that led to the adjustment. */
  meanMask: number;
  target: number;
}

export interface MaskAreaControllerState {
  sum: number;
  count: number;
}

export const MASK_AREA_DEFAULTS = { every: 10, gain: 0.5, maxFactor: 1.1, min: 1e-3, max: 1e3 } as const;

/** One correction of λr from the mean mask of a window (pure; exported for tests and tools). */
export function adjustLambdaR(lambdaR: number, meanMask: number, opts: MaskAreaTargetOptions): LambdaAdjustment {
  const { target } = opts;
  if (!(target > 0 && target < 1)) throw new RangeError(`target mask area must be in (0, 1), got ${target}`);
  const gain = opts.gain ?? MASK_AREA_DEFAULTS.gain;
  const maxFactor = opts.maxFactor ?? MASK_AREA_DEFAULTS.maxFactor;
  const min = opts.min ?? MASK_AREA_DEFAULTS.min;
  const max = opts.max ?? MASK_AREA_DEFAULTS.max;
  if (!Number.isFinite(meanMask)) return { previous: lambdaR, next: lambdaR, meanMask, target };
  // Guard the ratio against a fully collapsed mask (mean 0) so the factor stays finite.
  const ratio = Math.max(meanMask, 1e-6) / target;
  const factor = Math.min(maxFactor, Math.max(1 / maxFactor, ratio ** gain));
  const next = Math.min(max, Math.max(min, lambdaR * factor));
  return { previous: lambdaR, next, meanMask, target };
}

/** Collects the mask means of training steps and proposes a new λr at the end of each window. */
export class MaskAreaController {
  private sum = 0;
  private count = 0;
  readonly every: number;

  constructor(private readonly opts: MaskAreaTargetOptions) {
    this.every = opts.every ?? MASK_AREA_DEFAULTS.every;
    if (!(Number.isInteger(this.every) && this.every > 0))
      throw new RangeError(`mask-area control window must be a positive integer, got ${this.every}`);
    adjustLambdaR(1, opts.target, opts); // validates the target
  }

  /** Records one step's mean mask (a non-finite step is left out); returns the adjustment when a window closes. */
  observe(maskMean: number, lambdaR: number): LambdaAdjustment | null {
    if (Number.isFinite(maskMean)) {
      this.sum += maskMean;
      this.count++;
    }
    if (this.count < this.every) return null;
    const adjustment = adjustLambdaR(lambdaR, this.sum / this.count, this.opts);
    this.sum = 0;
    this.count = 0;
    return adjustment;
  }

  state(): MaskAreaControllerState {
    return { sum: this.sum, count: this.count };
  }

  restore(state: MaskAreaControllerState | undefined): void {
    this.sum = state?.sum ?? 0;
    this.count = state?.count ?? 0;
  }
}
