// The training loop: optional classifier pretraining (src/train/pretrain.ts), then one fused native
// CASM step per batch, validation and checkpoints at epoch ends, checkpoints every N steps, λr
// steered toward a mask area, exact resume, cooperative interruption through an AbortSignal.
//
// Exactness of resume rests on three facts: (1) the data pipeline makes batch k of epoch e a pure
// function of (seed, e, k); (2) the thinning policy's random stream is part of the checkpoint;
// (3) native state (weights, BN statistics, optimiser moments, pooled snapshots) is saved whole.
// Nothing else random happens in a step.
import { rename } from 'node:fs/promises';
import * as path from 'node:path';
import { importWeightsOptions, modelOptions, stepOptions, trainerOptions } from '../native/defaults.js';
import { importAddon } from '../native/import-addon.js';
import type { NativeAddon, NativeModel, NativeProcessGroup, NativeTrainer, StepStats } from '../native/types.js';
import { saveCheckpoint } from './checkpoint-store.js';
import type { TrainConfig, TrainConfigInput } from './config.js';
import type { TrainData } from './data-source.js';
import { type Diagnosis, RunDiagnosis } from './diagnosis.js';
import type { DistributedRun } from './distributed.js';
import { runFingerprint, worldSizeMismatch } from './distributed.js';
import type { CheckpointReason, RunLocalisation, TrainEvent, ValidationSummary } from './events.js';
import { classifierInitFile } from './init-weights.js';
import { MaskAreaController } from './mask-area-target.js';
import { MetricsLog, recordsSeenByCheckpoint } from './metrics-log.js';
import type { SelectBy, SelectionScore } from './model-selection.js';
import { bestWeightsFile, ModelSelection, resolveSelectBy } from './model-selection.js';
import type { ThinningPolicy } from './policies/index.js';
import { CURRENT_CLASSIFIER, createPolicy } from './policies/index.js';
import { Pretraining } from './pretrain.js';
import { RunLog } from './run-log.js';
import { openRun } from './run-open.js';
import type { StatsSummary } from './running-stats.js';
import { RunningStats } from './running-stats.js';
import { learningRatesForEpoch } from './schedule.js';
import { StepMeter } from './step-meter.js';
import type { TrainPhase, TrainState } from './train-state.js';
import { serializeTrainState, TRAIN_STATE_FORMAT, TRAIN_STATE_VERSION } from './train-state.js';
import { validate } from './validation.js';

/** Progress, cancellation and resume for {@link train}. */
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
  scoreLocalization?: (model: NativeModel, data: TrainData, runDir: string) => Promise<RunLocalisation | null>;
  /**
   * Data-parallel training (src/train/distributed.ts): this process is one rank of a group. Every
   * rank runs this loop on its slice of each batch; rank 0 alone validates and writes the run
   * folder (checkpoints, metrics, weights). With `data` given, the caller shards it.
   */
  distributed?: DistributedRun;
}

/** What {@link train} returns: the run folder, the steps taken, whether it was interrupted, and the weights written. */
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
  localization: RunLocalisation | null;
  lambdaR: number;
  /** How the final model was chosen, and (val-le) its validation score. */
  selectBy: SelectBy;
  selected: SelectionScore | null;
  /** Findings about a run that is not learning (this process's part of the run). */
  diagnoses: Diagnosis[];
}

/** Consecutive non-finite steps after which the run is declared diverged. */
const MAX_NON_FINITE_STREAK = 20;

/** The file name of a run's final (or selected best) weights inside its run folder. */
export const FINAL_WEIGHTS_FILE = 'model.safetensors';
export { CONFIG_FILE } from './run-open.js';

interface Position {
  phase: TrainPhase;
  epoch: number;
  batch: number;
}

/**
 * Trains a CASM as `casm-native train` does: optional classifier pretraining, then the CASM phase,
 * with checkpoints, model selection and the final scores. `options.resume` continues a run;
 * `options.signal` stops after the current step with a checkpoint.
 */
