// One training run of a benchmark, through src/train's train(), cached by its configuration: a
// finished run whose recorded configuration equals the requested one is reused, so experiments
// share runs (Table 2's F and L100 are also the Baseline and CASM of the statistics and Fig. 3)
// and an interrupted benchmark continues where it stopped instead of starting over.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { NativeAddon } from '../../native/types.js';
import type { TrainConfigInput } from '../../train/config.js';
import type { TrainEvent } from '../../train/events.js';
import { train } from '../../train/loop.js';
import { type BenchDataOptions, openBenchData } from './bench-data.js';

export interface RunSpec {
  /** Folder name under <out>/runs/, e.g. "table2-e-L100". */
  id: string;
  train: TrainConfigInput & Required<Pick<TrainConfigInput, 'preset' | 'seed' | 'epochs' | 'imageSize' | 'batchSize'>>;
  data: Omit<BenchDataOptions, 'imageSize' | 'batchSize' | 'seed' | 'epochFraction'>;
}

export interface RunRecord {
  id: string;
  runDir: string;
  weights: string;
  steps: number;
  seconds: number;
  trainImages: number;
  imagesPerSecond: number;
  /** Last epoch's validation: clean and masked-out accuracy, mean mask (null without validation). */
  val: { accClean: number; accMasked: number; maskMean: number } | null;
  /** Train-set figures of the last epoch. */
  trainAccClean: number | null;
  /** Validation accuracy of the classifier at the end of pretraining (null: no pretraining). */
  pretrainValAccuracy: number | null;
  lambdaR: number;
  reused: boolean;
  config: RunSpec;
}

const RECORD_FILE = 'bench-run.json';

export class RunCache {
  constructor(
    private readonly root: string,
    private readonly addon: NativeAddon,
    private readonly log: (line: string) => void,
  ) {}

  async run(spec: RunSpec): Promise<RunRecord> {
    const runDir = path.resolve(this.root, 'runs', spec.id);
    const cached = await readRecord(runDir);
    if (cached && JSON.stringify(cached.config) === JSON.stringify(spec)) {
      this.log(`  ${spec.id}: reusing the finished run in ${runDir}`);
      return { ...cached, reused: true };
    }
    // A stale or half-finished folder: train() refuses to write into an existing run.
    await fs.rm(runDir, { recursive: true, force: true });
    const cfg = spec.train;
    const data = await openBenchData({
      ...spec.data,
      imageSize: cfg.imageSize,
      batchSize: cfg.batchSize,
      seed: cfg.seed,
      epochFraction: cfg.epochFraction ?? 1,
    });
    const what =
      cfg.epochs === 0
        ? 'the classifier f(0)'
        : `${cfg.preset}${cfg.score === 'classification' ? ' (classification score)' : ''}${cfg.separateEncoder ? ' (separate encoder)' : ''}`;
    const pretraining = cfg.pretrainEpochs
      ? `${cfg.pretrainEpochs} pretraining epoch(s)${cfg.epochs ? ' + ' : ''}`
      : '';
    this.log(
      `  ${spec.id}: training ${what}${spec.data.subset ? ` on classes ${spec.data.subset}` : ''}, ${data.trainImages} images × ${pretraining}${cfg.epochs ? `${cfg.epochs} epoch(s)` : ''}`,
    );
    const started = performance.now();
    let pretrainValAccuracy: number | null = null;
    const result = await train(
      { ...cfg, out: runDir, keepCheckpoints: 1, checkpointEvery: 0 },
      {
        addon: this.addon,
        data,
        scoreLocalization: async () => null,
        onProgress: (e) => {
          if (e.type === 'pretrain-epoch' && e.val) pretrainValAccuracy = e.val.accClean;
          this.progress(spec.id, e);
        },
      },
    );
    const seconds = (performance.now() - started) / 1000;
    if (result.interrupted || !result.weights) throw new Error(`${spec.id}: training did not finish`);
    // Checkpoints are only for resuming; the benchmark keeps the final weights.
    await fs.rm(path.join(runDir, 'checkpoints'), { recursive: true, force: true });
    const record: RunRecord = {
      id: spec.id,
      runDir,
      weights: result.weights,
      steps: result.steps,
      seconds,
      trainImages: data.trainImages,
      imagesPerSecond: (result.steps * cfg.batchSize) / seconds,
      val: result.lastEpoch?.val
        ? {
            accClean: result.lastEpoch.val.accClean,
            accMasked: result.lastEpoch.val.accMasked,
            maskMean: result.lastEpoch.val.maskMean,
          }
        : null,
      trainAccClean: result.lastEpoch ? result.lastEpoch.train.accClean : null,
      pretrainValAccuracy,
      lambdaR: result.lambdaR,
      reused: false,
      config: spec,
    };
    await fs.writeFile(path.join(runDir, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
    this.log(
      `  ${spec.id}: ${result.steps} steps in ${seconds.toFixed(0)} s${pretrainValAccuracy !== null ? `; pretrained classifier val accuracy ${pct(pretrainValAccuracy)}` : ''}${record.val ? `; val accuracy clean ${pct(record.val.accClean)}, masked-out ${pct(record.val.accMasked)}, mean mask ${record.val.maskMean.toFixed(2)}` : ''}`,
    );
    return record;
  }

  private progress(id: string, e: TrainEvent): void {
    if (e.type === 'pretrain-epoch') {
      this.log(
        `    ${id}: pretraining epoch ${e.epoch + 1}/${e.epochs} in ${e.seconds.toFixed(0)} s, train accuracy ${pct(e.train.accuracy)}${e.val ? `, val accuracy ${pct(e.val.accClean)}` : ''}`,
      );
    } else if (e.type === 'epoch') {
      this.log(
        `    ${id}: epoch ${e.epoch + 1}/${e.epochs} in ${e.seconds.toFixed(0)} s, train accuracy ${pct(e.train.accClean)}, mean mask ${e.train.maskMean.toFixed(2)}`,
      );
    } else if (e.type === 'warning') {
      this.log(`    ${id}: warning: ${e.message}`);
    }
  }
}

async function readRecord(runDir: string): Promise<RunRecord | null> {
  try {
    const record = JSON.parse(await fs.readFile(path.join(runDir, RECORD_FILE), 'utf8')) as RunRecord;
    await fs.access(record.weights);
    return record;
  } catch {
    return null;
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
