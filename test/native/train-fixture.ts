// A tiny localisation dataset generated on the fly for training tests: each image is noise with one
// filled shape whose colour names the class; the shape's rectangle is the ground-truth box. Written
// as PNGs plus JSONL manifests (train.jsonl, val.jsonl) that src/data reads.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';

const COLOURS: [number, number, number][] = [
  [230, 40, 40],
  [40, 200, 60],
  [50, 80, 230],
  [230, 210, 40],
];

export interface ToyDatasetOptions {
  classes?: number;
  trainPerClass?: number;
  valPerClass?: number;
  /** Side of the generated images (they are not square: width = side + 8). */
  side?: number;
  /** Files to corrupt in the train split (garbage bytes instead of a PNG). */
  corruptTrain?: number;
  seed?: number;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export async function makeToyDataset(dir: string, opts: ToyDatasetOptions = {}): Promise<string> {
  const classes = opts.classes ?? 3;
  const side = opts.side ?? 40;
  const width = side + 8;
  const height = side;
  const rand = lcg(opts.seed ?? 1);
  mkdirSync(path.join(dir, 'img'), { recursive: true });
  writeFileSync(
    path.join(dir, 'classes.txt'),
    `${Array.from({ length: classes }, (_, c) => `c${c} class ${c}`).join('\n')}\n`,
  );
  for (const [split, perClass] of [
    ['train', opts.trainPerClass ?? 8],
    ['val', opts.valPerClass ?? 3],
  ] as const) {
    const lines: string[] = [];
    let corrupt = split === 'train' ? (opts.corruptTrain ?? 0) : 0;
    for (let c = 0; c < classes; c++) {
      for (let i = 0; i < perClass; i++) {
        const file = `img/${split}-${c}-${i}.png`;
        const bw = Math.floor(side * (0.3 + 0.3 * rand()));
        const bh = Math.floor(side * (0.3 + 0.3 * rand()));
        const x0 = Math.floor(rand() * (width - bw));
        const y0 = Math.floor(rand() * (height - bh));
        const px = Buffer.alloc(width * height * 3);
        for (let p = 0; p < px.length; p++) px[p] = Math.floor(rand() * 90);
        const colour = COLOURS[c % COLOURS.length]!;
        for (let y = y0; y < y0 + bh; y++)
          for (let x = x0; x < x0 + bw; x++) for (let k = 0; k < 3; k++) px[(y * width + x) * 3 + k] = colour[k]!;
        const target = path.join(dir, file);
        if (corrupt > 0) {
          writeFileSync(target, Buffer.from('this is not a png'));
          corrupt--;
        } else if (!existsSync(target)) {
          await sharp(px, { raw: { width, height, channels: 3 } })
            .png()
            .toFile(target);
        }
        lines.push(JSON.stringify({ path: file, label: `c${c}`, boxes: [[x0, y0, x0 + bw, y0 + bh]], width, height }));
      }
    }
    writeFileSync(path.join(dir, `${split}.jsonl`), `${lines.join('\n')}\n`);
  }
  return dir;
}

/**
 * The compiled addon, or null when none has been built (the tests that need it then skip, or fail
 * under CASM_STRICT_SKIPS=1). An addon that exists but does not load (a broken build, a LibTorch it
 * was not built against, a prebuild whose load test fails) throws: that is a bug to see, not a
 * reason to skip.
 */
export async function tryLoadAddon() {
  const { loadAddon, lastAddonDecision } = await import('../../src/native/loader.js');
  try {
    return loadAddon();
  } catch (e) {
    const broken = lastAddonDecision()?.candidates.filter(
      (c) => c.outcome === 'refused' && (c.kind !== 'prebuild' || /load test|this process/.test(c.reason)),
    );
    if (!lastAddonDecision() || (broken && broken.length > 0)) throw e;
    return null;
  }
}
