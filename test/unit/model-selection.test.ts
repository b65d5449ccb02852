import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SelectionScore } from '../../src/train/model-selection.js';
import { BEST_DIR, isBetter, ModelSelection, resolveSelectBy } from '../../src/train/model-selection.js';

const root = mkdtempSync(path.join(tmpdir(), 'casm-selection-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const score = (step: number, LE: number, F1: number): SelectionScore => ({
  step,
  epoch: 0,
  images: 10,
  LE,
  OM: LE,
  F1,
});
const fakeSave = (tag: string) => (file: string) => writeFile(file, tag);

describe('the selection rule', () => {
  it('prefers lower LE, then higher F1, and keeps the earlier model on a full tie', () => {
    expect(isBetter(score(5, 0.4, 0.5), null)).toBe(true);
    expect(isBetter(score(5, 0.3, 0.1), score(1, 0.4, 0.9))).toBe(true);
    expect(isBetter(score(5, 0.5, 0.9), score(1, 0.4, 0.1))).toBe(false);
    expect(isBetter(score(5, 0.4, 0.6), score(1, 0.4, 0.5))).toBe(true);
    expect(isBetter(score(5, 0.4, 0.5), score(1, 0.4, 0.5))).toBe(false);
  });

  it('auto means val-le exactly when the validation split has boxes; val-le without boxes is an error', () => {
    expect(resolveSelectBy('auto', true)).toBe('val-le');
    expect(resolveSelectBy('auto', false)).toBe('last');
    expect(resolveSelectBy('last', true)).toBe('last');
    expect(() => resolveSelectBy('val-le', false)).toThrow(/needs ground-truth boxes/);
  });

  it('scores at epoch ends and every N steps', () => {
    const s = new ModelSelection(root, 25);
    expect([24, 25, 50, 51].map((step) => s.due(step, false))).toEqual([false, true, true, false]);
    expect(s.due(7, true)).toBe(true);
    expect(new ModelSelection(root, 0).due(25, false)).toBe(false);
  });

  it('keeps the best weights file and best.json, prunes superseded ones, and restores for resume', async () => {
    const run = path.join(root, 'run');
    const s = new ModelSelection(run, 10);
    expect(await s.consider(score(10, 0.5, 0.4), fakeSave('a'))).toBe(true);
    expect(await s.consider(score(20, 0.6, 0.9), fakeSave('b'))).toBe(false);
    expect(await s.consider(score(30, 0.3, 0.2), fakeSave('c'))).toBe(true);
    expect(readdirSync(path.join(run, BEST_DIR)).sort()).toEqual(['best.json', 'step-0000030.safetensors']);
    expect(JSON.parse(readFileSync(path.join(run, BEST_DIR, 'best.json'), 'utf8'))).toMatchObject({
      step: 30,
      LE: 0.3,
    });
    const resumed = new ModelSelection(run, 10);
    await resumed.restore(s.state());
    expect(resumed.best).toEqual(s.best);
    await expect(new ModelSelection(run, 10).restore({ best: score(10, 0.5, 0.4) })).rejects.toThrow(/missing/);
  });
});
