// Telea fast-marching inpainting (A. Telea, "An image inpainting technique based on the fast marching
// method", 2004) with the behaviour of OpenCV's cv2.inpaint(..., INPAINT_TELEA), which the CASM
// authors used (radius 3) for the paper's inpainted masked-out images.
//
// Why not a library: the only Node-usable implementation is OpenCV compiled to WebAssembly
// (@techstark/opencv-js and similar: a 7.4 MB opencv.js with an asynchronous start-up) for one
// function. This file is written from the algorithm and from the facts of OpenCV's behaviour, and
// was checked against opencv.js 4.5.2: bit-identical output on 450 random images and masks (1 and 3
// channels, radius 1-5); test/unit/inpaint.test.ts keeps four of them as a fixture.
//
// Algorithm (pixels to fill = "inside"; the rest = "known"):
//  1. Narrow band = known pixels 4-adjacent to the inside; T = 0 there. A first fast march runs
//     *outwards* from the band over the known pixels within Chebyshev distance `radius` of the inside,
//     and their T is stored negated, so that T varies smoothly across the boundary (the level-set
//     term below needs T on both sides).
//  2. The main march pops the band pixel with the smallest T (FIFO among equal T) and, for each
//     inside 4-neighbour p, solves the eikonal equation |∇T| = 1 for T(p) from its known neighbours,
//     then fills every channel of p from the known pixels q with |p − q| <= radius:
//        r = p − q, w = |dir · dst · lev| with dir = r·∇T(p) (set to 1e-6 when |dir| <= 0.01),
//        dst = 1/|r|³, lev = 1/(1 + |T(q) − T(p)|),
//        value = Σ w·I(q) / Σ w  +  (Jx + Jy)/|J|,   J = −Σ w·(∂I/∂x(q)·r.x, ∂I/∂y(q)·r.y)
//     and rounds (value + 0.5) to the nearest integer, saturated to 0..255.
//     p then joins the band with its T.
// OpenCV specifics reproduced on purpose (they decide what the filled pixels look like):
//  - the gradient term is the *normalised* (Jx + Jy)/|J| (so it moves a value by at most √2) and
//    has the opposite sign of Telea's Σ w ∇I(q)·(p−q) / Σ w; central differences of I carry a
//    factor 2, one-sided ones 1. Consequently a constant image can drift by a level or two and a
//    ramp is only followed roughly; `formula: 'paper'` gives Telea's own estimate instead;
//  - sampling a known pixel in the first row/column reads the second row/column, and the forward
//    difference at the last row/column is shifted one pixel back (OpenCV's index clamping);
//  - OpenCV 4.x behaviour at the image border: pixels in the first row/column are filled too (some
//    older releases skipped them and left them unchanged);
//  - arithmetic in float32, the eikonal solution in double.
// Result: a new buffer; the input is not modified.

const KNOWN = 0;
const BAND = 1;
const INSIDE = 2;
const CHANGE = 3;

export interface InpaintOptions {
  /** Neighbourhood radius in pixels (OpenCV's inpaintRadius, rounded, limited to 1..100). Default 3. */
  radius?: number;
  /**
   * 'opencv' (default): OpenCV's formula, what the CASM authors' images went through.
   * 'paper': Telea's estimate Σ w·(I(q) + ∇I(q)·(p − q)) / Σ w with proper central differences,
   * rounded to nearest: same march and weights, but constants and linear ramps are reproduced,
   * which OpenCV's normalised, sign-flipped gradient term and +0.5 bias do not guarantee.
   */
  formula?: 'opencv' | 'paper';
}

/**
 * Inpaints `image` (h×w×channels uint8, row-major, channels interleaved; RGB has 3) where `mask` is
 * nonzero/true (h×w). Returns a new Uint8Array.
 */
