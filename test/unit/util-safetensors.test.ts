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

// The format, written out by hand here rather than by our encoder: 8 bytes of little-endian u64
// header length N, N bytes of UTF-8 JSON (an object of {dtype, shape, data_offsets} entries and
// an optional __metadata__ of strings; trailing spaces allowed), then the data section, where
// each tensor's little-endian bytes sit at its [begin, end) offsets.
describe('the safetensors layout, built byte by byte', () => {
  const bytes = (...xs: number[]) => Buffer.from(xs);
  function assemble(header: string, data: Buffer): Buffer {
    const n = Buffer.alloc(8);
    n.writeUInt32LE(Buffer.byteLength(header), 0); // high 4 bytes stay 0
    return Buffer.concat([n, Buffer.from(header, 'utf8'), data]);
  }

  it('decodes every dtype at its offsets, out of order, with metadata and trailing spaces', () => {
    // Data section (24 bytes): [0,4) u8, [4,8) f16 x2, [8,16) i64, [16,20) f32, [20,22) bf16, [22,24) i16.
    const data = Buffer.concat([
      bytes(7, 0, 255, 128), // u8 [7, 0, 255, 128]
      bytes(0x00, 0x3c, 0x00, 0xc1), // f16 1.0, -2.5
      bytes(0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), // i64 -3
      bytes(0x00, 0x00, 0xc0, 0x3f), // f32 1.5
      bytes(0x80, 0x3f), // bf16 1.0
      bytes(0x00, 0x80), // i16 -32768
    ]);
    const header =
      '{"__metadata__":{"format":"pt","note":"hand-made"},' +
      '"f32":{"dtype":"F32","shape":[1],"data_offsets":[16,20]},' +
      '"u8":{"dtype":"U8","shape":[2,2],"data_offsets":[0,4]},' +
      '"i64":{"dtype":"I64","shape":[],"data_offsets":[8,16]},' +
      '"i16":{"dtype":"I16","shape":[1],"data_offsets":[22,24]},' +
      '"f16":{"dtype":"F16","shape":[2],"data_offsets":[4,8]},' +
      '"bf16":{"dtype":"BF16","shape":[1,1],"data_offsets":[20,22]}}   ';
    const dir = mkdtempSync(join(tmpdir(), 'casm-st-'));
    const path = join(dir, 'hand.safetensors');
    writeFileSync(path, assemble(header, data));
    const t = readSafetensors(path);
    expect([...t.keys()].sort()).toEqual(['bf16', 'f16', 'f32', 'i16', 'i64', 'u8']);
    expect(t.get('u8')).toMatchObject({ dtype: 'U8', shape: [2, 2] });
    expect(Array.from(t.get('u8')!.data as Uint8Array)).toEqual([7, 0, 255, 128]);
    expect(Array.from(t.get('f16')!.data as Float32Array)).toEqual([1, -2.5]);
    expect(t.get('i64')!.shape).toEqual([]);
    expect(Array.from(t.get('i64')!.data as BigInt64Array)).toEqual([-3n]);
    expect(Array.from(t.get('f32')!.data as Float32Array)).toEqual([1.5]);
    expect(Array.from(t.get('bf16')!.data as Float32Array)).toEqual([1]);
    expect(Array.from(t.get('i16')!.data as Int16Array)).toEqual([-32768]);
    expect(readSafetensorsHeader(path).metadata).toEqual({ format: 'pt', note: 'hand-made' });
    expect(readSafetensorsHeader(path).dataStart).toBe(8 + Buffer.byteLength(header));
  });

  it('encodeSafetensors writes exactly that layout: length, JSON padded with spaces to 8 bytes, raw little-endian data', () => {
    const out = encodeSafetensors(
      new Map([
        ['b', { shape: [2], data: Float32Array.of(1.5, -2) }],
        ['a', { shape: [1, 1], data: Float32Array.of(0.25) }],
      ]),
      { k: 'v' },
    );
    const json =
      '{"__metadata__":{"k":"v"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
      '"a":{"dtype":"F32","shape":[1,1],"data_offsets":[8,12]}}';
    // 8 + 135 bytes of JSON = 143: one space makes the data start at 144, a multiple of 8.
    expect(Buffer.byteLength(json)).toBe(135);
    const expected = assemble(
      `${json} `,
      Buffer.concat([
        bytes(0x00, 0x00, 0xc0, 0x3f), // 1.5
        bytes(0x00, 0x00, 0x00, 0xc0), // -2
        bytes(0x00, 0x00, 0x80, 0x3e), // 0.25
      ]),
    );
    expect(out.toString('hex')).toBe(expected.toString('hex'));
    expect(out.readBigUInt64LE(0)).toBe(136n);
  });
});
