import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classifierInitFile } from '../../src/train/init-weights.js';
import { readSafetensors } from '../../src/util/safetensors.js';

const root = mkdtempSync(path.join(tmpdir(), 'casm-init-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function writeTensors(file: string, tensors: Record<string, number[]>) {
  const header: Record<string, unknown> = { __metadata__: { format: 'casm-native' } };
  const parts: Buffer[] = [];
  let offset = 0;
  for (const [name, values] of Object.entries(tensors)) {
    const bytes = Buffer.from(new Float32Array(values).buffer);
    header[name] = { dtype: 'F32', shape: [values.length], data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(file, Buffer.concat([len, json, ...parts]));
}

describe('--init-weights from a casm-native model', () => {
  it('keeps only the classifier tensors, byte for byte', async () => {
    const file = path.join(root, 'model.safetensors');
    writeTensors(file, {
      'classifier.conv1.weight': [1, 2, 3],
      'decoder.final.0.bias': [9],
      'classifier.fc.bias': [4.5, -1],
    });
    const init = await classifierInitFile(file);
    const t = readSafetensors(init.path);
    expect([...t.keys()].sort()).toEqual(['classifier.conv1.weight', 'classifier.fc.bias']);
    expect(Array.from(t.get('classifier.fc.bias')!.data as Float32Array)).toEqual([4.5, -1]);
    expect(Array.from(t.get('classifier.conv1.weight')!.data as Float32Array)).toEqual([1, 2, 3]);
    await init.cleanup();
  });

  it('leaves torchvision files alone', async () => {
    const file = path.join(root, 'tv.safetensors');
    writeTensors(file, { 'conv1.weight': [1], 'fc.bias': [2] });
    expect((await classifierInitFile(file)).path).toBe(file);
    expect((await classifierInitFile(path.join(root, 'resnet18.pth'))).path).toBe(path.join(root, 'resnet18.pth'));
  });
});