export function inpaintTelea(
  image: Uint8Array,
  h: number,
  w: number,
  channels: number,
  mask: ArrayLike<number | boolean>,
  opts: InpaintOptions = {},
): Uint8Array {
  if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0))
    throw new RangeError(`inpaintTelea: bad size ${h}x${w}`);
  if (!(Number.isInteger(channels) && channels >= 1))
    throw new RangeError(`inpaintTelea: bad channel count ${channels}`);
  if (image.length !== h * w * channels)
    throw new RangeError(`inpaintTelea: image has ${image.length} bytes, expected ${h}x${w}x${channels}`);
  if (mask.length !== h * w) throw new RangeError(`inpaintTelea: mask has ${mask.length} values, expected ${h}x${w}`);
  const range = Math.min(100, Math.max(1, roundHalfEven(opts.radius ?? 3)));

  const out = Uint8Array.from(image);
  // Padded grids: (h+2)×(w+2), image pixel (y,x) at (y+1, x+1); the frame is always known.
  const rows = h + 2;
  const cols = w + 2;
  const size = rows * cols;
  const flags = new Uint8Array(size); // KNOWN / BAND / INSIDE for the main march
  const t = new Float32Array(size).fill(1e6);
  let insideCount = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (mask[y * w + x]) {
        flags[(y + 1) * cols + x + 1] = INSIDE;
        insideCount++;
      }
    }
  }
  if (insideCount === 0) return out;

  const isFrame = (i: number, j: number): boolean => i === 0 || j === 0 || i === rows - 1 || j === cols - 1;

  // Narrow band: known, non-frame pixels 4-adjacent to an inside pixel, in raster order.
  const heap = new MinQueue(size);
  const band = new Uint8Array(size);
  for (let i = 1; i < rows - 1; i++) {
    for (let j = 1; j < cols - 1; j++) {
      const p = i * cols + j;
      if (flags[p] === INSIDE) continue;
      if (
        flags[p - 1] === INSIDE ||
        flags[p + 1] === INSIDE ||
        flags[p - cols] === INSIDE ||
        flags[p + cols] === INSIDE
      ) {
        band[p] = 1;
        t[p] = 0;
        heap.push(p, 0);
      }
    }
  }

  // Step 1: march outwards over the known ring within `range` (Chebyshev) of the inside.
  const ring = new Uint8Array(size); // INSIDE marks ring pixels still to reach
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const p = i * cols + j;
      if (flags[p] !== INSIDE) continue;
      for (let k = Math.max(0, i - range); k <= Math.min(rows - 1, i + range); k++) {
        for (let l = Math.max(0, j - range); l <= Math.min(cols - 1, j + range); l++) {
          const q = k * cols + l;
          if (flags[q] !== INSIDE && band[q] === 0 && !isFrame(k, l)) ring[q] = INSIDE;
        }
      }
    }
  }
  const outward = new MinQueue(size);
  for (let p = 0; p < size; p++) if (band[p]) outward.push(p, 0);
  while (outward.size > 0) {
    const p = outward.pop();
    ring[p] = CHANGE;
    const ii = (p / cols) | 0;
    const jj = p - ii * cols;
    for (let q = 0; q < 4; q++) {
      const i = q === 0 ? ii - 1 : q === 2 ? ii + 1 : ii;
      const j = q === 1 ? jj - 1 : q === 3 ? jj + 1 : jj;
      if (i <= 0 || j <= 0 || i >= rows - 1 || j >= cols - 1) continue;
      const n = i * cols + j;
      if (ring[n] === INSIDE) {
        const d = solveAt(i, j, ring, t, cols);
        t[n] = d;
        ring[n] = BAND;
        outward.push(n, d);
      }
    }
  }
  for (let p = 0; p < size; p++) if (ring[p] === CHANGE) t[p] = -t[p];

  // Step 2: the main march, filling as it goes.
  const acc = new Float32Array(4 * channels); // per channel: Ia, Jx, Jy, s
  const singleChannel = channels === 1;
  const paper = opts.formula === 'paper';
  while (heap.size > 0) {
    const p0 = heap.pop();
    flags[p0] = KNOWN;
    const ii = (p0 / cols) | 0;
    const jj = p0 - ii * cols;
    for (let q = 0; q < 4; q++) {
      const i = q === 0 ? ii - 1 : q === 2 ? ii + 1 : ii;
      const j = q === 1 ? jj - 1 : q === 3 ? jj + 1 : jj;
      if (i <= 0 || j <= 0 || i >= rows - 1 || j >= cols - 1) continue;
      const p = i * cols + j;
      if (flags[p] !== INSIDE) continue;
      const dist = solveAt(i, j, flags, t, cols);
      t[p] = dist;
      if (paper) fillPixelPaper(i, j);
      else fillPixel(i, j);
      flags[p] = BAND;
      heap.push(p, dist);
    }
  }
  return out;

  function fillPixel(i: number, j: number): void {
    const p = i * cols + j;
    const [gTx, gTy] = gradT(p);

    acc.fill(0);
    for (let c = 0; c < channels; c++) acc[4 * c + 3] = 1e-20;
    const tp = t[p]!;
    for (let k = i - range; k <= i + range; k++) {
      if (k <= 0 || k >= rows - 1) continue;
      // Image row sampled for k; OpenCV reads row 1 when k is row 0, and shifts the forward
      // difference one row up at the last row.
      const km = k - 1 + (k === 1 ? 1 : 0);
      const kp = k - 1 - (k === rows - 2 ? 1 : 0);
      for (let l = j - range; l <= j + range; l++) {
        if (l <= 0 || l >= cols - 1) continue;
        const qf = k * cols + l;
        if (flags[qf] === INSIDE) continue;
        const ry = i - k;
        const rx = j - l;
        if (rx * rx + ry * ry > range * range) continue;
        const lm = l - 1 + (l === 1 ? 1 : 0);
        const lp = l - 1 - (l === cols - 2 ? 1 : 0);
        const len2 = f32(rx * rx + ry * ry);
        // OpenCV's 3-channel path takes this root in double, its 1-channel path in float.
        const dst = f32(1 / (singleChannel ? f32(len2 * f32(Math.sqrt(len2))) : len2 * Math.sqrt(len2)));
        const lev = f32(1 / f32(1 + Math.abs(f32(t[qf]! - tp))));
        let dir = f32(f32(rx * gTx) + f32(ry * gTy));
        if (Math.abs(dir) <= 0.01) dir = f32(0.000001);
        const wgt = f32(Math.abs(f32(f32(dst * lev) * dir)));
        const qRightKnown = flags[qf + 1] !== INSIDE;
        const qLeftKnown = flags[qf - 1] !== INSIDE;
        const qDownKnown = flags[qf + cols] !== INSIDE;
        const qUpKnown = flags[qf - cols] !== INSIDE;
        // Pixel indices (before the channel offset) of the difference terms, chosen once per q:
        // central differences carry OpenCV's factor 2, one-sided ones 1, none 0.
        const v = km * w + lm;
        let xPlus = v,
          xMinus = v,
          xScale = 0;
        if (qRightKnown) {
          xPlus = km * w + lp + 1;
          if (qLeftKnown) {
            xMinus = km * w + lm - 1;
            xScale = 2;
          } else {
            xMinus = v;
            xScale = 1;
          }
        } else if (qLeftKnown) {
          xPlus = km * w + lp;
          xMinus = km * w + lm - 1;
          xScale = 1;
        }
        let yPlus = v,
          yMinus = v,
          yScale = 0;
        if (qDownKnown) {
          yPlus = (kp + 1) * w + lm;
          if (qUpKnown) {
            yMinus = (km - 1) * w + lm;
            yScale = 2;
          } else {
            yMinus = v;
            yScale = 1;
          }
        } else if (qUpKnown) {
          yPlus = kp * w + lm;
          yMinus = (km - 1) * w + lm;
          yScale = 1;
        }
        for (let c = 0, a = 0; c < channels; c++, a += 4) {
          const gIx = (out[xPlus * channels + c]! - out[xMinus * channels + c]!) * xScale;
          const gIy = (out[yPlus * channels + c]! - out[yMinus * channels + c]!) * yScale;
          acc[a] = acc[a]! + f32(wgt * out[v * channels + c]!);
          acc[a + 1] = acc[a + 1]! - f32(wgt * f32(gIx * rx));
          acc[a + 2] = acc[a + 2]! - f32(wgt * f32(gIy * ry));
          acc[a + 3] = acc[a + 3]! + wgt;
        }
      }
    }
    const o = ((i - 1) * w + (j - 1)) * channels;
    for (let c = 0; c < channels; c++) {
      const a = 4 * c;
      const ia = acc[a]!,
        jx = acc[a + 1]!,
        jy = acc[a + 2]!,
        s = acc[a + 3]!;
      const norm = f32(f32(Math.sqrt(f32(f32(jx * jx) + f32(jy * jy)))) + 1e-20);
      const sat = f32(f32(f32(ia / s) + f32(f32(jx + jy) / norm)) + 0.5);
      out[o + c] = Math.min(255, Math.max(0, roundHalfEven(sat)));
    }
  }

  // ∇T at p from its non-inside horizontal/vertical neighbours (shared by both formulas).
  function gradT(p: number): [number, number] {
    let gx: number;
    let gy: number;
    const rightKnown = flags[p + 1] !== INSIDE;
    const leftKnown = flags[p - 1] !== INSIDE;
    if (rightKnown) gx = leftKnown ? f32((t[p + 1]! - t[p - 1]!) * 0.5) : f32(t[p + 1]! - t[p]!);
    else gx = leftKnown ? f32(t[p]! - t[p - 1]!) : 0;
    const downKnown = flags[p + cols] !== INSIDE;
    const upKnown = flags[p - cols] !== INSIDE;
    if (downKnown) gy = upKnown ? f32((t[p + cols]! - t[p - cols]!) * 0.5) : f32(t[p + cols]! - t[p]!);
    else gy = upKnown ? f32(t[p]! - t[p - cols]!) : 0;
    return [gx, gy];
  }

  // Telea's formula (paper variant): first-order extrapolation from each known neighbour.
  function fillPixelPaper(i: number, j: number): void {
    const p = i * cols + j;
    const [gTx, gTy] = gradT(p);
    const tp = t[p]!;
    const sum = new Float64Array(channels);
    let s = 0;
    for (let k = Math.max(1, i - range); k <= Math.min(rows - 2, i + range); k++) {
      for (let l = Math.max(1, j - range); l <= Math.min(cols - 2, j + range); l++) {
        const qf = k * cols + l;
        if (flags[qf] === INSIDE) continue;
        const ry = i - k;
        const rx = j - l;
        const len2 = rx * rx + ry * ry;
        if (len2 > range * range) continue;
        const dst = 1 / (len2 * Math.sqrt(len2));
        const lev = 1 / (1 + Math.abs(t[qf]! - tp));
        let dir = rx * gTx + ry * gTy;
        if (Math.abs(dir) <= 0.01) dir = 0.000001;
        const wgt = Math.abs(dst * lev * dir);
        // Known neighbours of q inside the image, for its intensity gradient.
        const hasRight = l + 1 <= cols - 2 && flags[qf + 1] !== INSIDE;
        const hasLeft = l - 1 >= 1 && flags[qf - 1] !== INSIDE;
        const hasDown = k + 1 <= rows - 2 && flags[qf + cols] !== INSIDE;
        const hasUp = k - 1 >= 1 && flags[qf - cols] !== INSIDE;
        const y = k - 1;
        const x = l - 1;
        const q = (y * w + x) * channels;
        const right = q + channels,
          left = q - channels,
          down = q + w * channels,
          up = q - w * channels;
        for (let c = 0; c < channels; c++) {
          const v = out[q + c]!;
          const gx = hasRight
            ? hasLeft
              ? (out[right + c]! - out[left + c]!) * 0.5
              : out[right + c]! - v
            : hasLeft
              ? v - out[left + c]!
              : 0;
          const gy = hasDown
            ? hasUp
              ? (out[down + c]! - out[up + c]!) * 0.5
              : out[down + c]! - v
            : hasUp
              ? v - out[up + c]!
              : 0;
          sum[c] = sum[c]! + wgt * (v + gx * rx + gy * ry);
        }
        s += wgt;
      }
    }
    const o = ((i - 1) * w + (j - 1)) * channels;
    for (let c = 0; c < channels; c++)
      out[o + c] = s > 0 ? Math.min(255, Math.max(0, Math.round(sum[c]! / s))) : out[o + c]!;
  }
}

