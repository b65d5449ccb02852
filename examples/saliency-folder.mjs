// Masks for every image in a folder, with the low-level API and sharp: decode and resize each image
// to the model's input, one native call per batch, then the mask resized back to the image's own
// size and written as a grey PNG next to a line of JSON per image (file, size, predicted class).
//
//   node examples/saliency-folder.mjs RUN_DIR IMAGE_DIR OUT_DIR
//
// RUN_DIR is a training run folder (`casm-native train --out RUN_DIR`). For boxes, overlays and
// masked images use `casm-native saliency` or exportSaliency() instead.
import { mkdir, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { loadTrainedModel } from 'casm-native';
import sharp from 'sharp';

const [runDir, imageDir, outDir] = process.argv.slice(2);
if (!runDir || !imageDir || !outDir) {
  console.error('usage: node examples/saliency-folder.mjs RUN_DIR IMAGE_DIR OUT_DIR');
  process.exit(2);
}

const { model, classIds, config } = await loadTrainedModel(runDir);
const size = config.imageSize;
const files = (await readdir(imageDir)).filter((f) => /\.(png|jpe?g|webp)$/i.test(f)).sort();
await mkdir(outDir, { recursive: true });

const BATCH = 8;
try {
  for (let start = 0; start < files.length; start += BATCH) {
    const chunk = files.slice(start, start + BATCH);
    // The whole image squeezed to size×size RGB, as `--resize direct` does.
    const images = await Promise.all(
      chunk.map(async (file) => {
        const source = sharp(path.join(imageDir, file)).rotate();
        const { width, height } = await source.metadata();
        const data = await source.clone().resize(size, size, { fit: 'fill' }).removeAlpha().raw().toBuffer();
        return { file, width, height, data };
      }),
    );
    const batch = new Uint8Array(images.length * size * size * 3);
    images.forEach((im, i) => batch.set(im.data, i * size * size * 3));
    const { masks, logits } = await model.saliency({ kind: 'uint8', data: batch, n: images.length, h: size, w: size });
    const k = logits.length / images.length;
    for (const [i, im] of images.entries()) {
      const mask = masks.subarray(i * size * size, (i + 1) * size * size);
      const grey = Uint8Array.from(mask, (v) => Math.round(255 * v));
      // Back to the image's own size: a (sharp) bilinear resize of the grey mask.
      const out = path.join(outDir, `${path.parse(im.file).name}.mask.png`);
      await sharp(grey, { raw: { width: size, height: size, channels: 1 } })
        .resize(im.width, im.height, { fit: 'fill', kernel: 'linear' })
        .toColourspace('b-w')
        .png()
        .toFile(out);
      const row = Array.from(logits.subarray(i * k, (i + 1) * k));
      const best = row.indexOf(Math.max(...row));
      console.log(
        JSON.stringify({
          file: im.file,
          width: im.width,
          height: im.height,
          mask: out,
          predicted: classIds[best],
          meanMask: grey.reduce((s, v) => s + v, 0) / grey.length / 255,
        }),
      );
    }
  }
} finally {
  model.dispose(); // native memory back now, not at garbage collection
}
