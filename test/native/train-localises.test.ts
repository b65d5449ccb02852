// A luck-free check that training localises: a tiny dataset on which every honest run's masks beat
// the centre box by a wide margin. Each image is noise with one saturated square whose colour names
// the class, always near a corner, never in the middle: the centre box (half the image, centred)
// then misses every object (LE 100%), while masks that find the only coloured thing in the picture
// hit it. A few dozen steps suffice; the score is on a test split that selection never sees, and
// the selected model must be the one of lowest recorded validation LE.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, expect, it } from 'vitest';
import { train } from '../../src/train/loop.js';
import { missing } from '../environment.js';
import { tryLoadAddon } from './train-fixture.js';

const addon = await tryLoadAddon();
const root = mkdtempSync(path.join(tmpdir(), 'casm-localises-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const COLOURS: [number, number, number][] = [
  [240, 30, 30],
  [30, 220, 40],
  [40, 60, 240],
];
const SIDE = 64;

async function cornerSquares(dir: string): Promise<string> {
  let s = 12345;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  mkdirSync(path.join(dir, 'img'), { recursive: true });
  for (const [split, perClass] of [
    ['train', 24],
    ['val', 8],
    ['test', 12],
  ] as const) {
    const lines: string[] = [];
    for (let c = 0; c < COLOURS.length; c++) {
      for (let i = 0; i < perClass; i++) {
        const side = 32 + Math.floor(rand() * 6);
        // A corner, 0–4 px in from its edges.
        const corner = Math.floor(rand() * 4);
        const inset = () => Math.floor(rand() * 5);
        const x0 = corner & 1 ? SIDE - side - inset() : inset();
        const y0 = corner & 2 ? SIDE - side - inset() : inset();
        const px = Buffer.alloc(SIDE * SIDE * 3);
        for (let p = 0; p < px.length; p++) px[p] = Math.floor(rand() * 90);
        for (let y = y0; y < y0 + side; y++)
          for (let x = x0; x < x0 + side; x++) for (let k = 0; k < 3; k++) px[(y * SIDE + x) * 3 + k] = COLOURS[c]![k]!;
        const file = `img/${split}-${c}-${i}.png`;
        await sharp(px, { raw: { width: SIDE, height: SIDE, channels: 3 } })
          .png()
          .toFile(path.join(dir, file));
        lines.push(
          JSON.stringify({
            path: file,
            label: `c${c}`,
            boxes: [[x0, y0, x0 + side, y0 + side]],
            width: SIDE,
            height: SIDE,
          }),
        );
      }
    }
    writeFileSync(path.join(dir, `${split}.jsonl`), `${lines.join('\n')}\n`);
  }
  return dir;
}

it.skipIf(missing(addon, 'the compiled addon (bash scripts/setup.sh --test)'))(
  'masks of a short run beat the centre box by a wide margin on held-out images',
  async () => {
    const data = await cornerSquares(path.join(root, 'data'));
    const out = path.join(root, 'run');
    const result = await train(
      {
        data,
        out,
        scoreSplit: 'test',
        arch: 'resnet10',
        imageSize: 64,
        batchSize: 8,
        pretrainEpochs: 2,
        epochs: 8,
        epochFraction: 1,
        cropScale: [1, 1],
        pretrainCropScale: [1, 1],
        maskUpsample: 'bilinear',
        lrMapping: 1e-2,
        lambdaR: 2.5,
        targetMaskArea: 0.3,
        snapshotEvery: 3,
        selectEvery: 3,
        seed: Number(process.env.CASM_TEST_SEED ?? 1),
      },
      { addon: addon! },
    );
    const loc = result.localization!;
    if (process.env.CASM_TEST_DEBUG)
      for (const l of readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').split('\n'))
        if (/"kind":"(epoch|pretrain-epoch|diagnosis|selection)"/.test(l)) console.log(l.slice(0, 400));
    console.log(
      `LE ${loc.LE} F1 ${loc.F1} centre LE ${loc.centerBaseline?.LE} selected ${JSON.stringify(result.selected)}`,
    );
    expect(loc.split).toBe('test');
    expect(loc.centerBaseline!.LE).toBe(1);
    expect(loc.LE).toBeLessThan(loc.centerBaseline!.LE - 0.4);
    const scored = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((r) => r.kind === 'selection');
    expect(scored.length).toBeGreaterThan(4);
    expect(result.selected!.LE).toBe(Math.min(...scored.map((r: { LE: number }) => r.LE)));
  },
  600_000,
);
