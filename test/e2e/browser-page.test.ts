// The browser page (examples/browser) end to end: its server on 127.0.0.1, Debian's Chromium headless
// driven by playwright-core, a model exported from the tiny demo run and one of that run's scenes
// picked through the page's file inputs, as a user would. The mask the page reads back from
// onnxruntime-web must equal the addon's for the same bytes (≤ 1e-3; the image is at the model's
// input side, so the page passes its pixels through unchanged). The screenshot goes to a temporary
// folder, or to CASM_SCREENSHOT_DIR when set (bench/results/onnx-browser/ holds the committed one).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, expect, it } from 'vitest';
import { exportOnnx } from '../../src/onnx/export.js';
import { loadTrainedModel } from '../../src/train/load-trained.js';
import { HANG_MS } from '../budget.js';
import { missing } from '../environment.js';
import { tinyDemoRun } from '../native/eval-fixture.js';
import { maxAbsDiff } from '../native/helpers.js';
import { tryLoadAddon } from '../native/train-fixture.js';
import { repoRoot } from '../test-libtorch.js';

const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const addon = await tryLoadAddon();
// The example's own packages (examples/browser/package.json; setup.sh --test installs them).
const example = path.join(repoRoot, 'examples', 'browser');
const fromExample = createRequire(path.join(example, 'package.json'));
async function importFromExample<T>(name: string): Promise<T | null> {
  try {
    return (await import(pathToFileURL(fromExample.resolve(name)).href)) as T;
  } catch {
    return null;
  }
}
const playwright = await importFromExample<typeof import('playwright-core')>('playwright-core');
const ortWeb = existsSync(path.join(example, 'node_modules', 'onnxruntime-web', 'dist', 'ort.wasm.min.mjs'));
const root = mkdtempSync(path.join(tmpdir(), 'casm-browser-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface PageResult {
  side: number;
  mask: number[];
  box: { x0: number; y0: number; x1: number; y1: number } | null;
  top: { index: number; probability: number } | null;
}

const runnable =
  !missing(addon, 'the compiled addon (bash scripts/setup.sh --test)') &&
  !missing(existsSync(chromiumPath), `chromium (${chromiumPath}; bash scripts/setup.sh --test)`) &&
  !missing(playwright, 'playwright-core (npm ci --prefix examples/browser)') &&
  !missing(ortWeb, 'onnxruntime-web (npm ci --prefix examples/browser)');

it.skipIf(!runnable)(
  "shows a trained model's mask in headless Chromium, equal to the addon's",
  async () => {
    const run = await tinyDemoRun();
    const { model, config } = await loadTrainedModel(run.runDir, { device: 'cpu' });
    const side = config.imageSize;
    const modelFile = path.join(root, 'model.onnx');
    const imageFile = path.join(root, 'scene.png');
    let reference: { masks: Float32Array; logits: Float32Array };
    try {
      writeFileSync(modelFile, await exportOnnx(model, { size: side }));
      // One of the run's validation scenes, at the model's side, as a PNG the page decodes.
      const scene = readdirSync(run.data, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.includes('val') && f.endsWith('.png'))
        .sort()[0];
      expect(scene, `a validation scene under ${run.data}`).toBeDefined();
      const { data: rgb } = await sharp(path.join(run.data, scene!))
        .resize(side, side, { fit: 'cover' })
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      await sharp(rgb, { raw: { width: side, height: side, channels: 3 } })
        .png()
        .toFile(imageFile);
      reference = await model.saliency({ kind: 'uint8', data: new Uint8Array(rgb), n: 1, h: side, w: side });
    } finally {
      model.dispose();
    }

    const { serveBrowserPage } = (await import(pathToFileURL(path.join(example, 'serve.mjs')).href)) as {
      serveBrowserPage: (port?: number) => Promise<{ url: string; close: () => Promise<void> }>;
    };
    const server = await serveBrowserPage(0);
    const browser = await playwright!.chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    const pageErrors: string[] = [];
    try {
      const page = await browser.newPage({ viewport: { width: 760, height: 520 } });
      page.on('pageerror', (err) => pageErrors.push(err.message));
      await page.goto(server.url);
      await page.waitForSelector('body[data-state="ready"]');
      await page.setInputFiles('#model', modelFile);
      await page.setInputFiles('#image', imageFile);
      await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: HANG_MS });
      const status = await page.textContent('#status');
      expect(await page.getAttribute('body', 'data-state'), `${status} ${pageErrors.join('; ')}`).toBe('done');
      expect(pageErrors).toEqual([]);

      const got = (await page.evaluate('globalThis.casmResult')) as PageResult;
      expect(got.side).toBe(side);
      expect(got.mask).toHaveLength(side * side);
      const dMask = maxAbsDiff(reference.masks, Float32Array.from(got.mask));
      expect(dMask, 'max |Δmask|, page vs addon').toBeLessThanOrEqual(1e-3);
      console.log(
        `browser page (onnxruntime-web, ${side} px): max |Δmask| ${dMask.toExponential(1)} against the addon`,
      );
      // A trained mask is not flat, so the comparison above is not of constants.
      expect(Math.max(...got.mask) - Math.min(...got.mask)).toBeGreaterThan(0.05);
      const logits = Array.from(reference.logits);
      expect(got.top?.index).toBe(logits.indexOf(Math.max(...logits)));
      expect(status).toMatch(new RegExp(`^${side}×${side} px in \\d+ ms`));

      const shotDir = process.env.CASM_SCREENSHOT_DIR ?? root;
      mkdirSync(shotDir, { recursive: true });
      await page.screenshot({ path: path.join(shotDir, 'browser-mask.png') });
      // The overlay is drawn on screen: the scene under a red mask, not one flat colour.
      const overlay = await page.locator('#overlay').screenshot();
      const { data: px, info } = await sharp(overlay).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const colours = new Set<number>();
      let reddish = 0;
      for (let i = 0; i < px.length; i += info.channels) {
        colours.add((px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!);
        if (px[i]! > px[i + 1]! + 60 && px[i]! > px[i + 2]! + 60) reddish++;
      }
      expect(colours.size).toBeGreaterThan(50);
      expect(reddish).toBeGreaterThan(0);
    } finally {
      await browser.close();
      await server.close();
    }
  },
  HANG_MS,
);
