// scripts/bench/step.mjs --compare-reference on a tiny configuration: the reference process (the
// authors' step semantics in PyTorch, on the python3 whose torch matches the addon's LibTorch)
// answers interleaved rounds, ratios and the memory check are printed and written to JSON. No
// speed is asserted: only that every figure is measured and positive.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missing } from '../environment.js';
import { repoRoot, venvPython } from '../test-libtorch.js';

const tmp = mkdtempSync(join(tmpdir(), 'casm-bench-step-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const python = venvPython('torch2.13-cpu');

describe.skipIf(
  missing(python && process.env.LIBTORCH, 'PyTorch 2.13 in .cache/venv/torch2.13-cpu with LIBTORCH pointing at it'),
)('scripts/bench/step --compare-reference', () => {
  it('interleaves casm-native and reference rounds, prints ratios and a flat-memory check', () => {
    const json = join(tmp, 'step.json');
    const args = [
      '--size',
      '32',
      '--batch',
      '2',
      '--steps',
      '1',
      '--warmup',
      '1',
      '--rounds',
      '2',
      '--threads',
      '1',
      '--compare-reference',
      '--memory-steps',
      '20',
      '--json',
      json,
    ];
    const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'bench', 'step.mjs'), ...args], {
      encoding: 'utf8',
      timeout: 600_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^reference: authors' step semantics, .*torch 2\.13/m);
    for (const kind of ['step, current classifier', 'step, pooled adversary', 'saliency inference'])
      expect(r.stdout).toMatch(
        new RegExp(
          `^median ${kind} .* ratio \\d+\\.\\d+× \\(median of paired ratios \\d+\\.\\d+×; CPU time \\d+\\.\\d+×\\)$`,
          'm',
        ),
      );
    const out = JSON.parse(readFileSync(json, 'utf8'));
    expect(out.rounds).toHaveLength(2);
    for (const round of out.rounds)
      for (const side of [round.casm, round.reference])
        for (const k of ['current', 'pooled', 'inference']) {
          expect(side[k].imgPerSec).toBeGreaterThan(0);
          expect(side[k].cpuSecPerBatch).toBeGreaterThan(0);
        }
    expect(out.reference.torch).toMatch(/^2\.13\./);
    expect(out.memory.steps).toBe(20);
    expect(out.memory.samples.at(-1).step).toBe(20);
  }, 600_000);

  it('refuses a basic-block architecture, which the reference does not have, naming the ones it has', () => {
    const r = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'scripts', 'bench', 'step.mjs'),
        '--arch',
        'resnet18',
        '--size',
        '32',
        '--batch',
        '2',
        '--steps',
        '1',
        '--warmup',
        '0',
        '--compare-reference',
      ],
      { encoding: 'utf8', timeout: 300_000 },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/bottleneck ResNets only \(resnet50, resnet101, resnet152\), not resnet18/);
  }, 300_000);
});
