// Bad input: each case is skipped, counted and reported by default, and stops the run with the
// file (and manifest line) named in strict mode. Nothing crashes.

import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { BatchLoader } from '../../src/data/loader.js';
import { DataError, formatSkipReport } from '../../src/data/skips.js';
import { transformImage } from '../../src/data/transforms.js';
import type { ImageBatch } from '../../src/data/types.js';
import {
  classColour,
  makeTempDir,
  meanColour,
  paintBoxes,
  writeClassImage,
  writeImage,
  writeText,
} from './data-fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await makeTempDir('bad')));
afterAll(async () => cleanup());

/** CRC-32 as PNG chunks use it. */
function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return ~crc >>> 0;
}

/** A small valid PNG whose header claims width x height: a decompression bomb's calling card. */
async function forgedPng(width: number, height: number): Promise<Buffer> {
  const png = await sharp(Buffer.alloc(16 * 16 * 3), { raw: { width: 16, height: 16, channels: 3 } })
    .png()
    .toBuffer();
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

async function badFiles(): Promise<Record<string, string>> {
  const good = join(dir, 'good.jpg');
  await writeImage(
    good,
    paintBoxes(64, 48, [{ x0: 5, y0: 5, x1: 30, y1: 30 }], [250, 250, 250], [30, 90, 160]),
    64,
    48,
  );
  const bytes = await readFile(good);
  const files = {
    missing: join(dir, 'does-not-exist.jpg'),
    empty: join(dir, 'empty.jpg'),
    truncated: join(dir, 'truncated.jpg'),
    text: join(dir, 'text.JPEG'),
    bmp: join(dir, 'image.bmp'),
    svg: join(dir, 'vector.svg'),
    bomb: join(dir, 'bomb.png'),
  };
  await writeFile(files.empty, Buffer.alloc(0));
  await writeFile(files.truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  await writeFile(files.text, 'this is not an image\n');
  // A 2x2 24-bit BMP: a real image in a format we do not decode.
  const bmp = Buffer.alloc(70);
  bmp.write('BM', 0);
  bmp.writeUInt32LE(70, 2);
  bmp.writeUInt32LE(54, 10);
  bmp.writeUInt32LE(40, 14);
  bmp.writeInt32LE(2, 18);
  bmp.writeInt32LE(2, 22);
  bmp.writeUInt16LE(1, 26);
  bmp.writeUInt16LE(24, 28);
  await writeFile(files.bmp, bmp);
  await writeFile(
    files.svg,
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
  );
  await writeFile(files.bomb, await forgedPng(30000, 30000));
  return files;
}

describe('decoding bad files', () => {
  const expected: Record<string, RegExp> = {
    missing: /missing file/,
    empty: /zero-byte file/,
    truncated: /corrupt image/,
    text: /unsupported or corrupt image/,
    bmp: /unsupported or corrupt image/,
    svg: /unsupported format: svg/,
    bomb: /over the pixel limit: 30000x30000/,
  };
  for (const [name, reason] of Object.entries(expected)) {
    it(`reports ${name} as a DataError naming the file`, async () => {
      const files = await badFiles();
      const path = files[name]!;
      const error = await transformImage(path, { kind: 'val', size: 32 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataError);
      expect((error as DataError).origin).toBe(path);
      expect((error as DataError).reason).toMatch(reason);
      expect((error as Error).message).toContain(path);
    });
  }

  it('applies a configurable pixel limit and checks boxes against the decoded size', async () => {
    const files = await badFiles();
    const good = join(dir, 'good.jpg');
    // The limit is inclusive: exactly 64x48 pixels decode, one fewer allowed refuses the image.
    expect((await transformImage(good, { kind: 'val', size: 32, maxPixels: 64 * 48 })).width).toBe(64);
    await expect(transformImage(good, { kind: 'val', size: 32, maxPixels: 64 * 48 - 1 })).rejects.toThrow(
      /over the pixel limit: 64x48 > 3071/,
    );
    // The bomb's forged header is refused by the default limit before any pixel is decoded, and by
    // a raised limit that is still below its claimed size.
    await expect(transformImage(files.bomb!, { kind: 'val', size: 32, maxPixels: 30000 * 30000 - 1 })).rejects.toThrow(
      /over the pixel limit: 30000x30000 > 899999999/,
    );
    expect((await transformImage(good, { kind: 'val', size: 32 })).data.length).toBe(32 * 32 * 3);
    await expect(transformImage(good, { kind: 'val', size: 32, maxPixels: 1000 })).rejects.toThrow(
      /over the pixel limit: 64x48 > 1000/,
    );
    await expect(
      transformImage(good, { kind: 'val', size: 32 }, { boxes: [{ x0: 10, y0: 10, x1: 200, y1: 20 }] }),
    ).rejects.toThrow(/box outside the image/);
    await expect(
      transformImage(good, { kind: 'val', size: 32 }, { expectedSize: { width: 500, height: 48 } }),
    ).rejects.toThrow(/size mismatch: the manifest says 500x48, the image is 64x48/);
    expect(
      (await transformImage(good, { kind: 'val', size: 32 }, { expectedSize: { width: 64, height: 48 } })).width,
    ).toBe(64);
  });
});

describe('bad manifest lines', () => {
  async function jsonlFixture(): Promise<string> {
    const root = join(dir, 'jsonl');
    await writeClassImage(join(root, 'a.png'), 0);
    await writeClassImage(join(root, 'b.png'), 1);
    await writeText(join(root, 'classes.txt'), 'zero\none\n');
    await writeText(
      join(root, 'train.jsonl'),
      [
        JSON.stringify({ path: 'a.png', label: 0 }), // 1 good
        '{"path": "b.png", "label": ', // 2 malformed JSON
        JSON.stringify({ label: 1 }), // 3 no path
        JSON.stringify({ path: 'b.png', label: 7 }), // 4 label out of range
        JSON.stringify({ path: 'b.png', label: 'three' }), // 5 unknown class
        JSON.stringify({ path: 'b.png', label: 1, width: 48, height: 40, boxes: [[0, 0, 480, 40]] }), // 6 box outside
        JSON.stringify({ path: 'b.png', label: 1, boxes: [[1, 2, 3]] }), // 7 malformed box
        JSON.stringify({ path: 'gone.png', label: 1 }), // 8 missing file
        JSON.stringify({ path: 'b.png', label: 1, boxes: [[1, 2, 30, 20]] }), // 9 good
      ].join('\n'),
    );
    return root;
  }

  it('skips, counts and reports them with file:line by default', async () => {
    const root = await jsonlFixture();
    const ds = await loadDataset({ data: root, split: 'train' });
    expect(ds.samples.map((s) => s.origin)).toEqual([
      `${join(root, 'train.jsonl')}:1`,
      `${join(root, 'train.jsonl')}:9`,
    ]);
    const byLine = Object.fromEntries(ds.skipped.map((r) => [r.origin.split(':').pop(), r.reason]));
    expect(byLine['2']).toMatch(/^malformed line/);
    expect(byLine['3']).toMatch(/no "path"/);
    expect(byLine['4']).toMatch(/label out of range: 7/);
    expect(byLine['5']).toMatch(/label out of range: "three"/);
    expect(byLine['6']).toMatch(/box outside the image/);
    expect(byLine['7']).toMatch(/a box is not/);
    expect(byLine['8']).toMatch(/missing file/);
    expect(ds.skipped).toHaveLength(7);
    const report = formatSkipReport(ds.skipped, 'lines', 3);
    expect(report).toMatch(/^skipped 7 lines \(/);
    expect(report).toContain('2 label out of range');
    expect(report.split('\n')).toHaveLength(4);
  });

  it('fails at the first one in strict mode, naming file and line', async () => {
    const root = await jsonlFixture();
    await expect(loadDataset({ data: root, split: 'train', strict: true })).rejects.toThrow(
      `${join(root, 'train.jsonl')}:2: malformed line`,
    );
  });

  it('handles bad wsolevaluation lines', async () => {
    const root = join(dir, 'wsol');
    await writeClassImage(join(root, 'images', 'a.png'), 0);
    await writeClassImage(join(root, 'images', 'b.png'), 1);
    await writeClassImage(join(root, 'images', 'c.png'), 1);
    const meta = (file: string, lines: string[]) => writeText(join(root, 'metadata', 'val', file), lines.join('\n'));
    await writeText(join(root, 'metadata', 'classes.txt'), 'zero\none\n');
    await meta('image_ids.txt', ['a.png', 'b.png', 'c.png', 'd.png', 'e.png']);
    await meta('class_labels.txt', ['a.png,0', 'b.png,5', 'c.png,1', 'd.png,1', 'e.png']);
    await meta('image_sizes.txt', ['a.png,48,40', 'c.png,48,40']);
    await meta('localization.txt', ['a.png,1,1,10,10', 'c.png,0,0,100,10']);
    const ds = await loadDataset({ data: root, split: 'val' });
    expect(ds.samples.map((s) => s.path)).toEqual([join(root, 'images', 'a.png')]);
    const reasons = ds.skipped.map((r) => `${r.origin.split('/').pop()} ${r.reason}`);
    expect(reasons).toEqual([
      expect.stringMatching(/^class_labels.txt:2 label out of range: 5/),
      expect.stringMatching(/^class_labels.txt:5 malformed line/),
      expect.stringMatching(/^image_ids.txt:3 bad box .*localization.txt:2: box outside the image/),
      expect.stringMatching(/^image_ids.txt:4 missing file: .*d.png/),
    ]);
    await expect(loadDataset({ data: root, split: 'val', strict: true })).rejects.toThrow(
      /class_labels.txt:2: label out of range/,
    );
  });

  it('handles bad ImageNet annotations', async () => {
    const root = join(dir, 'imagenet');
    await writeClassImage(join(root, 'train', 'n1', 'a.JPEG'), 0);
    await writeClassImage(join(root, 'train', 'n2', 'b.JPEG'), 1);
    for (const name of ['v1', 'v2', 'v3', 'v4']) await writeClassImage(join(root, 'val', `${name}.JPEG`), 0);
    await writeText(
      join(root, 'LOC_val_solution.csv'),
      ['ImageId,PredictionString', 'v1,n1 1 1 5 5', 'v2,n1 1 1', 'v3,n9 1 1 5 5'].join('\n'),
    );
    const ds = await loadDataset({ data: root, split: 'val' });
    expect(ds.samples.map((s) => s.path.split('/').pop())).toEqual(['v1.JPEG']);
    expect(ds.skipped.map((r) => r.reason)).toEqual([
      expect.stringMatching(/^malformed line/), // the CSV line of v2
      expect.stringMatching(/^no label/), // v2, whose line was malformed
      expect.stringMatching(/label out of range: class n9/), // v3
      expect.stringMatching(/^no label/), // v4: not in the CSV
    ]);
    await writeText(
      join(root, 'ILSVRC2012_bbox_val_v3', 'val', 'v1.xml'),
      '<annotation><object><name>n1</name></object></annotation>',
    );
    const xml = await loadDataset({ data: root, split: 'val', boxes: join(root, 'ILSVRC2012_bbox_val_v3', 'val') });
    expect(xml.samples).toEqual([]);
    expect(xml.skipped[0]!.reason).toMatch(/malformed annotation: <object> without/);
    await expect(loadDataset({ data: root, split: 'val', strict: true })).rejects.toThrow(
      /LOC_val_solution.csv:3: malformed line/,
    );
  });
});

describe('bad images inside batches', () => {
  async function mixedDataset() {
    const root = join(dir, 'mixed');
    const files = await badFiles();
    const lines: string[] = [];
    for (let i = 0; i < 12; i++) {
      await writeClassImage(join(root, `ok${i}.png`), i % 3);
      lines.push(JSON.stringify({ path: `ok${i}.png`, label: i % 3 }));
    }
    // Lines 9-14, after eight good ones.
    const bad = ['truncated', 'text', 'svg', 'bomb', 'bmp', 'empty'].map((name) =>
      JSON.stringify({ path: files[name], label: 1 }),
    );
    lines.splice(8, 0, ...bad);
    lines.push(JSON.stringify({ path: 'vanishes.png', label: 2 }));
    await writeClassImage(join(root, 'vanishes.png'), 2);
    await writeText(join(root, 'classes.txt'), 'a\nb\nc\n');
    await writeText(join(root, 'train.jsonl'), lines.join('\n'));
    // The bad files live in a shared folder outside this dataset, hence allowOutsideRoot.
    const dataset = await loadDataset({ data: root, split: 'train', allowOutsideRoot: true });
    await unlink(join(root, 'vanishes.png')); // gone between listing and decoding
    expect(dataset.samples).toHaveLength(19);
    return dataset;
  }

  const checkAligned = (batch: ImageBatch) => {
    batch.labels.forEach((label, slot) => {
      const corner = meanColour(batch.data, (slot * 256 + 15 * 16 + 15) * 3, 1);
      classColour(label).forEach((c, k) => expect(Math.abs(corner[k]! - c)).toBeLessThanOrEqual(8));
    });
  };

  it('replaces them in training batches, reproducibly, and reports them', async () => {
    const dataset = await mixedDataset();
    const run = async () => {
      const loader = new BatchLoader(dataset, { batchSize: 4, size: 16, seed: 9, transform: 'train' });
      const batches: ImageBatch[] = [];
      for await (const b of loader.batches({ epoch: 0 })) batches.push({ ...b, data: Buffer.from(b.data) });
      return { loader, batches };
    };
    const { loader, batches } = await run();
    expect(batches.map((b) => b.n)).toEqual([4, 4, 4, 4, 3]);
    for (const b of batches) for (const index of b.indices) expect(dataset.samples[index]!.path).toMatch(/ok\d+\.png$/);
    expect(loader.skipped).toHaveLength(7);
    expect(loader.skipped.map((r) => r.origin).join('\n')).toContain('vanishes.png (');
    expect(loader.skipSummary()).toMatch(/^skipped 7 samples/);
    const again = await run();
    expect(again.batches.map((b) => [b.indices, [...b.labels], b.data])).toEqual(
      batches.map((b) => [b.indices, [...b.labels], b.data]),
    );
  });

  it('drops them from evaluation batches, keeping labels with pixels', async () => {
    const dataset = await mixedDataset();
    const loader = new BatchLoader(dataset, { batchSize: 4, size: 16, transform: 'score-direct' });
    const batches: ImageBatch[] = [];
    for await (const b of loader.batches()) {
      checkAligned(b);
      batches.push(b);
    }
    expect(batches.reduce((n, b) => n + b.n, 0)).toBe(12);
    expect(loader.skipped).toHaveLength(7);
    const replaced = new BatchLoader(dataset, {
      batchSize: 4,
      size: 16,
      transform: 'score-direct',
      onBadSample: 'replace',
    });
    const sizes: number[] = [];
    for await (const b of replaced.batches()) {
      checkAligned(b);
      sizes.push(b.n);
    }
    expect(sizes).toEqual([4, 4, 4, 4, 3]);
  });

  it('stops at the first one in strict mode, naming the file and the manifest line', async () => {
    const dataset = await mixedDataset();
    const loader = new BatchLoader(dataset, { batchSize: 4, size: 16, transform: 'val', strict: true, concurrency: 1 });
    const error = await (async () => {
      for await (const _ of loader.batches()) {
        /* consume */
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toMatch(/truncated\.jpg \(.*train\.jsonl:9\): corrupt image/);
  });
});
