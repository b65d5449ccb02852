// Builders of crafted weight files for the hardening tests: pickle programs written opcode by
// opcode, wrapped in a real zip archive by Python's zipfile (the layout torch.save uses:
// <archive>/data.pkl, <archive>/version, <archive>/data/<key>), and child processes that import
// a file through the built package and report how it ended and their peak memory.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HANG_MS } from '../budget.js';

const SYSTEM_PYTHON = '/usr/bin/python3';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function scratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `casm-${prefix}-`));
}

/** Pickle opcodes, so the programs in the tests read as what they are. */
export const op = {
  proto2: Buffer.from([0x80, 0x02]),
  stop: Buffer.from('.'),
  mark: Buffer.from('('),
  tuple: Buffer.from('t'),
  emptyDict: Buffer.from('}'),
  emptyList: Buffer.from(']'),
  append: Buffer.from('a'),
  setitem: Buffer.from('s'),
  none: Buffer.from('N'),
  pop: Buffer.from('0'),
  binpersid: Buffer.from('Q'),
  reduce: Buffer.from('R'),
  put: (k: number) => Buffer.from([0x71, k]),
  get: (k: number) => Buffer.from([0x68, k]),
  int1: (v: number) => Buffer.from([0x4b, v]),
  long1: (bytes: number[]) => Buffer.from([0x8a, bytes.length, ...bytes]),
  str: (s: string) => {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    return Buffer.concat([Buffer.from('X'), len, b]);
  },
  global: (module: string, name: string) => Buffer.from(`c${module}\n${name}\n`),
};

export function program(...parts: Buffer[]): Buffer {
  return Buffer.concat([op.proto2, ...parts, op.stop]);
}

/** A torch.save-shaped zip around `pickle` (deflated when asked, as a crafted file would be). */
export function torchZip(
  file: string,
  pickle: Buffer,
  opts: { deflate?: boolean; records?: Record<string, Buffer> } = {},
): void {
  const dir = scratch('zip');
  const pkl = join(dir, 'data.pkl');
  writeFileSync(pkl, pickle);
  const records: Record<string, string> = {};
  for (const [name, data] of Object.entries(opts.records ?? {})) {
    const p = join(dir, `record-${Object.keys(records).length}`);
    writeFileSync(p, data);
    records[name] = p;
  }
  const script = `
import json, sys, zipfile
out, pkl, deflate, records = sys.argv[1], sys.argv[2], sys.argv[3] == '1', json.loads(sys.argv[4])
method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
with zipfile.ZipFile(out, 'w', method) as z:
    z.write(pkl, 'archive/data.pkl')
    z.writestr('archive/version', '3\\n')
    for name, path in records.items():
        z.write(path, 'archive/' + name)
`;
  execFileSync(SYSTEM_PYTHON, ['-c', script, file, pkl, opts.deflate ? '1' : '0', JSON.stringify(records)], {
    stdio: 'pipe',
  });
}

/** Element types torch.save writes that the tests feed the reader (the storages pth_reader.cpp maps). */
export type TorchDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'uint8' | 'bool';

/**
 * A real torch.save file, written by Debian's python3-torch: `tensors` becomes an OrderedDict of
 * tensors of the given dtype (float32 unless said), nested under `wrap` when given. Values pass
 * through JSON, so integers up to 2^53 and every float arrive exactly before torch converts them
 * to the tensor's dtype.
 */
export function torchSave(
  file: string,
  tensors: Record<string, { shape: number[]; data: ArrayLike<number>; dtype?: TorchDtype }>,
  wrap?: string,
): void {
  const spec = join(scratch('pth-spec'), 'spec.json');
  writeFileSync(
    spec,
    JSON.stringify(
      Object.fromEntries(
        Object.entries(tensors).map(([k, v]) => [
          k,
          { shape: v.shape, data: Array.from(v.data), dtype: v.dtype ?? 'float32' },
        ]),
      ),
    ),
  );
  const script = `
import json, collections, sys, torch
spec = json.load(open(sys.argv[1]))
sd = collections.OrderedDict(
    (k, torch.tensor(v['data'], dtype=torch.float64 if v['dtype'] != 'int64' else torch.int64).to(getattr(torch, v['dtype'])).reshape(v['shape']))
    for k, v in spec.items())
obj = {sys.argv[3]: sd} if sys.argv[3] else sd
torch.save(obj, sys.argv[2])
`;
  execFileSync(SYSTEM_PYTHON, ['-c', script, spec, file, wrap ?? ''], { stdio: 'pipe' });
}

