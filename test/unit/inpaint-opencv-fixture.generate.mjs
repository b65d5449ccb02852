// Regenerates test/unit/inpaint-opencv-fixture.json: reference outputs of OpenCV's own
// cv.inpaint(..., INPAINT_TELEA) (opencv.js 4.5.2) for a few small images. Not part of the package;
// run it from a folder where `npm install --no-save @techstark/opencv-js@4.5.2` was done:
//   NODE_PATH=/that/folder/node_modules node test/unit/inpaint-opencv-fixture.generate.mjs

import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(path.join(process.env.NODE_PATH ?? '.', 'x.js'));
const cv = require('@techstark/opencv-js');
await new Promise((r) => (cv.Mat ? r() : (cv.onRuntimeInitialized = r)));

let seed = 4242;
const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;

function makeCase(name, h, w, channels, radius, maskFn) {
  const image = new Uint8Array(h * w * channels);
  const a = 2 + rnd() * 4,
    b = 2 + rnd() * 4;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < channels; c++)
        image[(y * w + x) * channels + c] = Math.max(
          0,
          Math.min(255, Math.round(120 + 70 * Math.sin(x / a + c) + 50 * Math.cos(y / b) + (rnd() - 0.5) * 40)),
        );
  const mask = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) mask[y * w + x] = maskFn(x, y) ? 255 : 0;
  const src = cv.matFromArray(h, w, channels === 3 ? cv.CV_8UC3 : cv.CV_8UC1, Array.from(image));
  const m = cv.matFromArray(h, w, cv.CV_8UC1, Array.from(mask));
  const dst = new cv.Mat();
  cv.inpaint(src, m, dst, radius, cv.INPAINT_TELEA);
  const expected = Uint8Array.from(dst.data);
  src.delete();
  m.delete();
  dst.delete();
  const b64 = (u) => Buffer.from(u).toString('base64');
  return { name, h, w, channels, radius, image: b64(image), mask: b64(mask), expected: b64(expected) };
}

const cases = [
  makeCase('rgb-blob-r3', 24, 20, 3, 3, (x, y) => (x - 9) ** 2 + (y - 12) ** 2 <= 25),
  makeCase('rgb-borders-r3', 18, 22, 3, 3, (x, y) => y <= 2 || x >= 19 || (x >= 6 && x <= 12 && y >= 8 && y <= 11)),
  makeCase('gray-scatter-r3', 20, 20, 1, 3, () => rnd() < 0.2),
  makeCase(
    'rgb-two-holes-r5',
    26,
    26,
    3,
    5,
    (x, y) => (x >= 3 && x <= 9 && y >= 4 && y <= 15) || (x - 18) ** 2 + (y - 18) ** 2 <= 16,
  ),
];
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'inpaint-opencv-fixture.json');
writeFileSync(
  out,
  `${JSON.stringify(
    { source: 'OpenCV 4.5.2 (opencv.js, @techstark/opencv-js) cv.inpaint INPAINT_TELEA', cases },
    null,
    1,
  )}\n`,
);
console.log(`wrote ${cases.length} cases to ${out}`);
process.exit(0);
