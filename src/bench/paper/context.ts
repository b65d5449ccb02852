// Everything the experiments share: the budget, the datasets, the cache of training runs, the
// pretrained initial classifiers f(0) and the per-image scores of each trained model.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Dataset } from '../../data/types.js';
import type { ResizeMode } from '../../metrics/ground-truth-boxes.js';
import { Model } from '../../native/model.js';
import type { NativeAddon } from '../../native/types.js';
import type { PresetName, ScoreName } from '../../train/presets.js';
import { getPreset } from '../../train/presets.js';
import { loadScoreSet } from './bench-data.js';
import { type Budget, scaledSnapshotEvery } from './budgets.js';
import { exportClassifierWeights } from './classifier-weights.js';
import { type ImageScore, imageScorer } from './image-scores.js';
import { RunCache, type RunRecord, type RunSpec } from './runs.js';
import { type BatchConsumer, saliencyPass } from './saliency-pass.js';

/** A dataset as the benchmark uses it. */
export interface BenchDataset {
  kind: 'plain' | 'duplicate';
  dir: string;
  trainSplit: string;
  valSplit: string | null;
  /** Split the reported numbers are computed on (fashion-loc: test; ImageNet: val). */
  scoreSplit: string;
  /** Scoring transform: the authors' short-side + centre crop, or a squeeze of the whole image. */
  resize: ResizeMode;
  /** Training transform; the two-copies data is squeezed whole so both copies are always seen. */
  trainTransform: 'train' | 'score-direct';
}

export interface CasmRunOptions {
  preset: PresetName;
  score?: ScoreName;
  separateEncoder?: boolean;
  subset?: string;
  epochs?: number;
  seed?: number;
}

export class BenchContext {
  private readonly scoreSets = new Map<string, Dataset>();
  private readonly scoreCache = new Map<string, ImageScore[]>();
  private readonly classifiers = new Map<string, Promise<string>>();
  /** The pretraining runs behind classifiers, by dataset kind and seed. */
  private readonly classifierRuns = new Map<string, RunRecord>();
  readonly runs: RunCache;
  /** Every run used, by id, for the run log of the results. */
  readonly used = new Map<string, RunRecord>();

  constructor(
    readonly budget: Budget,
    readonly seed: number,
    readonly work: string,
    readonly datasets: { plain: BenchDataset; duplicate: () => Promise<BenchDataset> },
    readonly initWeights: string | null,
    addon: NativeAddon,
    readonly log: (line: string) => void,
  ) {
    this.runs = new RunCache(work, addon, log);
  }

  private base(seed: number) {
    const b = this.budget;
    return {
      arch: b.arch,
      imageSize: b.imageSize,
      batchSize: b.batchSize,
      epochFraction: b.epochFraction,
      lrMapping: b.lrMapping,
      lrDecayEvery: b.lrDecayEvery,
      valLimit: b.valLimit,
      device: b.device,
      seed,
      ...(b.maskUpsample !== 'nearest' ? { maskUpsample: b.maskUpsample } : {}),
      // Only set when the budget steers λr, so that run ids and cached configurations of the
      // fixed-λr budgets stay as they were.
      ...(b.targetMaskArea !== null ? { targetMaskArea: b.targetMaskArea, maskAreaEvery: b.maskAreaEvery } : {}),
    };
  }

  private dataOf(d: BenchDataset, subset?: string): RunSpec['data'] {
    return {
      data: d.dir,
      split: d.trainSplit,
      valSplit: d.valSplit,
      trainTransform: d.trainTransform,
      ...(subset ? { subset } : {}),
    };
  }

  /**
   * The initial classifier f(0) for runs on dataset `d`: --init-weights when given (the full
   * budget's torchvision ResNet-50), else a classifier-only run (--pretrain-epochs, --epochs 0)
   * whose classifier is exported.
   */
  async initialClassifier(d: BenchDataset, seed: number): Promise<string> {
    if (!this.budget.pretrain) {
      if (!this.initWeights)
        throw new Error(
          `budget ${this.budget.name} starts from --init-weights (a torchvision ResNet checkpoint); none was given`,
        );
      return this.initWeights;
    }
    const key = `${d.kind}-${seed}`;
    let pending = this.classifiers.get(key);
    if (!pending) {
      pending = this.pretrain(d, seed);
      this.classifiers.set(key, pending);
    }
    return pending;
  }

