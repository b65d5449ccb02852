// Throughput while training: img/s smoothed over steps for the progress line, seconds per step for
// the ETA, and per metrics interval the mean img/s and the share of wall time spent waiting for the
// next batch (the data pipeline not keeping up). Both training phases use it.

/** Smoothing of the per-step figures (exponential moving average over steps). */
const SMOOTHING = 0.1;

export class StepMeter {
  private secondsPerStepEma: number | null = null;
  private imagesPerSecondEma = 0;
  private lastStepEnd = performance.now();
  private intervalStart = this.lastStepEnd;
  private intervalWait = 0;

  /** Restarts the step clock (after validation or a checkpoint, which are not steps). */
  restart(): void {
    this.lastStepEnd = performance.now();
  }

  /** The next batch is here: the time since the last step ended was spent waiting for data. */
  batchArrived(): void {
    this.intervalWait += (performance.now() - this.lastStepEnd) / 1000;
  }

  /** A step of `images` images ended; returns the smoothed figures. */
  stepDone(images: number): { secondsPerStep: number; imagesPerSecond: number } {
    const now = performance.now();
    const dt = (now - this.lastStepEnd) / 1000;
    this.lastStepEnd = now;
    this.secondsPerStepEma =
      this.secondsPerStepEma === null ? dt : this.secondsPerStepEma + SMOOTHING * (dt - this.secondsPerStepEma);
    if (dt > 0) {
      const ips = images / dt;
      this.imagesPerSecondEma =
        this.imagesPerSecondEma === 0 ? ips : this.imagesPerSecondEma + SMOOTHING * (ips - this.imagesPerSecondEma);
    }
    return { secondsPerStep: this.secondsPerStepEma, imagesPerSecond: this.imagesPerSecondEma };
  }

  /** Closes a metrics interval in which `images` images were trained; starts the next one. */
  closeInterval(images: number): { imagesPerSecond: number; dataWaitFraction: number } {
    const now = performance.now();
    const seconds = (now - this.intervalStart) / 1000;
    const out = {
      imagesPerSecond: seconds > 0 ? images / seconds : 0,
      dataWaitFraction: seconds > 0 ? this.intervalWait / seconds : 0,
    };
    this.intervalStart = now;
    this.intervalWait = 0;
    return out;
  }
}
