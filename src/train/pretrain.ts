// Phase 1 of a run with --pretrain-epochs N: classifier-only training of f(0) on clean images of the
// whole training split (the paper: "we initialize the classifier f(0) by training it on the entire
// training set"; with ImageNet they take torchvision's pretrained ResNet-50 instead). The CASM phase
// then starts from this classifier; preset F keeps it fixed, so F and L100 can start from the same
// f(0). The decoder is not touched here.
//
// Exact resume as in the CASM phase: batch k of pretraining epoch e is a pure function of
// (seed, e, k), the pretraining optimiser's momentum is in the native checkpoint, and the sums
// below are in state.json.
import type { NativeModel, NativeTrainer, StepStats } from '../native/types.js';
import type { TrainConfig } from './config.js';
import type { TrainData } from './data-source.js';
import type { PretrainSummary } from './events.js';
import type { RunLog } from './run-log.js';
import type { RunningStatsState } from './running-stats.js';
import { RunningStats } from './running-stats.js';
import { pretrainLearningRate } from './schedule.js';
import { StepMeter } from './step-meter.js';
import { validateClassifier } from './validation.js';

export interface PretrainState {
  /** Pretraining steps completed. */
  steps: number;
  epochStats: RunningStatsState;
  intervalStats: RunningStatsState;
}

export interface PretrainPosition {
  epoch: number;
  batch: number;
}

export interface PretrainHooks {
  /** Events and metrics records (stamped with the pretraining step while this phase runs). */
  log: RunLog;
  checkpoint(reason: 'interval' | 'epoch' | 'interrupt', at: PretrainPosition): Promise<string>;
  signal?: AbortSignal;
  /**
   * Whether to stop after this step, given this process's own wish (default: the signal). With
   * several processes the loop makes it a decision of all ranks, so they stop at the same step.
   */
  shouldStop?: (local?: boolean) => Promise<boolean>;
  /** Whether this process validates at epoch ends (data-parallel: rank 0 only). Default true. */
  validates?: boolean;
}

/** Where pretraining stopped: finished, or interrupted at a position a checkpoint was written for. */
export type PretrainOutcome = { finished: true } | { finished: false; at: PretrainPosition; checkpoint: string };

export class Pretraining {
  steps = 0;
  private readonly epochStats = new RunningStats();
  private readonly interval = new RunningStats();
  readonly totalSteps: number;

  constructor(
    private readonly config: TrainConfig,
    private readonly trainer: NativeTrainer,
    private readonly model: NativeModel,
    private readonly data: TrainData,
  ) {
    this.totalSteps = config.pretrainEpochs * data.pretrainBatchesPerEpoch();
  }

  state(): PretrainState {
    return { steps: this.steps, epochStats: this.epochStats.state(), intervalStats: this.interval.state() };
  }

  restore(state: PretrainState | undefined): void {
    if (!state) return;
    this.steps = state.steps;
    this.epochStats.restore(state.epochStats);
    this.interval.restore(state.intervalStats);
  }

