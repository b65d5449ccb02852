// One scene of the fashion-loc demo dataset: a Fashion-MNIST item, scaled and placed at random on
// a textured, cluttered background. The item is the only thing drawn after the background is
// complete, so its box is exact: every pixel outside the item's mask is background.

import type { Random } from './random.js';
import type { Box } from './types.js';

export const ITEM_SIDE = 28;

export interface Scene {
  size: number;
  /** size×size×3 RGB, the final picture. */
  pixels: Uint8Array;
  /** The same picture before the item was drawn. */
  background: Uint8Array;
  /** size×size, 1 where the item was drawn. */
  mask: Uint8Array;
  /** Tight box of the mask, exclusive end. */
  box: Box;
}

type Colour = [number, number, number];

const randomColour = (rng: Random): Colour => [rng.int(256), rng.int(256), rng.int(256)];

/**
 * Gradient + one periodic pattern + low-frequency blotches + faint per-pixel grain, in floats.
 * The grain is kept faint and luminance-only: strong colour noise would make every PNG
 * incompressible (tens of kB each) without making the task any more interesting.
 */
function texture(size: number, rng: Random): Float32Array {
  const out = new Float32Array(size * size * 3);
  const from = randomColour(rng);
  const to = randomColour(rng);
  const angle = rng.uniform(0, 2 * Math.PI);
  const [gx, gy] = [Math.cos(angle), Math.sin(angle)];
  const pattern = rng.int(3); // 0 stripes, 1 checks, 2 waves
  const period = rng.uniform(4, size / 3);
  const patternAngle = rng.uniform(0, Math.PI);
  const [px, py] = [Math.cos(patternAngle), Math.sin(patternAngle)];
  const amplitude = rng.uniform(10, 45);
  const tint = randomColour(rng).map((c) => 0.5 + c / 255) as Colour;
  const grain = rng.uniform(1, 5);
  // Blotches: random values on a coarse grid, interpolated bilinearly.
  const cells = 4;
  const blotches = Array.from({ length: (cells + 1) * (cells + 1) }, () => rng.uniform(-25, 25));
  const cell = size / cells;
  const gradientRow = new Float32Array(3);
  for (let y = 0; y < size; y++) {
    const cy = Math.min(cells - 1, Math.floor(y / cell));
    const fy = y / cell - cy;
    // Along a row the gradient, the pattern coordinates and the blotch interpolation are linear in
    // x, so they advance by constant steps instead of being recomputed per pixel.
    let t = 0.5 + ((-size / 2) * gx + (y - size / 2) * gy) / size;
    let u = (y * py) / period;
    let v = (y * px) / period;
    const du = px / period;
    const dv = -py / period;
    for (let c = 0; c < 3; c++) gradientRow[c] = to[c]! - from[c]!;
    for (let x = 0; x < size; x++, t += gx / size, u += du, v += dv) {
      const cx = Math.min(cells - 1, Math.floor(x / cell));
      const fx = x / cell - cx;
      const k = cy * (cells + 1) + cx;
      const blotch =
        (blotches[k]! * (1 - fx) + blotches[k + 1]! * fx) * (1 - fy) +
        (blotches[k + cells + 1]! * (1 - fx) + blotches[k + cells + 2]! * fx) * fy;
      const clamped = t < 0 ? 0 : Math.min(t, 1);
      let p: number;
      if (pattern === 0) p = u - Math.floor(u) < 0.5 ? 1 : -1;
      else if (pattern === 1) p = (Math.floor(u) + Math.floor(v)) & 1 ? -1 : 1;
      else p = Math.sin(2 * Math.PI * u + 3 * Math.sin(Math.PI * v));
      const shared = blotch + grain * (rng.nextUint32() / 4294967296 - 0.5);
      const i = (y * size + x) * 3;
      const ap = amplitude * p;
      out[i] = from[0] + gradientRow[0]! * clamped + ap * tint[0] + shared;
      out[i + 1] = from[1] + gradientRow[1]! * clamped + ap * tint[1] + shared;
      out[i + 2] = from[2] + gradientRow[2]! * clamped + ap * tint[2] + shared;
    }
  }
  return out;
}

function blend(canvas: Float32Array, size: number, x: number, y: number, colour: Colour, alpha: number): void {
  if (x < 0 || y < 0 || x >= size || y >= size) return;
  const i = (y * size + x) * 3;
  for (let c = 0; c < 3; c++) canvas[i + c] = canvas[i + c]! * (1 - alpha) + colour[c]! * alpha;
}