/**
 * `source` (a torch.save file) rewritten by python's zipfile with its top folder renamed to
 * "archive", plus a decoy record "other/data/0" of 8 bytes in a second top folder. With `zeros`,
 * archive/data/0 becomes that many deflated zero bytes (written in 1 MiB chunks, so the test
 * process never holds them).
 */
export function torchZipWithDecoy(source: string, file: string, zeros = 0): void {
  const script = `
import sys, zipfile
src, out, zeros = zipfile.ZipFile(sys.argv[1]), sys.argv[2], int(sys.argv[3])
with zipfile.ZipFile(out, 'w') as z:
    for i in src.infolist():
        name = 'archive/' + i.filename.split('/', 1)[1]
        if name == 'archive/data/0' and zeros:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            chunk = bytes(1 << 20)
            with z.open(info, 'w', force_zip64=True) as w:
                for _ in range(zeros >> 20):
                    w.write(chunk)
        else:
            z.writestr(name, src.read(i))
    z.writestr('other/data/0', bytes(8))
`;
  execFileSync(SYSTEM_PYTHON, ['-c', script, source, file, String(zeros)], { stdio: 'pipe' });
}

/** Where the parts of a zip archive's tail are (offsets into the file), read as a zip reader would. */
export interface ZipLayout {
  /** End-of-central-directory record. */
  end: number;
  entries: number;
  directorySize: number;
  directoryOffset: number;
  /** The zip64 locator just before `end` and the zip64 end record it points at, or -1. */
  locator64: number;
  end64: number;
  /** Offsets of the central directory's entries, and their names. */
  records: Array<{ at: number; name: string }>;
}

export function zipLayout(zip: Buffer): ZipLayout {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('no end-of-central-directory record');
  const entries = zip.readUInt16LE(end + 10);
  const directorySize = zip.readUInt32LE(end + 12);
  const directoryOffset = zip.readUInt32LE(end + 16);
  const locator64 = end >= 20 && zip.readUInt32LE(end - 20) === 0x07064b50 ? end - 20 : -1;
  const end64 = locator64 >= 0 ? Number(zip.readBigUInt64LE(locator64 + 8)) : -1;
  const records: ZipLayout['records'] = [];
  for (let at = directoryOffset, n = 0; n < entries; n++) {
    const nameLen = zip.readUInt16LE(at + 28);
    records.push({ at, name: zip.toString('utf8', at + 46, at + 46 + nameLen) });
    at += 46 + nameLen + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return { end, entries, directorySize, directoryOffset, locator64, end64, records };
}

export interface ChildImport {
  /** Exit status of the child (null when a signal ended it). */
  status: number | null;
  signal: NodeJS.Signals | null;
  /** The rejection message, or 'loaded' when the import succeeded. */
  outcome: string;
  /** Peak resident memory of the child, in MiB. */
  peakMiB: number;
}

/**
 * Imports `file` into a small model in a fresh Node process (the built package in dist/), so a
 * crash or a memory blow-up shows as the child's fate instead of taking the test runner down.
 */
export function importInChild(file: string): ChildImport {
  const code = `
const { Model } = await import(${JSON.stringify(join(ROOT, 'dist', 'index.js'))});
const m = await Model.create({ arch: 'custom', block: 'basic', layers: [1, 1, 1, 1], numClasses: 3 });
let outcome = 'loaded';
try { await m.importWeights(process.argv[1]); } catch (e) { outcome = e.message; }
console.log(JSON.stringify({ outcome, peakKiB: process.resourceUsage().maxRSS }));
`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code, file], {
    encoding: 'utf8',
    timeout: HANG_MS,
  });
  let parsed = { outcome: `no result (stderr: ${r.stderr.slice(-500)})`, peakKiB: 0 };
  try {
    parsed = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
  } catch {
    // the child died before printing: status/signal say how
  }
  return { status: r.status, signal: r.signal, outcome: parsed.outcome, peakMiB: parsed.peakKiB / 1024 };
}
