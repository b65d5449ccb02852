// The typed front of the addon: Model and Trainer with one promise queue per model, so calls on
// one model (and its trainers) run in order even when JS fires them concurrently.
import { copyBatch, copyLabels } from './batch-copy.js';
import { loadAddon } from './loader.js';
import type {
  Batch,
  ModelInfo,
  ModelOptions,
  NativeModel,
  NativeTrainer,
  SaliencyResult,
  StepOptions,
  PretrainStepOptions,
  PretrainStepStats,
  StepStats,
  TrainerOptions,
} from './types.js';

class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const next = this.tail.then(job, job);
    // A failed job must not poison the jobs queued after it.
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class Model {
  /** @internal */ readonly native: NativeModel;
  /** @internal */ readonly queue = new SerialQueue();

  private constructor(native: NativeModel) {
    this.native = native;
  }

  /** Builds a model (weights initialised as the authors do, seeded). */
  static async create(opts: ModelOptions): Promise<Model> {
    const addon = loadAddon();
    const native = new addon.Model(opts);
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
    return this.native.info();
  }

  /** The batch is copied now: the caller may reuse its buffer as soon as this returns. */
  saliency(batch: Batch, opts: { amp?: boolean } = {}): Promise<SaliencyResult> {
    const input = copyBatch(batch);
    return this.queue.run(() => this.native.saliency(input, opts));
  }

  importWeights(path: string, opts: { prefix?: 'classifier.' | 'decoder.' | 'encoder.'; strict?: boolean } = {}) {
    return this.queue.run(() => this.native.importWeights(path, opts));
  }

  saveWeights(path: string): Promise<void> {
    return this.queue.run(() => this.native.saveWeights(path));
  }

  stateDict(prefix = ''): Promise<Record<string, { shape: number[]; data: Float32Array }>> {
    return this.queue.run(() => this.native.stateDict(prefix));
  }

  tapShapes(h: number, w: number): Promise<Record<string, number[]>> {
    return this.queue.run(() => this.native.tapShapes(h, w));
  }
}

export class Trainer {
  private readonly native: NativeTrainer;
  readonly model: Model;

  constructor(model: Model, opts: TrainerOptions) {
    const addon = loadAddon();
    this.model = model;
    this.native = new addon.Trainer(model.native, opts);
  }

  /** Batch and labels are copied now: the caller may reuse its buffers as soon as this returns. */
  step(batch: Batch, labels: Int32Array, opts: StepOptions): Promise<StepStats> {
    const input = copyBatch(batch);
    const targets = copyLabels(labels);
    return this.model.queue.run(() => this.native.step(input, targets, opts));
  }

  /** Classifier-only pretraining step (f(0)): cross-entropy on the clean batch, SGD at `lr`. */
  pretrainStep(batch: Batch, labels: Int32Array, opts: PretrainStepOptions): Promise<PretrainStepStats> {
    return this.model.queue.run(() => this.native.pretrainStep(batch, labels, opts));
  }

  snapshot(id: number): Promise<void> {
    return this.model.queue.run(() => this.native.snapshot(id));
  }

  release(id: number): Promise<void> {
    return this.model.queue.run(() => this.native.release(id));
  }

  poolIds(): Promise<number[]> {
    return this.model.queue.run(() => this.native.poolIds());
  }

  setLearningRates(lr: number, lrMapping: number): Promise<void> {
    return this.model.queue.run(async () => this.native.setLearningRates(lr, lrMapping));
  }

  setLambdaR(lambdaR: number): Promise<void> {
    return this.model.queue.run(async () => this.native.setLambdaR(lambdaR));
  }

  saveCheckpoint(dir: string, stateJson: string): Promise<void> {
    return this.model.queue.run(() => this.native.saveCheckpoint(dir, stateJson));
  }

  loadCheckpoint(dir: string): Promise<string> {
    return this.model.queue.run(() => this.native.loadCheckpoint(dir));
  }
}