/** Distractors that are not items: rectangles, ellipses, thick lines, and scrambled item tiles. */
function clutter(canvas: Float32Array, size: number, rng: Random, otherItem: Uint8Array): void {
  const shapes = 3 + rng.int(5);
  for (let s = 0; s < shapes; s++) {
    const colour = randomColour(rng);
    const alpha = rng.uniform(0.5, 1);
    const w = 4 + rng.int(Math.max(1, Math.floor(size / 3)));
    const h = 4 + rng.int(Math.max(1, Math.floor(size / 3)));
    const x0 = rng.int(size) - Math.floor(w / 2);
    const y0 = rng.int(size) - Math.floor(h / 2);
    const kind = rng.int(3);
    if (kind === 0) {
      for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) blend(canvas, size, x, y, colour, alpha);
    } else if (kind === 1) {
      const [cx, cy, rx, ry] = [x0 + w / 2, y0 + h / 2, w / 2, h / 2];
      for (let y = y0; y < y0 + h; y++) {
        for (let x = x0; x < x0 + w; x++)
          if (((x + 0.5 - cx) / rx) ** 2 + ((y + 0.5 - cy) / ry) ** 2 <= 1) blend(canvas, size, x, y, colour, alpha);
      }
    } else {
      const [x1, y1] = [rng.int(size), rng.int(size)];
      const thickness = 1 + rng.int(3);
      const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
      for (let k = 0; k <= steps; k++) {
        const x = Math.round(x0 + ((x1 - x0) * k) / steps);
        const y = Math.round(y0 + ((y1 - y0) * k) / steps);
        for (let dy = 0; dy < thickness; dy++)
          for (let dx = 0; dx < thickness; dx++) blend(canvas, size, x + dx, y + dy, colour, alpha);
      }
    }
  }
  // Another item cut into 7x7 tiles and shuffled: item-like texture that is no item's shape.
  const tiles = Array.from({ length: 16 }, (_, i) => i);
  for (let i = tiles.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [tiles[i], tiles[j]] = [tiles[j]!, tiles[i]!];
  }
  const scale = rng.uniform(0.8, 1.6) * (size / 128);
  const side = Math.round(ITEM_SIDE * scale);
  const ox = rng.int(Math.max(1, size - side));
  const oy = rng.int(Math.max(1, size - side));
  const colour = randomColour(rng);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const sx = Math.min(ITEM_SIDE - 1, Math.floor(x / scale));
      const sy = Math.min(ITEM_SIDE - 1, Math.floor(y / scale));
      const tile = tiles[Math.floor(sy / 7) * 4 + Math.floor(sx / 7)]!;
      const tx = (tile % 4) * 7 + (sx % 7);
      const ty = Math.floor(tile / 4) * 7 + (sy % 7);
      const value = otherItem[ty * ITEM_SIDE + tx]!;
      if (value > 0) blend(canvas, size, ox + x, oy + y, colour, Math.min(1, value / 128));
    }
  }
}

/** Bilinear resize of a 28×28 item to side×side, rounded to bytes (0 stays exactly 0). */
export function scaleItem(item: Uint8Array, side: number): Uint8Array {
  const out = new Uint8Array(side * side);
  const ratio = ITEM_SIDE / side;
  for (let y = 0; y < side; y++) {
    const fy = Math.min(ITEM_SIDE - 1, Math.max(0, (y + 0.5) * ratio - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(ITEM_SIDE - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < side; x++) {
      const fx = Math.min(ITEM_SIDE - 1, Math.max(0, (x + 0.5) * ratio - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(ITEM_SIDE - 1, x0 + 1);
      const wx = fx - x0;
      const top = item[y0 * ITEM_SIDE + x0]! * (1 - wx) + item[y0 * ITEM_SIDE + x1]! * wx;
      const bottom = item[y1 * ITEM_SIDE + x0]! * (1 - wx) + item[y1 * ITEM_SIDE + x1]! * wx;
      out[y * side + x] = Math.round(top * (1 - wy) + bottom * wy);
    }
  }
  return out;
}

/**
 * Draws one scene. `item` and `otherItem` are 28×28 Fashion-MNIST images; the item is scaled to
 * `itemScale` of the scene side (default 30–60%) and coloured to contrast with what lies under it,
 * keeping its shading.
 */
export function drawScene(
  item: Uint8Array,
  otherItem: Uint8Array,
  size: number,
  rng: Random,
  itemScale: readonly [number, number] = [0.3, 0.6],
): Scene {
  const canvas = texture(size, rng);
  clutter(canvas, size, rng, otherItem);
  // Typed-array conversion clamps to 0..255 and rounds, natively.
  const clamped = new Uint8ClampedArray(canvas);
  const background = new Uint8Array(clamped.buffer, clamped.byteOffset, clamped.length);

  const side = Math.min(size, Math.max(8, Math.round(size * rng.uniform(itemScale[0], itemScale[1]))));
  const scaled = scaleItem(item, side);
  const left = rng.int(size - side + 1);
  const top = rng.int(size - side + 1);
  let luminance = 0;
  for (let y = top; y < top + side; y++)
    for (let x = left; x < left + side; x++) luminance += background[(y * size + x) * 3 + 1]!;
  luminance /= side * side;
  const colour: Colour =
    luminance > 128
      ? [rng.int(70), rng.int(70), rng.int(70)]
      : [185 + rng.int(71), 185 + rng.int(71), 185 + rng.int(71)];

  const pixels = Uint8Array.from(background);
  const mask = new Uint8Array(size * size);
  const box = { x0: size, y0: size, x1: 0, y1: 0 };
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const value = scaled[y * side + x]!;
      if (value === 0) continue;
      const [px, py] = [left + x, top + y];
      const alpha = Math.min(1, value / 48); // faint edge pixels blend, the body is opaque
      const shade = 0.45 + (0.55 * value) / 255;
      const i = (py * size + px) * 3;
      for (let c = 0; c < 3; c++)
        pixels[i + c] = Math.round(background[i + c]! * (1 - alpha) + colour[c]! * shade * alpha);
      mask[py * size + px] = 1;
      box.x0 = Math.min(box.x0, px);
      box.y0 = Math.min(box.y0, py);
      box.x1 = Math.max(box.x1, px + 1);
      box.y1 = Math.max(box.y1, py + 1);
    }
  }
  if (box.x1 === 0) throw new Error('empty Fashion-MNIST item');
  return { size, pixels, background, mask, box };
}
