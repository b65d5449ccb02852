// A deterministic stand-in for the native addon and the data pipeline, so the loop's orchestration
// (policy calls, LR schedule, checkpoints, resume, interruption) can be tested without LibTorch.
// The fake "weights" are a running hash of everything a real step depends on: the batch, the
// adversary, snapshot/release ids, learning rates and λr. Two runs end with equal weights only if
// they fed the trainer the same sequence of calls.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ImageBatch } from '../../src/data/types.js';
import type {
  Batch,
  ModelOptions,
  NativeAddon,
  NativeModel,
  NativeStepOptions,
  NativeTrainer,
  StepStats,
  TrainerOptions,
} from '../../src/native/types.js';
import type { TrainData } from '../../src/train/data-source.js';

function mix(h: number, v: number): number {
  // FNV-style mix over the float's string form: exact and order-sensitive.
  const s = String(v);
  let x = h >>> 0;
  for (let i = 0; i < s.length; i++) x = Math.imul(x ^ s.charCodeAt(i), 16777619) >>> 0;
  return Math.imul(x ^ 0x2c, 16777619) >>> 0;
}

export class FakeModel implements NativeModel {
  weights = 2166136261;
  constructor(readonly opts: ModelOptions) {
    this.weights = mix(this.weights, opts.seed ?? 0);
  }
  async init() {}
  info() {
    return {
      arch: this.opts.arch,
      block: 'basic' as const,
      layers: [2, 2, 2, 2],
      numClasses: this.opts.numClasses,
      device: this.opts.device ?? 'cpu',
      separateEncoder: !!this.opts.separateEncoder,
      upsample: 'nearest' as const,
      classifierParameters: 1,
      decoderParameters: 1,
    };
  }
  async saliency(batch: Batch) {
    const { n, h, w } = batch;
    const k = this.opts.numClasses;
    const masks = new Float32Array(n * h * w).fill(0.25);
    const logits = new Float32Array(n * k);
    // Clean input: predict (first byte % k); masked float input: always class 0.
    for (let i = 0; i < n; i++) {
      const cls = batch.kind === 'uint8' ? batch.data[i * h * w * 3]! % k : 0;
      logits[i * k + cls] = 1;
    }
    return { n, h, w, masks, logits };
  }
  async importWeights() {
    return { loaded: 0, skipped: [] };
  }
  async saveWeights(file: string) {
    writeFileSync(file, JSON.stringify({ weights: this.weights }));
  }
  async stateDict() {
    return { w: { shape: [1], data: new Float32Array([this.weights]) } };
  }
  async tapShapes() {
    return {};
  }
}

export class FakeTrainer implements NativeTrainer {
  pool = new Map<number, number>();
  lr = 0;
  lrMapping = 0;
  lambdaR: number;
  calls: NativeStepOptions[] = [];
  /** Learning rate of each pretraining step. */
  pretrainCalls: number[] = [];
  constructor(
    readonly model: FakeModel,
    readonly opts: TrainerOptions,
  ) {
    this.lambdaR = opts.lambdaR;
  }
  async step(batch: Batch, labels: Int32Array, opts: NativeStepOptions): Promise<StepStats> {
    this.calls.push({ ...opts });
    const m = this.model;
    // As the addon: complete options, -1 for "no release" / "no snapshot".
    if (opts.releaseId >= 0) {
      if (!this.pool.delete(opts.releaseId)) throw new Error(`release of unknown snapshot ${opts.releaseId}`);
    }
    let sum = 0;
    for (let i = 0; i < batch.data.length; i += 7) sum += batch.data[i]!;
    for (const l of labels) sum = sum * 31 + l;
    m.weights = mix(m.weights, sum);
    m.weights = mix(m.weights, this.lr);
    m.weights = mix(m.weights, this.lrMapping);
    m.weights = mix(m.weights, this.lambdaR);
    if (opts.snapshotId >= 0) {
      if (this.pool.has(opts.snapshotId)) throw new Error(`snapshot id ${opts.snapshotId} in use`);
      this.pool.set(opts.snapshotId, m.weights);
    }
    if (opts.adversary !== -1) {
      const adv = this.pool.get(opts.adversary);
      if (adv === undefined) throw new Error(`adversary ${opts.adversary} is not pooled`);
      m.weights = mix(m.weights, adv);
    }
    return {
      lossClean: 1,
      lossMasked: 2,
      lossMapping: -0.5,
      correctClean: batch.n,
      correctMasked: 0,
      batchSize: batch.n,
      maskMean: 0.5,
      maskStd: 0.1,
      decoderGradNorm: 1,
      finite: true,
      skipped: [],
    };
  }
  async pretrainStep(batch: Batch, labels: Int32Array, opts: { lr: number; optimizer: 'sgd' | 'adam' }) {
    this.pretrainCalls.push(opts.lr);
    let sum = 0;
    for (let i = 0; i < batch.data.length; i += 7) sum += batch.data[i]!;
    for (const l of labels) sum = sum * 31 + l;
    this.model.weights = mix(mix(this.model.weights, sum), opts.lr);
    return { loss: 1.5, correct: Math.floor(batch.n / 2), batchSize: batch.n, finite: true };
  }
  async snapshot(id: number) {
    this.pool.set(id, this.model.weights);
  }
  async release(id: number) {
    this.pool.delete(id);
  }
  async poolIds() {
    return [...this.pool.keys()];
  }
  setLearningRates(lr: number, lrMapping: number) {
    this.lr = lr;
    this.lrMapping = lrMapping;
  }
  setLambdaR(lambdaR: number) {
    this.lambdaR = lambdaR;
  }
  async saveCheckpoint(dir: string, stateJson: string) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'fake.json'),
      JSON.stringify({ weights: this.model.weights, pool: [...this.pool.entries()] }),
    );
    writeFileSync(path.join(dir, 'state.json'), stateJson);
  }
  async loadCheckpoint(dir: string) {
    const saved = JSON.parse(readFileSync(path.join(dir, 'fake.json'), 'utf8')) as {
      weights: number;
      pool: [number, number][];
    };
    this.model.weights = saved.weights;
    this.pool = new Map(saved.pool);
    return readFileSync(path.join(dir, 'state.json'), 'utf8');
  }
}

