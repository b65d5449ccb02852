// The `casm-native train` command as a user runs it, in child processes: a real SIGKILL mid-epoch
// followed by --resume ends with the same weights as an uninterrupted run; SIGINT writes a
// checkpoint and prints how to resume; unreadable images are skipped by default and stop the run
// with --strict. Needs the compiled addon and the compiled CLI (dist/, built by test/global-setup.ts).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../src/util/safetensors.js';
import { missing } from '../environment.js';
import { makeToyDataset, tryLoadAddon } from '../native/train-fixture.js';
import { type CliRunOptions, runCliIn, when } from './cli-process.js';

const addon = await tryLoadAddon();
const root = mkdtempSync(path.join(tmpdir(), 'casm-train-cli-'));
const data = path.join(root, 'data');
const badData = path.join(root, 'bad-data');

beforeAll(async () => {
  if (!addon) return;
  // 3 classes × 16 = 48 images, batch 4: 12 steps per epoch.
  await makeToyDataset(data, { classes: 3, trainPerClass: 16, valPerClass: 2 });
  await makeToyDataset(badData, { classes: 3, trainPerClass: 4, valPerClass: 2, corruptTrain: 2, seed: 3 });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const common = (out: string, dataset = data) => [
  'train',
  '--data',
  dataset,
  '--arch',
  'resnet18',
  '--image-size',
  '32',
  '--batch-size',
  '4',
  '--epochs',
  '2',
  '--epoch-fraction',
  '1',
  '--lr-decay-every',
  '1',
  '--snapshot-every',
  '3',
  '--pool-size',
  '3',
  '--checkpoint-every',
  '2',
  '--keep-checkpoints',
  '3',
  '--seed',
  '11',
  '--threads',
  '1',
  '--out',
  path.join(root, out),
];

const runCli = (args: string[], opts?: CliRunOptions) => runCliIn(root, args, opts);

function latest(runDir: string): string | null {
  try {
    return readFileSync(path.join(runDir, 'checkpoints', 'latest'), 'utf8').trim();
  } catch {
    return null;
  }
}

function sameWeights(a: string, b: string): string[] {
  const ta = readSafetensors(a);
  const tb = readSafetensors(b);
  expect([...ta.keys()].sort()).toEqual([...tb.keys()].sort());
  const differing: string[] = [];
  for (const [name, t] of ta) {
    const u = tb.get(name)!;
    const x = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const y = Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength);
    if (!x.equals(y)) differing.push(name);
  }
  return differing;
}

describe.skipIf(missing(addon, 'the compiled addon (bash scripts/setup.sh --test)'))('casm-native train (CLI)', () => {
  it('SIGKILL mid-epoch, then --resume, ends with the weights of an uninterrupted run', async () => {
    const reference = await runCli(common('reference'));
    expect(reference.stderr).not.toMatch(/error/i);
    expect(reference.code).toBe(0);
    expect(reference.stdout).toMatch(/LE .*OM .*F1/);

    const killedDir = path.join(root, 'killed');
    // Kill once the step-6 checkpoint is published: the process is then inside epoch 0 (steps 7+).
    const killed = await runCli(common('killed'), {
      onStart: (child) =>
        when(
          child,
          () => (latest(killedDir) ?? '') >= 'step-0000006',
          () => child.kill('SIGKILL'),
        ),
    });
    expect(killed.signal).toBe('SIGKILL');
    const at = latest(killedDir)!;
    expect(at >= 'step-0000006' && at < 'step-0000024').toBe(true);
    expect(existsSync(path.join(killedDir, 'model.safetensors'))).toBe(false);

    const resumed = await runCli(['train', '--resume', killedDir, '--threads', '1']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/resuming/);
    expect(
      sameWeights(path.join(killedDir, 'model.safetensors'), path.join(root, 'reference', 'model.safetensors')),
    ).toEqual([]);
    // The metrics log reads as if the run had never stopped (same epoch records).
    const epochs = (dir: string) =>
      readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((r) => r.kind === 'epoch')
        .map((r) => ({ step: r.step, train: r.train, acc: r.val.accClean, mask: r.val.maskMean }));
    expect(epochs(killedDir)).toEqual(epochs(path.join(root, 'reference')));
  });

  it('SIGKILL during classifier pretraining, then --resume, ends with the weights of an uninterrupted run', async () => {
    const args = (out: string) => [
      ...common(out),
      '--epochs',
      '1',
      '--pretrain-epochs',
      '2',
      '--pretrain-lr',
      '0.05',
      '--target-mask-area',
      '0.3',
      '--mask-area-every',
      '3',
    ];
    const reference = await runCli(args('pre-reference'));
    expect(reference.code).toBe(0);
    expect(reference.stderr).toMatch(/phase 1: classifier pretraining/);
    expect(reference.stderr).toMatch(/pretrain epoch 2\/2 done/);
    expect(reference.stdout).toMatch(/centre-box baseline/);
    // The paper's Table 1 at the end: CAM and Grad-CAM of the run's classifier beside CASM.
    expect(reference.stdout).toMatch(/^ {2}CAM +\d+\.\d +\d+\.\d +\d+\.\d +layer l4 \(fc weights\)$/m);
    expect(reference.stdout).toMatch(/^ {2}Grad-CAM +\d+\.\d +\d+\.\d +\d+\.\d +layer l4 \(given\)$/m);
    // …and the same scores in the run folder, where `bench seeds` tabulates them.
    const gradcamRow = /^ {2}Grad-CAM +(\d+\.\d) +(\d+\.\d) +(\d+\.\d)/m.exec(reference.stdout)!;
    const gradcam = JSON.parse(readFileSync(path.join(root, 'pre-reference', 'baseline-gradcam.json'), 'utf8'));
    expect((100 * gradcam.LE).toFixed(1)).toBe(gradcamRow[1]);
    expect((100 * gradcam.F1).toFixed(1)).toBe(gradcamRow[3]);
    expect(JSON.parse(readFileSync(path.join(root, 'pre-reference', 'baseline-cam.json'), 'utf8')).method).toBe('CAM');

    const killedDir = path.join(root, 'pre-killed');
    // 12 pretraining steps per epoch, a checkpoint every 2: kill inside pretraining epoch 0.
    const killed = await runCli(args('pre-killed'), {
      onStart: (child) =>
        when(
          child,
          () => (latest(killedDir) ?? '') >= 'pretrain-0000006',
          () => child.kill('SIGKILL'),
        ),
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(latest(killedDir)).toMatch(/^pretrain-/);
    const resumed = await runCli(['train', '--resume', killedDir, '--threads', '1']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/resuming .* at pretraining epoch/);
    expect(
      sameWeights(path.join(killedDir, 'model.safetensors'), path.join(root, 'pre-reference', 'model.safetensors')),
    ).toEqual([]);
    const records = (dir: string) =>
      readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((r) => ['pretrain-epoch', 'epoch', 'lambda'].includes(r.kind))
        .map(({ time: _t, seconds: _s, ...r }) => ({ ...r, val: r.val ? { ...r.val, seconds: 0 } : r.val }));
    expect(records(killedDir)).toEqual(records(path.join(root, 'pre-reference')));
  });

  it('SIGINT finishes the step, writes a checkpoint and prints a resume hint', async () => {
    const runDir = path.join(root, 'interrupted');
    const result = await runCli(common('interrupted'), {
      onStart: (child) =>
        when(
          child,
          () => latest(runDir) !== null,
          () => child.kill('SIGINT'),
        ),
    });
    expect(result.code).toBe(130);
    expect(result.stdout).toContain(`resume with: casm-native train --resume`);
    const cp = latest(runDir)!;
    expect(cp).toMatch(/^step-\d{7}$/);
    expect(existsSync(path.join(runDir, 'checkpoints', cp, 'state.json'))).toBe(true);
    const state = JSON.parse(readFileSync(path.join(runDir, 'checkpoints', cp, 'state.json'), 'utf8'));
    expect(state.step).toBeGreaterThanOrEqual(2);
    expect(result.stdout).toContain(`stopped after step ${state.step}`);
  });

  it('skips unreadable images by default and names them; --strict stops at the first', async () => {
    const lenient = await runCli([...common('lenient', badData), '--epochs', '1']);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toMatch(/warning: skipped 2 images that failed to decode/);
    expect(lenient.stderr).toMatch(/img\/train-0-[01]\.png/);

    const strict = await runCli([...common('strict', badData), '--epochs', '1', '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/casm-native: .*img\/train-0-[01]\.png/);
    expect(existsSync(path.join(root, 'strict', 'model.safetensors'))).toBe(false);
  });
});
