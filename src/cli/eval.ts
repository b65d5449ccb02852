// `casm-native eval`: localisation scores of a trained model (or of the trivial baselines) on a
// dataset split, as the authors score them; with --classifiers, the paper's Fig. 3 check instead.
// With --report the HTML report of the run is written at the end (only then: eval is also used in
// scripts and on read-only run folders, where an unasked file is a surprise).
import * as path from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { loadDataset } from '../data/load.js';
import type { Dataset } from '../data/types.js';
import { evaluateClassifierAgnosticism, type NamedClassifier } from '../eval/classifier-agnosticism.js';
import { evaluateLocalisation, type LocalisationEvalResult } from '../eval/localisation.js';
import { type OpenedModel, openModel } from '../eval/open-model.js';
import { writeRunReport } from '../eval/run-report.js';
import type { ToyKind } from '../eval/toy-masks.js';
import type { ResizeMode } from '../metrics/ground-truth-boxes.js';
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
    .option('--report [file]', "also write the run's HTML report (default file: <run>/report.html)")
    .addOption(deviceOption())
    .addOption(strictImagesOption())
    .addOption(allowOutsideRootOption())
    .action(async (flags: EvalFlags) => {
      if (!flags.checkpoint && !flags.toy)
        throw new UsageError('eval needs --checkpoint (or --toy center|full for a baseline)');
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

      const masks = flags.toy
        ? ({ kind: 'toy', toy: flags.toy } as const)
        : ({ kind: 'model', model: opened!.model } as const);
      const result = await evaluateLocalisation({ ...common, resize: flags.resize, masks });
      progress.done();
      const reportFile = flags.toy ? null : await maybeWriteReport(flags, opened!, dataset, result);
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
        const label = flags.toy ? `baseline "${flags.toy}"` : `CASM ${opened!.source}`;
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
