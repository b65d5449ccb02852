// `casm-native saliency` end to end, in-process through its commander command, on a model trained
// on generated demo data: a dataset folder, a plain image file and an unreadable file as inputs;
// every output file exists, PNGs decode with sharp at the image's own size, JSON records are complete
// and in range; the bad file is reported and skipped, or stops the run with --strict. A 300×200
// image with a ground-truth box gives 300×200 outputs with the crop's unseen bands marked and both
// boxes drawn; --json streams the records; no readable input is a failure.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import { runCli } from '../../src/cli/run-cli.js';
import { registerSaliency } from '../../src/cli/saliency.js';
import { SALIENCY_FILES, type SaliencyRecord } from '../../src/eval/saliency-export.js';
import { missing } from '../environment.js';
import { runCommand, type TinyRun, tinyDemoRun } from './eval-fixture.js';
import { tryLoadAddon } from './train-fixture.js';

const addon = await tryLoadAddon();
const root = mkdtempSync(path.join(tmpdir(), 'casm-saliency-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const saliencyCli = (args: string[]) => runCommand([registerSaliency], ['saliency', ...args]);

describe.skipIf(missing(addon, 'the compiled addon (bash scripts/setup.sh --test)'))('saliency (native, CPU)', () => {
  let run: TinyRun;
  let loose: string;
  let broken: string;
  beforeAll(async () => {
    run = await tinyDemoRun();
    const extra = path.join(root, 'extra');
    mkdirSync(extra, { recursive: true });
    const trainImages = path.join(run.data, 'images', 'train');
    const first = readdirSync(trainImages, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.png'))
      .sort()[0]!;
    loose = path.join(extra, 'loose image.png'); // a space: output names are made safe
    copyFileSync(path.join(trainImages, first), loose);
    broken = path.join(extra, 'broken.png');
    writeFileSync(broken, 'not a png at all');
  });

  it('writes mask, masked-in/out, inpainted, overlay PNGs and a JSON per image; skips the bad file', async () => {
    const out = path.join(root, 'out');
    const { stdout, stderr } = await saliencyCli([
      '--checkpoint',
      run.runDir,
      '--out',
      out,
      '--batch-size',
      '4',
      run.data,
      loose,
      broken,
    ]);
    expect(stdout).toMatch(/wrote 9 images' outputs to .*; skipped 1 unreadable/);
    expect(stderr).toMatch(/skipped .*broken\.png/);
    expect(stderr).toMatch(/saliency: 10\/10 images/); // progress on stderr (one line per few seconds + the last)
    const records = readdirSync(out).filter((f) => f.endsWith('.json'));
    expect(records).toHaveLength(9);
    expect(records).toContain('loose_image.json');
    for (const file of records) {
      const r = JSON.parse(readFileSync(path.join(out, file), 'utf8')) as SaliencyRecord;
      expect(r.size).toBe(32);
      expect(r.resize).toBe('crop');
      expect(r.binarizedPixels).toBeGreaterThan(0);
      expect(r.binarizedArea).toBeGreaterThan(0);
      expect(r.binarizedArea).toBeLessThanOrEqual(1);
      expect(r.boxInInput).not.toBeNull();
      const b = r.boxInInput!;
      expect(0 <= b.x0 && b.x0 <= b.x1 && b.x1 < 32 && 0 <= b.y0 && b.y0 <= b.y1 && b.y1 < 32).toBe(true);
      const o = r.box!;
      expect(
        0 <= o.x0 && o.x0 < o.x1 && o.x1 <= r.original.width && 0 <= o.y0 && o.y0 < o.y1 && o.y1 <= r.original.height,
      ).toBe(true);
      // Dataset images carry their class and boxes; the loose copy does not.
      if (file === 'loose_image.json') {
        expect(r.label).toBeNull();
        expect(r.groundTruth).toEqual([]);
      } else {
        expect(typeof r.label!.classId).toBe('string');
        expect(r.groundTruth.length).toBeGreaterThan(0);
      }
      for (const k of ['mean', 'entropy', 'tv'] as const) expect(Number.isFinite(r.maskStats[k])).toBe(true);
      expect(r.maskStats.mean).toBeGreaterThan(0);
      expect(r.maskStats.mean).toBeLessThan(1);
      expect(r.prediction.index).toBeGreaterThanOrEqual(0);
      expect(r.prediction.index).toBeLessThan(10);
      expect(typeof r.prediction.classId).toBe('string');
      expect(r.prediction.probability).toBeGreaterThan(0);
      expect(r.prediction.probability).toBeLessThanOrEqual(1);
      expect(Object.keys(r.files).sort()).toEqual(Object.keys(SALIENCY_FILES).sort());
      for (const [key, name] of Object.entries(r.files)) {
        const meta = await sharp(path.join(out, name)).metadata();
        // The demo scenes are 32×32, as is the model's input: every file has that size here.
        expect([meta.format, meta.width, meta.height], name).toEqual(['png', r.original.width, r.original.height]);
        expect(meta.channels, name).toBe(key === 'mask' ? 2 : 3);
      }
    }
    // The mask PNG is the mask: its mean over 0..255 matches the recorded mean mask.
    const r = JSON.parse(readFileSync(path.join(out, 'loose_image.json'), 'utf8')) as SaliencyRecord;
    const { data } = await sharp(path.join(out, r.files.mask))
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const mean = data.reduce((s, v) => s + v, 0) / data.length / 255;
    expect(mean).toBeCloseTo(r.maskStats.mean, 2);
    // Masked-in and masked-out split the input: where one is black the other shows the input.
    const raw = async (f: string) => (await sharp(path.join(out, f)).raw().toBuffer()) as Buffer;
    const [input, maskedIn, maskedOut] = await Promise.all([
      raw(r.files.input),
      raw(r.files.maskedIn),
      raw(r.files.maskedOut),
    ]);
    let kept = 0;
    for (let p = 0; p < 32 * 32; p++) {
      const inside =
        maskedOut[3 * p] === 0 &&
        maskedOut[3 * p + 1] === 0 &&
        maskedOut[3 * p + 2] === 0 &&
        (input[3 * p] !== 0 || input[3 * p + 1] !== 0 || input[3 * p + 2] !== 0);
      if (inside) {
        kept++;
        expect([maskedIn[3 * p], maskedIn[3 * p + 1], maskedIn[3 * p + 2]]).toEqual([
          input[3 * p],
          input[3 * p + 1],
          input[3 * p + 2],
        ]);
      }
    }
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(r.binarizedPixels);
  });

  it('--strict stops at the unreadable file', async () => {
    await expect(
      saliencyCli(['--checkpoint', run.runDir, '--out', path.join(root, 'strict'), '--strict', loose, broken]),
    ).rejects.toThrow(/broken\.png/);
  });

  it('fails (non-zero exit) when no input could be read', async () => {
    const out = path.join(root, 'none-readable');
    await expect(saliencyCli(['--checkpoint', run.runDir, '--out', out, broken])).rejects.toThrow(
      /none of the 1 input images could be read; nothing was written/,
    );
  });

  it('--resize direct and --size keep the requested frame', async () => {
    const out = path.join(root, 'direct');
    await saliencyCli([
      '--checkpoint',
      path.join(run.runDir, 'model.safetensors'),
      '--out',
      out,
      '--resize',
      'direct',
      '--size',
      '64',
      loose,
    ]);
    const r = JSON.parse(readFileSync(path.join(out, 'loose_image.json'), 'utf8')) as SaliencyRecord;
    expect(r.size).toBe(64);
    expect(r.resize).toBe('direct');
    expect(r.prediction.classId).toBeNull(); // a bare weights file has no class list
    expect((await sharp(path.join(out, r.files.input)).metadata()).width).toBe(64);
    expect((await sharp(path.join(out, r.files.overlay)).metadata()).width).toBe(r.original.width);
  });

  describe('a 300×200 image with a ground-truth box', () => {
    const W = 300;
    const H = 200;
    const gt = { x0: 70, y0: 30, x1: 190, y1: 170 };
    let manifest: string;
    beforeAll(async () => {
      // A demo scene stretched to 300×200 by sharp, listed in a JSONL manifest with a box.
      const dir = path.join(root, 'wide');
      mkdirSync(dir, { recursive: true });
      await sharp(loose).resize(W, H, { fit: 'fill' }).png().toFile(path.join(dir, 'wide.png'));
      manifest = path.join(dir, 'val.jsonl');
      writeFileSync(
        manifest,
        `${JSON.stringify({ path: 'wide.png', label: 'thing', boxes: [[gt.x0, gt.y0, gt.x1, gt.y1]] })}\n`,
      );
    });

    const rawRgb = async (file: string) =>
      (await sharp(file).raw().toBuffer({ resolveWithObject: true })) as { data: Buffer; info: sharp.OutputInfo };

    it('--resize crop: 300×200 files, unseen bands marked in mask and overlay and JSON, both boxes drawn, --json lines', async () => {
      const out = path.join(root, 'wide-crop');
      const { stdout, stderr } = await saliencyCli(['--checkpoint', run.runDir, '--out', out, '--json', manifest]);
      expect(stderr).toMatch(/wrote 1 images' outputs/); // the summary leaves stdout to the JSON
      const lines = stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      const r = JSON.parse(lines[0]!) as SaliencyRecord;
      expect(r).toEqual(JSON.parse(readFileSync(path.join(out, 'wide.json'), 'utf8')));
      expect(r.original).toEqual({ width: W, height: H });
      expect(r.coverage).toEqual({ x0: 50, y0: 0, x1: 250, y1: 200, fraction: 2 / 3, complete: false });
      expect(r.groundTruth).toEqual([gt]);
      expect(r.label).toEqual({ index: 0, classId: 'thing' });
      for (const key of ['mask', 'overlay', 'maskedIn', 'maskedOut', 'inpainted'] as const) {
        const meta = await sharp(path.join(out, r.files[key])).metadata();
        expect([meta.width, meta.height], key).toEqual([W, H]);
      }
      // Mask: alpha 0 exactly outside the crop; its covered mean is the model-frame mask's mean.
      expect((await sharp(path.join(out, r.files.mask)).metadata()).channels).toBe(2);
      // sharp hands grey + alpha back as RGBA: grey in the first channel, alpha in the last.
      const mask = await rawRgb(path.join(out, r.files.mask));
      const c = mask.info.channels;
      let sum = 0;
      let n = 0;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const p = c * (y * W + x);
          const inside = x >= 50 && x < 250;
          expect(mask.data[p + c - 1]).toBe(inside ? 255 : 0);
          if (inside) {
            sum += mask.data[p]!;
            n++;
          }
        }
      }
      expect(sum / n / 255).toBeCloseTo(r.maskStats.mean, 1);
      // Overlay: grey outside the crop, the predicted box magenta, the ground truth white.
      const overlay = await rawRgb(path.join(out, r.files.overlay));
      const px = (x: number, y: number) => [...overlay.data.subarray(3 * (y * W + x), 3 * (y * W + x) + 3)];
      for (const [x, y] of [
        [5, 5],
        [20, 150],
        [290, 100],
      ] as const) {
        const [red, green, blue] = px(x, y);
        expect(red).toBe(green);
        expect(green).toBe(blue);
      }
      const box = r.box!;
      expect(box.x0).toBeGreaterThanOrEqual(50);
      expect(box.x1).toBeLessThanOrEqual(250);
      expect(px(box.x0, box.y0)).toEqual([255, 0, 255]);
      expect(px(box.x1 - 1, box.y1 - 1)).toEqual([255, 0, 255]);
      const whiteOnGtEdge = [...Array(gt.x1 - gt.x0).keys()].filter(
        (i) => px(gt.x0 + i, gt.y0).join() === '255,255,255',
      ).length;
      expect(whiteOnGtEdge).toBeGreaterThan(0);
      // The model's own input is still there, at the model's size.
      expect((await sharp(path.join(out, r.files.input)).metadata()).width).toBe(32);
    });

    it('--resize direct: everything covered, mask fully opaque', async () => {
      const out = path.join(root, 'wide-direct');
      await saliencyCli(['--checkpoint', run.runDir, '--out', out, '--resize', 'direct', manifest]);
      const r = JSON.parse(readFileSync(path.join(out, 'wide.json'), 'utf8')) as SaliencyRecord;
      expect(r.coverage).toEqual({ x0: 0, y0: 0, x1: W, y1: H, fraction: 1, complete: true });
      const alpha = await sharp(path.join(out, r.files.mask)).extractChannel('alpha').raw().toBuffer();
      expect(alpha.every((v) => v === 255)).toBe(true);
      expect([(await sharp(path.join(out, r.files.maskedOut)).metadata()).width, r.original.width]).toEqual([W, W]);
    });
  });

  it('exits with status 1 when none of the inputs could be read', async () => {
    let stderr = '';
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    let code: number;
    try {
      code = await runCli(
        createProgram(),
        ['node', 'casm-native', 'saliency', '--checkpoint', run.runDir, '--out', path.join(root, 'none'), broken],
        { stderr: (t) => (stderr += t) },
      );
    } finally {
      err.mockRestore();
    }
    expect(code).toBe(1);
    expect(stderr).toMatch(/skipped .*broken\.png/);
    expect(stderr).toMatch(/casm-native: none of the 1 input images could be read; nothing was written to .*\n$/);
  });
});
