// `casm-native export RUN --format onnx` and `casm-native saliency --runtime onnx MODEL.onnx IMAGES…`
// as a user runs them (the compiled CLI in child processes), on the tiny trained demo run: the ONNX
// runtime writes the same files as the LibTorch one (same boxes, predictions and records; PNGs
// equal to within one grey level), in a process where LibTorch cannot load. The addon is hidden by
// CASM_NATIVE_BINARY pointing at a file that does not exist (the loader then has no fallback, so
// `saliency --checkpoint` fails in that environment, which the test shows), and the child's
// /proc/self/maps at exit proves that neither LibTorch nor the addon was mapped, while onnxruntime was.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SaliencyRecord } from '../../src/eval/saliency-export.js';
import { missing, skipUnless } from '../environment.js';
import { type TinyRun, tinyDemoRun } from '../native/eval-fixture.js';
import { tryLoadAddon } from '../native/train-fixture.js';
import { repoRoot } from '../test-libtorch.js';
import { runCliIn } from './cli-process.js';

const addon = await tryLoadAddon();
const ort = await import('onnxruntime-node').catch(() => null);
const root = mkdtempSync(path.join(tmpdir(), 'casm-onnx-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const runnable =
  !missing(addon, 'the compiled addon (bash scripts/setup.sh)') &&
  !missing(ort, 'onnxruntime-node (bash scripts/setup.sh)') &&
  !missing(existsSync('/proc/self/maps'), "Linux's /proc/self/maps");

const records = (stdout: string): SaliencyRecord[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as SaliencyRecord);

describe.skipIf(!runnable)('export --format onnx, then saliency --runtime onnx without LibTorch', () => {
  let run: TinyRun;
  let model: string;
  let photo: string;
  const noLibTorch = () => ({
    CASM_NATIVE_BINARY: path.join(root, 'no-such-addon.node'),
    NODE_OPTIONS: `--import=${pathToFileURL(path.join(root, 'maps-at-exit.mjs')).href}`,
    CASM_TEST_MAPS_OUT: path.join(root, 'maps.txt'),
  });

  beforeAll(async () => {
    run = await tinyDemoRun();
    model = path.join(root, 'model.onnx');
    // A non-square photo-like image: outputs at its own 90×60 size, the centre crop's unseen bands.
    photo = path.join(root, 'photo.png');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="90" height="60"><rect width="90" height="60" fill="rgb(200,180,90)"/>
      <circle cx="40" cy="30" r="18" fill="rgb(30,40,120)"/></svg>`;
    await sharp(Buffer.from(svg)).png().toFile(photo);
    writeFileSync(
      path.join(root, 'maps-at-exit.mjs'),
      "import { readFileSync, writeFileSync } from 'node:fs';\n" +
        "process.on('exit', () => writeFileSync(process.env.CASM_TEST_MAPS_OUT, readFileSync('/proc/self/maps', 'utf8')));\n",
    );
  });

  it('export writes an ONNX file and says what it holds', async () => {
    const r = await runCliIn(root, ['export', run.runDir, '--format', 'onnx', '--out', model]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /wrote .*model\.onnx .*resnet18, 10 classes, nearest upsampling.*outputs mask and logits, opset 17/,
    );
    expect(existsSync(model)).toBe(true);
  });

  it('the same records and images as the LibTorch runtime, in a process without LibTorch', async () => {
    const images = [path.join(run.data), photo];
    const ref = await runCliIn(root, ['saliency', '--checkpoint', run.runDir, ...images, '--out', 'ref', '--json'], {
      env: { NODE_OPTIONS: noLibTorch().NODE_OPTIONS, CASM_TEST_MAPS_OUT: path.join(root, 'maps-ref.txt') },
    });
    expect(ref.code, ref.stderr).toBe(0);
    // The control: the same probe sees LibTorch in a process that runs it.
    expect(readFileSync(path.join(root, 'maps-ref.txt'), 'utf8')).toMatch(/libc10/);
    const got = await runCliIn(root, ['saliency', '--runtime', 'onnx', model, ...images, '--out', 'onnx', '--json'], {
      env: noLibTorch(),
    });
    expect(got.code, got.stderr).toBe(0);

    const maps = readFileSync(path.join(root, 'maps.txt'), 'utf8');
    expect(maps).toMatch(/libonnxruntime/);
    expect(maps).not.toMatch(/libtorch|libc10|casm_native|casm-native\.node/);

    const a = records(ref.stdout);
    const b = records(got.stdout);
    expect(b).toHaveLength(a.length);
    expect(a.length).toBeGreaterThanOrEqual(9);
    for (const [i, r] of a.entries()) {
      const o = b[i]!;
      const rel = (rec: SaliencyRecord) => ({
        ...rec,
        prediction: { ...rec.prediction, probability: 0 },
        maskStats: null,
      });
      expect(rel(o)).toEqual(rel(r));
      expect(Math.abs(o.prediction.probability - r.prediction.probability)).toBeLessThan(1e-5);
      expect(Math.abs(o.maskStats.mean - r.maskStats.mean)).toBeLessThan(1e-5);
    }
    const last = b.at(-1)!;
    expect(last.original).toEqual({ width: 90, height: 60 });
    expect(last.coverage.complete).toBe(false);

    const files = readdirSync(path.join(root, 'ref')).filter((f) => f.endsWith('.png'));
    expect(
      readdirSync(path.join(root, 'onnx'))
        .filter((f) => f.endsWith('.png'))
        .sort(),
    ).toEqual(files.sort());
    for (const f of files) {
      const x = await sharp(path.join(root, 'ref', f))
        .raw()
        .toBuffer({ resolveWithObject: true });
      const y = await sharp(path.join(root, 'onnx', f))
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect(y.info).toEqual(x.info);
      let d = 0;
      for (let i = 0; i < x.data.length; i++) d = Math.max(d, Math.abs(x.data[i]! - y.data[i]!));
      expect(d, f).toBeLessThanOrEqual(1);
    }
  });

  it('the hiding is real: the LibTorch runtime fails in the same environment', async () => {
    const r = await runCliIn(root, ['saliency', '--checkpoint', run.runDir, photo, '--out', 'hidden'], {
      env: noLibTorch(),
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no-such-addon\.node/);
  });

  it('export options: fixed batch and size, no logits, BatchNorm kept, opset 13', async () => {
    const file = path.join(root, 'fixed.onnx');
    const r = await runCliIn(root, [
      'export',
      run.runDir,
      '--out',
      file,
      '--batch',
      '4',
      '--size',
      '32',
      '--no-logits',
      '--batch-norm',
      'keep',
      '--opset',
      '13',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/input uint8 \[4,32,32,3\], output mask, opset 13/);
    const { OnnxModel } = await import('../../src/onnx/runtime.js');
    const onnx = await OnnxModel.load(file);
    expect(onnx.info).toMatchObject({ batch: 4, size: 32, hasLogits: false, imageSize: 32, arch: 'resnet18' });
    expect(onnx.info.classIds).toHaveLength(10);
    await onnx.dispose();
    const noLogits = await runCliIn(root, ['saliency', '--runtime', 'onnx', file, photo, '--out', 'x']);
    expect(noLogits.code).toBe(2);
    expect(noLogits.stderr).toMatch(/has no logits output/);
    const badSize = await runCliIn(root, ['export', run.runDir, '--out', file, '--size', '48']);
    expect(badSize.code).toBe(2);
    expect(badSize.stderr).toMatch(/--size must be a multiple of 32/);
  });

  it("the files the CLI wrote pass ONNX's checker (full_check)", (ctx) => {
    const python = path.join(repoRoot, '.cache', 'venv', 'onnx', 'bin', 'python');
    skipUnless(ctx, existsSync(python), "Python's onnx package in .cache/venv/onnx (bash scripts/setup.sh --test)");
    const files = [model, path.join(root, 'fixed.onnx')];
    const r = spawnSync(
      python,
      ['-c', 'import sys, onnx\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(p, full_check=True)', ...files],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('usage errors name what is missing', async () => {
    const noModel = await runCliIn(root, ['saliency', '--runtime', 'onnx', photo, '--out', 'x']);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toMatch(/--runtime onnx needs the model/);
    const noCheckpoint = await runCliIn(root, ['saliency', photo, '--out', 'x']);
    expect(noCheckpoint.code).toBe(2);
    expect(noCheckpoint.stderr).toMatch(/--checkpoint/);
  });
});
