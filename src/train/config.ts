// The complete description of a training run. Everything a run depends on is in TrainConfig, and a
// checkpoint stores it verbatim, so a resumed run needs nothing but the checkpoint. Presets only
// supply defaults: any knob set explicitly wins.
import { MODEL_DEFAULTS, TRAINER_DEFAULTS } from '../native/defaults.js';
import type { Arch } from '../native/types.js';
import type { SelectByFlag } from './model-selection.js';
import type { PresetName, ScoreName } from './presets.js';
import { DEFAULT_PRESET, getPreset } from './presets.js';
import { runDirProblem } from './run-dir-guard.js';

/** Every setting of a training run; `casm-native train`'s flags map onto it. */
export interface TrainConfig {
  /** Dataset root or manifest (see src/data). */
  data: string;
  split: string;
  /** Validation split; null: no validation (and no localisation score unless scoreSplit is set). */
  valSplit: string | null;
  /** Split scored for LE/OM/F1 at the end; null: the validation split. */
  scoreSplit: string | null;
  arch: Arch;
  /** Final ×4 upsampling of the mask: 'nearest' (the authors') or 'bilinear' (smoother masks and boxes). */
  maskUpsample: 'nearest' | 'bilinear';
  imageSize: number;
  batchSize: number;
  epochs: number;
  /** Each epoch visits this random fraction of the training set. */
  epochFraction: number;
  /** RandomResizedCrop area range of the training transform, fractions of the image (spec: [0.08, 1]). */
  cropScale: [number, number];
  lr: number;
  lrMapping: number;
  lrDecayEvery: number;
  weightDecay: number;
  momentum: number;
  preset: PresetName;
  lambdaR: number;
  score: ScoreName;
  fixedClassifier: boolean;
  hp: number;
  snapshotEvery: number | 'first' | null;
  poolSize: number;
  separateEncoder: boolean;
  classifierLoss: 'two-step' | 'mixed';
  /** 'out': the authors' masked-out objective; 'in-out' adds λ_in · CE on the masked-in image. */
  objective: 'out' | 'in-out';
  /** λ_in of objective 'in-out'. */
  maskInWeight: number;
  initWeights: string | null;
  device: string;
  amp: boolean;
  seed: number;
  /** Run folder: checkpoints/, metrics.jsonl, model.safetensors, localization.json. */
  out: string;
  /** Fail on the first unreadable sample instead of skipping it. */
  strict: boolean;
  /** Let manifest paths point outside the dataset folder (src/data/confine.ts); absent in older state.json. */
  allowOutsideRoot?: boolean;
  /** Checkpoint every N steps (0: only at epoch ends). */
  checkpointEvery: number;
  keepCheckpoints: number;
  /** Classifier-only epochs (clean cross-entropy, the whole training split) before CASM: f(0). */
  pretrainEpochs: number;
  /** Optimiser of pretraining: Adam reaches a usable f(0) in far fewer steps than SGD from scratch. */
  pretrainOptimizer: 'adam' | 'sgd';
  /** Peak learning rate of pretraining (linear warm-up, then cosine decay to 0). */
  pretrainLr: number;
  /** RandomResizedCrop area range of pretraining; null: cropScale. */
  pretrainCropScale: [number, number] | null;
  /** Steer λr toward this mean mask during training; null: keep λr fixed. */
  targetMaskArea: number | null;
  /** Steps per λr control window under targetMaskArea. */
  maskAreaEvery: number;
  /** Write an interval record to metrics.jsonl every N steps. */
  logEvery: number;
  /** Cap on validation images per epoch (0: all). Localisation at the end always uses all. */
  valLimit: number;
  /**
   * Which model the run ends with (src/train/model-selection.ts): 'val-le' the lowest LE on the
   * validation split's boxes, 'last' the last step's, 'auto' val-le when the validation split has
   * boxes. Absent in older state.json: last.
   */
  selectBy?: SelectByFlag;
  /** Score the validation masks every N CASM steps for selection, besides each epoch end (0: epoch ends only). */
  selectEvery?: number;
}

/** A {@link TrainConfig} with only `data` required; the rest comes from the defaults, presets and recipes. */
export type TrainConfigInput = Partial<TrainConfig> & Pick<TrainConfig, 'data'>;

