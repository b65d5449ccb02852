// The shape of the compiled addon (binding/). Everything that touches tensors lives behind these
// interfaces; the TypeScript layer only ever sees plain numbers, Buffers and Float32Arrays.

/**
 * The architectures the addon builds: resnet10 = basic blocks [1, 1, 1, 1] (no torchvision
 * counterpart), the others as torchvision; 'custom' takes `block` and `layers`.
 */
export const ARCHS = ['resnet10', 'resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'custom'] as const;
/** The classifier architectures: torchvision ResNets and ResNet-10. */
export type Arch = (typeof ARCHS)[number];

/** Options left out take MODEL_DEFAULTS (src/native/defaults.ts). */
export interface ModelOptions {
  arch: Arch;
  /** Only for arch 'custom'. */
  block?: 'basic' | 'bottleneck';
  /** Only for arch 'custom': blocks per stage, e.g. [1, 1, 1, 1]. */
  layers?: number[];
  numClasses: number;
  /** 'cpu', 'cuda' or 'cuda:N'. */
  device?: string;
  /** The not-shared ablation: the mapping owns a separate ResNet encoder. */
  separateEncoder?: boolean;
  /** Final ×4 upsampling of the mask: 'nearest' (the authors') or 'bilinear'. */
  upsample?: 'nearest' | 'bilinear';
  /** Seed for the weight initialisation. */
  seed?: number;
}

/** What the addon's Model takes: every option set (src/native/defaults.ts fills them). */
export type NativeModelOptions = Required<Omit<ModelOptions, 'block' | 'layers'>> &
  Pick<ModelOptions, 'block' | 'layers'>;

/** A model's architecture, block counts, class count, device, decoder settings and parameter counts. */
export interface ModelInfo {
  arch: Arch;
  block: 'basic' | 'bottleneck';
  layers: number[];
  numClasses: number;
  device: string;
  separateEncoder: boolean;
  upsample: 'nearest' | 'bilinear';
  classifierParameters: number;
  decoderParameters: number;
}

/**
 * A batch crossing into native code: either uint8 NHWC pixels (RGB, 0..255; normalised with the
 * ImageNet mean/std on the device) or float32 NCHW values that are already normalised.
 */
export type Batch =
  | { kind: 'uint8'; data: Uint8Array; n: number; h: number; w: number }
  | { kind: 'float32'; data: Float32Array; n: number; h: number; w: number };

/** Masks (n×h×w, in [0, 1]) and the classifier's logits for a batch. */
export interface SaliencyResult {
  n: number;
  h: number;
  w: number;
  /** [n, h, w] masks in [0, 1] at input size (1 = needed for classification). */
  masks: Float32Array;
  /** [n, numClasses] classifier logits on the clean input. */
  logits: Float32Array;
}

/** The class-dependent baselines of the paper's Table 1 (computed from the classifier alone). */
export type ActivationMapMethod = 'cam' | 'gradcam';
/** Where an activation map is read: the output of ResNet stage 1..4 (strides 4, 8, 16, 32). */
export type ActivationMapLayer = 'l1' | 'l2' | 'l3' | 'l4';

/** Which activation map to compute: CAM or Grad-CAM, and at which layer. */
export interface ActivationMapOptions {
  /** 'cam': Σ_k w_{c,k} A_k with the fc weights of class c (layer l4 only); 'gradcam': ReLU(Σ_k α_k A_k), α_k = spatial mean of ∂logit_c/∂A_k. */
  method: ActivationMapMethod;
  layer: ActivationMapLayer;
}

/** Activation maps, one h×w map per image normalised to [0, 1], with the logits. */
export interface ActivationMapResult {
  n: number;
  h: number;
  w: number;
  /** [n, h, w] maps at input size (bilinear upsampling), min-max normalised per image to [0, 1]; a constant map is all zeros. */
  maps: Float32Array;
  /** [n, numClasses] classifier logits on the clean input. */
  logits: Float32Array;
}

/** Options left out take TRAINER_DEFAULTS (src/native/defaults.ts). */
export interface TrainerOptions {
  /** Classifier SGD learning rate. */
  lr?: number;
  /** Decoder Adam learning rate. */
  lrMapping?: number;
  /** Coupled weight decay for both optimisers. */
  weightDecay?: number;
  /** SGD momentum. */
  momentum?: number;
  lambdaR: number;
  score?: 'entropy' | 'classification';
  classifierLoss?: 'two-step' | 'mixed';
  /**
   * The mapping's objective. 'out' (the authors'): the adversary must fail on the masked-out image
   * x·(1−m). 'in-out' adds maskInWeight · CE(adversary(x·m), y): it must also still classify the
   * masked-in image (Phang, Park & Geras 2020). The gradient of either term reaches the mapping only.
   */
  objective?: 'out' | 'in-out';
  /** λ_in, the weight of the masked-in cross-entropy under objective 'in-out' (ignored under 'out'). */
  maskInWeight?: number;
  /** Preset F: the classifier is in eval mode, never updated, and its own adversary. */
  fixedClassifier?: boolean;
  /** Total-norm clip of the decoder gradient. */
  clipNorm?: number;
  /** bf16 autocast on CUDA. */
  amp?: boolean;
  /** Storage of pooled snapshots with amp on CUDA: 'bf16' (conv/fc weights) or 'fp32'. */
  poolDtype?: 'bf16' | 'fp32';
  /**
   * BN layers use and keep their running statistics (eval mode) while everything else trains:
   * each image's loss then depends on that image alone (data-parallel shards add up exactly to
   * the global batch).
   */
  freezeBatchNorm?: boolean;
  /**
   * Data-parallel training: every update uses gradients averaged over the group's ranks (each
   * weighted by its batch size), BN statistics are averaged after every step, and the returned
   * statistics describe the global batch.
   */
  processGroup?: NativeProcessGroup;
}

/** What the addon's Trainer takes: every option set; processGroup only for data-parallel runs. */
export type NativeTrainerOptions = Required<Omit<TrainerOptions, 'processGroup'>> &
  Pick<TrainerOptions, 'processGroup'>;

/** Options left out take PROCESS_GROUP_DEFAULTS (src/native/defaults.ts). */
export interface ProcessGroupOptions {
  rank: number;
  worldSize: number;
  /** Host of rank 0's rendezvous store (torchrun's MASTER_ADDR). */
  masterAddr?: string;
  /** Port of rank 0's rendezvous store (torchrun's MASTER_PORT). */
  masterPort?: number;
  /** Rendezvous and every collective fail after this long instead of hanging. */
  timeoutSeconds?: number;
  /** 'gloo' (CPU tensors) or 'nccl' (CUDA, one GPU per process). */
  backend?: 'gloo' | 'nccl';
  /** Device of the model ('cpu', 'cuda:N'); NCCL needs the rank's GPU. */
  device?: string;
}

/** Complete process-group options, as the raw addon takes them. */
export type NativeProcessGroupOptions = Required<ProcessGroupOptions>;

/**
 * This process's membership in a data-parallel group (LibTorch c10d). Collectives match by order:
 * every rank must make the same calls (steps included) in the same order, each awaited.
 */
export interface NativeProcessGroup {
  readonly rank: number;
  readonly worldSize: number;
  readonly backend: string;
  /** Whether every rank passed the same text (compared by a 63-bit digest). */
  allEqual(text: string): Promise<boolean>;
  /** Logical OR of the ranks' flags. */
  any(flag: boolean): Promise<boolean>;
}

/** Options of one fused CASM step: the adversary, and the snapshots to store or release. */
export interface StepOptions {
  /** -1: the current classifier; otherwise the id of a pooled snapshot. */
  adversary: number;
  /** After the clean classifier step, store a snapshot of the classifier under this id. */
  snapshotId?: number;
  /** Release this snapshot before storing the new one (uniform replacement in a full pool). */
  releaseId?: number;
  /** Also return the per-image tensors (used by the conformance runner and tests). */
  returnTensors?: boolean;
}

/** Complete step options, as the raw addon takes them. */
export type NativeStepOptions = Required<StepOptions>;

/** Options of `model.saliency`. */
export interface SaliencyOptions {
  /** bf16 autocast on CUDA. */
  amp?: boolean;
}
/** Complete saliency options, as the raw addon takes them. */
export type NativeSaliencyOptions = Required<SaliencyOptions>;

/** Options of `model.importWeights`: under which part of the model to load the file, and whether every tensor must be present. */
export interface ImportWeightsOptions {
  /** Load the file's tensors under this part of the model (a plain torchvision classifier file has no prefix). */
  prefix?: '' | 'classifier.' | 'decoder.' | 'encoder.';
  /** Fail unless every tensor of the model is in the file. */
  strict?: boolean;
}
/** Complete weight-import options, as the raw addon takes them. */
export type NativeImportWeightsOptions = Required<ImportWeightsOptions>;

/** What one fused CASM step reports: its losses, accuracies and mean mask. */
export interface StepStats {
  lossClean: number;
  lossMasked: number;
  lossMapping: number;
  /** Images classified correctly on clean / masked input (counts, not fractions). */
  correctClean: number;
  correctMasked: number;
  batchSize: number;
  maskMean: number;
  /** Standard deviation of per-image mask means. */
  maskStd: number;
  decoderGradNorm: number;
  /** Under objective 'in-out': cross-entropy and correct count on the masked-in input x·m (0 otherwise). */
  lossMaskedIn?: number;
  correctMaskedIn?: number;
  /** False when a loss or gradient was NaN/Inf; the affected update was skipped. */
  finite: boolean;
  /** Which update(s) a non-finite value skipped ('clean', 'masked'), empty when finite. */
  skipped: string[];
  tensors?: {
    cleanLogits: Float32Array;
    maskedLogits: Float32Array;
    mask: Float32Array;
    correctOnClean: Uint8Array;
    nontriviallyConfused: Uint8Array;
    /** Under objective 'in-out' only: the adversary's logits on x·m. */
    maskedInLogits?: Float32Array;
  };
}

/** A model object of the raw addon: every call runs on a worker thread and returns a Promise. */
export interface NativeModel {
  /** Builds the networks (on a worker thread); every other method needs it first. */
  init(): Promise<void>;
  info(): ModelInfo;
  saliency(batch: Batch, opts: NativeSaliencyOptions): Promise<SaliencyResult>;
  /** CAM / Grad-CAM of the class `classes[i]` for image i (Int32Array, one per image). */
  activationMaps(batch: Batch, classes: Int32Array, opts: ActivationMapOptions): Promise<ActivationMapResult>;
  /** Loads classifier (+ decoder) weights: a torchvision .pth / .safetensors or our model.safetensors. */
  importWeights(path: string, opts: NativeImportWeightsOptions): Promise<{ loaded: number; skipped: string[] }>;
  /** Writes model.safetensors (classifier.*, decoder.*, encoder.*). */
  saveWeights(path: string): Promise<void>;
  /** Named tensors for tests and export: returns float32 copies. */
  stateDict(prefix?: string): Promise<Record<string, { shape: number[]; data: Float32Array }>>;
  /** Forward shapes of the feature taps l0..l4 and logits for an input of size h×w. */
  tapShapes(h: number, w: number): Promise<Record<string, number[]>>;
  /** Drops the networks (idempotent); later calls throw. */
  dispose(): void;
}

/** Options of one classifier pretraining step: learning rate and optimiser. */
export interface PretrainStepOptions {
  lr: number;
  optimizer: 'sgd' | 'adam';
}

/** What one classifier pretraining step reports: loss and correct predictions. */
export interface PretrainStepStats {
  /** Cross-entropy on the clean batch. */
  loss: number;
  correct: number;
  batchSize: number;
  /** False when the loss was NaN/Inf; the update was skipped. */
  finite: boolean;
}

/** A trainer object of the raw addon: the fused step, pretraining step, snapshots and checkpoints. */
export interface NativeTrainer {
  step(batch: Batch, labels: Int32Array, opts: NativeStepOptions): Promise<StepStats>;
  /**
   * Classifier-only step (pretraining of f(0)): cross-entropy on clean images, one SGD (momentum,
   * as the CASM phase's) or Adam update at `lr`, with optimiser state of its own; the decoder is
   * untouched. Works for preset F too.
   */
  pretrainStep(batch: Batch, labels: Int32Array, opts: PretrainStepOptions): Promise<PretrainStepStats>;
  snapshot(id: number): Promise<void>;
  release(id: number): Promise<void>;
  poolIds(): Promise<number[]>;
  setLearningRates(lr: number, lrMapping: number): void;
  setLambdaR(lambdaR: number): void;
  /**
   * Writes a checkpoint folder atomically: model.safetensors, optimizer.safetensors,
   * pool.safetensors and state.json (the given JSON text, written verbatim).
   */
  saveCheckpoint(dir: string, stateJson: string): Promise<void>;
  /** Restores model, optimisers and pool from a checkpoint folder; returns state.json's text. */
  loadCheckpoint(dir: string): Promise<string>;
  /** Data-parallel: overwrites weights and BN statistics with rank `root`'s (default 0). */
  broadcastModel(root?: number): Promise<void>;
  /** Drops optimiser state, pool and the model reference (idempotent); later calls throw. */
  dispose(): void;
}

/** The raw addon as loaded from its binary; the typed wrappers `Model` and `Trainer` are built on it. */
export interface NativeAddon {
  /** The raw addon takes complete options only: fill them with src/native/defaults.ts. */
  Model: new (
    opts: NativeModelOptions,
  ) => NativeModel;
  Trainer: new (model: NativeModel, opts: NativeTrainerOptions) => NativeTrainer;
  /** Joins a data-parallel group; settles once all ranks have joined. Throws in builds without distributed support. */
  ProcessGroup: { connect(opts: NativeProcessGroupOptions): Promise<NativeProcessGroup> };
  versions(): { libtorch: string; cuda: string | null; cudnn: string | null; addon: string; abi: number };
  environment(): {
    cudaAvailable: boolean;
    cudaDevices: number;
    threads: number;
    mkldnn: boolean;
    distributed?: string[];
  };
  setThreads(n: number): void;
  /** Caching-allocator statistics (bytes) of a CUDA device; null in CPU builds or without a GPU. */
  cudaMemory(device?: number): { allocated: number; peak: number; reserved: number } | null;
  resetCudaPeak(device?: number): void;
}
