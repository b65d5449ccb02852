// What train() reports through onProgress. The CLI renders these (bar, plain lines or JSON); API
// users get the same objects. Every event carries the global step it belongs to.

import type { LocalisationSummary } from '../metrics/score-mask.js';
import type { ModelInfo, StepStats } from '../native/types.js';
import type { TrainConfig } from './config.js';
import type { DiagnosisCode } from './diagnosis.js';
import type { SelectionScore } from './model-selection.js';
import type { StatsSummary } from './running-stats.js';

/** Validation figures reported at an epoch end. */
export interface ValidationSummary {
  images: number;
  accClean: number;
  accMasked: number;
  maskMean: number;
  /** Standard deviation of per-image mask means. */
  maskStd: number;
  /** −Σ m·log2 m / #pixels over pixels with 0 < m < 1 (spec, mask statistics). */
  maskEntropy: number;
  /** Mean squared horizontal plus mean squared vertical difference. */
  totalVariation: number;
  seconds: number;
}

/** The end-of-training score: the scorer's means, the file they were written to and the baseline. */
export interface RunLocalisation extends LocalisationSummary {
  file: string;
  /** Split the scores are on. */
  split?: string | null;
  /** The centre-box baseline (score.py --toy center) on the same images. */
  centerBaseline?: { LE: number; F1: number };
}

/** Sums of classifier pretraining over an interval or an epoch. */
export interface PretrainSummary {
  steps: number;
  images: number;
  /** Mean cross-entropy on clean images. */
  loss: number;
  accuracy: number;
  nonFinite: number;
}

/** Why a checkpoint was written. */
export type CheckpointReason = 'interval' | 'epoch' | 'interrupt' | 'final';

/** The progress events {@link train} passes to `onProgress`. */
export type TrainEvent =
  | {
      type: 'start';
      step: number;
      runDir: string;
      config: TrainConfig;
      resumedFrom: string | null;
      /** Phase the run starts (or resumes) in. */
      phase: 'pretrain' | 'casm';
      epoch: number;
      batch: number;
      batchesPerEpoch: number;
      totalSteps: number;
      /** Classifier pretraining steps before the CASM phase (0: none). */
      pretrainSteps: number;
      trainImages: number;
      valImages: number;
      skippedSamples: number;
      model: ModelInfo;
    }
  | {
      type: 'step';
      step: number;
      totalSteps: number;
      epoch: number;
      epochs: number;
      /** Index of the batch just trained, in this epoch. */
      batch: number;
      batches: number;
      stats: StepStats;
      adversary: number;
      poolSize: number;
      /** Throughput over recent steps, including data loading. */
      imagesPerSecond: number;
      etaSeconds: number | null;
      lambdaR: number;
      lr: number;
    }
  | {
      type: 'interval';
      step: number;
      epoch: number;
      batch: number;
      train: StatsSummary;
      imagesPerSecond: number;
      /** Share of the interval's wall time the loop waited for the next batch. */
      dataWaitFraction: number;
      lambdaR: number;
      lr: number;
      lrMapping: number;
      poolSize: number;
    }
  | {
      type: 'pretrain-step';
      /** CASM steps done: 0 while pretraining. */
      step: number;
      /** Pretraining steps done, of pretrainSteps. */
      pretrainStep: number;
      pretrainSteps: number;
      epoch: number;
      epochs: number;
      batch: number;
      batches: number;
      loss: number;
      accuracy: number;
      lr: number;
      imagesPerSecond: number;
      /** Seconds left in pretraining. */
      etaSeconds: number;
    }
  | {
      type: 'pretrain-interval';
      step: number;
      pretrainStep: number;
      epoch: number;
      batch: number;
      train: PretrainSummary;
      imagesPerSecond: number;
      dataWaitFraction: number;
      lr: number;
    }
  | {
      type: 'pretrain-epoch';
      step: number;
      pretrainStep: number;
      epoch: number;
      epochs: number;
      train: PretrainSummary;
      /** Clean top-1 accuracy on the validation split. */
      val: { images: number; accClean: number; seconds: number } | null;
      lr: number;
      seconds: number;
    }
  | { type: 'validation'; step: number; epoch: number; images: number; total: number }
  | {
      type: 'epoch';
      step: number;
      epoch: number;
      epochs: number;
      train: StatsSummary;
      val: ValidationSummary | null;
      lambdaR: number;
      lr: number;
      lrMapping: number;
      seconds: number;
    }
  | (SelectionScore & {
      /** Validation masks scored for model selection (src/train/model-selection.ts). */
      type: 'selection';
      /** This model became the best so far. */
      best: boolean;
      bestStep: number;
      bestLE: number;
      bestF1: number;
      seconds: number;
    })
  | {
      /** The model the run ends with (scored at the end and exported as model.safetensors). */
      type: 'selected';
      step: number;
      rule: 'val-le' | 'last';
      selected: { step: number; epoch: number; images: number; LE: number; OM: number; F1: number };
    }
  | { type: 'lambda'; step: number; epoch: number; previous: number; next: number; meanMask: number; target: number }
  | { type: 'phase'; step: number; phase: 'pretrain' | 'casm' }
  | { type: 'checkpoint'; step: number; dir: string; reason: CheckpointReason; seconds: number }
  | { type: 'warning'; step: number; message: string }
  /** A run that is not learning (src/train/diagnosis.ts): what was seen, the likely cause, the fixing flag. */
  | { type: 'diagnosis'; step: number; code: DiagnosisCode; message: string }
  | { type: 'localization'; step: number; result: RunLocalisation }
  | {
      type: 'done';
      step: number;
      runDir: string;
      interrupted: boolean;
      checkpoint: string | null;
      weights: string | null;
      seconds: number;
    };

/** The `type` of a {@link TrainEvent}. */
export type TrainEventType = TrainEvent['type'];
