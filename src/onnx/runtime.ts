// OnnxModel: runs a file written by exportOnnx (src/onnx/export.ts) in onnxruntime-node, with the
// same call and result as Model.saliency() for uint8 batches, and without the addon or LibTorch:
// nothing imported from here reaches src/native/loader.ts. onnxruntime-node is an optional
// dependency, imported on first use; without it OnnxModel.load() throws OnnxRuntimeMissingError.
import { promises as fs } from 'node:fs';
import type { Batch, SaliencyResult } from '../native/types.js';
import { ONNX_INPUT, ONNX_LOGITS_OUTPUT, ONNX_MASK_OUTPUT, ONNX_METADATA } from './export-names.js';
import { readMetadataProps } from './schema.js';

type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;

/** The version of onnxruntime-node this package is tested with (package.json's optionalDependencies). */
export const ONNX_RUNTIME_VERSION = '1.30.0';

/** Thrown by OnnxModel.load (and so `saliency --runtime onnx`) when onnxruntime-node is not installed or does not load. */
export class OnnxRuntimeMissingError extends Error {
  constructor(cause: unknown) {
    super(
      `the ONNX runtime needs the optional package onnxruntime-node, which is not installed or did not load ` +
        `(${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}). Install it next to casm-native: ` +
        `npm install onnxruntime-node@${ONNX_RUNTIME_VERSION} (where its install script cannot reach the network for ` +
        `the optional CUDA files: ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@${ONNX_RUNTIME_VERSION})`,
      { cause },
    );
    this.name = 'OnnxRuntimeMissingError';
  }
}

let ortModule: Promise<Ort> | undefined;

/** onnxruntime-node, imported once; rejects with OnnxRuntimeMissingError when absent. */
function importOnnxRuntime(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node').catch((err: unknown) => {
    ortModule = undefined;
    throw new OnnxRuntimeMissingError(err);
  });
  return ortModule;
}

/** What the file's metadata and graph say about the model. */
export interface OnnxModelInfo {
  arch: string | null;
  numClasses: number | null;
  upsample: 'nearest' | 'bilinear' | null;
  /** The training image size, when the exporter was told it. */
  imageSize: number | null;
  /** Class ids in logit order, when the exporter was told them. */
  classIds: string[] | null;
  /** The graph has the 'logits' output. */
  hasLogits: boolean;
  /** The fixed batch size of the graph's input, or null when dynamic. */
  batch: number | null;
  /** The fixed input side, or null when dynamic. */
  size: number | null;
}

/** Options of {@link OnnxModel.load}. */
export interface OnnxModelOptions {
  /** onnxruntime's intra-op threads (default: its own choice, one per core). */
  threads?: number;
}

/**
 * A model file from exportOnnx run in onnxruntime-node, without the addon or LibTorch: `saliency()`
 * takes and returns what Model.saliency() does for uint8 batches (see docs/onnx.md).
 */
export class OnnxModel {
  /** What the file's metadata and graph say about the model. */
  readonly info: OnnxModelInfo;
  /** The file it was loaded from. */
  readonly path: string;
  #session: Session | null;
  readonly #ort: Ort;

  private constructor(ort: Ort, session: Session, info: OnnxModelInfo, path: string) {
    this.#ort = ort;
    this.#session = session;
    this.info = info;
    this.path = path;
  }

