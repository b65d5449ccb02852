// Batches for training and evaluation: seeded epoch order, per-sample transforms, pooled uint8
// NHWC buffers and a prefetch queue that decodes ahead while the consumer runs its step.
//
// Exact resume: every random choice is drawn from a stream keyed by (seed, epoch, position in the
// epoch, attempt), never from shared state, so batch k is the same whether the run started at
// batch 0 or resumed at k, and whatever the prefetch depth or decode concurrency.
//
// Buffer lifetime: a batch's `data` Buffer is reused by a later batch. It stays valid until the
// consumer asks for the batch after the next one, i.e. while the consumer holds batches k and
// k+1 (enough to run step k while fetching k+1). Copy it if it must live longer.
//
// A final batch of one image: BatchNorm in train mode cannot normalise a single value per channel
// (ResNet's last stage is 1×1 at 32 px), so for training ('train' transform, unless dropLast) an
// epoch whose last batch would hold one image merges it into the batch before, which then holds
// batchSize + 1. The batch boundaries stay a pure function of (dataset size, batch size), so
// resume stays exact.
//
// Bad images: in 'replace' mode (default for training) a sample that fails to decode is replaced by
// a random other sample of the dataset, drawn from the same keyed streams (so still reproducible);
// batches keep their size and labels stay aligned with pixels. In 'drop' mode (default for
// evaluation, where duplicates would bias the scores) the batch shrinks by the bad samples; a batch
// left empty is not yielded. Either way the sample is recorded in `skipped`; with strict: true the
// first one throws a DataError naming the file and manifest line.
import { availableParallelism } from 'node:os';
import { type ResizeKernel, setDecodeThreadsPerImage } from './decode.js';
import { epochLength, epochOrder, STREAM_REPLACEMENT, STREAM_TRANSFORM } from './epoch-order.js';
import { Limiter } from './limiter.js';
import { Random } from './random.js';
import { DataError, formatSkipReport, SkipLog } from './skips.js';
import { type TransformedImage, type TransformKind, transformImage } from './transforms.js';
import type { Box, Dataset, ImageBatch, Sample, SkipRecord } from './types.js';

export { epochLength, epochOrder } from './epoch-order.js';

export interface BatchLoaderOptions {
  batchSize: number;
  /** Output side in pixels (default 224). */
  size?: number;
  /** Default 'train'. */
  transform?: TransformKind;
  seed?: number;
  /** Shuffle each epoch (default: true for 'train', false otherwise). */
  shuffle?: boolean;
  /** Fraction of the dataset visited per epoch, a fresh random subset each epoch (default 1). */
  fraction?: number;
  /** Leave out the last, smaller batch (default false). */
  dropLast?: boolean;
  /** Merge a last batch of one image into the batch before it (default: true for 'train'). */
  mergeSingleTail?: boolean;
  /** Batches decoded ahead of the one the consumer is waiting for (default 2). */
  prefetch?: number;
  /** Images decoded at once (default: the number of cores). */
  concurrency?: number;
  /** libvips threads per image (default 1: parallelism comes from decoding several images). */
  threadsPerImage?: number;
  /** What a bad image does to its batch (default 'replace' for train, 'drop' otherwise). */
  onBadSample?: 'replace' | 'drop';
  /** Replacement draws before giving up on a position (default 32). */
  maxReplacements?: number;
  strict?: boolean;
  maxPixels?: number;
  kernel?: ResizeKernel;
  fastShrink?: boolean;
  /**
   * RandomResizedCrop area range of the 'train' transform, as fractions of the image (default
   * [0.08, 1], the spec's). Ignored by the other transforms.
   */
  cropScale?: [number, number];
  /**
   * Data-parallel training: this process decodes only its part of every batch. Batch k keeps the
   * positions it has without sharding (so the global batch, its augmentation and the epoch order
   * do not depend on the number of processes); rank r gets the r-th of `worldSize` near-equal
   * slices. A last batch with fewer images than processes is left out, on every rank alike (unless
   * it is a single training image, which is merged into the batch before as without sharding).
   */
  shard?: Shard;
}

export interface Shard {
  rank: number;
  worldSize: number;
}

interface Assembled {
  batch?: ImageBatch;
  /** The pooled buffer the batch's data views, returned to the pool when the batch is done. */
  buffer: Buffer;
}

interface Decoded {
  index: number;
  image: TransformedImage;
}

export class BatchLoader {
  readonly batchSize: number;
  readonly size: number;
  readonly transform: TransformKind;
  readonly seed: number;
  private readonly options: BatchLoaderOptions;
  private readonly log: SkipLog;
  /** Dataset indices known not to decode; only a shortcut, results do not depend on it. */
  private readonly bad = new Set<number>();