export async function train(input: TrainConfigInput | TrainConfig, options: TrainOptions = {}): Promise<TrainResult> {
  const started = performance.now();
  const signal = options.signal;
  const dist = options.distributed && options.distributed.worldSize > 1 ? options.distributed : null;
  const worldSize = dist?.worldSize ?? 1;
  // Rank 0 writes the run folder; the others only train.
  const leader = !dist || dist.rank === 0;
  // Whether to stop after this step. Every rank must stop at the same step, so with several
  // processes the decision is the OR of all ranks' signals (one tiny all-reduce per step).
  const shouldStop = async (local = signal?.aborted ?? false): Promise<boolean> =>
    dist ? dist.group.any(local) : local;

  const { config, runDir, resume } = await openRun(input, options.resume, { writes: leader });
  if (resume && (resume.state.worldSize ?? 1) !== worldSize)
    throw worldSizeMismatch(resume.dir, resume.state.worldSize ?? 1, worldSize);
  // Only rank 0 keeps metrics.jsonl; the other ranks' events go to their onProgress alone.
  const metrics = leader ? new MetricsLog(runDir) : null;
  const log = new RunLog(options.onProgress ?? (() => undefined), metrics, runDir);
  let step = resume?.state.step ?? 0;

  const data =
    options.data ?? (await openDefaultData(config, dist ? { rank: dist.rank, worldSize: dist.worldSize } : undefined));
  try {
    if (resume && resume.state.classIds.join('\n') !== data.classIds.join('\n')) {
      throw new Error(
        `the dataset at ${config.data} has different classes than the checkpoint ${resume.dir}: refusing to resume`,
      );
    }
    const { model, trainer } = await createModelAndTrainer(
      options.addon ?? (await importAddon()),
      config,
      data,
      resume === null,
      (m) => log.warn(step, m),
      dist?.group,
    );
    // Rank 0 alone diagnoses (it alone validates); the others would repeat its findings.
    if (leader) log.diagnosis = new RunDiagnosis(data.numClasses);
    const policy = createPolicy({ ...config });
    const pretraining = config.pretrainEpochs > 0 ? new Pretraining(config, trainer, model, data) : null;
    const maskArea =
      config.targetMaskArea !== null
        ? new MaskAreaController({ target: config.targetMaskArea, every: config.maskAreaEvery })
        : null;
    const selectBy = resolveSelectBy(config.selectBy ?? 'last', !!data.selection && data.selection.samples.length > 0);
    const selection =
      selectBy === 'val-le' && leader && config.epochs > 0 ? new ModelSelection(runDir, config.selectEvery ?? 0) : null;
    const epochStats = new RunningStats();
    // The interval in progress is checkpointed too, so interval records after a resume match.
    const interval = new RunningStats();
    let lambdaR = config.lambdaR;
    let position: Position = { phase: pretraining ? 'pretrain' : 'casm', epoch: 0, batch: 0 };
    let elapsedBefore = 0;

    if (resume) {
      const saved = resume.state;
      await trainer.loadCheckpoint(resume.dir);
      policy.restore(saved.policy);
      await checkPoolsAgree(policy, trainer);
      epochStats.restore(saved.epochStats);
      interval.restore(saved.intervalStats);
      pretraining?.restore(saved.pretrain);
      maskArea?.restore(saved.maskArea);
      await selection?.restore(saved.selection);
      log.diagnosis?.restore(saved.diagnosis);
      lambdaR = saved.lambdaR;
      position = { phase: saved.position.phase ?? 'casm', epoch: saved.position.epoch, batch: saved.position.batch };
      elapsedBefore = saved.elapsedSeconds;
      // Records after the checkpoint will be written again by this process.
      await metrics?.retain(recordsSeenByCheckpoint(position.phase, step, pretraining?.steps ?? 0));
      log.record({
        kind: 'resume',
        step,
        ...(position.phase === 'pretrain' ? { pretrainStep: pretraining?.steps ?? 0 } : {}),
        from: resume.dir,
      });
    }
    trainer.setLambdaR(lambdaR);
    if (dist) {
      // Every rank starts from rank 0's weights (as DDP does), and all must be the same run at the same point.
      const agree = await dist.group.allEqual(
        runFingerprint(config, { step, ...position, phase: position.phase }, data.classIds),
      );
      if (!agree) {
        throw new Error(
          `rank ${dist.rank}: the ${worldSize} processes disagree on the run (its configuration, --out, the dataset's classes or the checkpoint they resume): ` +
            'start every rank with the same arguments',
        );
      }
      await trainer.broadcastModel(0);
    }

    let totalSteps = 0;
    for (let e = 0; e < config.epochs; e++) totalSteps += data.batchesPerEpoch(e);
    log.publish({
      type: 'start',
      step,
      runDir,
      config,
      resumedFrom: resume?.dir ?? null,
      phase: position.phase,
      epoch: position.epoch,
      batch: position.batch,
      batchesPerEpoch: data.batchesPerEpoch(0),
      totalSteps,
      pretrainSteps: pretraining?.totalSteps ?? 0,
      trainImages: data.trainImages,
      valImages: data.valImages,
      skippedSamples: data.skipped.length,
      model: model.info(),
    });
    if (data.skipped.length)
      log.warn(
        step,
        `skipped ${data.skipped.length} unreadable samples while reading the dataset (use --strict to fail instead); first: ${data.skipped[0]!.origin}: ${data.skipped[0]!.reason}`,
      );

    // --- checkpoints and the run's result ---------------------------------------------------------
    let lastCheckpoint: string | null = resume?.dir ?? null;
    const sessionStart = performance.now();
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
        ...(selection ? { selection: selection.state() } : {}),
        ...(log.diagnosis ? { diagnosis: log.diagnosis.state() } : {}),
        classIds: data.classIds,
        worldSize,
        elapsedSeconds: elapsedBefore + (performance.now() - sessionStart) / 1000,
        savedAt: new Date().toISOString(),
      };
      const inPretraining = at.phase === 'pretrain' && pretraining !== null;
      const save = (dir: string) => trainer.saveCheckpoint(dir, serializeTrainState(state));
      const saved = await saveCheckpoint(
        runDir,
        inPretraining ? pretraining.steps : step,
        config.keepCheckpoints,
        save,
        inPretraining ? 'pretrain' : 'casm',
      );
      lastCheckpoint = saved.dir;
      log.publish({ type: 'checkpoint', step, dir: saved.dir, reason, seconds: (performance.now() - t0) / 1000 });
      return saved.dir;
    };
    let lastEpoch: TrainResult['lastEpoch'] = null;
    const stopped = (dir: string): TrainResult => {
      log.publish({
        type: 'done',
        step,
        runDir,
        interrupted: true,
        checkpoint: dir,
        weights: null,
        seconds: (performance.now() - started) / 1000,
      });
      return {
        runDir,
        config,
        steps: step,
        interrupted: true,
        checkpoint: dir,
        weights: null,
        lastEpoch,
        localization: null,
        lambdaR,
        selectBy,
        selected: selection?.best ?? null,
        diagnoses: log.diagnosis?.found ?? [],
      };
    };
    const interrupted = async (at: Position): Promise<TrainResult> => stopped(await checkpoint('interrupt', at));
    // Scores the current model's validation masks for model selection (not interruptible: it is
    // short, and a resumed run must not miss a scoring the uninterrupted run made).
    const scoreForSelection = async (epoch: number): Promise<void> => {
      if (!selection || !data.selection) return;
      const started = performance.now();
      const { scoreModelMasks } = await import('./localisation.js');
      const scores = await scoreModelMasks(model, data.selection.batches(), data.selection.samples);
      const s = scores?.summary;
      if (!s) return;
      const score: SelectionScore = { step, epoch, images: s.images, LE: s.LE, OM: s.OM, F1: s.F1 };
      const isBest = await selection.consider(score, (file) => model.saveWeights(file));
      const best = selection.best!;
      log.publish({
        type: 'selection',
        ...score,
        best: isBest,
        bestStep: best.step,
        bestLE: best.LE,
        bestF1: best.F1,
        seconds: (performance.now() - started) / 1000,
      });
    };
    if (await shouldStop()) return await interrupted(position);

    // --- phase 1: classifier pretraining (f(0)) -------------------------------------------------
    if (pretraining && position.phase === 'pretrain') {
      log.publish({ type: 'phase', step, phase: 'pretrain' });
      log.pretrainStep = () => pretraining.steps;
      const outcome = await pretraining.run(position, {
        log,
        checkpoint: (reason, at) => checkpoint(reason, { phase: 'pretrain', ...at }),
        signal,
        shouldStop,
        validates: leader,
      });
      log.pretrainStep = null;
      if (!outcome.finished) return stopped(outcome.checkpoint);
      position = { phase: 'casm', epoch: 0, batch: 0 };
    }
    log.publish({ type: 'phase', step, phase: 'casm' });

    // --- phase 2: CASM -------------------------------------------------------------------------
    const meter = new StepMeter();
    let lastValidationSeconds = 0;
    let nonFiniteStreak = 0;
    for (let epoch = position.epoch; epoch < config.epochs; epoch++) {
      const epochStarted = performance.now();
      const batches = data.batchesPerEpoch(epoch);
      const startBatch = epoch === position.epoch ? position.batch : 0;
      if (startBatch === 0) epochStats.reset();
      const rates = learningRatesForEpoch(epoch, { lr: config.lr, lrMapping: config.lrMapping }, config.lrDecayEvery);
      trainer.setLearningRates(rates.lr, rates.lrMapping);

      let batchIndex = startBatch;
      meter.restart();
      for await (const batch of data.trainBatches(epoch, startBatch)) {
        meter.batchArrived();
        const decision = policy.decide(step);
        const adversary = policy.sampleAdversary();
        const stats: StepStats = await trainer.step(
          { kind: 'uint8', data: batch.data, n: batch.n, h: batch.h, w: batch.w },
          batch.labels,
          stepOptions({ adversary, ...decision }),
        );
        step++;
        const pooled = adversary !== CURRENT_CLASSIFIER;
        epochStats.add(stats, pooled);
        interval.add(stats, pooled);

        const speed = meter.stepDone(stats.batchSize);
        const epochsLeft = config.epochs - epoch - (batchIndex + 1 === batches ? 1 : 0);
        const etaSeconds = speed.secondsPerStep * (totalSteps - step) + lastValidationSeconds * Math.max(1, epochsLeft);
        const poolSize = policy.poolIds().length;
        log.publish({
          type: 'step',
          step,
          totalSteps,
          epoch,
          epochs: config.epochs,
          batch: batchIndex,
          batches,
          stats,
          adversary,
          poolSize,
          imagesPerSecond: speed.imagesPerSecond,
          etaSeconds,
          lambdaR,
          lr: rates.lr,
        });

        if (!stats.finite) {
          nonFiniteStreak++;
          log.warn(
            step,
            `step ${step}: non-finite loss or gradient, skipped the ${stats.skipped.join(' and ') || 'affected'} update`,
          );
          if (nonFiniteStreak >= MAX_NON_FINITE_STREAK) {
            await checkpoint('interrupt', { phase: 'casm', epoch, batch: batchIndex + 1 });
            throw new Error(
              `training diverged: ${nonFiniteStreak} consecutive non-finite steps (try a lower --lr or --lr-mapping); last checkpoint ${lastCheckpoint}`,
            );
          }
        } else {
          nonFiniteStreak = 0;
        }

        const adjustment = maskArea?.observe(stats.maskMean, lambdaR);
        if (adjustment) {
          lambdaR = adjustment.next;
          trainer.setLambdaR(lambdaR);
          log.publish({ type: 'lambda', step, epoch, ...adjustment });
        }

        if (step % config.logEvery === 0) {
          const train = interval.summary();
          const { imagesPerSecond, dataWaitFraction } = meter.closeInterval(train.images);
          log.publish({
            type: 'interval',
            step,
            epoch,
            batch: batchIndex,
            train,
            imagesPerSecond,
            dataWaitFraction,
            lambdaR,
            lr: rates.lr,
            lrMapping: rates.lrMapping,
            poolSize,
          });
          interval.reset();
        }

        batchIndex++;
        if (selection?.due(step, false) && batchIndex < batches) await scoreForSelection(epoch);
        if (await shouldStop()) return await interrupted({ phase: 'casm', epoch, batch: batchIndex });
        // The epoch-end checkpoint follows right away when this was the last batch.
        if (config.checkpointEvery > 0 && step % config.checkpointEvery === 0 && batchIndex < batches) {
          await checkpoint('interval', { phase: 'casm', epoch, batch: batchIndex });
        }
      }
      if (batchIndex !== batches)
        throw new Error(`epoch ${epoch}: the data yielded ${batchIndex} batches, expected ${batches}`);

      // --- epoch end: validation, record, checkpoint -----------------------------------------------
      let val: ValidationSummary | null = null;
      let stoppedInValidation = false;
      if (leader && data.valImages > 0) {
        const total = config.valLimit > 0 ? Math.min(config.valLimit, data.valImages) : data.valImages;
        val = await validate(model, data.valBatches(config.valLimit), {
          signal,
          onBatch: (images) => log.publish({ type: 'validation', step, epoch, images, total }),
        });
        stoppedInValidation = val === null;
        if (val) lastValidationSeconds = val.seconds;
      }
      // Interrupted during validation: resume will validate this epoch again. The other ranks
      // wait here for rank 0's validation and learn whether it was interrupted.
      if (await shouldStop(stoppedInValidation)) return await interrupted({ phase: 'casm', epoch, batch: batches });
      const train = epochStats.summary();
      log.publish({
        type: 'epoch',
        step,
        epoch,
        epochs: config.epochs,
        train,
        val,
        lambdaR,
        lr: rates.lr,
        lrMapping: rates.lrMapping,
        seconds: (performance.now() - epochStarted) / 1000,
      });
      lastEpoch = { train, val };
      epochStats.reset();
      await scoreForSelection(epoch);
      const dir = await checkpoint('epoch', { phase: 'casm', epoch: epoch + 1, batch: 0 });
      if (await shouldStop()) return stopped(dir);
    }

    // --- end of training ------------------------------------------------------------------------
    const weights = leader ? path.join(runDir, FINAL_WEIGHTS_FILE) : null;
    const selected = selection?.best ?? null;
    if (leader && selection && selected) {
      // The run ends with the selected model: it is what is scored below and exported.
      if (selected.step !== step)
        await model.importWeights(bestWeightsFile(runDir, selected.step), importWeightsOptions({ strict: true }));
      log.publish({ type: 'selected', step, rule: selectBy, selected });
      await selection.prune();
    }
    if (weights) {
      const tmp = path.join(runDir, `.tmp-${process.pid}-${FINAL_WEIGHTS_FILE}`);
      await model.saveWeights(tmp);
      await rename(tmp, weights);
    }
    let localization: RunLocalisation | null = null;
    // Without a CASM epoch the decoder is untrained: its masks would score noise.
    if (leader && data.scoreHasBoxes && config.epochs > 0) {
      const score = options.scoreLocalization ?? (await loadDefaultLocalisationScorer());
      localization = await score(model, data, runDir);
      if (localization) log.publish({ type: 'localization', step, result: localization });
    }
    const decodeSkips = data.decodeSkips();
    if (decodeSkips.length)
      log.warn(
        step,
        `skipped ${decodeSkips.length} images that failed to decode during training (use --strict to fail instead); first: ${decodeSkips[0]!.origin}: ${decodeSkips[0]!.reason}`,
      );
    log.publish({
      type: 'done',
      step,
      runDir,
      interrupted: false,
      checkpoint: lastCheckpoint,
      weights,
      seconds: (performance.now() - started) / 1000,
    });
    return {
      runDir,
      config,
      steps: step,
      interrupted: false,
      checkpoint: lastCheckpoint,
      weights,
      lastEpoch,
      localization,
      lambdaR,
      selectBy,
      selected,
      diagnoses: log.diagnosis?.found ?? [],
    };
  } finally {
    if (!options.data) await data.close();
  }
}

