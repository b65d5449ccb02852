// `casm-native eval --masks DIR`: another tool's saliency maps, as real files (PNG written by sharp,
// .npy and .safetensors written byte by byte here), in every accepted format and at sizes other than
// the image's, scored by the one scorer; and every refusal names the file or the image id.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerEval } from '../../src/cli/eval.js';
import { runCommand } from '../native/eval-fixture.js';

const root = mkdtempSync(path.join(tmpdir(), 'casm-eval-masks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const evalCli = (args: string[]) => runCommand([registerEval], ['eval', ...args]);

/** Row-major h×w values: `on` inside [x0,x1)×[y0,y1), 0 elsewhere. */
function region(w: number, h: number, [x0, y0, x1, y1]: number[], on: number): number[] {
  const out = new Array<number>(w * h).fill(0);
  for (let y = y0!; y < y1!; y++) for (let x = x0!; x < x1!; x++) out[y * w + x] = on;
  return out;
}

async function png8(file: string, w: number, h: number, values: number[]) {
  await sharp(Buffer.from(values), { raw: { width: w, height: h, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toFile(file);
}

async function png16(file: string, w: number, h: number, values: number[]) {
  await sharp(Uint16Array.from(values), { raw: { width: w, height: h, channels: 1 } })
    .toColourspace('grey16')
    .png()
    .toFile(file);
}

/** NumPy .npy v1.0: magic, version, header length, dict padded so the data starts 64-aligned. */
function npy(file: string, descr: '<f4' | '<f8' | '|u1', shape: number[], values: number[], fortran = false) {
  let dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  dict += `${' '.repeat(63 - ((10 + dict.length) % 64))}\n`;
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(dict.length, 8);
  const width = descr === '|u1' ? 1 : descr === '<f4' ? 4 : 8;
  const data = Buffer.alloc(values.length * width);
  values.forEach((v, i) => {
    if (width === 1) data[i] = v;
    else if (width === 4) data.writeFloatLE(v, 4 * i);
    else data.writeDoubleLE(v, 8 * i);
  });
  writeFileSync(file, Buffer.concat([head, Buffer.from(dict, 'latin1'), data]));
}

/** safetensors: u64 header length, JSON header, raw little-endian data. */
function safetensors(
  file: string,
  tensors: { name: string; dtype: 'F32' | 'F64' | 'U8'; shape: number[]; values: number[] }[],
) {
  const chunks: Buffer[] = [];
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    const width = t.dtype === 'U8' ? 1 : t.dtype === 'F32' ? 4 : 8;
    const b = Buffer.alloc(t.values.length * width);
    t.values.forEach((v, i) => {
      if (width === 1) b[i] = v;
      else if (width === 4) b.writeFloatLE(v, 4 * i);
      else b.writeDoubleLE(v, 8 * i);
    });
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + b.length] };
    offset += b.length;
    chunks.push(b);
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(file, Buffer.concat([len, Buffer.from(json), ...chunks]));
}

/**
 * Five images, each boxed in its top-left quarter of the 224-px scoring frame. The wide one
 * (448×224) is cut by the centre crop: its box [112,0,224,112] becomes [0,0,112,112] in the frame.
 */
async function dataset(dir: string, names: string[]): Promise<string> {
  mkdirSync(path.join(dir, 'img'), { recursive: true });
  writeFileSync(path.join(dir, 'classes.txt'), 'a\n');
  const lines: string[] = [];
  for (const name of names) {
    const wide = name.startsWith('wide');
    const [width, height] = wide ? [448, 224] : [224, 224];
    await sharp({ create: { width, height, channels: 3, background: { r: 40, g: 80, b: 160 } } })
      .png()
      .toFile(path.join(dir, 'img', `${name}.png`));
    const box = wide ? [112, 0, 224, 112] : [0, 0, 112, 112];
    lines.push(JSON.stringify({ path: `img/${name}.png`, label: 'a', boxes: [box], width, height }));
  }
  writeFileSync(path.join(dir, 'val.jsonl'), `${lines.join('\n')}\n`);
  return dir;
}

describe('eval --masks DIR', () => {
  let data: string;
  let maps: string;
  beforeAll(async () => {
    data = await dataset(path.join(root, 'five'), ['png8', 'png16', 'npy', 'st', 'wide']);
    maps = path.join(root, 'maps', 'img');
    mkdirSync(maps, { recursive: true });
    // Hits: maps that cover the box's quarter of the image, at other sizes than the image.
    await png8(path.join(maps, 'png8.png'), 112, 112, region(112, 112, [0, 0, 56, 56], 255));
    npy(path.join(maps, 'npy.npy'), '<f4', [1, 28, 28], region(28, 28, [0, 0, 14, 14], 1));
    // The wide image's map covers the whole original (448×224) at half size: its quarter x 112..224.
    npy(path.join(maps, 'wide.npy'), '|u1', [112, 224], region(224, 112, [56, 0, 112, 56], 255));
    // Misses: the opposite quarter.
    await png16(path.join(maps, 'png16.png'), 224, 224, region(224, 224, [112, 112, 224, 224], 65535));
    safetensors(path.join(maps, 'st.safetensors'), [
      { name: 'map', dtype: 'F64', shape: [224, 224], values: region(224, 224, [112, 112, 224, 224], 0.8) },
    ]);
  });

  it('reads PNG 8/16-bit, .npy (f4, u1; 2-D and 1×H×W) and .safetensors at any size: 3 hits of 5', async () => {
    const { stdout } = await evalCli(['--masks', path.join(root, 'maps'), '--data', data, '--json']);
    const r = JSON.parse(stdout);
    expect(r.source).toBe('files');
    expect(r.images).toBe(5);
    expect(r.imagesWithBoxes).toBe(5);
    expect(r.LE).toBeCloseTo(2 / 5, 10);
    // No classifier: neither top-1 nor OM.
    expect(r.OM).toBeNull();
    expect(r.top1).toBeNull();
    // The hits cover their box closely (bilinear edges only), the misses not at all.
    expect(r.F1).toBeGreaterThan(0.55);
    expect(r.F1).toBeLessThan(0.61);
  });

  it('prints the same table as eval of a run', async () => {
    const { stdout } = await evalCli(['--masks', path.join(root, 'maps'), '--data', data]);
    expect(stdout).toMatch(/saliency maps .*: 5 images of split "val" \(5 with boxes\), 224x224, resize crop/);
    expect(stdout).toMatch(/LE +40\.00 %/);
    expect(stdout).toMatch(/map files: no classifier/);
  });

  it('a Fortran-order .npy reads as the same map as its C-order twin', async () => {
    const one = await dataset(path.join(root, 'fortran'), ['only']);
    const c = path.join(root, 'fortran-c', 'img');
    const f = path.join(root, 'fortran-f', 'img');
    mkdirSync(c, { recursive: true });
    mkdirSync(f, { recursive: true });
    // Not symmetric: a 30×20 (h×w) map with a 10×4 block at the top left.
    const values = region(20, 30, [0, 0, 4, 10], 1);
    npy(path.join(c, 'only.npy'), '<f8', [30, 20], values);
    const columnMajor = new Array<number>(values.length);
    for (let y = 0; y < 30; y++) for (let x = 0; x < 20; x++) columnMajor[x * 30 + y] = values[y * 20 + x]!;
    npy(path.join(f, 'only.npy'), '<f8', [30, 20], columnMajor, true);
    const a = JSON.parse((await evalCli(['--masks', path.dirname(c), '--data', one, '--json'])).stdout);
    const b = JSON.parse((await evalCli(['--masks', path.dirname(f), '--data', one, '--json'])).stdout);
    expect(a.F1).toBeGreaterThan(0.05);
    expect(b.F1).toBe(a.F1);
    expect(b.maskStats).toEqual(a.maskStats);
  });
});

describe('eval --masks DIR: refusals name the file or the image id', () => {
  let data: string;
  beforeAll(async () => {
    data = await dataset(path.join(root, 'one'), ['only']);
  });

  /** A fresh maps folder with one file for image img/only.png, written by `write`. */
  async function attempt(name: string, write: (dir: string) => Promise<void> | void) {
    const dir = path.join(root, 'bad', name);
    mkdirSync(path.join(dir, 'img'), { recursive: true });
    await write(path.join(dir, 'img'));
    return evalCli(['--masks', dir, '--data', data, '--json']);
  }
  const file = (name: string, ext: string) => path.join(root, 'bad', name, 'img', `only${ext}`);

  it('missing map: names the id and the files looked for', async () => {
    await expect(attempt('missing', () => undefined)).rejects.toThrow(
      /no saliency map for image img\/only\.png: expected one of .*only\.png, .*only\.npy, .*only\.safetensors/,
    );
  });

  it('two maps for one image', async () => {
    await expect(
      attempt('two', async (d) => {
        npy(path.join(d, 'only.npy'), '<f4', [2, 2], [0, 0, 0, 1]);
        await png8(path.join(d, 'only.png'), 2, 2, [0, 0, 0, 255]);
      }),
    ).rejects.toThrow(/several saliency maps for image img\/only\.png/);
  });

  it('corrupt PNG, truncated .npy, corrupt .safetensors', async () => {
    await expect(
      attempt('bad-png', (d) => writeFileSync(path.join(d, 'only.png'), 'not a png at all')),
    ).rejects.toThrow(`${file('bad-png', '.png')}: not a readable PNG`);
    await expect(
      attempt('short-npy', (d) => {
        npy(path.join(d, 'only.npy'), '<f4', [4, 4], new Array(16).fill(0.5));
        const whole = path.join(d, 'only.npy');
        const bytes = readFileSync(whole);
        writeFileSync(whole, bytes.subarray(0, bytes.length - 5));
      }),
    ).rejects.toThrow(`${file('short-npy', '.npy')}: .npy data has 59 bytes, expected 64`);
    await expect(attempt('bad-magic', (d) => writeFileSync(path.join(d, 'only.npy'), 'NUMPY?'))).rejects.toThrow(
      `${file('bad-magic', '.npy')}: not a .npy file`,
    );
    await expect(
      attempt('bad-st', (d) =>
        writeFileSync(path.join(d, 'only.safetensors'), Buffer.from([200, 0, 0, 0, 0, 0, 0, 0, 123])),
      ),
    ).rejects.toThrow(file('bad-st', '.safetensors'));
  });

  it('wrong dims: 3-D .npy, RGB PNG, two tensors, an empty side', async () => {
    await expect(
      attempt('3d', (d) => npy(path.join(d, 'only.npy'), '<f4', [2, 2, 2], new Array(8).fill(0))),
    ).rejects.toThrow(`${file('3d', '.npy')}: saliency map has shape [2, 2, 2]; expected H×W or 1×H×W`);
    await expect(
      attempt('rgb', (d) =>
        sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 1, g: 2, b: 3 } } })
          .png()
          .toFile(path.join(d, 'only.png'))
          .then(() => undefined),
      ),
    ).rejects.toThrow(`${file('rgb', '.png')}: PNG has 3 channels`);
    await expect(
      attempt('two-tensors', (d) =>
        safetensors(path.join(d, 'only.safetensors'), [
          { name: 'a', dtype: 'F32', shape: [2, 2], values: [0, 0, 0, 1] },
          { name: 'b', dtype: 'F32', shape: [2, 2], values: [0, 0, 0, 1] },
        ]),
      ),
    ).rejects.toThrow(`${file('two-tensors', '.safetensors')}: holds 2 tensors`);
    await expect(
      attempt('empty-side', (d) =>
        safetensors(path.join(d, 'only.safetensors'), [{ name: 'm', dtype: 'U8', shape: [0, 3], values: [] }]),
      ),
    ).rejects.toThrow(`${file('empty-side', '.safetensors')}: saliency map has shape [0, 3]`);
  });

  it('NaN, Inf and float values outside [0, 1]', async () => {
    await expect(
      attempt('nan', (d) => npy(path.join(d, 'only.npy'), '<f4', [2, 2], [0, Number.NaN, 0, 1])),
    ).rejects.toThrow(`${file('nan', '.npy')}: saliency map value 1 is NaN (NaN or infinite)`);
    await expect(
      attempt('inf', (d) =>
        safetensors(path.join(d, 'only.safetensors'), [
          { name: 'm', dtype: 'F64', shape: [1, 2, 2], values: [0, 0, Number.POSITIVE_INFINITY, 1] },
        ]),
      ),
    ).rejects.toThrow(`${file('inf', '.safetensors')}: saliency map value 2 is Infinity`);
    await expect(
      attempt('range', (d) => npy(path.join(d, 'only.npy'), '<f8', [2, 2], [0, 0.5, 1.5, 1])),
    ).rejects.toThrow(`${file('range', '.npy')}: saliency map value 2 is 1.5, outside [0, 1]`);
    await expect(
      attempt('negative', (d) => npy(path.join(d, 'only.npy'), '<f4', [2, 2], [0, -0.25, 0, 1])),
    ).rejects.toThrow(/value 1 is -0\.25, outside \[0, 1\]/);
  });

  it('--masks is an alternative to --toy / --baseline', async () => {
    await expect(evalCli(['--masks', root, '--toy', 'center', '--data', data])).rejects.toThrow(
      /alternatives: give one/,
    );
  });
});