  constructor(
    readonly dataset: Dataset,
    options: BatchLoaderOptions,
  ) {
    if (!(Number.isInteger(options.batchSize) && options.batchSize >= 1))
      throw new Error(`batch size must be a positive integer, got ${options.batchSize}`);
    this.options = options;
    this.batchSize = options.batchSize;
    this.size = options.size ?? 224;
    this.transform = options.transform ?? 'train';
    this.seed = options.seed ?? 0;
    this.log = new SkipLog(options.strict ?? false);
    if (options.cropScale) checkCropScale(options.cropScale);
    if (options.shard) checkShard(options.shard, options.batchSize);
    setDecodeThreadsPerImage(options.threadsPerImage ?? 1);
  }

  /** Samples that failed to decode so far (each once), in the order they were found. */
  get skipped(): readonly SkipRecord[] {
    return this.log.records;
  }

  /** Report of manifest and decode skips, for the end of a run; empty when there were none. */
  skipSummary(): string {
    return formatSkipReport([...this.dataset.skipped, ...this.log.records]);
  }

  get samplesPerEpoch(): number {
    return epochLength(this.dataset.samples.length, this.options.fraction ?? 1);
  }

  get batchesPerEpoch(): number {
    const n = this.samplesPerEpoch;
    if (this.options.dropLast) return Math.floor(n / this.batchSize);
    const batches = Math.ceil(n / this.batchSize);
    return this.mergesTail || this.dropsShortTail ? batches - 1 : batches;
  }

  /** Images in the smallest batch this process gets in an epoch (0 when no batch is yielded). */
  get smallestBatch(): number {
    if (this.batchesPerEpoch === 0) return 0;
    const n = this.samplesPerEpoch;
    const tail = n % this.batchSize;
    const whole = this.options.dropLast || tail === 0 || this.mergesTail || this.dropsShortTail;
    const smallest = whole ? Math.min(n, this.batchSize) : tail;
    // positionsOf's smallest slice of a batch of `smallest` images.
    return Math.floor(smallest / (this.options.shard?.worldSize ?? 1));
  }

  /** Whether the epoch's last batch would hold a single image that is merged into the one before. */
  private get mergesTail(): boolean {
    const n = this.samplesPerEpoch;
    const merge = this.options.mergeSingleTail ?? this.transform === 'train';
    return merge && !this.options.dropLast && this.batchSize > 1 && n > this.batchSize && n % this.batchSize === 1;
  }

  /** Whether the epoch's last batch is left out because it has fewer images than processes. */
  private get dropsShortTail(): boolean {
    const tail = this.samplesPerEpoch % this.batchSize;
    return !this.options.dropLast && !this.mergesTail && tail > 0 && tail < (this.options.shard?.worldSize ?? 1);
  }

  /** Dataset indices of this epoch, in visiting order. */
  epochOrder(epoch: number): Uint32Array {
    const shuffle = this.options.shuffle ?? this.transform === 'train';
    return epochOrder(this.dataset.samples.length, this.seed, epoch, this.options.fraction ?? 1, shuffle);
  }

  /** The batches of one epoch from `startBatch` on. See the file comment for buffer lifetime. */
  async *batches({
    epoch = 0,
    startBatch = 0,
  }: {
    epoch?: number;
    startBatch?: number;
  } = {}): AsyncGenerator<ImageBatch, void, undefined> {
    const order = this.epochOrder(epoch);
    const total = this.batchesPerEpoch;
    if (!(Number.isInteger(startBatch) && startBatch >= 0))
      throw new Error(`startBatch must be a non-negative integer, got ${startBatch}`);
    const prefetch = Math.max(1, this.options.prefetch ?? 2);
    const limiter = new Limiter(Math.max(1, this.options.concurrency ?? availableParallelism()));
    const batchBytes = (this.batchSize + (this.mergesTail ? 1 : 0)) * this.size * this.size * 3;
    // Buffers: the queue (the batch being awaited and `prefetch` more) plus the one the consumer
    // still holds. A fresh pool per call, because decodes of an abandoned iteration may still be
    // writing into the old one. allocUnsafeSlow: each batch owns its ArrayBuffer at byteOffset 0
    // (never a slice of Node's shared small-buffer slab), which native code may rely on.
    const free: Buffer[] = Array.from({ length: prefetch + 2 }, () => Buffer.allocUnsafeSlow(batchBytes));
    const queue: Array<Promise<Assembled>> = [];
    const state = { stopped: false };
    let nextToStart = startBatch;
    const startMore = (): void => {
      while (queue.length < prefetch + 1 && nextToStart < total) {
        const buffer = free.pop();
        if (!buffer) throw new Error('internal: batch buffer pool exhausted');
        const pending = this.assemble(order, epoch, nextToStart++, buffer, limiter, state);
        pending.catch(() => undefined); // awaited later; keeps an early failure from being "unhandled"
        queue.push(pending);
      }
    };
    let held: Buffer | undefined;
    try {
      startMore();
      while (queue.length > 0) {
        const { batch, buffer } = await queue.shift()!;
        if (!batch) {
          free.push(buffer); // every sample was dropped; nothing reached the consumer
        } else {
          yield batch;
          // The consumer asked for the next batch: the one before the yielded one is free now.
          if (held) free.push(held);
          held = buffer;
        }
        startMore();
      }
    } finally {
      state.stopped = true;
    }
  }

