// Trains a CASM from Node with a progress line of your own, and stops cleanly on Ctrl-C.
//
//   node examples/train-with-progress.mjs --data DATA_DIR --out runs/example [--size 32] [--epochs 1] [--batch 8]
//
// DATA_DIR is any dataset casm-native reads (ImageNet folders, wsolevaluation metadata, a JSONL
// manifest); `npx casm-native data fashion-loc --out DATA_DIR` writes a small one with boxes.
import { parseArgs } from 'node:util';
import { train } from 'casm-native';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    out: { type: 'string', default: 'runs/example' },
    size: { type: 'string', default: '32' },
    epochs: { type: 'string', default: '1' },
    batch: { type: 'string', default: '8' },
  },
});
if (!args.data) {
  console.error(
    'usage: node examples/train-with-progress.mjs --data DATA_DIR [--out DIR] [--size PX] [--epochs N] [--batch N]',
  );
  process.exit(2);
}

// Ctrl-C: the step in flight finishes, a checkpoint is written, train() returns interrupted = true.
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

const result = await train(
  {
    data: args.data,
    out: args.out,
    arch: 'resnet18',
    imageSize: Number(args.size),
    batchSize: Number(args.batch),
    epochs: Number(args.epochs),
    epochFraction: 1,
    preset: 'L100',
  },
  {
    signal: controller.signal,
    onProgress: (e) => {
      // One event per training step; the other kinds mark epochs, checkpoints and the final scores.
      if (e.type === 'step') {
        const done = Math.round((20 * (e.batch + 1)) / e.batches);
        process.stderr.write(
          `\repoch ${e.epoch + 1}/${e.epochs} [${'#'.repeat(done)}${'.'.repeat(20 - done)}] step ${e.step}/${e.totalSteps} mask ${e.stats.maskMean.toFixed(2)}`,
        );
      } else if (e.type === 'epoch') {
        process.stderr.write('\n');
        console.log(
          `epoch ${e.epoch + 1}: train masked accuracy ${(100 * e.train.accMasked).toFixed(1)}%, mean mask ${e.train.maskMean.toFixed(3)}`,
        );
      } else if (e.type === 'localization') {
        console.log(
          `localisation: LE ${(100 * e.result.LE).toFixed(1)}%  OM ${(100 * e.result.OM).toFixed(1)}%  F1 ${(100 * e.result.F1).toFixed(1)}%`,
        );
      } else if (e.type === 'warning') {
        console.warn(`warning: ${e.message}`);
      }
    },
  },
);
console.log(
  JSON.stringify({
    runDir: result.runDir,
    steps: result.steps,
    interrupted: result.interrupted,
    weights: result.weights,
  }),
);
