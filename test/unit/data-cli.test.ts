// The `data` command through commander, as the CLI runs it.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerData } from '../../src/cli/data.js';
import { FASHION_MNIST_DIR } from '../../src/data/fashion-loc.js';
import { missing } from '../environment.js';
import { makeTempDir } from './data-fixtures.js';

const installed = existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await makeTempDir('cli')));
afterAll(async () => cleanup());

async function run(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerData(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'casm-native', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe.skipIf(missing(installed, "Fashion-MNIST (Debian's dataset-fashion-mnist)"))('casm-native data', () => {
  it('fashion-loc writes the requested counts and inspect reads them back', async () => {
    const out = join(dir, 'fl');
    const said = await run([
      'data',
      'fashion-loc',
      '--out',
      out,
      '--size',
      '32',
      '--train',
      '4',
      '--val',
      '2',
      '--test',
      '3',
      '--duplicate',
    ]);
    expect(said).toMatch(/wrote 4 train, 2 val, 3 test images \(64x32\)/);
    expect((await readFile(join(out, 'metadata', 'test', 'localization.txt'), 'utf8')).trim().split('\n')).toHaveLength(
      6,
    );
    const inspected = await run(['data', 'inspect', '--data', out, '--split', 'test', '--json']);
    expect(inspected.trimEnd().split('\n')).toHaveLength(1); // one JSON line, for pipelines
    const report = JSON.parse(inspected);
    expect(report).toMatchObject({
      classes: 10,
      samples: 3,
      samplesWithBoxes: 3,
      boxes: 6,
      skipped: 0,
      skippedEntries: [],
    });
  });

  it('fashion-loc --json prints its summary as one JSON line', async () => {
    const out = join(dir, 'fl-json');
    const said = await run([
      'data',
      'fashion-loc',
      '--out',
      out,
      '--size',
      '32',
      '--train',
      '2',
      '--val',
      '1',
      '--test',
      '0',
      '--json',
    ]);
    expect(said.trimEnd().split('\n')).toHaveLength(1);
    const summary = JSON.parse(said);
    expect(summary).toMatchObject({ out, width: 32, height: 32, counts: { train: 2, val: 1, test: 0 } });
    expect(summary.seconds).toBeGreaterThan(0);
  });

  it('rejects a bad count before doing anything', async () => {
    await expect(run(['data', 'fashion-loc', '--out', join(dir, 'x'), '--train', '-1'])).rejects.toThrow(
      /--train must be an integer >= 0/,
    );
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });
});