const f32 = Math.fround;

/** cvRound: nearest integer, ties to even (the FPU's default rounding mode). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Eikonal update at (i,j): the smallest of the four quadrant solutions, each from a vertical and a
 * horizontal neighbour; a neighbour counts as known when its flag is not INSIDE.
 */
function solveAt(i: number, j: number, flags: Uint8Array, t: Float32Array, cols: number): number {
  const up = (i - 1) * cols + j;
  const down = (i + 1) * cols + j;
  const left = i * cols + j - 1;
  const right = i * cols + j + 1;
  return Math.min(
    Math.min(solve(up, left, flags, t), solve(down, left, flags, t)),
    Math.min(solve(up, right, flags, t), solve(down, right, flags, t)),
  );
}

function solve(p1: number, p2: number, flags: Uint8Array, t: Float32Array): number {
  const a11 = t[p1]!;
  const a22 = t[p2]!;
  const m12 = Math.min(a11, a22);
  let sol: number;
  if (flags[p1] !== INSIDE) {
    if (flags[p2] !== INSIDE) {
      sol = Math.abs(a11 - a22) >= 1 ? 1 + m12 : (a11 + a22 + Math.sqrt(2 - (a11 - a22) * (a11 - a22))) * 0.5;
    } else sol = 1 + a11;
  } else if (flags[p2] !== INSIDE) sol = 1 + a22;
  else sol = 1 + m12;
  return f32(sol);
}