/** `alterStats` lets a test corrupt what steps report (e.g. non-finite losses). */
export function fakeAddon(alterStats?: (stats: StepStats) => StepStats): NativeAddon & { trainers: FakeTrainer[] } {
  const trainers: FakeTrainer[] = [];
  return {
    trainers,
    Model: FakeModel as unknown as NativeAddon['Model'],
    Trainer: class extends FakeTrainer {
      constructor(model: NativeModel, opts: TrainerOptions) {
        super(model as FakeModel, opts);
        trainers.push(this);
      }
      override async step(batch: Batch, labels: Int32Array, opts: NativeStepOptions): Promise<StepStats> {
        const stats = await super.step(batch, labels, opts);
        return alterStats ? alterStats(stats) : stats;
      }
    } as unknown as NativeAddon['Trainer'],
    versions: () => ({ libtorch: 'fake', cuda: null, cudnn: null, addon: 'fake', abi: 0 }),
    environment: () => ({ cudaAvailable: false, cudaDevices: 0, threads: 1, mkldnn: false }),
    setThreads: () => undefined,
  };
}

/** Batch k of epoch e depends only on (seed, e, k), as the real BatchLoader promises. */
export function fakeData(opts: {
  batches: number;
  pretrainBatches?: number;
  batchSize?: number;
  size?: number;
  numClasses?: number;
  valBatches?: number;
  seed?: number;
  boxes?: boolean;
}): TrainData {
  const n = opts.batchSize ?? 4;
  const size = opts.size ?? 8;
  const k = opts.numClasses ?? 3;
  const seed = opts.seed ?? 0;
  const make = (tag: number, e: number, b: number): ImageBatch => {
    const data = Buffer.alloc(n * size * size * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + e * 101 + b * 7 + tag * 13 + seed) & 0xff;
    const labels = new Int32Array(n).map((_, i) => (i + b + e) % k);
    return {
      data,
      n,
      h: size,
      w: size,
      labels,
      indices: Array.from({ length: n }, (_, i) => b * n + i),
      boxes: Array.from({ length: n }, () => [{ x0: 1, y0: 1, x1: 5, y1: 5 }]),
    };
  };
  return {
    numClasses: k,
    classIds: Array.from({ length: k }, (_, i) => `c${i}`),
    trainImages: opts.batches * n * 5,
    valImages: (opts.valBatches ?? 2) * n,
    scoreHasBoxes: !!opts.boxes,
    scoreSamples: Array.from({ length: (opts.valBatches ?? 2) * n }, (_, i) => ({
      path: `v${i}.png`,
      label: i % k,
      boxes: [{ x0: 1, y0: 1, x1: 5, y1: 5 }],
      width: size,
      height: size,
      origin: `v${i}`,
    })),
    scoreSplit: opts.boxes ? 'val' : null,
    skipped: [],
    batchesPerEpoch: () => opts.batches,
    async *trainBatches(epoch: number, startBatch: number) {
      for (let b = startBatch; b < opts.batches; b++) yield make(0, epoch, b);
    },
    pretrainBatchesPerEpoch: () => opts.pretrainBatches ?? opts.batches,
    async *pretrainBatches(epoch: number, startBatch: number) {
      for (let b = startBatch; b < (opts.pretrainBatches ?? opts.batches); b++) yield make(3, epoch, b);
    },
    async *valBatches() {
      for (let b = 0; b < (opts.valBatches ?? 2); b++) yield make(1, 0, b);
    },
    async *scoreBatches() {
      for (let b = 0; b < (opts.valBatches ?? 2); b++) yield make(2, 0, b);
    },
    decodeSkips: () => [],
    close: async () => undefined,
  };
}
