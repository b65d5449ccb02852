import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkpointName,
  resolveCheckpointDir,
  runDirOfCheckpoint,
  saveCheckpoint,
} from '../../src/train/checkpoint-store.js';

const root = mkdtempSync(path.join(tmpdir(), 'casm-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const writer = (step: number) => async (dir: string) => {
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ step }));
};

describe('checkpoint store', () => {
  it('names, publishes and prunes checkpoints', async () => {
    const run = path.join(root, 'run');
    for (const step of [10, 20, 30, 40]) await saveCheckpoint(run, step, 2, writer(step));
    const dir = path.join(run, 'checkpoints');
    expect(readdirSync(dir).sort()).toEqual(['latest', 'step-0000030', 'step-0000040']);
    expect(readFileSync(path.join(dir, 'latest'), 'utf8').trim()).toBe(checkpointName(40));
    expect(await resolveCheckpointDir(run)).toBe(path.join(dir, 'step-0000040'));
    expect(await resolveCheckpointDir(dir)).toBe(path.join(dir, 'step-0000040'));
    expect(await resolveCheckpointDir(path.join(dir, 'step-0000030'))).toBe(path.join(dir, 'step-0000030'));
    expect(runDirOfCheckpoint(path.join(dir, 'step-0000030'))).toBe(path.resolve(run));
  });

  it('pretraining checkpoints are named by the pretraining step and pruned before CASM ones', async () => {
    const run = path.join(root, 'phases');
    for (const step of [40, 80, 120]) await saveCheckpoint(run, step, 2, writer(step), 'pretrain');
    const dir = path.join(run, 'checkpoints');
    expect(readdirSync(dir).sort()).toEqual(['latest', 'pretrain-0000080', 'pretrain-0000120']);
    // CASM step 5 comes after pretraining step 120: the pretraining checkpoints go first.
    await saveCheckpoint(run, 5, 2, writer(5));
    expect(readdirSync(dir).sort()).toEqual(['latest', 'pretrain-0000120', 'step-0000005']);
    await saveCheckpoint(run, 10, 2, writer(10));
    expect(readdirSync(dir).sort()).toEqual(['latest', 'step-0000005', 'step-0000010']);
    expect(await resolveCheckpointDir(run)).toBe(path.join(dir, 'step-0000010'));
  });

  it('a failed save leaves the previous checkpoint published and cleans up later', async () => {
    const run = path.join(root, 'crash');
    await saveCheckpoint(run, 1, 3, writer(1));
    await expect(
      saveCheckpoint(run, 2, 3, async (dir) => {
        mkdirSync(dir);
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await resolveCheckpointDir(run)).toBe(path.join(run, 'checkpoints', 'step-0000001'));
    // A half-written folder of a dead process is removed by the next successful save.
    mkdirSync(path.join(run, 'checkpoints', '.step-0000002.tmp-999999'));
    await saveCheckpoint(run, 3, 3, writer(3));
    expect(readdirSync(path.join(run, 'checkpoints')).filter((n) => n.includes('999999'))).toEqual([]);
  });

  it('re-saving a step replaces it', async () => {
    const run = path.join(root, 'again');
    await saveCheckpoint(run, 5, 3, writer(5));
    await saveCheckpoint(run, 5, 3, writer(55));
    expect(JSON.parse(readFileSync(path.join(run, 'checkpoints', 'step-0000005', 'state.json'), 'utf8'))).toEqual({
      step: 55,
    });
  });

  it('explains what is wrong with a bad --resume target', async () => {
    await expect(resolveCheckpointDir(path.join(root, 'nothing'))).rejects.toThrow(/nothing to resume/);
    const run = path.join(root, 'dangling');
    mkdirSync(path.join(run, 'checkpoints'), { recursive: true });
    writeFileSync(path.join(run, 'checkpoints', 'latest'), 'step-0000009\n');
    await expect(resolveCheckpointDir(run)).rejects.toThrow(/not a complete checkpoint/);
    expect(existsSync(run)).toBe(true);
  });
});
