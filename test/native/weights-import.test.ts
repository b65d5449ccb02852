import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Model } from '../../src/native/model.js';
import { encodeSafetensors } from '../../src/util/safetensors.js';

// Debian's python3-torch (installed by scripts/setup.sh for the tests) writes the .pth files, so
// they are in the real torch.save format, not one we made up.
const SYSTEM_PYTHON = '/usr/bin/python3';

function torchSave(
  file: string,
  tensors: Record<string, { shape: number[]; data: Float32Array }>,
  wrap?: string,
): void {
  const spec = join(tmpdir(), `casm-pth-${process.pid}-${Date.now()}.json`);
  writeFileSync(
    spec,
    JSON.stringify(
      Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k, { shape: v.shape, data: Array.from(v.data) }])),
    ),
  );
  const script = `
import json, collections, sys, torch
spec = json.load(open(sys.argv[1]))
sd = collections.OrderedDict((k, torch.tensor(v['data'], dtype=torch.float32).reshape(v['shape'])) for k, v in spec.items())
obj = {sys.argv[3]: sd} if sys.argv[3] else sd
torch.save(obj, sys.argv[2])
`;
  execFileSync(SYSTEM_PYTHON, ['-c', script, spec, file, wrap ?? ''], { stdio: 'pipe' });
}

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
