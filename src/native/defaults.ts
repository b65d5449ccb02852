// The one table of defaults for everything that crosses into the addon. The binding has none of
// its own: it reads every option as required and throws a TypeError naming a missing one, and the
// native structs are filled field by field from what it read. So a default changes here, once,
// and cannot drift between TypeScript, the binding and C++ (the way sharp's constructor fills
// every option before calling libvips). Every call into the raw addon goes through a fill below.
import type {
  ImportWeightsOptions,
  ModelOptions,
  NativeImportWeightsOptions,
  NativeModelOptions,
  NativeProcessGroupOptions,
  NativeSaliencyOptions,
  NativeStepOptions,
  NativeTrainerOptions,
  ProcessGroupOptions,
  SaliencyOptions,
  StepOptions,
  TrainerOptions,
} from './types.js';

/** Model options the caller may leave out (arch and numClasses it may not). */
export const MODEL_DEFAULTS = {
  device: 'cpu',
  separateEncoder: false,
  /** The authors' final ×4 upsampling of the mask. */
  upsample: 'nearest',
  seed: 0,
} as const satisfies Partial<ModelOptions>;

/** Trainer options the caller may leave out (lambdaR it may not: it depends on preset and score). */
export const TRAINER_DEFAULTS = {
  lr: 1e-3,
  lrMapping: 1e-3,
  weightDecay: 1e-4,
  momentum: 0.9,
  score: 'entropy',
  classifierLoss: 'two-step',
  /** The authors' masked-out objective; 'in-out' adds the masked-in term with weight maskInWeight. */
  objective: 'out',
  maskInWeight: 1,
  fixedClassifier: false,
  clipNorm: 10,
  amp: false,
  /** Only used with amp on CUDA: pooled snapshots in bf16 halve the pool's memory. */
  poolDtype: 'bf16',
  freezeBatchNorm: false,
} as const satisfies Partial<TrainerOptions>;

/** torchrun's defaults for the rendezvous; 30 minutes before a silent rank fails the run. */
export const PROCESS_GROUP_DEFAULTS = {
  masterAddr: '127.0.0.1',
  masterPort: 29500,
  timeoutSeconds: 1800,
  backend: 'gloo',
  device: 'cpu',
} as const satisfies Partial<ProcessGroupOptions>;

/** -1: no snapshot taken, none released. */
export const STEP_DEFAULTS = {
  snapshotId: -1,
  releaseId: -1,
  returnTensors: false,
} as const satisfies Partial<StepOptions>;

/** Defaults of `model.saliency`. */
export const SALIENCY_DEFAULTS = { amp: false } as const satisfies SaliencyOptions;

/** prefix '': the file's names are used as they are. */
export const IMPORT_WEIGHTS_DEFAULTS = { prefix: '', strict: false } as const satisfies ImportWeightsOptions;

/** `defaults` overlaid with the options the caller set (an undefined value counts as unset). */
function fill<D extends object, O extends object>(defaults: D, opts: O): D & O {
  const set = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  return { ...defaults, ...set } as D & O;
}

/** Complete raw options for the addon's model constructor: the given ones over MODEL_DEFAULTS. */
export const modelOptions = (opts: ModelOptions): NativeModelOptions => fill(MODEL_DEFAULTS, opts);
/** Complete raw trainer options: the given ones over TRAINER_DEFAULTS. */
export const trainerOptions = (opts: TrainerOptions): NativeTrainerOptions => fill(TRAINER_DEFAULTS, opts);
/** Complete process-group options: the given ones over PROCESS_GROUP_DEFAULTS. */
export const processGroupOptions = (opts: ProcessGroupOptions): NativeProcessGroupOptions =>
  fill(PROCESS_GROUP_DEFAULTS, opts);
/** Complete options of one training step: the given ones over the step defaults. */
export const stepOptions = (opts: StepOptions): NativeStepOptions => fill(STEP_DEFAULTS, opts);
/** Complete saliency options: the given ones over SALIENCY_DEFAULTS. */
export const saliencyOptions = (opts: SaliencyOptions = {}): NativeSaliencyOptions => fill(SALIENCY_DEFAULTS, opts);
/** Complete weight-import options: the given ones over the import defaults. */
export const importWeightsOptions = (opts: ImportWeightsOptions = {}): NativeImportWeightsOptions =>
  fill(IMPORT_WEIGHTS_DEFAULTS, opts);
