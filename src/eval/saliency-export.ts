// `casm-native saliency`: masks for arbitrary images, written as files people can look at and
// programs can read, in the frame of the image the user gave (its own width × height). Per image
// <name>:
//   .mask.png       the continuous mask resized back, 8-bit grey (255 = needed for classification)
//                   with alpha 0 where the model saw nothing (outside the centre crop of --resize crop)
//   .overlay.png    jet heat map of the mask over the image; unseen parts greyed out; the predicted
//                   box (magenta) and any ground-truth boxes (white) drawn
//   .masked-in.png  b·x,  .masked-out.png (1−b)·x,  .inpainted.png (1−b)·x with b inpainted (Telea r=3)
//   .input.png      the model's own size×size input (scoring transform), for reference
//   .json           the SaliencyRecord below
// The box and b come from the model-frame mask exactly as the scorer derives them (binarise at the
// mask mean, largest component, tight box), then move to original pixels, so they are the boxes
// LE/OM/F1 are computed from. Images are sent to the model one batch per call.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readImageBytes } from '../data/decode.js';
import { decodeOriginal } from '../data/decode-original.js';
import { DataError } from '../data/skips.js';
import type { TransformPlan } from '../data/transform-geometry.js';
import { type TransformedImage, transformImage } from '../data/transforms.js';
import type { Box } from '../data/types.js';
import type { ResizeMode } from '../metrics/ground-truth-boxes.js';
import { type MaskStatistics, maskStatistics } from '../metrics/mask-statistics.js';
import type { PixelBox } from '../metrics/tight-box.js';
import { softmaxTop1 } from '../metrics/top1.js';
import type { Batch, SaliencyResult } from '../native/types.js';
import { dimUncovered, maskWithCoverageAlpha } from '../viz/coverage.js';
import { boxLineWidth, drawBox, GROUND_TRUTH_BOX_COLOUR, PREDICTED_BOX_COLOUR } from '../viz/draw-box.js';
import { heatmapOverlay, maskToGrey } from '../viz/heatmap.js';
import { maskedImages } from '../viz/masked-images.js';
import { encodePng } from '../viz/png.js';
import { maskBox } from './mask-box.js';
import { binaryToOriginal, maskToOriginal } from './mask-to-original.js';
import type { SaliencyInput } from './saliency-inputs.js';

/** The file suffixes `saliency` writes per image. */
export const SALIENCY_FILES = {
  input: 'input.png',
  mask: 'mask.png',
  maskedIn: 'masked-in.png',
  maskedOut: 'masked-out.png',
  inpainted: 'inpainted.png',
  overlay: 'overlay.png',
} as const;

/** The JSON record `saliency` writes per image: size, coverage, predicted and ground-truth boxes, prediction and mask statistics (docs/saliency.md). */
export interface SaliencyRecord {
  input: string;
  /** Side of the model's square input. */
  size: number;
  resize: ResizeMode;
  /** The image's own size (EXIF orientation applied): every PNG but input.png has this size. */
  original: { width: number; height: number };
  /** The part of the image the model saw, original pixels (x1, y1 exclusive). */
  coverage: { x0: number; y0: number; x1: number; y1: number; fraction: number; complete: boolean };
  /** Predicted object box in original pixels (x1, y1 exclusive); null when the binarised mask is empty. */
  box: PixelBox | null;
  /** The same box in the model's input, inclusive pixel indices (what the scorer compares). */
  boxInInput: PixelBox | null;
  /** Ground-truth boxes in original pixels (x1, y1 exclusive), when the input came from a dataset with boxes. */
  groundTruth: Box[];
  /** The dataset's class for this image, when the input came from a dataset. */
  label: { index: number; classId: string } | null;
  prediction: { index: number; classId: string | null; probability: number };
  /** Pixels kept by the binarised mask b, in the model's input. */
  binarizedPixels: number;
  /** Fraction of the model's input kept by b. */
  binarizedArea: number;
  /** Statistics of the model-frame mask. */
  maskStats: MaskStatistics;
  files: Record<keyof typeof SALIENCY_FILES, string>;
}

/** What {@link exportSaliency} runs: the addon's Model, or an OnnxModel (src/onnx/runtime.ts). */
export interface SaliencyRunner {
  /** Masks and logits for a uint8 NHWC batch, as Model.saliency(). */
  saliency(batch: Batch): Promise<SaliencyResult>;
}

/** Inputs and settings of {@link exportSaliency}. */
export interface SaliencyExportOptions {
  model: SaliencyRunner;
  inputs: readonly SaliencyInput[];
  out: string;
  size?: number;
  resize?: ResizeMode;
  batchSize?: number;
  strict?: boolean;
  classIds?: readonly string[] | null;
  onProgress?: (done: number, total: number) => void;
  /** Called for an image that could not be read (skipped unless strict). */
  onSkip?: (input: string, reason: string) => void;
  /** Called once per image, as soon as its files are written. */
  onRecord?: (record: SaliencyRecord) => void;
}

/** The records {@link exportSaliency} wrote, and the inputs it skipped with the reason. */
export interface SaliencyExportResult {
  written: SaliencyRecord[];
  skipped: { input: string; reason: string }[];
}

interface Decoded {
  input: SaliencyInput;
  bytes: Buffer;
  image: TransformedImage;
}