/** The networks (initialised, or f(0) from --init-weights for a new run) and their trainer. */
async function createModelAndTrainer(
  addon: NativeAddon,
  config: TrainConfig,
  data: TrainData,
  isNewRun: boolean,
  warn: (message: string) => void,
  processGroup?: NativeProcessGroup,
): Promise<{ model: NativeModel; trainer: NativeTrainer }> {
  const model = new addon.Model(
    modelOptions({
      arch: config.arch,
      numClasses: data.numClasses,
      device: config.device,
      separateEncoder: config.separateEncoder,
      upsample: config.maskUpsample,
      seed: config.seed,
    }),
  );
  await model.init();
  if (isNewRun && config.initWeights) {
    const init = await classifierInitFile(config.initWeights);
    try {
      const { loaded, skipped } = await model.importWeights(init.path, importWeightsOptions());
      if (skipped.length)
        warn(
          `--init-weights: loaded ${loaded} tensors, skipped ${skipped.length} (${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', …' : ''})`,
        );
    } finally {
      await init.cleanup();
    }
  }
  const trainer = new addon.Trainer(
    model,
    trainerOptions({
      lr: config.lr,
      lrMapping: config.lrMapping,
      weightDecay: config.weightDecay,
      momentum: config.momentum,
      lambdaR: config.lambdaR,
      score: config.score,
      classifierLoss: config.classifierLoss,
      objective: config.objective,
      maskInWeight: config.maskInWeight,
      fixedClassifier: config.fixedClassifier,
      amp: config.amp,
      ...(processGroup ? { processGroup } : {}),
    }),
  );
  return { model, trainer };
}

/** The pool the policy believes in must be the pool the native trainer holds, or resume is not exact. */
async function checkPoolsAgree(policy: ThinningPolicy, trainer: NativeTrainer): Promise<void> {
  const a = [...policy.poolIds()].sort((x, y) => x - y);
  const b = [...(await trainer.poolIds())].sort((x, y) => x - y);
  if (a.join(',') !== b.join(','))
    throw new Error(`checkpoint is inconsistent: policy pool [${a}] but native pool [${b}]`);
}

// The default data source is imported lazily so that the loop (and its unit tests) do not require
// the image stack to be present.
async function openDefaultData(config: TrainConfig, shard?: { rank: number; worldSize: number }): Promise<TrainData> {
  const { openTrainData } = await import('./dataset-adapter.js');
  return openTrainData(config, shard);
}

async function loadDefaultLocalisationScorer(): Promise<NonNullable<TrainOptions['scoreLocalization']>> {
  const { scoreLocalization } = await import('./localisation.js');
  return scoreLocalization;
}