  async run(from: PretrainPosition, hooks: PretrainHooks): Promise<PretrainOutcome> {
    const { config, data } = this;
    const batches = data.pretrainBatchesPerEpoch();
    const { log } = hooks;
    const interrupted = async (at: PretrainPosition): Promise<PretrainOutcome> => ({
      finished: false,
      at,
      checkpoint: await hooks.checkpoint('interrupt', at),
    });
    const stop = hooks.shouldStop ?? (async (local = hooks.signal?.aborted ?? false) => local);
    const meter = new StepMeter();
    for (let epoch = from.epoch; epoch < config.pretrainEpochs; epoch++) {
      const epochStarted = performance.now();
      const startBatch = epoch === from.epoch ? from.batch : 0;
      if (startBatch === 0) this.epochStats.reset();
      let batchIndex = startBatch;
      let lr = 0;
      meter.restart();
      for await (const batch of data.pretrainBatches(epoch, startBatch)) {
        meter.batchArrived();
        lr = pretrainLearningRate(this.steps, this.totalSteps, config.pretrainLr);
        const r = await this.trainer.pretrainStep(
          { kind: 'uint8', data: batch.data, n: batch.n, h: batch.h, w: batch.w },
          batch.labels,
          { lr, optimizer: config.pretrainOptimizer },
        );
        this.steps++;
        const stats = asStepStats(r);
        this.epochStats.add(stats, false);
        this.interval.add(stats, false);
        if (!r.finite) log.warn(0, `pretraining step ${this.steps}: non-finite loss, update skipped`);

        const speed = meter.stepDone(r.batchSize);
        log.publish({
          type: 'pretrain-step',
          step: 0,
          pretrainStep: this.steps,
          pretrainSteps: this.totalSteps,
          epoch,
          epochs: config.pretrainEpochs,
          batch: batchIndex,
          batches,
          loss: r.loss,
          accuracy: r.batchSize ? r.correct / r.batchSize : 0,
          lr,
          imagesPerSecond: speed.imagesPerSecond,
          etaSeconds: speed.secondsPerStep * (this.totalSteps - this.steps),
        });
        if (this.steps % config.logEvery === 0) {
          const summary = pretrainSummary(this.interval);
          const { imagesPerSecond, dataWaitFraction } = meter.closeInterval(summary.images);
          log.publish({
            type: 'pretrain-interval',
            step: 0,
            pretrainStep: this.steps,
            epoch,
            batch: batchIndex,
            train: summary,
            imagesPerSecond,
            dataWaitFraction,
            lr,
          });
          this.interval.reset();
        }
        batchIndex++;
        if (await stop()) return await interrupted({ epoch, batch: batchIndex });
        if (config.checkpointEvery > 0 && this.steps % config.checkpointEvery === 0 && batchIndex < batches) {
          await hooks.checkpoint('interval', { epoch, batch: batchIndex });
        }
      }
      if (batchIndex !== batches)
        throw new Error(`pretraining epoch ${epoch}: the data yielded ${batchIndex} batches, expected ${batches}`);

      let val: { images: number; accClean: number; seconds: number } | null = null;
      let stoppedInValidation = false;
      if ((hooks.validates ?? true) && data.valImages > 0) {
        val = await validateClassifier(this.model, data.valBatches(config.valLimit), { signal: hooks.signal });
        stoppedInValidation = val === null;
      }
      if (await stop(stoppedInValidation)) return await interrupted({ epoch, batch: batches });
      const train = pretrainSummary(this.epochStats);
      const seconds = (performance.now() - epochStarted) / 1000;
      log.publish({
        type: 'pretrain-epoch',
        step: 0,
        pretrainStep: this.steps,
        epoch,
        epochs: config.pretrainEpochs,
        train,
        val,
        lr,
        seconds,
      });
      this.epochStats.reset();
      const dir = await hooks.checkpoint('epoch', { epoch: epoch + 1, batch: 0 });
      if (await stop()) return { finished: false, at: { epoch: epoch + 1, batch: 0 }, checkpoint: dir };
    }
    return { finished: true };
  }
}

function asStepStats(r: { loss: number; correct: number; batchSize: number; finite: boolean }): StepStats {
  return {
    lossClean: r.loss,
    lossMasked: 0,
    lossMapping: 0,
    correctClean: r.correct,
    correctMasked: 0,
    batchSize: r.batchSize,
    maskMean: 0,
    maskStd: 0,
    decoderGradNorm: 0,
    finite: r.finite,
    skipped: r.finite ? [] : ['pretrain'],
  };
}

function pretrainSummary(stats: RunningStats): PretrainSummary {
  const s = stats.summary();
  return { steps: s.steps, images: s.images, loss: s.lossClean, accuracy: s.accClean, nonFinite: s.nonFinite };
}