/** Min-priority queue of pixel indices by float key; equal keys leave in insertion order (FIFO). */
class MinQueue {
  private readonly idx: Int32Array;
  private readonly key: Float32Array;
  private readonly seq: Float64Array;
  private n = 0;
  private counter = 0;

  constructor(capacity: number) {
    this.idx = new Int32Array(capacity);
    this.key = new Float32Array(capacity);
    this.seq = new Float64Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  push(index: number, key: number): void {
    let c = this.n++;
    const s = this.counter++;
    const k = f32(key);
    while (c > 0) {
      const parent = (c - 1) >> 1;
      if (!this.before(k, s, parent)) break;
      this.move(parent, c);
      c = parent;
    }
    this.idx[c] = index;
    this.key[c] = k;
    this.seq[c] = s;
  }

  pop(): number {
    const top = this.idx[0]!;
    const last = --this.n;
    if (last > 0) {
      const li = this.idx[last]!,
        lk = this.key[last]!,
        ls = this.seq[last]!;
      let c = 0;
      for (;;) {
        const a = 2 * c + 1;
        if (a >= last) break;
        const b = a + 1;
        const m = b < last && this.less(b, a) ? b : a;
        if (!this.before(this.key[m]!, this.seq[m]!, -1, lk, ls)) break;
        this.move(m, c);
        c = m;
      }
      this.idx[c] = li;
      this.key[c] = lk;
      this.seq[c] = ls;
    }
    return top;
  }

  // (k, s) orders before slot `other`, or before the explicit (ok, os) when other = -1.
  private before(k: number, s: number, other: number, ok = 0, os = 0): boolean {
    const kk = other >= 0 ? this.key[other]! : ok;
    const ss = other >= 0 ? this.seq[other]! : os;
    return k < kk || (k === kk && s < ss);
  }

  private less(a: number, b: number): boolean {
    return this.before(this.key[a]!, this.seq[a]!, b);
  }

  private move(from: number, to: number): void {
    this.idx[to] = this.idx[from]!;
    this.key[to] = this.key[from]!;
    this.seq[to] = this.seq[from]!;
  }
}
