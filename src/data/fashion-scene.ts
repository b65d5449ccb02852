// One scene of the fashion-loc demo dataset: a Fashion-MNIST item, scaled and placed at random on
// a textured, cluttered background. The item is the only thing drawn after the background is
// complete, so its box is exact: every pixel outside the item's mask is background.
import type { Box } from './types.js';
import type { Random } from './random.js';

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

/** Smooth gradient + one periodic pattern + per-pixel noise, in floats. */
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
  const amplitude = rng.uniform(10, 50);
  const patternColour = randomColour(rng).map((c) => c / 255 - 0.5) as Colour;
  const noise = rng.uniform(4, 30);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const t = Math.min(1, Math.max(0, 0.5 + ((x - size / 2) * gx + (y - size / 2) * gy) / size));
      const u = x * px + y * py;
      const v = -x * py + y * px;
      let p: number;
      if (pattern === 0) p = Math.sin((2 * Math.PI * u) / period) > 0 ? 1 : -1;
      else if (pattern === 1) p = (Math.floor(u / period) + Math.floor(v / period)) % 2 === 0 ? 1 : -1;
      else p = Math.sin((2 * Math.PI * u) / period + 3 * Math.sin((2 * Math.PI * v) / (2 * period)));
      const i = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        out[i + c] = from[c]! + (to[c]! - from[c]!) * t + amplitude * p * (1 + patternColour[c]!) + noise * (rng.next() - 0.5);
      }
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
        for (let x = x0; x < x0 + w; x++) if (((x + 0.5 - cx) / rx) ** 2 + ((y + 0.5 - cy) / ry) ** 2 <= 1) blend(canvas, size, x, y, colour, alpha);
      }
    } else {
      const [x1, y1] = [rng.int(size), rng.int(size)];
      const thickness = 1 + rng.int(3);
      const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
      for (let k = 0; k <= steps; k++) {
        const x = Math.round(x0 + ((x1 - x0) * k) / steps);
        const y = Math.round(y0 + ((y1 - y0) * k) / steps);
        for (let dy = 0; dy < thickness; dy++) for (let dx = 0; dx < thickness; dx++) blend(canvas, size, x + dx, y + dy, colour, alpha);
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
 * 30–60% of the scene side and coloured to contrast with what lies under it, keeping its shading.
 */
export function drawScene(item: Uint8Array, otherItem: Uint8Array, size: number, rng: Random): Scene {
  const canvas = texture(size, rng);
  clutter(canvas, size, rng, otherItem);
  const background = new Uint8Array(size * size * 3);
  for (let i = 0; i < background.length; i++) background[i] = Math.min(255, Math.max(0, Math.round(canvas[i]!)));

  const side = Math.max(8, Math.round(size * rng.uniform(0.3, 0.6)));
  const scaled = scaleItem(item, side);
  const left = rng.int(size - side + 1);
  const top = rng.int(size - side + 1);
  let luminance = 0;
  for (let y = top; y < top + side; y++) for (let x = left; x < left + side; x++) luminance += background[(y * size + x) * 3 + 1]!;
  luminance /= side * side;
  const colour: Colour = luminance > 128 ? [rng.int(70), rng.int(70), rng.int(70)] : [185 + rng.int(71), 185 + rng.int(71), 185 + rng.int(71)];

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
      for (let c = 0; c < 3; c++) pixels[i + c] = Math.round(background[i + c]! * (1 - alpha) + colour[c]! * shade * alpha);
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
