// `casm-native data`: dataset tools. `fashion-loc` writes the demo localisation dataset;
// `inspect` reads any supported layout and reports what a training run would see.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { FASHION_CLASSES, FASHION_MNIST_DIR, generateFashionLoc } from '../data/fashion-loc.js';
import { type DatasetFormat, loadDataset } from '../data/load.js';
import { formatSkipReport } from '../data/skips.js';
import { integerAtLeast } from './option-parsers.js';
import { allowOutsideRootOption } from './shared-options.js';

const fractionRange = (value: string): [number, number] => {
  const [min, max] = value.split(',').map(Number);
  if (value.split(',').length !== 2 || !(min! > 0 && min! <= max! && max! <= 1))
    throw new InvalidArgumentError('must be MIN,MAX with 0 < MIN <= MAX <= 1');
  return [min!, max!];
};

export function registerData(program: Command): void {
  const data = program.command('data').description('dataset tools: generate the demo dataset, inspect a dataset');

  data
    .command('fashion-loc')
    .description(
      'write Fashion-MNIST items on cluttered backgrounds as PNG + wsolevaluation metadata (train, val, test)',
    )
    .requiredOption('--out <dir>', 'output folder')
    .option('--size <px>', 'side of one scene', integerAtLeast('--size', 32), 128)
    .option('--duplicate', 'two identical copies side by side per image, one box each (paper Section 2.1)', false)
    .option('--train <n>', 'train images (items from the official train split)', integerAtLeast('--train', 0), 2000)
    .option('--val <n>', 'val images (other items of the official train split)', integerAtLeast('--val', 0), 500)
    .option('--test <n>', 'test images (items from the official t10k split)', integerAtLeast('--test', 0), 500)
    .option(
      '--classes <ids>',
      `only these classes, comma-separated (labelled in this order; default all: ${FASHION_CLASSES.map((c) => c.id).join(',')})`,
      (v: string) => v.split(',').map((id) => id.trim()),
    )
    .option('--item-scale <min,max>', 'item side as a fraction of the scene side (default 0.3,0.6)', fractionRange)
    .option('--seed <n>', 'random seed', integerAtLeast('--seed', 0), 0)
    .option('--source <dir>', 'folder of the Fashion-MNIST IDX files', FASHION_MNIST_DIR)
    .option('--json', 'print the summary as one JSON line', false)
    .action(
      async (flags: {
        out: string;
        size: number;
        duplicate: boolean;
        train: number;
        val: number;
        test: number;
        seed: number;
        source: string;
        classes?: string[];
        itemScale?: [number, number];
        json: boolean;
      }) => {
        const started = Date.now();
        const { json, ...options } = flags;
        const summary = await generateFashionLoc(options);
        const seconds = (Date.now() - started) / 1000;
        const { train, val, test } = summary.counts;
        if (json) {
          process.stdout.write(
            `${JSON.stringify({ out: summary.out, width: summary.width, height: summary.height, counts: summary.counts, seconds })}\n`,
          );
          return;
        }
        process.stdout.write(
          `wrote ${train} train, ${val} val, ${test} test images (${summary.width}x${summary.height}) to ${summary.out} in ${seconds.toFixed(1)} s\n`,
        );
      },
    );

  data
    .command('inspect')
    .description(
      'read a dataset (ImageNet folders, wsolevaluation metadata or JSONL) and report classes, samples, boxes and skipped entries',
    )
    .requiredOption('--data <path>', 'dataset folder or .jsonl manifest')
    .option('--split <name>', 'split', 'train')
    .option('--format <format>', 'auto, imagenet, wsol or jsonl', 'auto')
    .option('--classes <spec>', 'class list file or index ranges, e.g. 0-49,100')
    .option('--subset <letters>', "the paper's class subsets, e.g. A or B-F")
    .option('--synsets <file>', 'synset words file for class names')
    .option('--strict', 'fail at the first bad entry', false)
    .addOption(allowOutsideRootOption())
    .option('--json', 'print the summary as one JSON line', false)
    .action(
      async (flags: {
        data: string;
        split: string;
        format: DatasetFormat;
        classes?: string;
        subset?: string;
        synsets?: string;
        strict: boolean;
        allowOutsideRoot: boolean;
        json: boolean;
      }) => {
        const dataset = await loadDataset(flags);
        const boxes = dataset.samples.reduce((n, s) => n + s.boxes.length, 0);
        const withBoxes = dataset.samples.filter((s) => s.boxes.length > 0).length;
        const perClass = new Array<number>(dataset.classIds.length).fill(0);
        for (const s of dataset.samples) perClass[s.label]!++;
        const summary = {
          root: dataset.root,
          split: dataset.split,
          classes: dataset.classIds.length,
          samples: dataset.samples.length,
          samplesWithBoxes: withBoxes,
          boxes,
          skipped: dataset.skipped.length,
          firstClasses: dataset.classNames.slice(0, 5),
          emptyClasses: perClass.filter((n) => n === 0).length,
        };
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ ...summary, skippedEntries: dataset.skipped })}\n`);
          return;
        }
        process.stdout.write(
          `${summary.root} [${summary.split}]: ${summary.samples} images in ${summary.classes} classes ` +
            `(${summary.emptyClasses} without images), ${withBoxes} with boxes (${boxes} boxes)\n` +
            `classes: ${summary.firstClasses.join(' | ')}${summary.classes > 5 ? ' | …' : ''}\n`,
        );
        const report = formatSkipReport(dataset.skipped, 'entries');
        if (report) process.stdout.write(`${report}\n`);
      },
    );
}