  /** Decodes batch `batchIndex` of the epoch into `buffer`; no batch when every sample was dropped. */
  private async assemble(
    order: Uint32Array,
    epoch: number,
    batchIndex: number,
    buffer: Buffer,
    limiter: Limiter,
    state: { stopped: boolean },
  ): Promise<Assembled> {
    const { first, last } = this.positionsOf(batchIndex, order.length);
    const positions = Array.from({ length: last - first }, (_, i) => first + i);
    const decoded = await Promise.all(
      positions.map((position) =>
        limiter.run(() => (state.stopped ? Promise.resolve(undefined) : this.decodePosition(order, epoch, position))),
      ),
    );
    const kept = decoded.filter((d): d is Decoded => d !== undefined);
    if (kept.length === 0) return { buffer };
    const imageBytes = this.size * this.size * 3;
    const labels = new Int32Array(kept.length);
    const indices: number[] = [];
    const boxes: Box[][] = [];
    kept.forEach(({ index, image }, slot) => {
      image.data.copy(buffer, slot * imageBytes);
      labels[slot] = this.dataset.samples[index]!.label;
      indices.push(index);
      boxes.push(image.boxes);
    });
    const data = buffer.subarray(0, kept.length * imageBytes);
    return { buffer, batch: { data, n: kept.length, h: this.size, w: this.size, labels, indices, boxes } };
  }

  /** Positions [first, last) of the epoch that batch `batchIndex` holds (this process's slice of it). */
  private positionsOf(batchIndex: number, epochLength: number): { first: number; last: number } {
    const start = batchIndex * this.batchSize;
    const end =
      this.mergesTail && batchIndex === this.batchesPerEpoch - 1
        ? epochLength
        : Math.min(epochLength, start + this.batchSize);
    const shard = this.options.shard;
    if (!shard) return { first: start, last: end };
    const count = end - start;
    return {
      first: start + Math.floor((shard.rank * count) / shard.worldSize),
      last: start + Math.floor(((shard.rank + 1) * count) / shard.worldSize),
    };
  }

  /** The image at `position` of the epoch, or its deterministic replacement when it is bad. */
  private async decodePosition(order: Uint32Array, epoch: number, position: number): Promise<Decoded | undefined> {
    const n = this.dataset.samples.length;
    const replace = (this.options.onBadSample ?? (this.transform === 'train' ? 'replace' : 'drop')) === 'replace';
    const maxAttempts = 1 + (replace ? (this.options.maxReplacements ?? 32) : 0);
    let index = order[position]!;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (attempt > 0) index = Random.stream(this.seed, epoch, position, attempt, STREAM_REPLACEMENT).int(n);
      if (this.bad.has(index)) continue;
      const sample = this.dataset.samples[index]!;
      try {
        const rng =
          this.transform === 'train' ? Random.stream(this.seed, epoch, position, attempt, STREAM_TRANSFORM) : undefined;
        const expectedSize = sample.width && sample.height ? { width: sample.width, height: sample.height } : undefined;
        const image = await transformImage(sample.path, this.spec(), {
          rng,
          boxes: sample.boxes,
          origin: sample.path,
          expectedSize,
        });
        return { index, image };
      } catch (err) {
        if (!(err instanceof DataError)) throw err;
        this.bad.add(index);
        this.log.skip(describe(sample), err.reason);
      }
    }
    if (replace)
      throw new Error(
        `no decodable image found for epoch ${epoch} position ${position} after ${maxAttempts} draws; is most of ${this.dataset.root} unreadable?`,
      );
    return undefined;
  }

  private spec() {
    const { maxPixels, kernel, fastShrink, cropScale } = this.options;
    return { kind: this.transform, size: this.size, maxPixels, kernel, fastShrink, scale: cropScale };
  }
}

/** A RandomResizedCrop area range: 0 < min <= max <= 1. */
export function checkCropScale(scale: readonly number[]): void {
  const [min, max] = scale;
  if (!(scale.length === 2 && Number.isFinite(min) && Number.isFinite(max) && min! > 0 && min! <= max! && max! <= 1)) {
    throw new Error(`crop scale must be [min, max] with 0 < min <= max <= 1, got [${scale.join(', ')}]`);
  }
}

function checkShard(shard: Shard, batchSize: number): void {
  const { rank, worldSize } = shard;
  if (!(Number.isInteger(worldSize) && worldSize >= 1 && Number.isInteger(rank) && rank >= 0 && rank < worldSize)) {
    throw new Error(`shard must have 0 <= rank < worldSize, got rank ${rank} of ${worldSize}`);
  }
  if (batchSize < worldSize)
    throw new Error(
      `batch size ${batchSize} is smaller than the number of processes (${worldSize}): every process needs at least one image per batch`,
    );
}

/** "path (manifest:line)" when the manifest line adds information. */
function describe(sample: Sample): string {
  return sample.origin && sample.origin !== sample.path ? `${sample.path} (${sample.origin})` : sample.path;
}
