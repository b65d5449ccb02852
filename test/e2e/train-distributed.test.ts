// `casm-native train --nproc-per-node 2` as a user runs it (CPU, Gloo over 127.0.0.1): the run
// trains to its end and records worldSize 2; it resumes with 2 processes and refuses another
// number; classifier pretraining runs on the ranks' slices too and resumes into CASM; a worker
// killed mid-run ends the whole run with a clear error, with or without the launcher
// (torchrun-style environment), instead of leaving the other rank waiting.

import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cli/train-launcher.js';
import { missing } from '../environment.js';
import { makeToyDataset, tryLoadAddon } from '../native/train-fixture.js';
import { type CliRunOptions, runCliIn, when } from './cli-process.js';

const addon = await tryLoadAddon();
// Data parallel is compiled only where Gloo's headers were found (setup.sh installs libgloo-dev):
// CI must not pass by skipping it.
const distributed = !missing(
  (addon?.environment().distributed ?? []).includes('gloo'),
  'data-parallel support (Gloo) in the addon (bash scripts/setup.sh --test)',
);
const root = mkdtempSync(path.join(tmpdir(), 'casm-train-dist-'));
const data = path.join(root, 'data');

beforeAll(async () => {
  if (!distributed) return;
  // 3 classes × 8 = 24 images, global batch 4 (2 per rank): 6 steps per epoch.
  await makeToyDataset(data, { classes: 3, trainPerClass: 8, valPerClass: 2 });
}, 300_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const common = (out: string, epochs = 1) => [
  'train',
  '--data',
  data,
  '--arch',
  'resnet18',
  '--image-size',
  '32',
  '--batch-size',
  '4',
  '--epochs',
  String(epochs),
  '--epoch-fraction',
  '1',
  '--snapshot-every',
  '2',
  '--pool-size',
  '2',
  '--checkpoint-every',
  '0',
  '--seed',
  '5',
  '--out',
  path.join(root, out),
];

const runCli = (args: string[], opts?: CliRunOptions) => runCliIn(root, args, opts);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function latestState(runDir: string): { step: number; worldSize?: number } {
  const dir = readFileSync(path.join(runDir, 'checkpoints', 'latest'), 'utf8').trim();
  return JSON.parse(readFileSync(path.join(runDir, 'checkpoints', dir, 'state.json'), 'utf8'));
}

describe.skipIf(!distributed)('casm-native train --nproc-per-node 2 (CLI, CPU)', () => {
  it('trains to the end with worldSize 2, resumes with 2 processes and refuses 1', async () => {
    const runDir = path.join(root, 'two');
    const first = await runCli([...common('two'), '--nproc-per-node', '2']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/2 worker\(s\) on node 0 of 1, world size 2/);
    expect(first.stdout).toMatch(/LE .*OM .*F1/);
    expect(existsSync(path.join(runDir, 'model.safetensors'))).toBe(true);
    expect(latestState(runDir)).toMatchObject({ step: 6, worldSize: 2 });
    // Only rank 0 wrote: one epoch record, one line per interval.
    const records = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const epochs = records.filter((r) => r.kind === 'epoch');
    expect(epochs.length).toBe(1);
    // Statistics of the global batch: 6 steps × 4 images.
    expect(epochs[0].train.images).toBe(24);

    const refused = await runCli(['train', '--resume', runDir, '--epochs', '2', '--threads', '1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/trained by 2 processes \(worldSize 2\) and this run has one process/);

    const resumed = await runCli(['train', '--resume', runDir, '--epochs', '2', '--nproc-per-node', '2']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(latestState(runDir)).toMatchObject({ step: 12, worldSize: 2 });
    expect(readdirSync(path.join(runDir, 'checkpoints')).some((d) => d === 'step-0000012')).toBe(true);
  });

  it('pretrains f(0) data-parallel too (each step on the global batch), and a resume continues into CASM', async () => {
    const runDir = path.join(root, 'pretrain');
    const first = await runCli([
      ...common('pretrain', 0),
      '--pretrain-epochs',
      '1',
      '--pretrain-optimizer',
      'adam',
      '--nproc-per-node',
      '2',
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(latestState(runDir)).toMatchObject({
      step: 0,
      worldSize: 2,
      position: { phase: 'pretrain', epoch: 1, batch: 0 },
    });
    const records = () =>
      readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    // Rank 0 alone wrote: one pretraining epoch of 6 steps × 4 images (2 per rank).
    const pretrainEpochs = records().filter((r) => r.kind === 'pretrain-epoch');
    expect(pretrainEpochs.length).toBe(1);
    expect(pretrainEpochs[0].train).toMatchObject({ steps: 6, images: 24 });

    const resumed = await runCli(['train', '--resume', runDir, '--epochs', '1', '--nproc-per-node', '2']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(latestState(runDir)).toMatchObject({
      step: 6,
      worldSize: 2,
      position: { phase: 'casm', epoch: 1, batch: 0 },
    });
    expect(
      records()
        .filter((r) => r.kind === 'epoch')
        .map((r) => r.train.images),
    ).toEqual([24]);
    expect(existsSync(path.join(runDir, 'model.safetensors'))).toBe(true);
  });

  it('a worker killed mid-run stops the other through the launcher, with a message naming it', async () => {
    let pids: number[] = [];
    const killed = await runCli([...common('killed', 50), '--nproc-per-node', '2', '--json', '--log-every', '1'], {
      onStart: (child, output) =>
        when(
          child,
          // With --log-every 1 rank 0 prints a JSON line after every step: both ranks are training.
          () => /"type":"interval"/.test(output.stdout) && /rank 1 pid \d+/.test(output.stderr),
          () => {
            pids = [...output.stderr.matchAll(/rank (\d) pid (\d+)/g)].map((m) => Number(m[2]));
            process.kill(pids[1]!, 'SIGKILL');
          },
        ),
    });
    expect(killed.code).not.toBe(0);
    expect(killed.stderr).toMatch(/rank 1 \(pid \d+\) was killed by SIGKILL/);
    expect(killed.stderr).toMatch(/training failed/);
    expect(pids.length).toBe(2);
    expect(alive(pids[0]!)).toBe(false);
  });

  it('without the launcher (torchrun-style environment), the surviving rank fails with a clear error instead of waiting', async () => {
    const port = await freePort('127.0.0.1');
    const env = (rank: number) => ({
      RANK: String(rank),
      WORLD_SIZE: '2',
      LOCAL_RANK: String(rank),
      LOCAL_WORLD_SIZE: '2',
      MASTER_ADDR: '127.0.0.1',
      MASTER_PORT: String(port),
    });
    // A long collective timeout: the failure must come from the lost connection, not from waiting it out.
    const args = [...common('torchrun-style', 50), '--json', '--log-every', '1', '--dist-timeout', '3600'];
    let rank1: ChildProcess | null = null;
    const rank1Done = runCli(args, { env: env(1), onStart: (child) => (rank1 = child) });
    const rank0 = await runCli(args, {
      env: env(0),
      onStart: (child, output) =>
        when(
          child,
          () => /"type":"interval"/.test(output.stdout),
          () => rank1!.kill('SIGKILL'),
        ),
    });
    expect((await rank1Done).signal).toBe('SIGKILL');
    expect(rank0.code).toBe(1);
    expect(rank0.stderr).toMatch(
      /casm-native: distributed (all-reduce|stop check) failed on rank 0 of 2 \(another rank has probably exited/,
    );
  });
});
