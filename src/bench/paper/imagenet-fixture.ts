// A tiny dataset in the ILSVRC2012 layout for --smoke: train/<wnid>/<wnid>_<k>.JPEG, a flat val/
// with LOC_val_solution.csv boxes and LOC_synset_mapping.txt, i.e. the files the full ImageNet
// benchmark reads. Images are non-square JPEGs (so the short-side resize and centre crop really
// happen) with one class-coloured object on a noisy background; its box is the annotation.
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { Random } from '../../data/random.js';
import { Model } from '../../native/model.js';
import { writeClassifierWeights } from './classifier-weights.js';

export interface ImageNetFixtureOptions {
  out: string;
  /** Six by default: one class per subset A–F. */
  classes?: number;
  trainPerClass?: number;
  valPerClass?: number;
  seed?: number;
}

const WIDTH = 96;
const HEIGHT = 72;

export async function writeImageNetFixture(o: ImageNetFixtureOptions): Promise<string> {
  const marker = join(o.out, 'LOC_synset_mapping.txt');
  if (
    await access(marker).then(
      () => true,
      () => false,
    )
  )
    return o.out;
  const classes = o.classes ?? 6;
  const wnids = Array.from({ length: classes }, (_, k) => `n${String(1440000 + k).padStart(8, '0')}`);
  const rng = new Random(o.seed ?? 0);
  for (const [label, wnid] of wnids.entries()) {
    for (let k = 0; k < (o.trainPerClass ?? 6); k++) {
      const { pixels } = scene(label, rng);
      await jpeg(join(o.out, 'train', wnid, `${wnid}_${k}.JPEG`), pixels);
    }
  }
  const solution = ['ImageId,PredictionString'];
  let index = 0;
  for (const [label, wnid] of wnids.entries()) {
    for (let k = 0; k < (o.valPerClass ?? 3); k++) {
      const id = `ILSVRC2012_val_${String(++index).padStart(8, '0')}`;
      const { pixels, box } = scene(label, rng);
      await jpeg(join(o.out, 'val', `${id}.JPEG`), pixels);
      solution.push(`${id},${wnid} ${box.x0} ${box.y0} ${box.x1} ${box.y1} `);
    }
  }
  await writeFile(join(o.out, 'LOC_val_solution.csv'), `${solution.join('\n')}\n`);
  // Written last: its presence marks a complete fixture.
  await writeFile(marker, `${wnids.map((w, k) => `${w} fixture class ${k}`).join('\n')}\n`);
  return o.out;
}

function scene(
  label: number,
  rng: Random,
): { pixels: Buffer; box: { x0: number; y0: number; x1: number; y1: number } } {
  const pixels = Buffer.alloc(WIDTH * HEIGHT * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = 60 + rng.int(80);
  const w = 20 + rng.int(40);
  const h = 16 + rng.int(36);
  const x0 = rng.int(WIDTH - w);
  const y0 = rng.int(HEIGHT - h);
  const colour = [(label * 97) % 256, (label * 53 + 128) % 256, (label * 31 + 200) % 256];
  for (let y = y0; y < y0 + h; y++)
    for (let x = x0; x < x0 + w; x++) for (let c = 0; c < 3; c++) pixels[(y * WIDTH + x) * 3 + c] = colour[c]!;
  return { pixels, box: { x0, y0, x1: x0 + w, y1: y0 + h } };
}

async function jpeg(path: string, pixels: Buffer): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .jpeg({ quality: 90 })
    .toFile(path);
}

/**
 * A stand-in for torchvision's resnet50 weights in --smoke: the freshly initialised classifier of
 * the given architecture under torchvision's names (1000-class fc, which the importer skips for a
 * dataset with other classes, exactly as with the real file).
 */
export async function writeStandInInitWeights(out: string, arch: 'resnet18' | 'resnet50'): Promise<string> {
  if (
    await access(out).then(
      () => true,
      () => false,
    )
  )
    return out;
  const model = await Model.create({ arch, numClasses: 1000, seed: 0 });
  await writeClassifierWeights(model, out, { note: 'randomly initialised stand-in for torchvision weights (--smoke)' });
  return out;
}
