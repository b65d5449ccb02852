// Regenerates test/unit/metrics-contours-opencv-fixture.json: bounding rectangles of every contour
// OpenCV's findContours(RETR_TREE, CHAIN_APPROX_SIMPLE) returns (opencv.js 4.5.2), for random blobby
// binary images. Not part of the package; run it from a folder where
// `npm install --no-save @techstark/opencv-js@4.5.2` was done:
//   NODE_PATH=/that/folder/node_modules node test/unit/metrics-contours-opencv-fixture.generate.mjs

import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(path.join(process.env.NODE_PATH ?? '.', 'x.js'));
const cv = require('@techstark/opencv-js');
await new Promise((r) => (cv.Mat ? r() : (cv.onRuntimeInitialized = r)));

let seed = 777;
const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
const cases = [];
for (let n = 0; n < 24; n++) {
  const h = 10 + Math.floor(rnd() * 30),
    w = 10 + Math.floor(rnd() * 30);
  let img = new Uint8Array(h * w).map(() => (rnd() < 0.35 + rnd() * 0.4 ? 1 : 0));
  if (n % 2) {
    // Majority filter: blobs with holes and islands rather than salt and pepper.
    const src = img;
    img = new Uint8Array(h * w);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let on = 0,
          all = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy,
              xx = x + dx;
            if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
              all++;
              on += src[yy * w + xx];
            }
          }
        img[y * w + x] = 2 * on > all ? 1 : 0;
      }
  }
  const mat = cv.matFromArray(
    h,
    w,
    cv.CV_8UC1,
    Array.from(img, (v) => v * 255),
  );
  const contours = new cv.MatVector();
  const hierarchy = new cv.Mat();
  cv.findContours(mat, contours, hierarchy, cv.RETR_TREE, cv.CHAIN_APPROX_SIMPLE);
  const rects = [];
  for (let i = 0; i < contours.size(); i++) {
    const r = cv.boundingRect(contours.get(i));
    rects.push([r.x, r.y, r.width, r.height]);
  }
  mat.delete();
  contours.delete();
  hierarchy.delete();
  cases.push({ h, w, bits: Array.from(img).join(''), rects });
}
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'metrics-contours-opencv-fixture.json');
writeFileSync(
  out,
  `${JSON.stringify({
    source: 'OpenCV 4.5.2 (opencv.js) findContours RETR_TREE CHAIN_APPROX_SIMPLE + boundingRect [x,y,w,h]',
    cases,
  })}\n`,
);
console.log(`wrote ${cases.length} cases to ${out}`);
process.exit(0);
