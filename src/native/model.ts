// The typed front of the addon: Model and Trainer with one promise queue per model, so calls on
// one model (and its trainers) run in order even when JS fires them concurrently. dispose() frees
// native memory now rather than whenever the garbage collector gets to the wrappers, which on a
// GPU or with several models in one process is too late.

import type { OnnxExportOptions } from '../onnx/export.js';
import { copyBatch, copyLabels } from './batch-copy.js';
import { importWeightsOptions, modelOptions, saliencyOptions, stepOptions, trainerOptions } from './defaults.js';
import { loadAddon } from './loader.js';
import type {
  ActivationMapOptions,
  ActivationMapResult,
  Batch,
  ImportWeightsOptions,
  ModelInfo,
  ModelOptions,
  NativeModel,
  NativeTrainer,
  PretrainStepOptions,
  PretrainStepStats,
  SaliencyOptions,
  SaliencyResult,
  StepOptions,
  StepStats,
  TrainerOptions,
} from './types.js';

class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  run<T>(job: () => Promise<T>): Promise<T> {
    this.pending++;
    const next = this.tail.then(job, job).finally(() => this.pending--);
    // A failed job must not poison the jobs queued after it.
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** No job queued or running. */
  get idle(): boolean {
    return this.pending === 0;
  }

  /**
   * Runs `release` now when idle, else right after the jobs queued so far: calls made before a
   * dispose() still complete, and memory goes back as soon as they have.
   */
  afterPending(release: () => void): void {
    if (this.idle) release();
    else void this.run(async () => release()).catch(() => undefined);
  }
}

/** Thrown by any call on a Model or Trainer after its dispose(). */
export class DisposedError extends Error {
  constructor(what: 'Model' | 'Trainer') {
    super(`this ${what} was disposed; ${what === 'Model' ? 'create or load a new one' : 'create a new one'}`);
    this.name = 'DisposedError';
  }
}

/** A classifier and mask decoder in native memory. Create with `Model.create`, load with `Model.load` or {@link loadTrainedModel}; free with `dispose()`. */
export class Model {
  /** @internal */ readonly native: NativeModel;
  /** @internal */ readonly queue = new SerialQueue();
  /** @internal Trainers that hold this model's networks; disposed with it. Weak, so a trainer
   * dropped without dispose() can still be collected. */
  readonly trainers = new Set<WeakRef<Trainer>>();
  #disposed = false;

  private constructor(native: NativeModel) {
    this.native = native;
  }

  /** True after dispose(). */
  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * Frees the networks' memory (and that of every Trainer on this model) without waiting for
   * garbage collection: at once when no call is pending, else as soon as the calls made before
   * dispose() have completed. Idempotent. Later calls throw a DisposedError (promises reject
   * with it).
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const ref of [...this.trainers]) ref.deref()?.dispose();
    this.trainers.clear();
    this.queue.afterPending(() => this.native.dispose());
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** @internal */
  assertLive(): void {
    if (this.#disposed) throw new DisposedError('Model');
  }

  /** Queues a native call, or rejects at once when disposed. */
  private run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#disposed) return Promise.reject(new DisposedError('Model'));
    return this.queue.run(job);
  }

  /** Builds a model (weights initialised as the authors do, seeded). */
  static async create(opts: ModelOptions): Promise<Model> {
    const addon = loadAddon();
    const native = new addon.Model(modelOptions(opts));
    await native.init();
    return new Model(native);
  }

  /** Rebuilds the architecture a checkpoint or model.safetensors describes, then loads its weights. */
  static async load(path: string, opts: { device?: string } = {}): Promise<Model> {
    const { readModelMetadata } = await import('./model-metadata.js');
    const meta = readModelMetadata(path);
    const model = await Model.create({ ...meta.options, device: opts.device ?? 'cpu' });
    await model.importWeights(meta.weightsPath, { strict: true });
    return model;
  }

  info(): ModelInfo {
    this.assertLive();
    return this.native.info();
  }

  /** The batch is copied now: the caller may reuse its buffer as soon as this returns. */
  saliency(batch: Batch, opts: SaliencyOptions = {}): Promise<SaliencyResult> {
    const input = copyBatch(batch);
    const complete = saliencyOptions(opts);
    return this.run(() => this.native.saliency(input, complete));
  }

  /**
   * CAM or Grad-CAM of class `classes[i]` for image i from this model's classifier (the paper's
   * Table 1 baselines). Batch and classes are copied now.
   */
  activationMaps(batch: Batch, classes: Int32Array, opts: ActivationMapOptions): Promise<ActivationMapResult> {
    const input = copyBatch(batch);
    const targets = copyLabels(classes);
    const complete = { method: opts.method, layer: opts.layer };
    return this.run(() => this.native.activationMaps(input, targets, complete));
  }

  importWeights(path: string, opts: ImportWeightsOptions = {}) {
    const complete = importWeightsOptions(opts);
    return this.run(() => this.native.importWeights(path, complete));
  }

  saveWeights(path: string): Promise<void> {
    return this.run(() => this.native.saveWeights(path));
  }

  stateDict(prefix = ''): Promise<Record<string, { shape: number[]; data: Float32Array }>> {
    return this.run(() => this.native.stateDict(prefix));
  }

  tapShapes(h: number, w: number): Promise<Record<string, number[]>> {
    return this.run(() => this.native.tapShapes(h, w));
  }

  /**
   * The mask model as an ONNX file's bytes (uint8 RGB NHWC in; mask, optionally logits, out), from
   * the current weights; see docs/onnx.md. `writeOnnx` in the package root writes it to a file.
   */
  async exportOnnx(opts: OnnxExportOptions = {}): Promise<Uint8Array> {
    const { exportOnnx } = await import('../onnx/export.js');
    return exportOnnx(this, opts);
  }
}