/** A run's defaults; those of the networks and the trainer come from the addon's table (src/native/defaults.ts). */
export const TRAIN_DEFAULTS = {
  split: 'train',
  valSplit: 'val',
  scoreSplit: null,
  arch: 'resnet50',
  maskUpsample: MODEL_DEFAULTS.upsample,
  imageSize: 224,
  batchSize: 128,
  epochs: 60,
  epochFraction: 0.2,
  cropScale: [0.08, 1] as [number, number],
  lr: TRAINER_DEFAULTS.lr,
  lrMapping: TRAINER_DEFAULTS.lrMapping,
  lrDecayEvery: 20,
  weightDecay: TRAINER_DEFAULTS.weightDecay,
  momentum: TRAINER_DEFAULTS.momentum,
  score: TRAINER_DEFAULTS.score,
  poolSize: 30,
  separateEncoder: MODEL_DEFAULTS.separateEncoder,
  classifierLoss: TRAINER_DEFAULTS.classifierLoss,
  objective: TRAINER_DEFAULTS.objective,
  maskInWeight: TRAINER_DEFAULTS.maskInWeight,
  initWeights: null,
  device: MODEL_DEFAULTS.device,
  amp: TRAINER_DEFAULTS.amp,
  seed: MODEL_DEFAULTS.seed,
  strict: false,
  checkpointEvery: 1000,
  keepCheckpoints: 3,
  pretrainEpochs: 0,
  pretrainOptimizer: 'adam',
  pretrainLr: 2e-3,
  pretrainCropScale: null,
  targetMaskArea: null,
  maskAreaEvery: 10,
  logEvery: 50,
  valLimit: 0,
  selectBy: 'auto',
  selectEvery: 0,
} as const satisfies Partial<TrainConfig>;

/** Fills in defaults (preset first, then the global ones) and checks every value. */
export function resolveTrainConfig(input: TrainConfigInput): TrainConfig {
  const preset = getPreset(input.preset ?? DEFAULT_PRESET);
  const score = input.score ?? TRAIN_DEFAULTS.score;
  const config: TrainConfig = {
    ...TRAIN_DEFAULTS,
    cropScale: [...TRAIN_DEFAULTS.cropScale],
    preset: preset.name,
    fixedClassifier: preset.fixedClassifier,
    hp: preset.hp,
    snapshotEvery: preset.snapshotEvery,
    lambdaR: preset.lambdaR[score],
    out: defaultRunDir(preset.name),
    ...stripUndefined(input),
    data: input.data,
    score,
  };
  validateTrainConfig(config);
  return config;
}

/** runs/<preset>-<UTC timestamp>, so that two runs never share a folder by accident. */
export function defaultRunDir(preset: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `runs/${preset}-${stamp}`;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(`invalid training configuration: ${message}`);
}

const positiveInt = (v: number) => Number.isInteger(v) && v > 0;
const nonNegativeInt = (v: number) => Number.isInteger(v) && v >= 0;

function isCropScale(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((v) => typeof v === 'number' && Number.isFinite(v)) &&
    value[0] > 0 &&
    value[0] <= value[1] &&
    value[1] <= 1
  );
}

