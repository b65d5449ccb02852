// `casm-native export RUN --format onnx --out model.onnx`: the mask model (and by default the
// classifier's logits) as an ONNX file that onnxruntime runs without LibTorch; see docs/onnx.md.
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { openModel } from '../eval/open-model.js';
import { writeOnnx } from '../onnx/export.js';
import { integerAtLeast } from './option-parsers.js';

interface ExportFlags {
  format: 'onnx';
  out: string;
  batch?: number;
  size?: number;
  logits: boolean;
  batchNorm: 'fold' | 'keep';
  opset: number;
}

const side = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 32 || n % 32 !== 0)
    throw new InvalidArgumentError('--size must be a multiple of 32 (at least 32)');
  return n;
};

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'write the mask model (uint8 RGB NHWC in; mask, and the classifier logits, out) as an ONNX file for onnxruntime',
    )
    .argument('<run>', 'run folder, checkpoint folder or model.safetensors')
    .addOption(new Option('--format <format>', 'file format').choices(['onnx']).default('onnx'))
    .requiredOption('--out <file>', 'output file, e.g. model.onnx')
    .option('--batch <n>', 'fix the batch size (default: dynamic)', integerAtLeast('--batch', 1))
    .option('--size <px>', 'fix the input side, a multiple of 32 (default: dynamic height and width)', side)
    .option('--no-logits', "leave out the classifier's logits output")
    .addOption(
      new Option('--batch-norm <mode>', 'fold BatchNorm into the convolutions, or keep BatchNormalization nodes')
        .choices(['fold', 'keep'])
        .default('fold'),
    )
    .option('--opset <n>', 'ONNX opset, 13..21', integerAtLeast('--opset', 13), 17)
    .action(async (run: string, flags: ExportFlags) => {
      const opened = await openModel(run, { device: 'cpu' });
      try {
        const bytes = await writeOnnx(opened.model, flags.out, {
          logits: flags.logits,
          batch: flags.batch ?? null,
          size: flags.size ?? null,
          batchNorm: flags.batchNorm,
          opset: flags.opset,
          imageSize: opened.imageSize,
          classIds: opened.classIds,
        });
        const info = opened.model.info();
        process.stdout.write(
          `wrote ${flags.out} (${(bytes / 2 ** 20).toFixed(1)} MiB): ${info.arch}, ${info.numClasses} classes, ` +
            `${info.upsample} upsampling, input uint8 [${flags.batch ?? 'batch'},${flags.size ?? 'height'},${flags.size ?? 'width'},3]` +
            `${flags.logits ? ', outputs mask and logits' : ', output mask'}, opset ${flags.opset}\n`,
        );
      } finally {
        opened.model.dispose();
      }
    });
}