  private async pretrain(d: BenchDataset, seed: number): Promise<string> {
    const p = this.budget.pretrain!;
    const record = await this.runs.run({
      id: `f0-${d.kind}-pre${p.epochs}-s${seed}`,
      train: { ...this.base(seed), data: d.dir, preset: 'L', epochs: 0, pretrainEpochs: p.epochs, pretrainLr: p.lr },
      data: this.dataOf(d),
    });
    this.used.set(record.id, record);
    this.classifierRuns.set(`${d.kind}-${seed}`, record);
    const file = path.join(record.runDir, 'classifier.safetensors');
    // A reused run keeps its exported classifier; a new run has none yet.
    const exported =
      record.reused &&
      (await fs.access(file).then(
        () => true,
        () => false,
      ));
    if (!exported) await exportClassifierWeights(record.weights, file);
    return file;
  }

  /** The pretraining run that made f(0) for `d` (null with --init-weights or before it ran). */
  classifierRun(d: BenchDataset, seed: number): RunRecord | null {
    return this.classifierRuns.get(`${d.kind}-${seed}`) ?? null;
  }

  /**
   * Table 3's "all stages on the seen classes": a preset-L run whose classifier starts untrained,
   * pretrained (with the budget's pretraining) and then trained with the mapping on the classes of
   * `subset` only.
   */
  async scratchL(d: BenchDataset, seed: number, subset?: string, epochs?: number): Promise<RunRecord> {
    const p = this.budget.pretrain;
    const e = epochs ?? this.budget.epochs;
    const record = await this.runs.run({
      id: `scratch-L-${d.kind}-${subset ? `classes-${subset}` : 'all'}${p ? `-pre${p.epochs}` : ''}-e${e}-s${seed}`,
      train: {
        ...this.base(seed),
        data: d.dir,
        preset: 'L',
        epochs: e,
        lr: this.budget.lr,
        ...(p ? { pretrainEpochs: p.epochs, pretrainLr: p.lr } : {}),
      },
      data: this.dataOf(d, subset),
    });
    this.used.set(record.id, record);
    return record;
  }

  /** A CASM (or Baseline) run on dataset `d`; the id names the folder and must be unique per configuration. */
  async casm(id: string, d: BenchDataset, o: CasmRunOptions): Promise<RunRecord> {
    const seed = o.seed ?? this.seed;
    const preset = getPreset(o.preset);
    const init = await this.initialClassifier(d, seed);
    const record = await this.runs.run({
      id,
      train: {
        ...this.base(seed),
        data: d.dir,
        preset: o.preset,
        score: o.score ?? 'entropy',
        separateEncoder: o.separateEncoder ?? false,
        snapshotEvery: scaledSnapshotEvery(preset.snapshotEvery, this.budget),
        epochs: o.epochs ?? this.budget.epochs,
        lr: this.budget.lr,
        initWeights: init,
      },
      data: this.dataOf(d, o.subset),
    });
    this.used.set(record.id, record);
    return record;
  }

  async scoreSet(d: BenchDataset): Promise<Dataset> {
    let set = this.scoreSets.get(d.kind);
    if (!set) {
      set = await loadScoreSet(d.dir, d.scoreSplit, this.budget.scoreLimit);
      this.scoreSets.set(d.kind, set);
    }
    return set;
  }

  /** Per-image scores of a trained run on `d`'s score split (computed once per run). */
  async scores(record: RunRecord, d: BenchDataset): Promise<ImageScore[]> {
    const cached = this.scoreCache.get(record.id);
    if (cached) return cached;
    const out: ImageScore[] = [];
    await this.pass(record, d, [
      imageScorer(await this.scoreSet(d), { resize: d.resize, copies: d.kind === 'duplicate' }, out),
    ]);
    this.scoreCache.set(record.id, out);
    return out;
  }

  /** Runs the model of `record` over `d`'s score split with the given consumers. */
  async pass(record: RunRecord, d: BenchDataset, consumers: BatchConsumer[]): Promise<void> {
    const model = await Model.load(record.weights, { device: this.budget.device });
    await saliencyPass(
      model,
      await this.scoreSet(d),
      { size: this.budget.imageSize, batchSize: this.budget.batchSize, resize: d.resize },
      consumers,
    );
  }
}
