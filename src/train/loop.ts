// The training loop: one fused native step per batch, validation and checkpoints at epoch ends,
// checkpoints every N steps, exact resume, cooperative interruption through an AbortSignal.
//
// Exactness of resume rests on three facts: (1) the data pipeline makes batch k of epoch e a pure
// function of (seed, e, k); (2) the thinning policy's random stream is part of the checkpoint;
// (3) native state (weights, BN statistics, optimiser moments, pooled snapshots) is saved whole.
// Nothing else random happens in a step.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { NativeAddon, NativeModel, NativeTrainer, StepStats } from '../native/types.js';
import { resolveCheckpointDir, runDirOfCheckpoint, saveCheckpoint, checkpointsRoot, LATEST_POINTER, STATE_FILE } from './checkpoint-store.js';
import { RESUME_OVERRIDABLE, TRAIN_DEFAULTS, resolveTrainConfig, validateTrainConfig } from './config.js';
import type { TrainConfig, TrainConfigInput } from './config.js';
import type { TrainData } from './data-source.js';
import { runFingerprint, worldSizeMismatch } from './distributed.js';
import type { DistributedRun } from './distributed.js';
import type { CheckpointReason, LocalizationSummary, TrainEvent, ValidationSummary } from './events.js';
import { classifierInitFile } from './init-weights.js';
import { MaskAreaController } from './mask-area-target.js';
import { MetricsLog } from './metrics-log.js';
import { CURRENT_CLASSIFIER, createPolicy } from './policies/index.js';
import type { ThinningPolicy } from './policies/index.js';
import { RunningStats } from './running-stats.js';
import type { StatsSummary } from './running-stats.js';
import { Pretraining } from './pretrain.js';
import { learningRatesForEpoch } from './schedule.js';
import { TRAIN_STATE_FORMAT, TRAIN_STATE_VERSION, parseTrainState, serializeTrainState } from './train-state.js';
import type { TrainPhase, TrainState } from './train-state.js';
import { validate } from './validation.js';

export interface TrainOptions {
  onProgress?: (event: TrainEvent) => void;
  /** Aborting finishes the current step, writes a checkpoint and returns with interrupted = true. */
  signal?: AbortSignal;
  /** A run folder or checkpoint folder to continue; `config` then only overrides RESUME_OVERRIDABLE knobs. */
  resume?: string;
  /** The addon to use (default: the one src/native/loader.ts finds). */
  addon?: NativeAddon;
  /** The data to use (default: opened from config.data by src/data). */
  data?: TrainData;
  /** Scores localisation at the end when the validation split has boxes (default: the src/metrics scorer). */
  scoreLocalization?: (model: NativeModel, data: TrainData, runDir: string) => Promise<LocalizationSummary | null>;
  /**
   * Data-parallel training (src/train/distributed.ts): this process is one rank of a group. Every
   * rank runs this loop on its slice of each batch; rank 0 alone validates and writes the run
   * folder (checkpoints, metrics, weights). With `data` given, the caller shards it.
   */
  distributed?: DistributedRun;
}

export interface TrainResult {
  runDir: string;
  config: TrainConfig;
  /** Steps completed in total (across resumes). */
  steps: number;
  interrupted: boolean;
  /** The newest checkpoint folder. */
  checkpoint: string | null;
  /** runDir/model.safetensors once training has finished. */
  weights: string | null;
  lastEpoch: { train: StatsSummary; val: ValidationSummary | null } | null;
  localization: LocalizationSummary | null;
  lambdaR: number;
}

/** Consecutive non-finite steps after which the run is declared diverged. */
const MAX_NON_FINITE_STREAK = 20;
/** Smoothing of the img/s shown while training (exponential moving average over steps). */
const THROUGHPUT_SMOOTHING = 0.1;

export const FINAL_WEIGHTS_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';

interface Position {
  phase: TrainPhase;
  epoch: number;
  batch: number;
}

