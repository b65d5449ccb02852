// The train command's flags come from one table (src/cli/flag-table.ts): each row becomes one
// commander option whose help shows the default from the TypeScript defaults table, and the
// configuration rows map one-to-one onto TrainConfig keys.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addFlags, configFlags, flagName } from '../../src/cli/flag-table.js';
import { TRAIN_FLAGS } from '../../src/cli/train-flags.js';
import { resolveTrainConfig, TRAIN_DEFAULTS } from '../../src/train/config.js';

function parse(args: string[]): Record<string, unknown> {
  const cmd = addFlags(
    new Command('train').exitOverride().configureOutput({ writeErr: () => undefined }),
    TRAIN_FLAGS,
    TRAIN_DEFAULTS,
  );
  cmd.parse(['node', 'train', ...args]);
  return cmd.opts();
}

describe('train flag table', () => {
  it('every configuration row names a TrainConfig key, and each key has one flag', () => {
    // allowOutsideRoot is optional in TrainConfig (absent from older checkpoints).
    const configKeys = [...Object.keys(resolveTrainConfig({ data: 'data', out: 'out' })), 'allowOutsideRoot'];
    const rows = TRAIN_FLAGS.filter((s) => s.config).map((s) => s.key);
    for (const key of rows) expect(configKeys, key).toContain(key);
    expect(new Set(TRAIN_FLAGS.map((s) => s.key)).size).toBe(TRAIN_FLAGS.length);
  });

  it("help shows the defaults table's values, never an unfilled placeholder", () => {
    const help = addFlags(
      new Command('train').configureHelp({ helpWidth: 1000 }),
      TRAIN_FLAGS,
      TRAIN_DEFAULTS,
    ).helpInformation();
    expect(help).not.toMatch(/\{default\}|default undefined/);
    expect(help).toContain(`--lr <x>`);
    expect(help).toContain(`classifier SGD learning rate (default ${TRAIN_DEFAULTS.lr})`);
    expect(help).toContain(`(default ${TRAIN_DEFAULTS.cropScale.join(',')})`);
  });

  it('parsed flags map onto the configuration; command-only flags stay out of it', () => {
    const flags = parse([
      '--image-size',
      '64',
      '--val-split',
      'none',
      '--crop-scale',
      '0.5',
      '--amp',
      '--threads',
      '2',
      '--snapshot-every',
      'first',
    ]);
    expect(configFlags(flags, TRAIN_FLAGS)).toEqual({
      imageSize: 64,
      valSplit: null,
      cropScale: [0.5, 1],
      amp: true,
      snapshotEvery: 'first',
    });
    expect(flags.threads).toBe(2);
    // 'none' is null in the configuration (commander alone would store a parser's null as '').
    expect(configFlags(parse(['--snapshot-every', 'none']), TRAIN_FLAGS)).toEqual({ snapshotEvery: null });
  });

  it('a bad number names its flag', () => {
    expect(() => parse(['--batch-size', '1.5'])).toThrow(/--batch-size must be an integer/);
    expect(() => parse(['--lr', 'fast'])).toThrow(/--lr must be a number/);
    expect(flagName('pretrainCropScale')).toBe('--pretrain-crop-scale');
  });
});