  /** Opens `path` in onnxruntime-node (imported now; OnnxRuntimeMissingError when absent) and reads its metadata. */
  static async load(path: string, opts: OnnxModelOptions = {}): Promise<OnnxModel> {
    const ort = await importOnnxRuntime();
    const bytes = await fs.readFile(path);
    const meta = readMetadataProps(bytes);
    const session = await ort.InferenceSession.create(bytes, {
      ...(opts.threads ? { intraOpNumThreads: opts.threads, interOpNumThreads: 1 } : {}),
      graphOptimizationLevel: 'all',
    });
    if (!session.inputNames.includes(ONNX_INPUT) || !session.outputNames.includes(ONNX_MASK_OUTPUT))
      throw new Error(
        `${path}: not a casm-native mask model (inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')}); ` +
          'write one with `casm-native export RUN --format onnx`',
      );
    const shape = inputShape(session);
    const fixed = (d: unknown) => (typeof d === 'number' && d > 0 ? d : null);
    const size = fixed(shape?.[1]) !== null && shape?.[1] === shape?.[2] ? fixed(shape?.[1]) : null;
    const number = (key: string) => (meta[key] !== undefined && meta[key] !== '' ? Number(meta[key]) : null);
    const upsample = meta[ONNX_METADATA.upsample];
    const info: OnnxModelInfo = {
      arch: meta[ONNX_METADATA.arch] ?? null,
      numClasses: number(ONNX_METADATA.numClasses),
      upsample: upsample === 'nearest' || upsample === 'bilinear' ? upsample : null,
      imageSize: number(ONNX_METADATA.imageSize),
      classIds: meta[ONNX_METADATA.classIds] ? (JSON.parse(meta[ONNX_METADATA.classIds] as string) as string[]) : null,
      hasLogits: session.outputNames.includes(ONNX_LOGITS_OUTPUT),
      batch: fixed(shape?.[0]),
      size,
    };
    return new OnnxModel(ort, session, info, path);
  }

  /** True after dispose(). */
  get disposed(): boolean {
    return this.#session === null;
  }

  /**
   * Masks [n, h, w] and logits [n, numClasses] for a uint8 NHWC RGB batch, as Model.saliency()
   * (logits empty when the file has none). A file with a fixed batch size takes the images in
   * chunks of that size (the last one padded).
   */
  async saliency(batch: Batch): Promise<SaliencyResult> {
    const session = this.#session;
    if (!session) throw new Error('this OnnxModel was disposed');
    if (batch.kind !== 'uint8') throw new Error('OnnxModel.saliency takes uint8 NHWC batches (RGB bytes)');
    const { n, h, w } = batch;
    if (h < 32 || w < 32 || h % 32 !== 0 || w % 32 !== 0)
      throw new Error(`image height and width must be multiples of 32 (at least 32), got ${h}x${w}`);
    if (this.info.size !== null && (h !== this.info.size || w !== this.info.size))
      throw new Error(`this ONNX file takes ${this.info.size}x${this.info.size} images, got ${h}x${w}`);
    if (batch.data.length !== n * h * w * 3)
      throw new Error(`a uint8 batch of ${n}×${h}×${w}×3 needs ${n * h * w * 3} bytes`);
    const chunk = this.info.batch ?? n;
    const plane = h * w;
    const masks = new Float32Array(n * plane);
    let logits = new Float32Array(0);
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      let data = batch.data.subarray(start * plane * 3, (start + count) * plane * 3);
      if (count < chunk) {
        const padded = new Uint8Array(chunk * plane * 3);
        padded.set(data);
        data = padded;
      }
      const feeds = { [ONNX_INPUT]: new this.#ort.Tensor('uint8', data, [chunk, h, w, 3]) };
      const out = await session.run(feeds);
      const mask = out[ONNX_MASK_OUTPUT]?.data as Float32Array;
      masks.set(mask.subarray(0, count * plane), start * plane);
      const l = out[ONNX_LOGITS_OUTPUT]?.data as Float32Array | undefined;
      if (l) {
        const k = l.length / chunk;
        if (logits.length === 0) logits = new Float32Array(n * k);
        logits.set(l.subarray(0, count * k), start * k);
      }
      for (const t of Object.values(out)) t.dispose?.();
    }
    return { n, h, w, masks, logits };
  }

  /** Releases the onnxruntime session. Idempotent. */
  async dispose(): Promise<void> {
    const session = this.#session;
    this.#session = null;
    await session?.release();
  }
}

function inputShape(session: Session): readonly (number | string)[] | null {
  const meta = (
    session as unknown as { inputMetadata?: readonly { name: string; shape?: readonly (number | string)[] }[] }
  ).inputMetadata;
  return meta?.find((m) => m.name === ONNX_INPUT)?.shape ?? null;
}