export async function train(input: TrainConfigInput | TrainConfig, options: TrainOptions = {}): Promise<TrainResult> {
  const started = performance.now();
  const signal = options.signal;
  const dist = options.distributed && options.distributed.worldSize > 1 ? options.distributed : null;
  const worldSize = dist?.worldSize ?? 1;
  // Rank 0 writes the run folder; the others only train.
  const leader = !dist || dist.rank === 0;
  // Whether to stop after this step. Every rank must stop at the same step, so with several
  // processes the decision is the OR of all ranks' signals (one tiny all-reduce per step).
  const shouldStop = async (local = signal?.aborted ?? false): Promise<boolean> => (dist ? dist.group.any(local) : local);

  // --- configuration and (optionally) the checkpoint to resume -----------------------------
  let resumeDir: string | null = null;
  let resumeState: TrainState | null = null;
  let config: TrainConfig;
  let runDir: string;
  if (options.resume) {
    resumeDir = await resolveCheckpointDir(options.resume);
    resumeState = parseTrainState(await fs.readFile(path.join(resumeDir, STATE_FILE), 'utf8'), path.join(resumeDir, STATE_FILE));
    if ((resumeState.worldSize ?? 1) !== worldSize) throw worldSizeMismatch(resumeDir, resumeState.worldSize ?? 1, worldSize);
    config = applyResumeOverrides(resumeState.config, input);
    runDir = runDirOfCheckpoint(resumeDir);
  } else {
    config = resolveTrainConfig(input);
    runDir = path.resolve(config.out);
    await refuseExistingRun(runDir);
  }
  if (leader) await fs.mkdir(runDir, { recursive: true });
  const metrics = new MetricsLog(runDir);
  let step = resumeState?.step ?? 0;
  const emit = options.onProgress ?? (() => undefined);
  // Records written during pretraining carry its step count too (resume truncates by it).
  let pretraining: Pretraining | null = null;
  let phase: TrainPhase = 'casm';
  const record = (r: { kind: string; [key: string]: unknown }) =>
    leader &&
    metrics.append(phase === 'pretrain' && pretraining ? { ...r, step, pretrainStep: pretraining.steps } : { ...r, step });
  const warn = (message: string) => {
    emit({ type: 'warning', step, message });
    record({ kind: 'warning', message });
  };

  // --- data, model, trainer, policy -----------------------------------------------------------
  const data = options.data ?? (await openDefaultData(config, dist ? { rank: dist.rank, worldSize: dist.worldSize } : undefined));
  try {
    if (resumeState && resumeState.classIds.join('\n') !== data.classIds.join('\n')) {
      throw new Error(`the dataset at ${config.data} has different classes than the checkpoint ${resumeDir}: refusing to resume`);
    }
    const addon = options.addon ?? (await loadDefaultAddon());
    const model = new addon.Model({
      arch: config.arch,
      numClasses: data.numClasses,
      device: config.device,
      separateEncoder: config.separateEncoder,
      seed: config.seed,
    });
    await model.init();
    if (!resumeState && config.initWeights) {
      const init = await classifierInitFile(config.initWeights);
      try {
        const { loaded, skipped } = await model.importWeights(init.path);
        if (skipped.length) warn(`--init-weights: loaded ${loaded} tensors, skipped ${skipped.length} (${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', …' : ''})`);
      } finally {
        await init.cleanup();
      }
    }
    const trainer = new addon.Trainer(model, {
      lr: config.lr,
      lrMapping: config.lrMapping,
      weightDecay: config.weightDecay,
      momentum: config.momentum,
      lambdaR: config.lambdaR,
      score: config.score,
      classifierLoss: config.classifierLoss,
      fixedClassifier: config.fixedClassifier,
      amp: config.amp,
      ...(dist ? { processGroup: dist.group } : {}),
    });
    const policy = createPolicy({ ...config });
    pretraining = config.pretrainEpochs > 0 ? new Pretraining(config, trainer, model, data) : null;
    const maskArea = config.targetMaskArea !== null ? new MaskAreaController({ target: config.targetMaskArea, every: config.maskAreaEvery }) : null;
    const epochStats = new RunningStats();
    // The interval in progress is checkpointed too, so interval records after a resume match.
    const interval = new RunningStats();
    let lambdaR = config.lambdaR;
    let position: Position = { phase: pretraining ? 'pretrain' : 'casm', epoch: 0, batch: 0 };
    let elapsedBefore = 0;

    if (resumeState && resumeDir) {
      await trainer.loadCheckpoint(resumeDir);
      policy.restore(resumeState.policy);
      await checkPoolsAgree(policy, trainer);
      epochStats.restore(resumeState.epochStats);
      interval.restore(resumeState.intervalStats);
      pretraining?.restore(resumeState.pretrain);
      maskArea?.restore(resumeState.maskArea);
      lambdaR = resumeState.lambdaR;
      position = { phase: resumeState.position.phase ?? 'casm', epoch: resumeState.position.epoch, batch: resumeState.position.batch };
      elapsedBefore = resumeState.elapsedSeconds;
      // Records after the checkpoint will be written again by this process.
      if (leader) await metrics.retain(recordsSeenAt(position.phase, step, pretraining?.steps ?? 0));
      phase = position.phase;
      record({ kind: 'resume', from: resumeDir });
    } else if (leader) {
      await fs.writeFile(path.join(runDir, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
    }
    trainer.setLambdaR(lambdaR);
    if (dist) {
      // Every rank starts from rank 0's weights (as DDP does), and all must be the same run at the same point.
      const agree = await dist.group.allEqual(runFingerprint(config, { step, ...position, phase: position.phase }, data.classIds));
      if (!agree) {
        throw new Error(
          `rank ${dist.rank}: the ${worldSize} processes disagree on the run (its configuration, --out, the dataset's classes or the checkpoint they resume): ` +
            'start every rank with the same arguments',
        );
      }
      await trainer.broadcastModel(0);
    }

    const batchesPerEpoch = data.batchesPerEpoch(0);
    let totalSteps = 0;
    for (let e = 0; e < config.epochs; e++) totalSteps += data.batchesPerEpoch(e);
    emit({
      type: 'start',
      step,
      runDir,
      config,
      resumedFrom: resumeDir,
      phase: position.phase,
      epoch: position.epoch,
      batch: position.batch,
      batchesPerEpoch,
      totalSteps,
      pretrainSteps: pretraining?.totalSteps ?? 0,
      trainImages: data.trainImages,
      valImages: data.valImages,
      skippedSamples: data.skipped.length,
      model: model.info(),
    });
    if (data.skipped.length) warn(`skipped ${data.skipped.length} unreadable samples while reading the dataset (use --strict to fail instead); first: ${data.skipped[0]!.origin}: ${data.skipped[0]!.reason}`);

    // --- checkpointing --------------------------------------------------------------------------
    let lastCheckpoint: string | null = resumeDir;
    const sessionStart = performance.now();
    const elapsed = () => elapsedBefore + (performance.now() - sessionStart) / 1000;
    const checkpoint = async (reason: CheckpointReason, at: Position): Promise<string> => {
      // Only rank 0 writes; the other ranks hold the same state (their pools and weights are
      // kept identical by the shared decisions and averaged updates).
      if (!leader) return lastCheckpoint ?? '';
      const t0 = performance.now();
      const state: TrainState = {
        format: TRAIN_STATE_FORMAT,
        version: TRAIN_STATE_VERSION,
        step,
        position: at,
        config,
        lambdaR,
        policy: policy.state(),
        epochStats: epochStats.state(),
        intervalStats: interval.state(),
        ...(pretraining ? { pretrain: pretraining.state() } : {}),
        ...(maskArea ? { maskArea: maskArea.state() } : {}),
        classIds: data.classIds,
        worldSize,
        elapsedSeconds: elapsed(),
        savedAt: new Date().toISOString(),
      };
      const inPretraining = at.phase === 'pretrain' && pretraining !== null;
      const saved = await saveCheckpoint(
        runDir,
        inPretraining ? pretraining!.steps : step,
        config.keepCheckpoints,
        (dir) => trainer.saveCheckpoint(dir, serializeTrainState(state)),
        inPretraining ? 'pretrain' : 'casm',
      );
      lastCheckpoint = saved.dir;
      const seconds = (performance.now() - t0) / 1000;
      emit({ type: 'checkpoint', step, dir: saved.dir, reason, seconds });
      record({ kind: 'checkpoint', reason, dir: saved.dir, seconds });
      return saved.dir;
    };

    // --- throughput and ETA -------------------------------------------------------------------
    let secondsPerStep: number | null = null;
    let lastValidationSeconds = 0;
    let lastStepEnd = performance.now();
    let imagesPerSecond = 0;
    let intervalStart = performance.now();
    // Time spent waiting for the next batch after a step finished (the data pipeline not keeping up).
    let intervalDataWait = 0;
    let nonFiniteStreak = 0;
    let lastEpoch: TrainResult['lastEpoch'] = null;

    const interrupted = async (at: Position): Promise<TrainResult> => {
      const dir = await checkpoint('interrupt', at);
      emit({ type: 'done', step, runDir, interrupted: true, checkpoint: dir, weights: null, seconds: (performance.now() - started) / 1000 });
      return { runDir, config, steps: step, interrupted: true, checkpoint: dir, weights: null, lastEpoch, localization: null, lambdaR };
    };
    if (await shouldStop()) return await interrupted(position);

    // --- phase 1: classifier pretraining (f(0)) -------------------------------------------------
    if (pretraining && position.phase === 'pretrain') {
      phase = 'pretrain';
      emit({ type: 'phase', step, phase });
      const outcome = await pretraining.run(position, {
        emit,
        log: record,
        checkpoint: (reason, at) => checkpoint(reason, { phase: 'pretrain', ...at }),
        signal,
        shouldStop,
        validates: leader,
      });
      if (!outcome.finished) {
        emit({ type: 'done', step, runDir, interrupted: true, checkpoint: outcome.checkpoint, weights: null, seconds: (performance.now() - started) / 1000 });
        return { runDir, config, steps: step, interrupted: true, checkpoint: outcome.checkpoint, weights: null, lastEpoch, localization: null, lambdaR };
      }
      position = { phase: 'casm', epoch: 0, batch: 0 };
    }
    phase = 'casm';
    emit({ type: 'phase', step, phase });

    // --- epochs ---------------------------------------------------------------------------------
    // --- phase 2: CASM -------------------------------------------------------------------------
    for (let epoch = position.epoch; epoch < config.epochs; epoch++) {
      const epochStarted = performance.now();
      const batches = data.batchesPerEpoch(epoch);
      const startBatch = epoch === position.epoch ? position.batch : 0;
      if (startBatch === 0) epochStats.reset();
      const rates = learningRatesForEpoch(epoch, { lr: config.lr, lrMapping: config.lrMapping }, config.lrDecayEvery);
      trainer.setLearningRates(rates.lr, rates.lrMapping);

      let batchIndex = startBatch;
      lastStepEnd = performance.now();
      for await (const batch of data.trainBatches(epoch, startBatch)) {
        intervalDataWait += (performance.now() - lastStepEnd) / 1000;
        const decision = policy.decide(step);
        const adversary = policy.sampleAdversary();
        const stats: StepStats = await trainer.step({ kind: 'uint8', data: batch.data, n: batch.n, h: batch.h, w: batch.w }, batch.labels, { adversary, ...decision });
        step++;
        const pooled = adversary !== CURRENT_CLASSIFIER;
        epochStats.add(stats, pooled);
        interval.add(stats, pooled);

        const now = performance.now();
        const dt = (now - lastStepEnd) / 1000;
        lastStepEnd = now;
        secondsPerStep = secondsPerStep === null ? dt : secondsPerStep + THROUGHPUT_SMOOTHING * (dt - secondsPerStep);
        imagesPerSecond = dt > 0 ? (imagesPerSecond === 0 ? stats.batchSize / dt : imagesPerSecond + THROUGHPUT_SMOOTHING * (stats.batchSize / dt - imagesPerSecond)) : imagesPerSecond;
        const epochsLeft = config.epochs - epoch - (batchIndex + 1 === batches ? 1 : 0);
        const etaSeconds = secondsPerStep * (totalSteps - step) + lastValidationSeconds * Math.max(1, epochsLeft);
        emit({
          type: 'step',
          step,
          totalSteps,
          epoch,
          epochs: config.epochs,
          batch: batchIndex,
          batches,
          stats,
          adversary,
          poolSize: policy.poolIds().length,
          imagesPerSecond,
          etaSeconds,
          lambdaR,
          lr: rates.lr,
        });

        if (!stats.finite) {
          nonFiniteStreak++;
          warn(`step ${step}: non-finite loss or gradient, skipped the ${stats.skipped.join(' and ') || 'affected'} update`);
          if (nonFiniteStreak >= MAX_NON_FINITE_STREAK) {
            await checkpoint('interrupt', { phase, epoch, batch: batchIndex + 1 });
            throw new Error(`training diverged: ${nonFiniteStreak} consecutive non-finite steps (try a lower --lr or --lr-mapping); last checkpoint ${lastCheckpoint}`);
          }
        } else {
          nonFiniteStreak = 0;
        }

        const adjustment = maskArea?.observe(stats.maskMean, lambdaR);
        if (adjustment) {
          lambdaR = adjustment.next;
          trainer.setLambdaR(lambdaR);
          emit({ type: 'lambda', step, epoch, ...adjustment });
          record({ kind: 'lambda', epoch, ...adjustment });
        }

        if (step % config.logEvery === 0) {
          const intervalSeconds = (now - intervalStart) / 1000;
          const summary = interval.summary();
          const ips = intervalSeconds > 0 ? summary.images / intervalSeconds : 0;
          const dataWaitFraction = intervalSeconds > 0 ? intervalDataWait / intervalSeconds : 0;
          emit({ type: 'interval', step, epoch, batch: batchIndex, train: summary, imagesPerSecond: ips, dataWaitFraction, lambdaR, lr: rates.lr });
          record({ kind: 'interval', epoch, batch: batchIndex, imagesPerSecond: ips, dataWaitFraction, lambdaR, lr: rates.lr, lrMapping: rates.lrMapping, poolSize: policy.poolIds().length, train: summary });
          interval.reset();
          intervalStart = now;
          intervalDataWait = 0;
        }

        batchIndex++;
        if (await shouldStop()) return await interrupted({ phase, epoch, batch: batchIndex });
        // The epoch-end checkpoint follows right away when this was the last batch.
        if (config.checkpointEvery > 0 && step % config.checkpointEvery === 0 && batchIndex < batches) {
          await checkpoint('interval', { phase, epoch, batch: batchIndex });
        }
      }
      if (batchIndex !== batches) throw new Error(`epoch ${epoch}: the data yielded ${batchIndex} batches, expected ${batches}`);

      // --- epoch end: validation, λr control, record, checkpoint --------------------------------
      let val: ValidationSummary | null = null;
      let stoppedInValidation = false;
      if (leader && data.valImages > 0) {
        const total = config.valLimit > 0 ? Math.min(config.valLimit, data.valImages) : data.valImages;
        val = await validate(model, data.valBatches(config.valLimit), {
          signal,
          onBatch: (images) => emit({ type: 'validation', step, epoch, images, total }),
        });
        stoppedInValidation = val === null;
        if (val) lastValidationSeconds = val.seconds;
      }
      // Interrupted during validation: resume will validate this epoch again. The other ranks
      // wait here for rank 0's validation and learn whether it was interrupted.
      if (dist ? await dist.group.any(stoppedInValidation) : stoppedInValidation) return await interrupted({ phase, epoch, batch: batches });
      const train = epochStats.summary();
      const rec = { type: 'epoch' as const, step, epoch, epochs: config.epochs, train, val, lambdaR, lr: rates.lr, lrMapping: rates.lrMapping, seconds: (performance.now() - epochStarted) / 1000 };
      emit(rec);
      record({ kind: 'epoch', epoch, train, val, lambdaR, lr: rates.lr, lrMapping: rates.lrMapping, seconds: rec.seconds });
      lastEpoch = { train, val };
      epochStats.reset();
      await checkpoint('epoch', { phase, epoch: epoch + 1, batch: 0 });
      if (await shouldStop()) {
        emit({ type: 'done', step, runDir, interrupted: true, checkpoint: lastCheckpoint, weights: null, seconds: (performance.now() - started) / 1000 });
        return { runDir, config, steps: step, interrupted: true, checkpoint: lastCheckpoint, weights: null, lastEpoch, localization: null, lambdaR };
      }
    }

    // --- end of training ------------------------------------------------------------------------
    const weights = leader ? path.join(runDir, FINAL_WEIGHTS_FILE) : null;
    if (weights) await model.saveWeights(weights);
    let localization: LocalizationSummary | null = null;
    // Without a CASM epoch the decoder is untrained: its masks would score noise.
    if (leader && data.valHasBoxes && config.epochs > 0) {
      const score = options.scoreLocalization ?? (await loadDefaultLocalizationScorer());
      localization = await score(model, data, runDir);
      if (localization) {
        emit({ type: 'localization', step, result: localization });
        record({ kind: 'localization', ...localization });
      }
    }
    const decodeSkips = data.decodeSkips();
    if (decodeSkips.length) warn(`skipped ${decodeSkips.length} images that failed to decode during training (use --strict to fail instead); first: ${decodeSkips[0]!.origin}: ${decodeSkips[0]!.reason}`);
    const seconds = (performance.now() - started) / 1000;
    if (weights) record({ kind: 'done', weights: path.relative(runDir, weights), seconds });
    emit({ type: 'done', step, runDir, interrupted: false, checkpoint: lastCheckpoint, weights, seconds });
    return { runDir, config, steps: step, interrupted: false, checkpoint: lastCheckpoint, weights, lastEpoch, localization, lambdaR };
  } finally {
    if (!options.data) await data.close();
  }
}

/**
 * Which metrics records a checkpoint at (phase, step, pretrainStep) had already seen. Pretraining
 * records carry `pretrainStep`; a checkpoint has seen the records at its own step except the
 * end-of-run ones (an epoch-end checkpoint has seen its epoch record, a mid-epoch one has no
 * record at that step yet).
 */
function recordsSeenAt(phase: TrainPhase, step: number, pretrainStep: number): (r: { kind: string; step: number; pretrainStep?: unknown }) => boolean {
  const seenAt = (r: { kind: string }) => r.kind !== 'localization' && r.kind !== 'done';
  return (r) => {
    if (typeof r.pretrainStep === 'number') {
      if (phase === 'casm') return true;
      return r.pretrainStep < pretrainStep || (r.pretrainStep === pretrainStep && seenAt(r));
    }
    if (phase === 'pretrain') return false;
    return r.step < step || (r.step === step && seenAt(r));
  };
}

/** A fresh run must not write into a folder that already holds one: that is what --resume is for. */
async function refuseExistingRun(runDir: string): Promise<void> {
  try {
    await fs.access(path.join(checkpointsRoot(runDir), LATEST_POINTER));
  } catch {
    return;
  }
  throw new Error(`${runDir} already holds a training run; continue it with --resume ${runDir}, or choose another --out`);
}

function applyResumeOverrides(saved: TrainConfig, input: Partial<TrainConfig>): TrainConfig {
  // Checkpoints from before a knob existed trained with what is now its default (crop scale: the
  // spec's range, which was the default then).
  const config: TrainConfig = { ...TRAIN_DEFAULTS, ...saved, cropScale: saved.cropScale ?? [0.08, 1] };
  for (const key of RESUME_OVERRIDABLE) {
    const value = input[key];
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  validateTrainConfig(config);
  return config;
}

/** The pool the policy believes in must be the pool the native trainer holds, or resume is not exact. */
async function checkPoolsAgree(policy: ThinningPolicy, trainer: NativeTrainer): Promise<void> {
  const a = [...policy.poolIds()].sort((x, y) => x - y);
  const b = [...(await trainer.poolIds())].sort((x, y) => x - y);
  if (a.join(',') !== b.join(',')) throw new Error(`checkpoint is inconsistent: policy pool [${a}] but native pool [${b}]`);
}

// The defaults are imported lazily so that the loop (and its unit tests) do not require the addon
// or the image stack to be present.
async function loadDefaultAddon(): Promise<NativeAddon> {
  const { loadAddon } = await import('../native/loader.js');
  return loadAddon();
}

async function openDefaultData(config: TrainConfig, shard?: { rank: number; worldSize: number }): Promise<TrainData> {
  const { openTrainData } = await import('./dataset-adapter.js');
  return openTrainData(config, shard);
}

async function loadDefaultLocalizationScorer(): Promise<NonNullable<TrainOptions['scoreLocalization']>> {
  const { scoreLocalization } = await import('./localization.js');
  return scoreLocalization;
}
