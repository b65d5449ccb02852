// The TypeScript safetensors reader refuses crafted headers with errors naming the file and the
// field (issue 14: a `null` header used to give "Cannot read properties of null", overlapping
// offsets were accepted), and shares the header validation with Model.load's metadata check.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeSafetensors, readSafetensors, readSafetensorsHeader } from '../../src/util/safetensors.js';

function file(header: string | Buffer, dataBytes = 0): string {
  const json = Buffer.isBuffer(header) ? header : Buffer.from(header, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const path = join(mkdtempSync(join(tmpdir(), 'casm-st-')), 'x.safetensors');
  writeFileSync(path, Buffer.concat([len, json, Buffer.alloc(dataBytes)]));
  return path;
}

describe('readSafetensors on crafted headers', () => {
  const cases: Array<[string, string | Buffer, number, RegExp]> = [
    ['null', 'null', 0, /corrupt safetensors header \(the header is null, not an object\)/],
    ['array', '[1]', 0, /the header is an array, not an object/],
    [
      'overlap',
      '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}',
      12,
      /tensors 'a' and 'b' overlap/,
    ],
    ['entry null', '{"a":null}', 0, /tensor 'a' is null, not an object/],
    [
      'shape not array',
      '{"a":{"dtype":"F32","shape":5,"data_offsets":[0,4]}}',
      4,
      /tensor 'a': shape must be an array/,
    ],
    [
      'fractional dim',
      '{"a":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}}',
      1,
      /tensor 'a': shape entry must be an integer/,
    ],
    [
      'offsets strings',
      '{"a":{"dtype":"U8","shape":[1],"data_offsets":["0","1"]}}',
      1,
      /data_offsets\[0\] must be an integer/,
    ],
    [
      'beyond the file',
      '{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}}',
      4,
      /tensor 'a' has inconsistent data offsets \[0, 8\] for 8 bytes in a data section of 4/,
    ],
    [
      'dtype proto',
      '{"a":{"dtype":"constructor","shape":[1],"data_offsets":[0,1]}}',
      1,
      /tensor 'a' has unsupported dtype constructor/,
    ],
    ['metadata array', '{"__metadata__":[1]}', 0, /__metadata__ must be an object of strings/],
    [
      'huge shape',
      '{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}}',
      0,
      /tensor 'a': shape is too large/,
    ],
    [
      'invalid UTF-8',
      Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
      0,
      /corrupt safetensors header \(not JSON/,
    ],
  ];
  for (const [name, header, dataBytes, expected] of cases) {
    it(name, () => {
      const path = file(header, dataBytes);
      expect(() => readSafetensors(path)).toThrow(expected);
      expect(() => readSafetensors(path)).toThrow(path);
      expect(() => readSafetensorsHeader(path)).toThrow(expected);
    });
  }

  it('still reads what encodeSafetensors writes, including empty tensors', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'casm-st-')), 'ok.safetensors');
    writeFileSync(
      path,
      encodeSafetensors(
        new Map([
          ['w', { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }],
          ['e', { shape: [0, 3], data: new Float32Array(0) }],
        ]),
        { k: 'v' },
      ),
    );
    const t = readSafetensors(path);
    expect(Array.from(t.get('w')!.data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(t.get('e')!.data).toHaveLength(0);
    expect(readSafetensorsHeader(path).metadata).toEqual({ k: 'v' });
  });
});
