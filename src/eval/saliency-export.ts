// `casm-native saliency`: masks for arbitrary images, written as files people can look at and
// programs can read. Per image <name>:
//   .input.png      the model's input (scoring transform: short side + centre crop, or direct)
//   .mask.png       the continuous mask, 8-bit grey (255 = needed for classification)
//   .masked-in.png  b·x,  .masked-out.png (1−b)·x,  .inpainted.png (1−b)·x with b inpainted (Telea r=3)
//   .overlay.png    jet heat map of the mask over the input
//   .json           box of the largest component of b, mask statistics, top-1 prediction
// Images are decoded a batch at a time and sent to the model in one call per batch.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { transformImage, type TransformedImage } from '../data/transforms.js';
import { DataError } from '../data/skips.js';
import type { TransformPlan } from '../data/transform-geometry.js';
import type { ResizeMode } from '../metrics/groundTruthBoxes.js';
import { maskStatistics, type MaskStatistics } from '../metrics/maskStatistics.js';
import type { PixelBox } from '../metrics/tightBox.js';
import type { Model } from '../native/model.js';
import { heatmapOverlay, maskToGrey } from '../viz/heatmap.js';
import { maskedImages } from '../viz/masked-images.js';
import { encodePng } from '../viz/png.js';
import { maskBox } from './mask-box.js';
import type { SaliencyInput } from './saliency-inputs.js';

export const SALIENCY_FILES = {
  input: 'input.png',
  mask: 'mask.png',
  maskedIn: 'masked-in.png',
  maskedOut: 'masked-out.png',
  inpainted: 'inpainted.png',
  overlay: 'overlay.png',
} as const;

export interface SaliencyRecord {
  input: string;
  size: number;
  resize: ResizeMode;
  original: { width: number; height: number };
  /** Inclusive pixel box in the size×size frame; null when the binarised mask is empty. */
  box: PixelBox | null;
  /** The same box in original pixels (x1, y1 exclusive), null with `box`. */
  boxOriginal: PixelBox | null;
  binarizedPixels: number;
  /** Fraction of the frame kept by the binarised mask. */
  binarizedArea: number;
  maskStats: MaskStatistics;
  prediction: { index: number; classId: string | null; probability: number };
  files: Record<keyof typeof SALIENCY_FILES, string>;
}

export interface SaliencyExportOptions {
  model: Model;
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
}

export interface SaliencyExportResult {
  written: SaliencyRecord[];
  skipped: { input: string; reason: string }[];
}

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
      chunk.map(async (input) => {
        try {
          return { input, image: await transformImage(input.path, { kind: resize === 'crop' ? 'score-crop' : 'score-direct', size }) };
        } catch (err) {
          if (!(err instanceof DataError) || opts.strict) throw err;
          skipped.push({ input: input.path, reason: err.reason });
          opts.onSkip?.(input.path, err.reason);
          return null;
        }
      }),
    );
    const ok = decoded.filter((d): d is { input: SaliencyInput; image: TransformedImage } => d !== null);
    if (ok.length > 0) {
      const plane = size * size;
      const pixels = new Uint8Array(ok.length * plane * 3);
      ok.forEach((d, i) => pixels.set(d.image.data, i * plane * 3));
      const result = await opts.model.saliency({ kind: 'uint8', data: pixels, n: ok.length, h: size, w: size });
      const k = result.logits.length / ok.length;
      for (const [i, { input, image }] of ok.entries()) {
        const mask = result.masks.subarray(i * plane, (i + 1) * plane);
        const logits = result.logits.subarray(i * k, (i + 1) * k);
        written.push(await writeOne(opts.out, input, image, mask, logits, { size, resize, classIds: opts.classIds ?? null }));
      }
    }
    opts.onProgress?.(Math.min(opts.inputs.length, start + chunk.length), opts.inputs.length);
  }
  return { written, skipped };
}

async function writeOne(
  out: string,
  input: SaliencyInput,
  image: TransformedImage,
  mask: Float32Array,
  logits: Float32Array,
  ctx: { size: number; resize: ResizeMode; classIds: readonly string[] | null },
): Promise<SaliencyRecord> {
  const { size } = ctx;
  const rgb = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  const mb = maskBox(mask, size, size);
  const masked = maskedImages(rgb, mb.binary, size, size);
  const files = Object.fromEntries(Object.entries(SALIENCY_FILES).map(([key, suffix]) => [key, `${input.name}.${suffix}`])) as SaliencyRecord['files'];
  const pngs: Record<keyof typeof SALIENCY_FILES, Promise<Buffer>> = {
    input: encodePng(rgb, size, size, 3),
    mask: encodePng(maskToGrey(mask), size, size, 1),
    maskedIn: encodePng(masked.maskedIn, size, size, 3),
    maskedOut: encodePng(masked.maskedOut, size, size, 3),
    inpainted: encodePng(masked.inpainted, size, size, 3),
    overlay: encodePng(heatmapOverlay(rgb, mask), size, size, 3),
  };
  await Promise.all(Object.entries(pngs).map(async ([key, png]) => fs.writeFile(path.join(out, files[key as keyof typeof files]), await png)));
  const prediction = softmaxTop1(logits);
  const record: SaliencyRecord = {
    input: input.path,
    size,
    resize: ctx.resize,
    original: { width: image.width, height: image.height },
    box: mb.box,
    boxOriginal: mb.box ? boxToOriginal(mb.box, image.plan, image.width, image.height) : null,
    binarizedPixels: mb.binarizedPixels,
    binarizedArea: mb.binarizedPixels / (size * size),
    maskStats: maskStatistics(mask, size, size),
    prediction: { index: prediction.index, classId: ctx.classIds?.[prediction.index] ?? null, probability: prediction.probability },
    files,
  };
  await fs.writeFile(path.join(out, `${input.name}.json`), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

function softmaxTop1(logits: Float32Array): { index: number; probability: number } {
  let index = 0;
  for (let j = 1; j < logits.length; j++) if (logits[j]! > logits[index]!) index = j;
  let sum = 0;
  for (let j = 0; j < logits.length; j++) sum += Math.exp(logits[j]! - logits[index]!);
  return { index, probability: 1 / sum };
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
