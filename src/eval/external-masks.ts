// Saliency maps from another tool for `eval --masks DIR`, brought into the scoring frame so that
// the one scorer treats them exactly as it treats CASM's masks.
//
// Naming: one file per image, at DIR/<image id with its extension replaced by .png, .npy or
// .safetensors>. The image id is the image's path relative to the dataset's image root: the
// `images/` folder of a wsolevaluation-style dataset when the image lies under it, else the
// dataset folder (or the folder of a .jsonl manifest). E.g. id train/000001.jpg → DIR/train/000001.png.
//
// Geometry: a map of any size is taken to cover the whole original image. It is stretched over the
// original image with bilinear interpolation (half-pixel centres) and sampled where each pixel of
// the scoring frame falls in the original image (`--resize crop`: short side to the frame size,
// centre crop; `direct`: the whole image squeezed), so a map already at the original size is read
// pixel for pixel. The scorer's threshold rule then applies unchanged.
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { originalSize } from '../data/original-size.js';
import { planScoreCrop, planScoreDirect, type TransformPlan } from '../data/transform-geometry.js';
import type { Dataset, Sample } from '../data/types.js';
import type { ResizeMode } from '../metrics/ground-truth-boxes.js';
import { MAP_EXTENSIONS, readMapFile, type SaliencyMapFile } from './map-files.js';

/** The folder image ids are relative to, for a sample of `dataset`. */
function imageRoot(dataset: Dataset, sample: Sample): string {
  const root =
    existsSync(dataset.root) && statSync(dataset.root).isDirectory() ? dataset.root : path.dirname(dataset.root);
  const images = path.join(root, 'images');
  return sample.path.startsWith(images + path.sep) ? images : root;
}

/** The image id of a sample (forward slashes). */
export function imageId(dataset: Dataset, sample: Sample): string {
  return path.relative(imageRoot(dataset, sample), sample.path).split(path.sep).join('/');
}

/** The one map file of a sample under `dir`; an error naming the id when there is none or several. */
export function mapFileFor(dir: string, dataset: Dataset, sample: Sample): string {
  const id = imageId(dataset, sample);
  const stem = id.slice(0, id.length - path.extname(id).length);
  const candidates = MAP_EXTENSIONS.map((ext) => path.join(dir, `${stem}${ext}`));
  const found = candidates.filter((f) => existsSync(f));
  if (found.length === 0) throw new Error(`no saliency map for image ${id}: expected one of ${candidates.join(', ')}`);
  if (found.length > 1) throw new Error(`several saliency maps for image ${id}: ${found.join(', ')}; keep one`);
  return found[0]!;
}

/** Bilinear sample of an h×w map at (u, v) in map pixel-index units, clamped at the border. */
function sample(map: SaliencyMapFile, u: number, v: number): number {
  const { data, h, w } = map;
  const x = Math.min(Math.max(u, 0), w - 1);
  const y = Math.min(Math.max(v, 0), h - 1);
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(w - 1, x0 + 1);
  const y1 = Math.min(h - 1, y0 + 1);
  const fx = x - x0;
  const fy = y - y0;
  const top = data[y0 * w + x0]! * (1 - fx) + data[y0 * w + x1]! * fx;
  const bottom = data[y1 * w + x0]! * (1 - fx) + data[y1 * w + x1]! * fx;
  return top * (1 - fy) + bottom * fy;
}

/** The map in the size×size scoring frame of an original width×height image. */
export function mapToScoringFrame(
  map: SaliencyMapFile,
  plan: TransformPlan,
  width: number,
  height: number,
): Float32Array {
  const size = plan.size;
  const out = new Float32Array(size * size);
  // Frame pixel centre → resized image → original image (pixel units) → map index units.
  const preLeft = plan.pre?.left ?? 0;
  const preTop = plan.pre?.top ?? 0;
  const sx = (plan.pre?.width ?? width) / plan.resizeWidth;
  const sy = (plan.pre?.height ?? height) / plan.resizeHeight;
  const mx = map.w / width;
  const my = map.h / height;
  for (let j = 0; j < size; j++) {
    const oy = (j + 0.5 + (plan.post?.top ?? 0)) * sy + preTop;
    const v = oy * my - 0.5;
    for (let i = 0; i < size; i++) {
      const ox = (i + 0.5 + (plan.post?.left ?? 0)) * sx + preLeft;
      out[j * size + i] = sample(map, ox * mx - 0.5, v);
    }
  }
  return out;
}

/** Reads a sample's map from `dir` and returns it in the size×size scoring frame. */
export async function externalMask(
  dir: string,
  dataset: Dataset,
  s: Sample,
  size: number,
  resize: ResizeMode,
): Promise<Float32Array> {
  const file = mapFileFor(dir, dataset, s);
  const map = await readMapFile(file);
  const [width, height] = await originalSize(s);
  const plan = resize === 'crop' ? planScoreCrop(width, height, size) : planScoreDirect(width, height, size);
  return mapToScoringFrame(map, plan, width, height);
}
