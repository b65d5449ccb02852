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
