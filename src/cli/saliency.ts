// `casm-native saliency`: masks and masked images for arbitrary images (files, folders, manifests
// or dataset folders), written per image into --out; see src/eval/saliency-export.ts for the files.
// With --json, stdout carries one JSON record per image (as written) and nothing else.
import type { Command } from 'commander';
import { Option } from 'commander';
import { exportSaliency, type SaliencyRunner } from '../eval/saliency-export.js';
import { resolveSaliencyInputs } from '../eval/saliency-inputs.js';
import type { ResizeMode } from '../metrics/ground-truth-boxes.js';
import { integerAtLeast } from './option-parsers.js';
import { progressLine } from './progress-line.js';
import { allowOutsideRootOption, deviceOption, strictImagesOption } from './shared-options.js';
import { UsageError } from './usage-error.js';

interface SaliencyFlags {
  checkpoint?: string;
  runtime: 'libtorch' | 'onnx';
  out?: string;
  size?: number;
  resize: ResizeMode;
  batchSize: number;
  split: string;
  device?: string;
  strict: boolean;
  allowOutsideRoot: boolean;
  json: boolean;
}

export function registerSaliency(program: Command): void {
  program
    .command('saliency')
    .description(
      "write mask, overlay (boxes drawn), masked-in/out and inpainted images at each image's own size, plus a JSON (box, prediction, mask statistics) per image",
    )
    .argument(
      '<inputs...>',
      'image files, folders of images, .jsonl manifests or dataset folders (with --runtime onnx and no --checkpoint: MODEL.onnx first)',
    )
    .option(
      '--checkpoint <path>',
      'run folder, checkpoint folder or model.safetensors (an .onnx file with --runtime onnx)',
    )
    .addOption(
      new Option(
        '--runtime <name>',
        'libtorch: the addon; onnx: a file from `casm-native export` in onnxruntime-node (optional dependency), no LibTorch',
      )
        .choices(['libtorch', 'onnx'])
        .default('libtorch'),
    )
    // Checked in the action, after --checkpoint (which --runtime onnx may take from the arguments).
    .option('--out <dir>', 'output folder (required)')
    .option(
      '--size <px>',
      "side of the model input (default: the model's training size, else 224)",
      integerAtLeast('--size', 32),
    )
    .addOption(
      new Option('--resize <mode>', 'short side + centre crop, or direct resize')
        .choices(['crop', 'direct'])
        .default('crop'),
    )
    .option('--batch-size <n>', 'images per model call', integerAtLeast('--batch-size', 1), 16)
    .option('--split <name>', 'split to read from a dataset folder', 'val')
    .addOption(deviceOption())
    .addOption(strictImagesOption())
    .addOption(allowOutsideRootOption())
    .option('--json', "print each image's record as one JSON line on stdout", false)
    .action(async (args: string[], flags: SaliencyFlags) => {
      const usage = checkUsage(args, flags);
      const opened = await openRunner(usage, flags);
      const out = usage.out;
      const inputs = usage.inputs;
      const images = await resolveSaliencyInputs(inputs, {
        split: flags.split,
        allowOutsideRoot: flags.allowOutsideRoot,
      });
      if (images.length === 0) throw new Error(`no images found in ${inputs.join(', ')}`);
      const progress = progressLine('saliency');
      const result = await exportSaliency({
        model: opened.model,
        inputs: images,
        out,
        size: flags.size ?? opened.imageSize ?? 224,
        resize: flags.resize,
        batchSize: flags.batchSize,
        strict: flags.strict,
        classIds: opened.classIds,
        onProgress: progress.update,
        onRecord: flags.json ? (record) => process.stdout.write(`${JSON.stringify(record)}\n`) : undefined,
        onSkip: (input, reason) => {
          progress.done();
          process.stderr.write(`saliency: skipped ${input}: ${reason}\n`);
        },
      });
      progress.done();
      const summary = `wrote ${result.written.length} images' outputs to ${out}${result.skipped.length ? `; skipped ${result.skipped.length} unreadable` : ''}`;
      // Under --json the summary goes to stderr, so stdout stays pure JSON lines.
      (flags.json ? process.stderr : process.stdout).write(`${summary}\n`);
      // Nothing written is a failure, not a quiet success: scripts check the exit status.
      if (result.written.length === 0)
        throw new Error(`none of the ${images.length} input images could be read; nothing was written to ${out}`);
    });
}

interface Usage {
  /** The run/checkpoint, or the .onnx file with --runtime onnx. */
  model: string;
  inputs: string[];
  out: string;
}

/** What to open and read, or a usage error: --checkpoint first (as commander would), then --out. */
function checkUsage(args: string[], flags: SaliencyFlags): Usage {
  let model = flags.checkpoint;
  let inputs = args;
  if (flags.runtime === 'onnx') {
    if (model === undefined) {
      if (args.length < 2 || !args[0]?.toLowerCase().endsWith('.onnx'))
        throw new UsageError(
          '--runtime onnx needs the model: `saliency --runtime onnx MODEL.onnx IMAGES…` (or --checkpoint MODEL.onnx)',
        );
      model = args[0];
      inputs = args.slice(1);
    }
    if (flags.device !== undefined && flags.device !== 'cpu')
      throw new UsageError('--runtime onnx runs on the CPU (onnxruntime-node); leave out --device');
  } else if (model === undefined) {
    throw new UsageError("required option '--checkpoint <path>' not specified");
  }
  if (flags.out === undefined) throw new UsageError("required option '--out <dir>' not specified");
  return { model: model as string, inputs, out: flags.out };
}

interface OpenedRunner {
  model: SaliencyRunner;
  imageSize: number | null;
  classIds: string[] | null;
}

/** The model: the addon's, or (--runtime onnx) an OnnxModel, each imported only when used. */
async function openRunner(usage: Usage, flags: SaliencyFlags): Promise<OpenedRunner> {
  if (flags.runtime === 'onnx') {
    // Imported here, so the libtorch path never loads onnxruntime-node and the onnx path never the addon.
    const { OnnxModel } = await import('../onnx/runtime.js');
    const model = await OnnxModel.load(usage.model);
    if (!model.info.hasLogits)
      throw new UsageError(
        `${usage.model} has no logits output (exported with --no-logits); saliency reports the prediction: export it with logits`,
      );
    return { model, imageSize: model.info.size ?? model.info.imageSize, classIds: model.info.classIds };
  }
  const { openModel } = await import('../eval/open-model.js');
  const opened = await openModel(usage.model, { device: flags.device });
  return { model: opened.model, imageSize: opened.imageSize, classIds: opened.classIds };
}
