// Crafted weight files (issue 14): each must end in a clear error naming the file, in bounded
// memory and without killing the process. The .pth cases run in a child process so that a
// regression (the stack overflow these files used to cause) fails the test instead of the runner.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Model } from '../../src/native/model.js';
import { encodeSafetensors } from '../../src/util/safetensors.js';
import { importInChild, op, program, scratch, torchZip } from './hostile-files.js';

// Peak memory the child may reach: LibTorch and a small model take a few hundred MiB; the files
// below used to take 3.5 GB before dying.
const PEAK_LIMIT_MIB = 1024;

function safetensorsWithHeader(file: string, header: string, dataBytes = 0): void {
  const json = Buffer.from(header, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(file, Buffer.concat([len, json, Buffer.alloc(dataBytes)]));
}

describe('crafted .pth files', () => {
  it('a list nested a million deep is refused without a crash', () => {
    const file = join(scratch('pth'), 'deep-list.pth');
    torchZip(file, program(Buffer.alloc(1_000_000, ']'), Buffer.alloc(999_999, 'a')), { deflate: true });
    const r = importInChild(file);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.outcome).toContain(file);
    expect(r.outcome).toMatch(/holds no tensors|cannot read this torch\.save file/);
    expect(r.peakMiB).toBeLessThan(PEAK_LIMIT_MIB);
  });

  it('dicts nested 200,000 deep are refused at the depth limit', () => {
    const file = join(scratch('pth'), 'deep-dict.pth');
    // root = {}; then per level: child = {}; parent['k'] = child; continue with child (via the memo).
    const level = Buffer.concat([op.str('k'), op.emptyDict, op.put(0), op.setitem, op.pop, op.get(0)]);
    const body = Buffer.concat([
      op.emptyDict,
      op.put(1),
      op.put(0),
      op.pop,
      op.get(0),
      Buffer.concat(Array(200_000).fill(level)),
      op.pop,
      op.get(1),
    ]);
    torchZip(file, program(body), { deflate: true });
    const r = importInChild(file);
    expect(r.signal).toBeNull();
    expect(r.outcome).toContain(file);
    expect(r.outcome).toMatch(/nested deeper than 64 levels/);
    expect(r.peakMiB).toBeLessThan(PEAK_LIMIT_MIB);
  });

  it('sixteen million Nones (16 KB deflated) stop at the value limit in bounded memory', () => {
    const file = join(scratch('pth'), 'nones.pth');
    torchZip(file, program(Buffer.alloc(16 * 1024 * 1024, 'N')), { deflate: true });
    const r = importInChild(file);
    expect(r.signal).toBeNull();
    expect(r.outcome).toContain(file);
    expect(r.outcome).toMatch(/more than 1000000 values/);
    expect(r.peakMiB).toBeLessThan(PEAK_LIMIT_MIB);
  });

  it('a data.pkl that inflates past the pickle size limit is refused before it is read', () => {
    const file = join(scratch('pth'), 'big-pickle.pth');
    torchZip(file, Buffer.alloc(65 * 1024 * 1024, 'N'), { deflate: true });
    const r = importInChild(file);
    expect(r.outcome).toContain(file);
    expect(r.outcome).toMatch(/the pickle data\.pkl is \d+ bytes, more than 67108864/);
    expect(r.peakMiB).toBeLessThan(PEAK_LIMIT_MIB);
  });

  it('refuses malformed records with errors that name the file and the problem', async () => {
    const dir = scratch('pth');
    const model = await Model.create({ arch: 'custom', block: 'basic', layers: [1, 1, 1, 1], numClasses: 3 });
    const storagePid = (type: Buffer, numel: Buffer) =>
      Buffer.concat([op.mark, op.str('storage'), type, op.str('0'), op.str('cpu'), numel, op.tuple, op.binpersid]);
    const cases: Array<[string, Buffer, RegExp, Record<string, Buffer>?]> = [
      [
        'long1-9-bytes',
        program(op.long1([1, 2, 3, 4, 5, 6, 7, 8, 9])),
        /integer of 9 bytes \(at most 8 are supported\) at byte 2/,
      ],
      [
        'pid-not-a-global',
        program(storagePid(op.str('FloatStorage'), op.int1(4))),
        /storage type is not a torch global/,
      ],
      [
        'pid-unknown-storage',
        program(storagePid(op.global('torch', 'ComplexFloatStorage'), op.int1(4))),
        /unsupported storage type torch\.ComplexFloatStorage/,
      ],
      [
        'pid-numel-overflow',
        program(storagePid(op.global('torch', 'DoubleStorage'), op.long1([0, 0, 0, 0, 0, 0, 0, 0x40]))),
        /storage size is not a non-negative integer/,
      ],
      ['pid-not-a-tuple', program(op.str('storage'), op.binpersid), /persistent id is not a 5-tuple/],
      [
        'view-past-storage',
        program(
          op.emptyDict,
          op.str('w'),
          op.global('torch._utils', '_rebuild_tensor_v2'),
          op.mark,
          storagePid(op.global('torch', 'FloatStorage'), op.int1(4)),
          op.int1(0),
          op.mark,
          op.int1(100),
          op.tuple,
          op.mark,
          op.int1(1),
          op.tuple,
          op.tuple,
          op.reduce,
          op.setitem,
        ),
        /tensor has more elements than its storage/,
      ],
      [
        'storage-size-mismatch',
        program(
          op.emptyDict,
          op.str('w'),
          op.global('torch._utils', '_rebuild_tensor_v2'),
          op.mark,
          storagePid(op.global('torch', 'FloatStorage'), op.int1(4)),
          op.int1(0),
          op.mark,
          op.int1(4),
          op.tuple,
          op.mark,
          op.int1(1),
          op.tuple,
          op.tuple,
          op.reduce,
          op.setitem,
        ),
        /tensor data data\/0 is 8 bytes, more than|has 8 bytes, the pickle declares 16/,
        { 'data/0': Buffer.alloc(8) },
      ],
      ['pop-through-mark', program(op.none, op.mark, op.pop), /stack underflow/],
    ];
    for (const [name, pickle, expected, records] of cases) {
      const file = join(dir, `${name}.pth`);
      torchZip(file, pickle, { records });
      await expect(model.importWeights(file), name).rejects.toThrow(expected);
      await expect(model.importWeights(file), name).rejects.toThrow(file);
    }
  });
});

