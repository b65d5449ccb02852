// The browser page's logic (index.html): the picked image becomes the model's input (RGB bytes,
// the centre square scaled to the input side, as `casm-native saliency` crops by default; the
// browser's resampling filter is not sharp's, so only an image already at the input side gives the
// addon's exact input), onnxruntime-web runs the exported graph (which normalises the bytes itself),
// and the mask is drawn over the image with the box the authors' scorer takes from it and the
// top class (the same compiled modules the CLI uses). The result is also left in window.casmResult for scripts and tests.
import { maskBox } from 'casm/eval/mask-box.js';
import { softmaxTop1 } from 'casm/metrics/top1.js';
import * as ort from 'onnxruntime-web';

ort.env.wasm.wasmPaths = '/ort/';
// Several threads need a cross-origin-isolated page (SharedArrayBuffer); one always works.
ort.env.wasm.numThreads = 1;

const el = (id) => document.getElementById(id);
let session = null;
let bitmap = null;

function show(text, state) {
  el('status').textContent = text;
  el('status').className = state === 'error' ? 'error' : '';
  document.body.dataset.state = state;
}

/** The fixed input side of the model's graph (input [N,H,W,3]), or null when it is dynamic. */
function fixedSide(s) {
  const dims = s.inputMetadata?.[0]?.shape;
  return typeof dims?.[1] === 'number' ? dims[1] : null;
}

async function loadModel(file) {
  await session?.release();
  session = null;
  session = await ort.InferenceSession.create(new Uint8Array(await file.arrayBuffer()), {
    executionProviders: ['wasm'],
  });
  const side = fixedSide(session);
  el('side').disabled = side !== null;
  if (side !== null) el('side').value = String(side);
}

/** The centre square of the image scaled to side × side: RGBA (for drawing) and RGB (the input). */
function inputPixels(image, side) {
  const canvas = new OffscreenCanvas(side, side);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const s = Math.min(image.width, image.height);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(image, Math.floor((image.width - s) / 2), Math.floor((image.height - s) / 2), s, s, 0, 0, side, side);
  const rgba = ctx.getImageData(0, 0, side, side).data;
  const rgb = new Uint8Array(side * side * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i];
    rgb[j + 1] = rgba[i + 1];
    rgb[j + 2] = rgba[i + 2];
  }
  return { rgba, rgb };
}

function draw(rgba, mask, box, side) {
  const overlay = el('overlay');
  const maskView = el('mask');
  for (const c of [overlay, maskView]) [c.width, c.height] = [side, side];
  const mixed = new ImageData(side, side);
  const grey = new ImageData(side, side);
  for (let p = 0; p < side * side; p++) {
    const a = 0.6 * mask[p];
    mixed.data[4 * p] = rgba[4 * p] * (1 - a) + 255 * a;
    mixed.data[4 * p + 1] = rgba[4 * p + 1] * (1 - a);
    mixed.data[4 * p + 2] = rgba[4 * p + 2] * (1 - a);
    grey.data.fill(Math.round(255 * mask[p]), 4 * p, 4 * p + 3);
    mixed.data[4 * p + 3] = grey.data[4 * p + 3] = 255;
  }
  overlay.getContext('2d').putImageData(mixed, 0, 0);
  maskView.getContext('2d').putImageData(grey, 0, 0);
  if (box) {
    const ctx = overlay.getContext('2d');
    ctx.strokeStyle = '#00e000';
    ctx.lineWidth = Math.max(1, side / 128);
    ctx.strokeRect(box.x0 + 0.5, box.y0 + 0.5, box.x1 - box.x0, box.y1 - box.y0);
  }
}

async function run() {
  if (!session || !bitmap) return;
  const side = Number(el('side').value);
  if (!Number.isInteger(side) || side < 32 || side % 32 !== 0) {
    show(`the side must be a multiple of 32 (at least 32), not ${el('side').value}`, 'error');
    return;
  }
  show('running…', 'running');
  const { rgba, rgb } = inputPixels(bitmap, side);
  const started = performance.now();
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('uint8', rgb, [1, side, side, 3]) });
  const ms = performance.now() - started;
  const mask = out.mask.data;
  const { box } = maskBox(mask, side, side);
  const top = out.logits ? softmaxTop1(out.logits.data) : null;
  draw(rgba, mask, box, side);
  const mean = mask.reduce((a, b) => a + b, 0) / mask.length;
  window.casmResult = { side, mask: Array.from(mask), box, top, ms };
  show(
    `${side}×${side} px in ${ms.toFixed(0)} ms · mean mask ${mean.toFixed(3)}` +
      (box ? ` · box x ${box.x0}–${box.x1}, y ${box.y0}–${box.y1}` : ' · empty mask, no box') +
      (top ? ` · class ${top.index} (p ${top.probability.toFixed(2)})` : ''),
    'done',
  );
}

/** Runs `step`, then the model if both inputs are there; any failure is shown, not swallowed. */
function handle(step) {
  return async (event) => {
    try {
      await step(event);
      await run();
    } catch (err) {
      show(String(err?.message ?? err), 'error');
    }
  };
}

el('model').addEventListener(
  'change',
  handle((e) => loadModel(e.target.files[0])),
);
el('image').addEventListener(
  'change',
  handle(async (e) => {
    // Pixels as stored: no colour-space conversion, so a PNG at the input side reaches the model unchanged.
    bitmap = await createImageBitmap(e.target.files[0], { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  }),
);
el('side').addEventListener(
  'change',
  handle(() => {}),
);
document.body.dataset.state = 'ready';
