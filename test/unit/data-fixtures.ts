// Real image files for the data tests, generated with sharp into a fresh temporary folder.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { Box } from '../../src/data/types.js';

export async function makeTempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `casm-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** An RGB image filled with `background`, with each box painted in `colour` (exclusive ends). */
export function paintBoxes(
  width: number,
  height: number,
  boxes: Box[],
  colour: [number, number, number] = [255, 255, 255],
  background: [number, number, number] = [0, 0, 0],
): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) pixels.set(background, i * 3);
  for (const box of boxes) {
    for (let y = box.y0; y < box.y1; y++) for (let x = box.x0; x < box.x1; x++) pixels.set(colour, (y * width + x) * 3);
  }
  return pixels;
}

export async function writeImage(
  path: string,
  pixels: Buffer,
  width: number,
  height: number,
  format: 'jpeg' | 'png' | 'webp' = 'jpeg',
  channels: 1 | 3 | 4 = 3,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  let image = sharp(pixels, { raw: { width, height, channels } });
  image =
    format === 'jpeg' ? image.jpeg({ quality: 95 }) : format === 'png' ? image.png() : image.webp({ lossless: true });
  await image.toFile(path);
}

/** A uniform image whose colour encodes a class, so tests can check labels stay with pixels. */
export function classColour(label: number): [number, number, number] {
  return [20 + 40 * (label % 6), 200 - 30 * (label % 6), 128];
}

export async function writeClassImage(path: string, label: number, width = 48, height = 40, box?: Box): Promise<void> {
  const pixels = paintBoxes(width, height, box ? [box] : [], [255, 255, 255], classColour(label));
  await writeImage(path, pixels, width, height, path.toLowerCase().endsWith('.png') ? 'png' : 'jpeg');
}

/** Bounding box (exclusive end) of pixels whose channel mean exceeds `threshold`, in a size×size RGB image. */
export function brightBox(data: Buffer, width: number, height: number, threshold = 200): Box | undefined {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      if ((data[i]! + data[i + 1]! + data[i + 2]!) / 3 > threshold) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x + 1);
        y1 = Math.max(y1, y + 1);
      }
    }
  }
  return x0 === Infinity ? undefined : { x0, y0, x1, y1 };
}

export async function writeText(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

/** Mean RGB over a region of an RGB image. */
export function meanColour(data: Buffer, offset: number, pixels: number): [number, number, number] {
  const sum = [0, 0, 0];
  for (let i = 0; i < pixels; i++) for (let c = 0; c < 3; c++) sum[c]! += data[offset + i * 3 + c]!;
  return sum.map((s) => s / pixels) as [number, number, number];
}