/** Trains a {@link Model}: the fused CASM step, optimisers, the snapshot pool and checkpoints, in native memory. Free with `dispose()`. */
export class Trainer {
  private readonly native: NativeTrainer;
  readonly model: Model;
  #disposed = false;
  readonly #self = new WeakRef(this);

  constructor(model: Model, opts: TrainerOptions) {
    model.assertLive();
    const addon = loadAddon();
    this.model = model;
    this.native = new addon.Trainer(model.native, trainerOptions(opts));
    model.trainers.add(this.#self);
  }

  /** True after dispose() (its own, or its model's). */
  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * Frees the optimiser state and the snapshot pool (at once, or right after the calls already
   * made on this model). Idempotent; the model stays usable. Later calls reject with a
   * DisposedError.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.model.trainers.delete(this.#self);
    this.model.queue.afterPending(() => this.native.dispose());
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Queues a native call on the model's queue, or rejects at once when disposed. */
  private run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#disposed) return Promise.reject(new DisposedError('Trainer'));
    return this.model.queue.run(job);
  }

  /** Batch and labels are copied now: the caller may reuse its buffers as soon as this returns. */
  step(batch: Batch, labels: Int32Array, opts: StepOptions): Promise<StepStats> {
    const input = copyBatch(batch);
    const targets = copyLabels(labels);
    const complete = stepOptions(opts);
    return this.run(() => this.native.step(input, targets, complete));
  }

  /** Classifier-only pretraining step (f(0)): cross-entropy on the clean batch, one SGD or Adam update at `lr`. Copies its inputs now. */
  pretrainStep(batch: Batch, labels: Int32Array, opts: PretrainStepOptions): Promise<PretrainStepStats> {
    const input = copyBatch(batch);
    const targets = copyLabels(labels);
    return this.run(() => this.native.pretrainStep(input, targets, opts));
  }

  snapshot(id: number): Promise<void> {
    return this.run(() => this.native.snapshot(id));
  }

  release(id: number): Promise<void> {
    return this.run(() => this.native.release(id));
  }

  poolIds(): Promise<number[]> {
    return this.run(() => this.native.poolIds());
  }

  setLearningRates(lr: number, lrMapping: number): Promise<void> {
    return this.run(async () => this.native.setLearningRates(lr, lrMapping));
  }

  setLambdaR(lambdaR: number): Promise<void> {
    return this.run(async () => this.native.setLambdaR(lambdaR));
  }

  saveCheckpoint(dir: string, stateJson: string): Promise<void> {
    return this.run(() => this.native.saveCheckpoint(dir, stateJson));
  }

  loadCheckpoint(dir: string): Promise<string> {
    return this.run(() => this.native.loadCheckpoint(dir));
  }

  /** Data-parallel: overwrites weights and BN statistics with rank `root`'s (default 0). */
  broadcastModel(root = 0): Promise<void> {
    return this.run(() => this.native.broadcastModel(root));
  }
}