/** Writes, per input image, the files and JSON record of `casm-native saliency` at the image's own size. */
export async function exportSaliency(opts: SaliencyExportOptions): Promise<SaliencyExportResult> {
  const size = opts.size ?? 224;
  const resize = opts.resize ?? 'crop';
  const batchSize = opts.batchSize ?? 16;
  await fs.mkdir(opts.out, { recursive: true });
  const written: SaliencyRecord[] = [];
  const skipped: SaliencyExportResult['skipped'] = [];
  for (let start = 0; start < opts.inputs.length; start += batchSize) {
    const chunk = opts.inputs.slice(start, start + batchSize);
    const decoded = await Promise.all(
      chunk.map(async (input): Promise<Decoded | null> => {
        try {
          const bytes = await readImageBytes(input.path);
          const image = await transformImage(
            bytes,
            { kind: resize === 'crop' ? 'score-crop' : 'score-direct', size },
            { origin: input.path },
          );
          return { input, bytes, image };
        } catch (err) {
          if (!(err instanceof DataError) || opts.strict) throw err;
          skipped.push({ input: input.path, reason: err.reason });
          opts.onSkip?.(input.path, err.reason);
          return null;
        }
      }),
    );
    const ok = decoded.filter((d): d is Decoded => d !== null);
    if (ok.length > 0) {
      const plane = size * size;
      const pixels = new Uint8Array(ok.length * plane * 3);
      ok.forEach((d, i) => pixels.set(d.image.data, i * plane * 3));
      const result = await opts.model.saliency({ kind: 'uint8', data: pixels, n: ok.length, h: size, w: size });
      const k = result.logits.length / ok.length;
      // One image at a time: the original-frame buffers of a batch of photos would add up.
      for (const [i, d] of ok.entries()) {
        const mask = result.masks.subarray(i * plane, (i + 1) * plane);
        const logits = result.logits.subarray(i * k, (i + 1) * k);
        const record = await writeOne(opts.out, d, mask, logits, { size, resize, classIds: opts.classIds ?? null });
        written.push(record);
        opts.onRecord?.(record);
      }
    }
    opts.onProgress?.(Math.min(opts.inputs.length, start + chunk.length), opts.inputs.length);
  }
  return { written, skipped };
}

async function writeOne(
  out: string,
  { input, bytes, image }: Decoded,
  mask: Float32Array,
  logits: Float32Array,
  ctx: { size: number; resize: ResizeMode; classIds: readonly string[] | null },
): Promise<SaliencyRecord> {
  const { size } = ctx;
  const inputRgb = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  const mb = maskBox(mask, size, size);
  const original = await decodeOriginal(bytes, input.path);
  const { width, height } = original;
  const rgb = new Uint8Array(original.data.buffer, original.data.byteOffset, original.data.byteLength);
  const frame = maskToOriginal(mask, image.plan, width, height);
  const masked = maskedImages(rgb, binaryToOriginal(mb.binary, image.plan, width, height), height, width);
  const box = mb.box ? boxToOriginal(mb.box, image.plan, width, height) : null;
  const groundTruth = input.boxes ?? [];

  const overlay = heatmapOverlay(rgb, frame.mask);
  dimUncovered(overlay, rgb, frame.covered);
  const line = boxLineWidth(width, height);
  for (const gt of groundTruth) drawBox(overlay, width, height, gt, GROUND_TRUTH_BOX_COLOUR, line);
  if (box) drawBox(overlay, width, height, box, PREDICTED_BOX_COLOUR, line);

  const files = Object.fromEntries(
    Object.entries(SALIENCY_FILES).map(([key, suffix]) => [key, `${input.name}.${suffix}`]),
  ) as SaliencyRecord['files'];
  const pngs: Record<keyof typeof SALIENCY_FILES, Promise<Buffer>> = {
    input: encodePng(inputRgb, size, size, 3),
    mask: encodePng(maskWithCoverageAlpha(maskToGrey(frame.mask), frame.covered), width, height, 2),
    maskedIn: encodePng(masked.maskedIn, width, height, 3),
    maskedOut: encodePng(masked.maskedOut, width, height, 3),
    inpainted: encodePng(masked.inpainted, width, height, 3),
    overlay: encodePng(overlay, width, height, 3),
  };
  await Promise.all(
    Object.entries(pngs).map(async ([key, png]) =>
      fs.writeFile(path.join(out, files[key as keyof typeof files]), await png),
    ),
  );
  const prediction = softmaxTop1(logits);
  const record: SaliencyRecord = {
    input: input.path,
    size,
    resize: ctx.resize,
    original: { width, height },
    coverage: { ...frame.coverage, fraction: frame.coveredFraction, complete: frame.coveredFraction === 1 },
    box,
    boxInInput: mb.box,
    groundTruth,
    label: input.label ?? null,
    prediction: {
      index: prediction.index,
      classId: ctx.classIds?.[prediction.index] ?? null,
      probability: prediction.probability,
    },
    binarizedPixels: mb.binarizedPixels,
    binarizedArea: mb.binarizedPixels / (size * size),
    maskStats: maskStatistics(mask, size, size),
    files,
  };
  await fs.writeFile(path.join(out, `${input.name}.json`), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

/** Inverts the transform's box mapping for an inclusive frame box; result has exclusive ends. */
export function boxToOriginal(box: PixelBox, plan: TransformPlan, width: number, height: number): PixelBox {
  const back = (v: number, offset: number, scale: number, pre: number) => (v + offset) / scale + pre;
  const clamp = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
  const postLeft = plan.post?.left ?? 0;
  const postTop = plan.post?.top ?? 0;
  const preLeft = plan.pre?.left ?? 0;
  const preTop = plan.pre?.top ?? 0;
  return {
    x0: clamp(Math.floor(back(box.x0, postLeft, plan.boxScaleX, preLeft)), width),
    y0: clamp(Math.floor(back(box.y0, postTop, plan.boxScaleY, preTop)), height),
    x1: clamp(Math.ceil(back(box.x1 + 1, postLeft, plan.boxScaleX, preLeft)), width),
    y1: clamp(Math.ceil(back(box.y1 + 1, postTop, plan.boxScaleY, preTop)), height),
  };
}
