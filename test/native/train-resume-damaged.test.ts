// A damaged state.json (issue 14): wrong types or ranges in the fields a resumed run computes with
// used to resume into a run that trained nothing, exited 0 and wrote a checkpoint that resume then
// refused. Now the resume is refused up front, naming the file and the field.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { train } from '../../src/train/loop.js';
import { missing } from '../environment.js';
import { makeToyDataset, tryLoadAddon } from './train-fixture.js';

const addon = await tryLoadAddon();
const root = mkdtempSync(path.join(tmpdir(), 'casm-resume-damaged-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(missing(addon, 'the compiled addon (bash scripts/setup.sh --test)'))(
  'resume from a damaged state.json',
  () => {
    it('refuses wrong types and ranges, naming the field, and leaves the checkpoint usable', async () => {
      const data = await makeToyDataset(path.join(root, 'data'), { classes: 2, trainPerClass: 4, valPerClass: 1 });
      const run = await train(
        {
          data,
          arch: 'resnet18',
          imageSize: 32,
          batchSize: 4,
          epochs: 1,
          epochFraction: 1,
          preset: 'L100',
          seed: 1,
          valSplit: null,
          out: path.join(root, 'run'),
        },
        { addon: addon! },
      );
      const stateFile = path.join(run.checkpoint!, 'state.json');
      const original = readFileSync(stateFile, 'utf8');
      const damage: Array<[string, (s: Record<string, any>) => void, RegExp]> = [
        [
          'epoch "abc"',
          (s) => (s.position.epoch = 'abc'),
          /field position\.epoch must be a non-negative integer \(got "abc"\)/,
        ],
        ['step -10', (s) => (s.step = -10), /field step must be a non-negative integer \(got -10\)/],
        ['batch 1.5', (s) => (s.position.batch = 1.5), /field position\.batch must be a non-negative integer/],
        ['lambdaR string', (s) => (s.lambdaR = '10'), /field lambdaR must be a finite non-negative number/],
        ['stats NaN', (s) => (s.epochStats.lossClean = null), /field epochStats\.lossClean must be a finite number/],
        ['classIds numbers', (s) => (s.classIds = [1, 2]), /field classIds must be a non-empty array of strings/],
        ['no position', (s) => delete s.position, /field position must be an object/],
      ];
      for (const [name, change, expected] of damage) {
        const state = JSON.parse(original);
        change(state);
        writeFileSync(stateFile, JSON.stringify(state));
        const attempt = train({ data, epochs: 2 }, { addon: addon!, resume: run.runDir });
        await expect(attempt, name).rejects.toThrow(expected);
        await expect(attempt, name).rejects.toThrow(stateFile);
      }
      // The intact file still resumes and trains the extra epoch.
      writeFileSync(stateFile, original);
      const resumed = await train({ data, epochs: 2 }, { addon: addon!, resume: run.runDir });
      expect(resumed.steps).toBe(2 * run.steps);
    });
  },
);