describe('crafted .safetensors files', () => {
  it('refuses bad headers with the file and the field in the message', async () => {
    const dir = scratch('st');
    const model = await Model.create({ arch: 'custom', block: 'basic', layers: [1, 1, 1, 1], numClasses: 3 });
    const cases: Array<[string, string, number, RegExp]> = [
      ['null', 'null', 0, /corrupt safetensors header \(the header is null, not an object\)/],
      [
        'overlap',
        '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}',
        12,
        /tensors 'a' and 'b' overlap/,
      ],
      [
        'fractional-offset',
        '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0.5,1.5]}}',
        2,
        /tensor 'a': data_offsets\[0\] must be an integer/,
      ],
      [
        'huge-offset',
        '{"a":{"dtype":"U8","shape":[1],"data_offsets":[1e300,1e300]}}',
        2,
        /data_offsets\[0\] must be an integer in 0\.\.2\^53/,
      ],
      [
        'negative-dim',
        '{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}',
        0,
        /tensor 'a': shape entry must be an integer/,
      ],
      [
        'shape-overflow',
        '{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}}',
        0,
        /tensor 'a': shape is too large/,
      ],
      ['bad-u-escape', '{"\\uZZZZ":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}', 0, /bad \\u escape/],
      ['minus-inf', '{"a":{"dtype":"F32","shape":[-inf],"data_offsets":[0,0]}}', 0, /JSON bad number/],
      [
        'hex-number',
        '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,0x1]}}',
        1,
        /JSON expected ','|JSON expected '\]'/,
      ],
      [
        'duplicate-name',
        '{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}',
        0,
        /duplicate key "a"/,
      ],
      ['metadata-not-strings', '{"__metadata__":{"x":1}}', 0, /__metadata__\.x must be a string/],
      ['entry-not-object', '{"a":[1,2]}', 0, /tensor 'a' is an array, not an object/],
    ];
    for (const [name, header, dataBytes, expected] of cases) {
      const file = join(dir, `${name}.safetensors`);
      safetensorsWithHeader(file, header, dataBytes);
      await expect(model.importWeights(file), name).rejects.toThrow(expected);
      await expect(model.importWeights(file), name).rejects.toThrow(file);
    }
  });

  it('Model.load checks num_classes and layers against the tensors before building anything', async () => {
    const dir = scratch('st');
    const small = await Model.create({ arch: 'custom', block: 'basic', layers: [1, 1, 1, 1], numClasses: 3 });
    const file = join(dir, 'model.safetensors');
    await small.saveWeights(file);
    const rewrite = (target: string, change: (meta: Record<string, string>) => void) => {
      const raw = readFileSync(file);
      const len = Number(raw.readBigUInt64LE(0));
      const header = JSON.parse(raw.subarray(8, 8 + len).toString('utf8'));
      change(header.__metadata__);
      let json = JSON.stringify(header);
      while ((8 + json.length) % 8) json += ' ';
      const head = Buffer.alloc(8);
      head.writeBigUInt64LE(BigInt(json.length));
      writeFileSync(target, Buffer.concat([head, Buffer.from(json), raw.subarray(8 + len)]));
    };
    const million = join(dir, 'million.safetensors');
    rewrite(million, (m) => (m.num_classes = '1000000'));
    // Refused from the metadata, before a 1M-class model exists: such a head alone would take GBs
    // (checked by memory, not by time, which a loaded machine stretches).
    const rssBefore = process.memoryUsage().rss;
    await expect(Model.load(million)).rejects.toThrow(
      `${million}: metadata field num_classes says 1000000 but classifier.fc.weight has 3 rows`,
    );
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(500 * 2 ** 20);
    const deep = join(dir, 'deep.safetensors');
    rewrite(deep, (m) => (m.layers = '1,1,1,100000'));
    await expect(Model.load(deep)).rejects.toThrow(
      /metadata field layers says 100000 blocks in layer4 but the file holds 1/,
    );
    const bogus = join(dir, 'bogus.safetensors');
    rewrite(bogus, (m) => (m.num_classes = '-5'));
    await expect(Model.load(bogus)).rejects.toThrow(/num_classes is '-5', expected a positive integer/);
    // The untouched file still loads, and so does every named architecture's.
    expect((await Model.load(file)).info().numClasses).toBe(3);
    const r10 = join(dir, 'resnet10.safetensors');
    await (await Model.create({ arch: 'resnet10', numClasses: 2 })).saveWeights(r10);
    expect((await Model.load(r10)).info()).toMatchObject({ arch: 'resnet10', numClasses: 2 });
  });

  it('a valid file with empty and adjacent tensors still loads', async () => {
    const dir = scratch('st');
    const model = await Model.create({ arch: 'custom', block: 'basic', layers: [1, 1, 1, 1], numClasses: 3 });
    const sd = await model.stateDict('classifier.fc');
    const file = join(dir, 'fc.safetensors');
    writeFileSync(
      file,
      encodeSafetensors(new Map([...Object.entries(sd), ['empty', { shape: [0, 4], data: new Float32Array(0) }]])),
    );
    const report = await model.importWeights(file);
    expect(report.loaded).toBe(2);
  });
});
