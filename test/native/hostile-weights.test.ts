// Crafted weight files (issue 14): each must end in a clear error naming the file, in bounded
// memory and without killing the process. The .pth cases run in a child process so that a
// regression (the stack overflow these files used to cause) fails the test instead of the runner.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Model } from '../../src/native/model.js';
import { encodeSafetensors } from '../../src/util/safetensors.js';
import {
  importInChild,
  op,
  program,
  scratch,
  torchSave,
  torchZip,
  torchZipWithDecoy,
  zipLayout,
} from './hostile-files.js';

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

// zip_index.cpp reads the archive's directory before LibTorch does (to check record sizes against
// the limits): each way an archive can be broken ends in its own message, naming the file. The
// archives are a real torch.save file (Debian's python3-torch) with bytes changed, or python's
// zipfile where a layout torch.save never writes is needed.
describe('damaged .pth zip archives (zip_index.cpp, pth_reader.cpp)', () => {
  const bias = [0.25, -1.5, 3];
  const dir = scratch('zip-damage');
  const good = join(dir, 'good.pth');
  const model = () => Model.create({ arch: 'custom', block: 'basic', layers: [1, 1, 1, 1], numClasses: 3 });
  beforeAll(() => torchSave(good, { 'fc.bias': { shape: [3], data: bias } }));

  /** `good.pth` with `change` applied to a copy of its bytes, written to `name`. */
  function damaged(name: string, change: (zip: Buffer, at: ReturnType<typeof zipLayout>) => Buffer | undefined) {
    const zip = Buffer.from(readFileSync(good));
    const file = join(dir, name);
    writeFileSync(file, change(zip, zipLayout(zip)) ?? zip);
    return file;
  }

  async function expectRefused(file: string, problem: RegExp) {
    const m = await model();
    const error = await m.importWeights(file).then(
      () => new Error('loaded'),
      (e: Error) => e,
    );
    expect(error.message).toMatch(problem);
    expect(error.message).toContain(file);
    // The model keeps its weights.
    expect(Array.from((await m.stateDict('classifier.fc.bias'))['classifier.fc.bias'].data)).not.toEqual(bias);
  }

  it('the undamaged file loads (torch.save writes a zip64 end record the standard one makes redundant)', async () => {
    const at = zipLayout(readFileSync(good));
    expect(at.entries).toBe(3);
    expect(at.locator64).toBeGreaterThan(0);
    const m = await model();
    await m.importWeights(good);
    expect(Array.from((await m.stateDict('classifier.fc.bias'))['classifier.fc.bias'].data)).toEqual(bias);
    // With the standard record's count saturated, the zip64 record is the one read, and it is right.
    const zip64 = damaged('zip64.pth', (zip, at) => {
      zip.writeUInt16LE(0xffff, at.end + 10);
      return undefined;
    });
    const m64 = await model();
    await m64.importWeights(zip64);
    expect(Array.from((await m64.stateDict('classifier.fc.bias'))['classifier.fc.bias'].data)).toEqual(bias);
  });

  it('too short, or no end-of-central-directory record', async () => {
    const short = join(dir, 'short.pth');
    writeFileSync(short, Buffer.from('PK\x03\x04 not a zip'));
    await expectRefused(short, /not a readable zip-format torch\.save file \(too short for a zip archive\)/);
    const noEnd = damaged('no-end.pth', (zip, at) => {
      zip.writeUInt32LE(0, at.end);
      return undefined;
    });
    await expectRefused(noEnd, /\(no end-of-directory record\)/);
    // Cut off before its end: the record is gone too.
    const cut = damaged('cut.pth', (zip, at) => zip.subarray(0, at.end));
    await expectRefused(cut, /\(no end-of-directory record\)/);
  });

  it('zip64: the locator or the end record it points at is missing', async () => {
    const saturate = (zip: Buffer, at: ReturnType<typeof zipLayout>) => zip.writeUInt16LE(0xffff, at.end + 10);
    const noLocator = damaged('no-locator.pth', (zip, at) => {
      saturate(zip, at);
      zip.writeUInt32LE(0, at.locator64);
      return undefined;
    });
    await expectRefused(noLocator, /\(zip64 locator missing\)/);
    const noEnd64 = damaged('no-end64.pth', (zip, at) => {
      saturate(zip, at);
      zip.writeUInt32LE(0, at.end64);
      return undefined;
    });
    await expectRefused(noEnd64, /\(zip64 end record missing\)/);
    // A saturated directory offset takes the same path.
    const offset64 = damaged('offset64-no-locator.pth', (zip, at) => {
      zip.writeUInt32LE(0xffffffff, at.end + 16);
      zip.writeUInt32LE(0, at.locator64);
      return undefined;
    });
    await expectRefused(offset64, /\(zip64 locator missing\)/);
    const locatorOutside = damaged('locator-outside.pth', (zip, at) => {
      saturate(zip, at);
      zip.writeBigUInt64LE(BigInt(zip.length), at.locator64 + 8);
      return undefined;
    });
    await expectRefused(locatorOutside, /\(a directory record points outside the file\)/);
  });

  it('a central directory that is too large, outside the file, or corrupt', async () => {
    await expectRefused(
      damaged('huge-directory.pth', (zip, at) => {
        zip.writeUInt32LE(65 * 2 ** 20, at.end + 12);
        return undefined;
      }),
      /\(central directory larger than 64 MiB\)/,
    );
    await expectRefused(
      damaged('directory-outside.pth', (zip, at) => {
        zip.writeUInt32LE(zip.length - 10, at.end + 16);
        return undefined;
      }),
      /\(a directory record points outside the file\)/,
    );
    await expectRefused(
      damaged('entry-signature.pth', (zip, at) => {
        zip.writeUInt32LE(0x12345678, at.records[1].at);
        return undefined;
      }),
      /\(corrupt central directory\)/,
    );
    // One entry more than the directory holds.
    await expectRefused(
      damaged('entry-count.pth', (zip, at) => {
        zip.writeUInt16LE(at.entries + 1, at.end + 10);
        return undefined;
      }),
      /\(corrupt central directory\)/,
    );
    // The last entry's name runs past the directory's end.
    await expectRefused(
      damaged('name-length.pth', (zip, at) => {
        zip.writeUInt16LE(200, at.records[2].at + 28);
        return undefined;
      }),
      /\(corrupt central directory\)/,
    );
    // An extra field on the first entry, whose 4-byte header (the next entry's "PK\1\2") declares
    // 513 bytes where 0 remain.
    await expectRefused(
      damaged('extra-field.pth', (zip, at) => {
        zip.writeUInt16LE(4, at.records[0].at + 30);
        return undefined;
      }),
      /\(corrupt extra field\)/,
    );
  });

  it('records whose sizes disagree with the directory, the pickle or the expansion budget', async () => {
    const storage = (numel: Buffer) =>
      Buffer.concat([
        op.mark,
        op.str('storage'),
        op.global('torch', 'FloatStorage'),
        op.str('0'),
        op.str('cpu'),
        numel,
        op.tuple,
        op.binpersid,
      ]);
    const fcBias = (numel: Buffer, size: Buffer) =>
      program(
        op.emptyDict,
        op.str('fc.bias'),
        op.global('torch._utils', '_rebuild_tensor_v2'),
        op.mark,
        storage(numel),
        op.int1(0),
        op.mark,
        size,
        op.tuple,
        op.mark,
        op.int1(1),
        op.tuple,
        op.tuple,
        op.reduce,
        op.setitem,
      );
    const bytes = Buffer.from(Float32Array.from(bias).buffer);
    // Control: the hand-made archive loads.
    const handMade = join(dir, 'hand-made.pth');
    torchZip(handMade, fcBias(op.int1(3), op.int1(3)), { records: { 'data/0': bytes } });
    const m = await model();
    await m.importWeights(handMade);
    expect(Array.from((await m.stateDict('classifier.fc.bias'))['classifier.fc.bias'].data)).toEqual(bias);

    // The directory's size for data/0 says 8 bytes where 12 are stored: LibTorch's own reader
    // refuses the archive, and its message is passed on with the file's name.
    await expectRefused(
      damaged('size-mismatch.pth', (zip, at) => {
        const entry = at.records.find((r) => r.name.endsWith('/data/0'))!;
        zip.writeUInt32LE(8, entry.at + 24);
        return undefined;
      }),
      /not a readable zip-format torch\.save file \(PytorchStreamReader failed reading zip archive/,
    );
    // Two records named data/0 under different top folders: LibTorch would read archive/data/0
    // while an index without folders could hold the decoy's size, so the directory is refused.
    const decoy = join(dir, 'decoy.pth');
    torchZipWithDecoy(good, decoy);
    await expectRefused(decoy, /records under more than one top folder \('archive\/', 'other\/'\)/);
    // A record that inflates past 8× the file's size (plus 64 MiB): 17 M zero floats deflate to
    // ~70 KB. Refused from the directory, before anything is inflated.
    const bomb = join(dir, 'bomb.pth');
    const numel = 17 * 2 ** 20;
    const numelOp = Buffer.from([0x4a, 0, 0, 0, 0]); // BININT
    numelOp.writeInt32LE(numel, 1);
    torchZip(bomb, fcBias(numelOp, op.int1(3)), { deflate: true, records: { 'data/0': Buffer.alloc(numel * 4) } });
    await expectRefused(bomb, /cannot read this torch\.save file \(records inflate to more than 8× the file's size\)/);
    // Records the pickle names but the archive lacks, and an archive without data.pkl.
    const noData = join(dir, 'no-data.pth');
    torchZip(noData, fcBias(op.int1(3), op.int1(3)));
    await expectRefused(noData, /cannot read this torch\.save file \(missing tensor data data\/0\)/);
    const noPickle = damaged('no-pickle.pth', (zip, at) => {
      const entry = at.records.find((r) => r.name.endsWith('/data.pkl'))!;
      zip.write('x', entry.at + 46 + entry.name.length - 1);
      return undefined;
    });
    await expectRefused(noPickle, /no data\.pkl in the archive/);
  });

  // A small decoy "other/data/0" beside the real "archive/data/0": LibTorch reads only the first
  // top folder, so an index keyed without it would check the decoy's 8 bytes and let LibTorch
  // inflate the real record, whatever it declares (a 0.5 MB file once made the reader allocate
  // ~780 MiB; the child's baseline is ~250 MiB). The index refuses a second top folder first.
  it('a deflated record shadowed by a small decoy is refused before it is inflated', () => {
    const bomb = join(dir, 'decoy-bomb.pth');
    torchZipWithDecoy(good, bomb, 2 ** 29);
    const r = importInChild(bomb);
    expect(r.signal).toBeNull();
    expect(r.outcome).toContain(bomb);
    expect(r.outcome).toMatch(/records under more than one top folder \('archive\/', 'other\/'\)/);
    expect(r.peakMiB).toBeLessThan(512);
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
