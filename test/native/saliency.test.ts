// `casm-native saliency` end to end, in-process through its commander command, on a model trained
// on generated demo data: a dataset folder, a plain image file and an unreadable file as inputs;
// every output file exists, PNGs decode with sharp at the model's size, JSON records are complete
// and in range; the bad file is reported and skipped, or stops the run with --strict.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSaliency } from '../../src/cli/saliency.js';
import { SALIENCY_FILES, type SaliencyRecord } from '../../src/eval/saliency-export.js';
import { runCommand, tinyDemoRun, type TinyRun } from './eval-fixture.js';
import { tryLoadAddon } from './train-fixture.js';

const addon = await tryLoadAddon();
const root = mkdtempSync(path.join(tmpdir(), 'casm-saliency-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const saliencyCli = (args: string[]) => runCommand([registerSaliency], ['saliency', ...args]);

describe.skipIf(!addon)('saliency (native, CPU)', () => {
  let run: TinyRun;
  let loose: string;
  let broken: string;
  beforeAll(async () => {
    run = await tinyDemoRun();
    const extra = path.join(root, 'extra');
    mkdirSync(extra, { recursive: true });
    const trainImages = path.join(run.data, 'images', 'train');
    const first = readdirSync(trainImages, { recursive: true }).map(String).filter((f) => f.endsWith('.png')).sort()[0]!;
    loose = path.join(extra, 'loose image.png'); // a space: output names are made safe
    copyFileSync(path.join(trainImages, first), loose);
    broken = path.join(extra, 'broken.png');
    writeFileSync(broken, 'not a png at all');
  }, 240_000);

  it('writes mask, masked-in/out, inpainted, overlay PNGs and a JSON per image; skips the bad file', async () => {
    const out = path.join(root, 'out');
    const { stdout, stderr } = await saliencyCli(['--checkpoint', run.runDir, '--out', out, '--batch-size', '4', run.data, loose, broken]);
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
      expect(r.box).not.toBeNull();
      const b = r.box!;
      expect(0 <= b.x0 && b.x0 <= b.x1 && b.x1 < 32 && 0 <= b.y0 && b.y0 <= b.y1 && b.y1 < 32).toBe(true);
      const o = r.boxOriginal!;
      expect(0 <= o.x0 && o.x0 < o.x1 && o.x1 <= r.original.width && 0 <= o.y0 && o.y0 < o.y1 && o.y1 <= r.original.height).toBe(true);
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
        expect([meta.format, meta.width, meta.height], name).toEqual(['png', 32, 32]);
        expect(meta.channels, name).toBe(key === 'mask' ? 1 : 3);
      }
    }
    // The mask PNG is the mask: its mean over 0..255 matches the recorded mean mask.
    const r = JSON.parse(readFileSync(path.join(out, 'loose_image.json'), 'utf8')) as SaliencyRecord;
    const { data } = await sharp(path.join(out, r.files.mask)).raw().toBuffer({ resolveWithObject: true });
    const mean = data.reduce((s, v) => s + v, 0) / data.length / 255;
    expect(mean).toBeCloseTo(r.maskStats.mean, 2);
    // Masked-in and masked-out split the input: where one is black the other shows the input.
    const raw = async (f: string) => (await sharp(path.join(out, f)).raw().toBuffer()) as Buffer;
    const [input, maskedIn, maskedOut] = await Promise.all([raw(r.files.input), raw(r.files.maskedIn), raw(r.files.maskedOut)]);
    let kept = 0;
    for (let p = 0; p < 32 * 32; p++) {
      const inside = maskedOut[3 * p] === 0 && maskedOut[3 * p + 1] === 0 && maskedOut[3 * p + 2] === 0 && (input[3 * p] !== 0 || input[3 * p + 1] !== 0 || input[3 * p + 2] !== 0);
      if (inside) {
        kept++;
        expect([maskedIn[3 * p], maskedIn[3 * p + 1], maskedIn[3 * p + 2]]).toEqual([input[3 * p], input[3 * p + 1], input[3 * p + 2]]);
      }
    }
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(r.binarizedPixels);
  });

  it('--strict stops at the unreadable file', async () => {
    await expect(saliencyCli(['--checkpoint', run.runDir, '--out', path.join(root, 'strict'), '--strict', loose, broken])).rejects.toThrow(/broken\.png/);
  });

  it('fails (non-zero exit) when no input could be read', async () => {
    const out = path.join(root, 'none-readable');
    await expect(saliencyCli(['--checkpoint', run.runDir, '--out', out, broken])).rejects.toThrow(/none of the 1 input images could be read; nothing was written/);
  });

  it('--resize direct and --size keep the requested frame', async () => {
    const out = path.join(root, 'direct');
    await saliencyCli(['--checkpoint', path.join(run.runDir, 'model.safetensors'), '--out', out, '--resize', 'direct', '--size', '64', loose]);
    const r = JSON.parse(readFileSync(path.join(out, 'loose_image.json'), 'utf8')) as SaliencyRecord;
    expect(r.size).toBe(64);
    expect(r.resize).toBe('direct');
    expect(r.prediction.classId).toBeNull(); // a bare weights file has no class list
    expect((await sharp(path.join(out, r.files.overlay)).metadata()).width).toBe(64);
  });
});
