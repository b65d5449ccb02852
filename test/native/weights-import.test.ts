import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Model } from '../../src/native/model.js';
import { encodeSafetensors } from '../../src/util/safetensors.js';
import { torchSave } from './hostile-files.js';

// Debian's python3-torch (installed by scripts/setup.sh for the tests) writes the .pth files, so
// they are in the real torch.save format, not one we made up (torchSave in hostile-files.ts).
const SYSTEM_PYTHON = '/usr/bin/python3';

/** A torchvision-named state dict: the classifier of a model with other random weights. */
async function torchvisionState(seed: number) {
  const donor = await Model.create({ arch: 'resnet18', numClasses: 7, seed });
  const sd = await donor.stateDict('classifier.');
  return Object.fromEntries(Object.entries(sd).map(([k, v]) => [k.slice('classifier.'.length), v]));
}

describe('weight import', () => {
  it('Debian python3-torch is available to write real torch.save files', () => {
    expect(existsSync(SYSTEM_PYTHON)).toBe(true);
    expect(execFileSync(SYSTEM_PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' })).toMatch(
      /^\d+\.\d+/,
    );
  });

  it('loads a torchvision state dict written by torch.save (.pth)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'casm-import-'));
    const sd = await torchvisionState(11);
    const file = join(dir, 'resnet18.pth');
    torchSave(file, sd);
    const model = await Model.create({ arch: 'resnet18', numClasses: 7, seed: 99 });
    const report = await model.importWeights(file);
    expect(report.loaded).toBe(Object.keys(sd).length);
    const after = await model.stateDict('classifier.');
    for (const name of ['conv1.weight', 'layer3.1.bn2.running_var', 'fc.bias']) {
      expect(Array.from(after[`classifier.${name}`].data)).toEqual(Array.from(sd[name].data));
    }
  });

  it('loads .pth checkpoints that nest the state dict and DataParallel "module." names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'casm-import-'));
    const sd = await torchvisionState(12);
    const prefixed = Object.fromEntries(Object.entries(sd).map(([k, v]) => [`module.${k}`, v]));
    const file = join(dir, 'ckpt.pth');
    torchSave(file, prefixed, 'state_dict');
    const model = await Model.create({ arch: 'resnet18', numClasses: 7, seed: 98 });
    await model.importWeights(file);
    const after = await model.stateDict('classifier.layer1.0.conv1');
    expect(Array.from(after['classifier.layer1.0.conv1.weight'].data)).toEqual(
      Array.from(sd['layer1.0.conv1.weight'].data),
    );
  });

  it('loads torchvision names from .safetensors and skips an fc of another class count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'casm-import-'));
    const sd = await torchvisionState(13); // 7 classes
    const file = join(dir, 'resnet18.safetensors');
    writeFileSync(file, encodeSafetensors(new Map(Object.entries(sd))));
    const model = await Model.create({ arch: 'resnet18', numClasses: 3, seed: 97 });
    const before = await model.stateDict('classifier.fc');
    const report = await model.importWeights(file);
    expect(report.skipped.some((s) => s.startsWith('classifier.fc.weight'))).toBe(true);
    const after = await model.stateDict('classifier.');
    expect(Array.from(after['classifier.layer4.1.conv2.weight'].data)).toEqual(
      Array.from(sd['layer4.1.conv2.weight'].data),
    );
    expect(Array.from(after['classifier.fc.weight'].data)).toEqual(Array.from(before['classifier.fc.weight'].data));
    await expect(model.importWeights(file, { strict: true })).rejects.toThrow(/fc/);
  });

  it('saveWeights writes a file PyTorch reads with torchvision names and our metadata', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'casm-export-'));
    const model = await Model.create({ arch: 'resnet18', numClasses: 4, seed: 5 });
    const file = join(dir, 'model.safetensors');
    await model.saveWeights(file);
    const script = `
import json, struct, sys, torch
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
h = json.loads(raw[8:8+n])
t = h['classifier.conv1.weight']
a, b = t['data_offsets']
w = torch.frombuffer(bytearray(raw[8+n+a:8+n+b]), dtype=torch.float32).reshape(t['shape'])
print(json.dumps({'meta': h['__metadata__'], 'shape': list(w.shape), 'first': float(w.flatten()[0]), 'names': len(h) - 1}))
`;
    const out = JSON.parse(execFileSync(SYSTEM_PYTHON, ['-c', script, file], { encoding: 'utf8' }));
    const sd = await model.stateDict('classifier.conv1');
    expect(out.meta.format).toBe('casm-native');
    expect(out.meta.arch).toBe('resnet18');
    expect(out.shape).toEqual([64, 3, 7, 7]);
    expect(out.first).toBeCloseTo(sd['classifier.conv1.weight'].data[0], 7);
    const loaded = await Model.load(file);
    expect(loaded.info().numClasses).toBe(4);
    const again = await loaded.stateDict('classifier.conv1');
    expect(Array.from(again['classifier.conv1.weight'].data)).toEqual(Array.from(sd['classifier.conv1.weight'].data));
  });

  it("converts float64, float16, bfloat16, int64 and bool storages of torch.save files to the model's float32", async () => {
    // pth_reader.cpp reads every storage type of its table in its own dtype; the import converts to
    // the parameter's dtype as Tensor.copy_ does (round to nearest). float16/bfloat16 values here
    // are exactly representable, so any other reading of their bits (e.g. one taken for the other)
    // changes them.
    const dir = mkdtempSync(join(tmpdir(), 'casm-import-'));
    const fill = (n: number, special: number[], rest: (k: number) => number) =>
      Array.from({ length: n }, (_, k) => (k < special.length ? special[k] : rest(k)));
    const f64 = fill(64, [0.1, 1 / 3, -2.5, 1e-40, 3.4e38, 123456789.123], (k) => k * 0.01 - 0.3);
    const f16 = fill(64, [1, -2, 65504, 2 ** -24, 2 ** -14, 0.333251953125, -0.5], (k) => 1 + k / 1024);
    const bf16 = fill(64, [1.5, -3, 3.3895313892515355e38, 2 ** -133, 0.10009765625, -0.75], (k) => 1 + k / 128);
    const i64 = fill(64, [-3, 0, 7, 2 ** 24 + 1, 2 ** 53, -(2 ** 40) - 1], (k) => k - 32);
    const file = join(dir, 'dtypes.pth');
    torchSave(file, {
      'bn1.weight': { shape: [64], data: f64, dtype: 'float64' },
      'bn1.bias': { shape: [64], data: f16, dtype: 'float16' },
      'bn1.running_var': { shape: [64], data: bf16, dtype: 'bfloat16' },
      'bn1.running_mean': { shape: [64], data: i64, dtype: 'int64' },
      'fc.bias': { shape: [3], data: [1, 0, 1], dtype: 'bool' },
    });
    const model = await Model.create({ arch: 'custom', block: 'basic', layers: [1, 1, 1, 1], numClasses: 3 });
    expect((await model.importWeights(file)).loaded).toBe(5);
    const after = await model.stateDict('classifier.');
    const values = (name: string) => Array.from(after[`classifier.${name}`].data);
    expect(values('bn1.weight')).toEqual(f64.map(Math.fround));
    expect(values('bn1.bias')).toEqual(f16);
    expect(values('bn1.running_var')).toEqual(bf16);
    // int64 to float32 rounds: 2^24 + 1 becomes 2^24.
    expect(values('bn1.running_mean')).toEqual(i64.map(Math.fround));
    expect(values('bn1.running_mean')[3]).toBe(2 ** 24);
    expect(values('fc.bias')).toEqual([1, 0, 1]);
  });

  it('reads F16 and BF16 safetensors tensors bit-exactly (bytes assembled here, not by an encoder)', async () => {
    // Each u16 with the value it encodes, written out by hand: signed zero, subnormals, the largest
    // finite values, infinities, and (filling the rest) 1 + k·ulp.
    const f16: Array<[number, number]> = [
      [0x3c00, 1],
      [0xc000, -2],
      [0x7bff, 65504],
      [0x0001, 2 ** -24],
      [0x0400, 2 ** -14],
      [0x3555, 0.333251953125],
      [0x8000, -0],
      [0x7c00, Infinity],
      [0xfc00, -Infinity],
    ];
    while (f16.length < 64) f16.push([0x3c00 + f16.length, 1 + f16.length / 1024]);
    const bf16: Array<[number, number]> = [
      [0x3f80, 1],
      [0xc040, -3],
      [0x7f7f, 3.3895313892515355e38],
      [0x0001, 2 ** -133],
      [0x3dcd, 0.10009765625],
      [0x8000, -0],
      [0xff80, -Infinity],
    ];
    while (bf16.length < 64) bf16.push([0x3f80 + bf16.length, 1 + bf16.length / 128]);
    const header = JSON.stringify({
      'bn1.bias': { dtype: 'F16', shape: [64], data_offsets: [0, 128] },
      'bn1.weight': { dtype: 'BF16', shape: [64], data_offsets: [128, 256] },
    });
    const data = Buffer.alloc(256);
    f16.forEach(([bits], k) => data.writeUInt16LE(bits, 2 * k));
    bf16.forEach(([bits], k) => data.writeUInt16LE(bits, 128 + 2 * k));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    const dir = mkdtempSync(join(tmpdir(), 'casm-import-'));
    const file = join(dir, 'half.safetensors');
    writeFileSync(file, Buffer.concat([len, Buffer.from(header), data]));
    const model = await Model.create({ arch: 'custom', block: 'basic', layers: [1, 1, 1, 1], numClasses: 3 });
    expect((await model.importWeights(file)).loaded).toBe(2);
    const after = await model.stateDict('classifier.bn1');
    expect(Array.from(after['classifier.bn1.bias'].data)).toEqual(f16.map(([, v]) => v));
    expect(Array.from(after['classifier.bn1.weight'].data)).toEqual(bf16.map(([, v]) => v));
  });

  it('gives clear errors for missing, legacy-format and corrupt files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'casm-import-'));
    const model = await Model.create({ arch: 'resnet18', numClasses: 4 });
    await expect(model.importWeights(join(dir, 'nope.pth'))).rejects.toThrow(/not found/);
    const legacy = join(dir, 'legacy.pth');
    writeFileSync(legacy, Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc]));
    await expect(model.importWeights(legacy)).rejects.toThrow(/legacy format/);
    const corrupt = join(dir, 'corrupt.safetensors');
    writeFileSync(corrupt, Buffer.concat([Buffer.from([200, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"a": {"dtype"')]));
    await expect(model.importWeights(corrupt)).rejects.toThrow(/corrupt safetensors header/);
    const truncated = join(dir, 'truncated.safetensors');
    const good = encodeSafetensors(
      new Map([['conv1.weight', { shape: [64, 3, 7, 7], data: new Float32Array(64 * 3 * 49) }]]),
    );
    writeFileSync(truncated, good.subarray(0, good.length - 100));
    await expect(model.importWeights(truncated)).rejects.toThrow(/inconsistent data offsets|truncated/);
  });
});
