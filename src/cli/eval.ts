// `casm-native eval`: localisation scores of a trained model (or of the trivial baselines) on a
// dataset split, as the authors score them; with --classifiers, the paper's Fig. 3 check instead.
// With --report the HTML report of the run is written at the end (only then: eval is also used in
// scripts and on read-only run folders, where an unasked file is a surprise).
import * as path from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { loadDataset } from '../data/load.js';
import type { Dataset } from '../data/types.js';
import { BASELINE_METHODS, compareWithBaselines, formatTable1 } from '../eval/baselines.js';
import { evaluateClassifierAgnosticism, type NamedClassifier } from '../eval/classifier-agnosticism.js';
import { evaluateLocalisation, type LocalisationEvalResult } from '../eval/localisation.js';
import { type OpenedModel, openModel } from '../eval/open-model.js';
import { writeRunReport } from '../eval/run-report.js';
import type { ResizeMode } from '../metrics/ground-truth-boxes.js';
import type { ToyKind } from '../metrics/toy-masks.js';
import type { ActivationMapLayer, ActivationMapMethod } from '../native/types.js';
import { runDirOfCheckpoint } from '../train/checkpoint-store.js';
import {
  formatAgnosticism as formatAgnosticismText,
  formatLocalisation as formatLocalisationText,
} from './eval-format.js';
import { integerAtLeast } from './option-parsers.js';
import { progressLine } from './progress-line.js';
import { allowOutsideRootOption, deviceOption, strictImagesOption } from './shared-options.js';
import { UsageError } from './usage-error.js';