/** Throws an error naming the setting when a configuration is out of range. */
export function validateTrainConfig(c: TrainConfig): void {
  check(typeof c.data === 'string' && c.data.length > 0, '--data is required');
  check(
    c.maskUpsample === 'nearest' || c.maskUpsample === 'bilinear',
    `mask upsampling must be nearest or bilinear, got ${c.maskUpsample}`,
  );
  check(
    positiveInt(c.imageSize) && c.imageSize % 32 === 0,
    `image size must be a positive multiple of 32, got ${c.imageSize}`,
  );
  check(positiveInt(c.batchSize), `batch size must be a positive integer, got ${c.batchSize}`);
  check(nonNegativeInt(c.epochs), `epochs must be a non-negative integer, got ${c.epochs}`);
  // --epochs 0 with pretraining makes a classifier only (an f(0) to share between runs).
  check(
    c.epochs > 0 || c.pretrainEpochs > 0,
    'epochs must be positive (0 only together with --pretrain-epochs, to pretrain a classifier alone)',
  );
  check(c.epochFraction > 0 && c.epochFraction <= 1, `epoch fraction must be in (0, 1], got ${c.epochFraction}`);
  check(
    isCropScale(c.cropScale),
    `crop scale must be [min, max] with 0 < min <= max <= 1, got ${JSON.stringify(c.cropScale)}`,
  );
  for (const k of ['lr', 'lrMapping'] as const)
    check(Number.isFinite(c[k]) && c[k] > 0, `${k} must be positive, got ${c[k]}`);
  check(nonNegativeInt(c.lrDecayEvery), `lr decay interval must be a non-negative integer, got ${c.lrDecayEvery}`);
  check(Number.isFinite(c.weightDecay) && c.weightDecay >= 0, `weight decay must be >= 0, got ${c.weightDecay}`);
  check(Number.isFinite(c.lambdaR) && c.lambdaR >= 0, `λr must be >= 0, got ${c.lambdaR}`);
  check(
    c.score === 'entropy' || c.score === 'classification',
    `score must be entropy or classification, got ${c.score}`,
  );
  check(
    c.classifierLoss === 'two-step' || c.classifierLoss === 'mixed',
    `classifier loss must be two-step or mixed, got ${c.classifierLoss}`,
  );
  check(c.objective === 'out' || c.objective === 'in-out', `objective must be out or in-out, got ${c.objective}`);
  check(
    Number.isFinite(c.maskInWeight) && c.maskInWeight >= 0,
    `mask-in weight must be a finite number >= 0, got ${c.maskInWeight}`,
  );
  check(c.hp >= 0 && c.hp <= 1, `hp must be in [0, 1], got ${c.hp}`);
  check(
    c.snapshotEvery === null || c.snapshotEvery === 'first' || positiveInt(c.snapshotEvery),
    `snapshot interval must be 'first', a positive integer or null, got ${c.snapshotEvery}`,
  );
  check(positiveInt(c.poolSize), `pool size must be a positive integer, got ${c.poolSize}`);
  // A trained classifier with hp > 0 but nothing pooled would silently be preset L.
  check(
    c.fixedClassifier || c.hp === 0 || c.snapshotEvery !== null,
    `hp ${c.hp} needs a snapshot interval (--snapshot-every N|first)`,
  );
  check(!c.fixedClassifier || c.hp === 0, 'a fixed classifier (preset F) is always its own adversary: hp must be 0');
  check(/^(cpu|cuda(:\d+)?)$/.test(c.device), `device must be cpu, cuda or cuda:N, got ${c.device}`);
  check(Number.isInteger(c.seed) && c.seed >= 0 && c.seed <= 0xffffffff, `seed must be a uint32, got ${c.seed}`);
  check(
    nonNegativeInt(c.checkpointEvery),
    `checkpoint interval must be a non-negative integer, got ${c.checkpointEvery}`,
  );
  check(positiveInt(c.keepCheckpoints), `keep-checkpoints must be a positive integer, got ${c.keepCheckpoints}`);
  check(
    c.targetMaskArea === null || (c.targetMaskArea > 0 && c.targetMaskArea < 1),
    `target mask area must be in (0, 1), got ${c.targetMaskArea}`,
  );
  check(positiveInt(c.maskAreaEvery), `mask-area control window must be a positive integer, got ${c.maskAreaEvery}`);
  check(nonNegativeInt(c.pretrainEpochs), `pretraining epochs must be a non-negative integer, got ${c.pretrainEpochs}`);
  check(Number.isFinite(c.pretrainLr) && c.pretrainLr > 0, `pretraining lr must be positive, got ${c.pretrainLr}`);
  check(
    c.pretrainCropScale === null || isCropScale(c.pretrainCropScale),
    `pretraining crop scale must be [min, max] with 0 < min <= max <= 1, got ${JSON.stringify(c.pretrainCropScale)}`,
  );
  check(
    c.pretrainOptimizer === 'adam' || c.pretrainOptimizer === 'sgd',
    `pretraining optimiser must be adam or sgd, got ${c.pretrainOptimizer}`,
  );
  check(
    c.scoreSplit === null || (typeof c.scoreSplit === 'string' && c.scoreSplit.length > 0),
    `score split must be a split name, got ${JSON.stringify(c.scoreSplit)}`,
  );
  check(positiveInt(c.logEvery), `log interval must be a positive integer, got ${c.logEvery}`);
  check(nonNegativeInt(c.valLimit), `validation limit must be a non-negative integer, got ${c.valLimit}`);
  check(
    c.selectBy === undefined || ['auto', 'val-le', 'last'].includes(c.selectBy),
    `select-by must be auto, val-le or last, got ${c.selectBy}`,
  );
  check(
    c.selectEvery === undefined || nonNegativeInt(c.selectEvery),
    `select-every must be a non-negative integer, got ${c.selectEvery}`,
  );
  const outProblem =
    typeof c.out === 'string' ? runDirProblem(c.out, c.data, [c.split, c.valSplit, c.scoreSplit]) : undefined;
  check(outProblem === undefined, outProblem ?? '');
}

/**
 * Knobs that may change when a run is resumed: they do not alter what has been computed so far.
 * (Changing `epochs` extends or shortens the run; `data` allows a moved dataset folder.)
 */
export const RESUME_OVERRIDABLE = [
  'epochs',
  'data',
  'scoreSplit',
  'checkpointEvery',
  'keepCheckpoints',
  'logEvery',
  'device',
  'strict',
  'valLimit',
  'allowOutsideRoot',
] as const satisfies readonly (keyof TrainConfig)[];
