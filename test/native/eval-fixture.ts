// A tiny trained CASM run for the eval/saliency/report tests: the demo generator's Fashion-MNIST
// scenes (few and small) and a ResNet-18 trained for six steps at 32 px on the CPU. The weights are
// far from useful, but every file a real run has is there (checkpoints, metrics.jsonl,
// model.safetensors), which is what these tests exercise. Training takes ~25 s here, so the run is
// built once into a folder under the temp directory, keyed on a hash of the sources, the addon and
// this file (test/fixture-key.ts), and shared by the test files.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { vi } from 'vitest';
import { generateFashionLoc } from '../../src/data/fashion-loc.js';
import { train } from '../../src/train/loop.js';
import { fixtureKey } from '../fixture-key.js';

export interface TinyRun {
  data: string;
  runDir: string;
}

export async function tinyDemoRun(): Promise<TinyRun> {
  const root = path.join(
    tmpdir(),
    `casm-native-eval-fixture-${fixtureKey([import.meta.filename])}-${process.getuid?.() ?? 0}`,
  );
  const data = path.join(root, 'fashion-loc');
  const runDir = path.join(root, 'run');
  const ready = path.join(root, 'READY');
  if (existsSync(ready)) return { data, runDir };
  // Built in place (the run's config records absolute paths); a half-built folder from a killed
  // test process has no READY marker and is rebuilt.
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  await generateFashionLoc({ out: data, size: 32, train: 24, val: 8, test: 0, seed: 3 });
  const result = await train({
    data,
    arch: 'resnet18',
    imageSize: 32,
    batchSize: 8,
    epochs: 2,
    epochFraction: 1,
    lrDecayEvery: 1,
    preset: 'L100',
    snapshotEvery: 2,
    poolSize: 2,
    checkpointEvery: 0,
    keepCheckpoints: 1,
    logEvery: 1,
    seed: 5,
    out: runDir,
  });
  if (result.interrupted) throw new Error('tiny training run was interrupted');
  writeFileSync(ready, `${new Date().toISOString()}\n`);
  return { data, runDir };
}

export interface CommandOutput {
  stdout: string;
  stderr: string;
}

/** Runs CLI commands in this process, as `casm-native …args` would, capturing stdout and stderr. */
export async function runCommand(register: Array<(program: Command) => void>, args: string[]): Promise<CommandOutput> {
  const program = new Command().name('casm-native').exitOverride();
  for (const r of register) r(program);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'casm-native', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { stdout, stderr };
}