interface EvalFlags {
  checkpoint?: string;
  data?: string;
  split: string;
  json: boolean;
  resize: ResizeMode;
  batchSize: number;
  limit: number;
  toy?: ToyKind;
  size?: number;
  classifiers?: string[];
  baseline?: ActivationMapMethod[];
  layer?: ActivationMapLayer;
  valSplit: string;
  masks?: string;
  report?: string | true;
  device?: string;
  strict: boolean;
  allowOutsideRoot: boolean;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description(
      "score a trained model's masks: LE, OM, F1, F1a, MaxBoxAccV2 and mask statistics (or, with --classifiers, the paper's Fig. 3 check)",
    )
    .option('--checkpoint <path>', 'run folder (its final weights), checkpoint folder or model.safetensors')
    .option('--data <path>', "dataset folder or .jsonl manifest (default: the run's training data)")
    .option('--split <name>', 'split to score', 'val')
    .option('--json', 'print the result as one JSON line instead of a table', false)
    .addOption(
      new Option('--resize <mode>', 'scoring transform: short side + centre crop, or direct resize')
        .choices(['crop', 'direct'])
        .default('crop'),
    )
    .option('--batch-size <n>', 'images per model call', integerAtLeast('--batch-size', 1), 32)
    .option('--limit <n>', 'score only the first N images (0: all)', integerAtLeast('--limit', 0), 0)
    .addOption(
      new Option(
        '--toy <kind>',
        'score a trivial baseline instead of a model, as score.py --toy: centre box (33 px margin at 224) or the whole image',
      ).choices(['center', 'full']),
    )
    .option(
      '--size <px>',
      "side of the scoring frame (default: the model's training size, else 224)",
      integerAtLeast('--size', 32),
    )
    .option(
      '--classifiers <paths...>',
      'Fig. 3: top-1 of these classifiers (runs, checkpoints or model.safetensors) on masked-in, masked-out and inpainted images',
    )
    .addOption(
      new Option(
        '--baseline <methods...>',
        "the paper's Table 1 on this data: CASM beside CAM and/or Grad-CAM of the run's own classifier (ground-truth class) and the centre box",
      ).choices([...BASELINE_METHODS]),
    )
    .addOption(
      new Option(
        '--layer <tap>',
        'Grad-CAM layer (stage output); default: the one with the lowest LE on --val-split (CAM is always l4)',
      ).choices(['l1', 'l2', 'l3', 'l4']),
    )
    .option('--val-split <name>', 'split on which --baseline chooses the Grad-CAM layer', 'val')
    .option(
      '--masks <dir>',
      "score another tool's saliency maps, one per image at DIR/<image id, extension replaced by .png|.npy|.safetensors>: grey PNG (8/16-bit), .npy (f4/f8/u1) or one-tensor .safetensors, H×W or 1×H×W, any size (stretched over the image, bilinear); integer maps are divided by 255/65535, float maps must lie in [0,1]",
    )
    .option('--report [file]', "also write the run's HTML report (default file: <run>/report.html)")
    .addOption(deviceOption())
    .addOption(strictImagesOption())
    .addOption(allowOutsideRootOption())
    .action(async (flags: EvalFlags) => {
      if (!flags.checkpoint && !flags.toy && !flags.masks)
        throw new UsageError('eval needs --checkpoint (or --toy center|full for a baseline, or --masks DIR)');
      if ([flags.toy, flags.masks, flags.baseline, flags.classifiers].filter(Boolean).length > 1)
        throw new UsageError('--toy, --masks, --baseline and --classifiers are alternatives: give one');
      if (flags.baseline && !flags.checkpoint)
        throw new UsageError("--baseline needs --checkpoint: CAM and Grad-CAM come from the run's classifier");
      if (flags.layer && !flags.baseline?.includes('gradcam'))
        throw new UsageError('--layer applies to --baseline gradcam');
      if (flags.baseline && !flags.layer && flags.baseline.includes('gradcam') && flags.valSplit === flags.split)
        throw new UsageError(
          `--baseline gradcam chooses its layer on --val-split "${flags.valSplit}", so it cannot report that split: pass --split test (or --layer)`,
        );
      if (flags.classifiers && !flags.checkpoint)
        throw new UsageError('--classifiers needs --checkpoint: the CASM model whose masks are tested');
      if (flags.report && !flags.checkpoint)
        throw new UsageError('--report needs --checkpoint: the report is about a trained run');
      const opened = flags.checkpoint ? await openModel(flags.checkpoint, { device: flags.device }) : null;
      const data = flags.data ?? opened?.trainedOn?.data;
      if (!data) throw new UsageError('eval needs --data (the checkpoint does not name its dataset)');
      const dataset = await loadDataset({
        data,
        split: flags.split,
        strict: flags.strict,
        allowOutsideRoot: flags.allowOutsideRoot,
      });
      const size = flags.size ?? opened?.imageSize ?? 224;
      const progress = progressLine('eval');
      const common = {
        dataset,
        size,
        batchSize: flags.batchSize,
        limit: flags.limit,
        strict: flags.strict,
        onProgress: progress.update,
      };

      if (flags.classifiers) {
        const classifiers = await openClassifiers(opened!, flags.classifiers, flags.device);
        const result = await evaluateClassifierAgnosticism({ ...common, casm: opened!.model, classifiers });
        progress.done();
        process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : formatAgnosticismText(result));
        return;
      }

      if (flags.baseline) {
        const needsVal = flags.baseline.includes('gradcam') && !flags.layer;
        const val = needsVal
          ? await loadDataset({
              data,
              split: flags.valSplit,
              strict: flags.strict,
              allowOutsideRoot: flags.allowOutsideRoot,
            })
          : undefined;
        const { rows, choices } = await compareWithBaselines({
          model: opened!.model,
          dataset,
          val,
          methods: flags.baseline,
          layer: flags.layer,
          common: { ...common, resize: flags.resize },
        });
        progress.done();
        if (flags.json) {
          const out = {
            split: dataset.split,
            rows: rows.map((r) => ({
              name: r.name,
              LE: r.result.LE,
              OM: r.result.OM,
              F1: r.result.F1,
              F1a: r.result.F1a,
            })),
            layers: choices,
          };
          process.stdout.write(`${JSON.stringify(out)}\n`);
        } else process.stdout.write(formatTable1(rows));
        return;
      }

      const masks = flags.toy
        ? ({ kind: 'toy', toy: flags.toy } as const)
        : flags.masks
          ? ({ kind: 'files', dir: path.resolve(flags.masks) } as const)
          : ({ kind: 'model', model: opened!.model } as const);
      const result = await evaluateLocalisation({ ...common, resize: flags.resize, masks });
      progress.done();
      const reportFile = flags.toy || flags.masks ? null : await maybeWriteReport(flags, opened!, dataset, result);
      if (flags.json) {
        const { LE, OM, F1, F1a, MaxBoxAccV2, maskStats, ...rest } = result;
        const out = {
          LE,
          OM,
          F1,
          F1a,
          MaxBoxAccV2,
          maskStats,
          ...rest,
          skipped: result.skipped.length,
          report: reportFile,
        };
        process.stdout.write(`${JSON.stringify(out)}\n`);
      } else {
        const label = flags.toy
          ? `baseline "${flags.toy}"`
          : flags.masks
            ? `saliency maps ${flags.masks}`
            : `CASM ${opened!.source}`;
        process.stdout.write(formatLocalisationText(result, label));
        if (reportFile) process.stdout.write(`report: ${reportFile}\n`);
      }
    });
}

async function maybeWriteReport(
  flags: EvalFlags,
  opened: OpenedModel,
  dataset: Dataset,
  evaluation: LocalisationEvalResult,
): Promise<string | null> {
  if (!flags.report) return null;
  // A checkpoint folder's run is two levels up; a bare weights file's curves are wherever it lies.
  const runDir =
    opened.runDir ??
    (opened.source.endsWith('.safetensors') ? path.dirname(opened.source) : runDirOfCheckpoint(opened.source));
  const { file } = await writeRunReport({
    runDir,
    out: typeof flags.report === 'string' ? flags.report : undefined,
    model: opened,
    dataset,
    evaluation,
    limit: flags.limit,
    batchSize: flags.batchSize,
  });
  return file;
}

/** The CASM model's own classifier first, then the given ones, named after their folder. */
async function openClassifiers(
  casm: OpenedModel,
  paths: readonly string[],
  device?: string,
): Promise<NamedClassifier[]> {
  const out: NamedClassifier[] = [{ name: `${nameOf(casm.source)} (CASM's own)`, model: casm.model }];
  for (const p of paths) out.push({ name: nameOf(path.resolve(p)), model: (await openModel(p, { device })).model });
  return out;
}

function nameOf(source: string): string {
  const base = path.basename(source);
  if (base === 'model.safetensors') return path.basename(path.dirname(source));
  return base.replace(/\.safetensors$/, '');
}
