// `casm-native report RUN_DIR`: one self-contained HTML page for a training run (scores with the
// trivial baselines, example grid, training curves, mask statistics).
import type { Command } from 'commander';
import { Option } from 'commander';
import { reportSummary } from '../eval/report-summary.js';
import { writeRunReport } from '../eval/run-report.js';
import type { ResizeMode } from '../metrics/ground-truth-boxes.js';
import { integerAtLeast } from './option-parsers.js';

interface ReportFlags {
  out?: string;
  data?: string;
  split?: string;
  limit: number;
  examples: number;
  resize: ResizeMode;
  batchSize: number;
  device?: string;
  json: boolean;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write one self-contained HTML report of a training run')
    .argument('<run-dir>', 'the run folder (checkpoints/, metrics.jsonl)')
    .option('--out <file>', 'output file (default <run-dir>/report.html)')
    .option('--data <path>', "evaluation dataset (default: the run's training data)")
    .option('--split <name>', "evaluation split (default: the run's validation split)")
    .option('--limit <n>', 'images scored for the tables (0: all)', integerAtLeast('--limit', 0), 500)
    .option('--examples <n>', 'rows of the example grid', integerAtLeast('--examples', 0), 6)
    .addOption(new Option('--resize <mode>', 'scoring transform').choices(['crop', 'direct']).default('crop'))
    .option('--batch-size <n>', 'images per model call', integerAtLeast('--batch-size', 1), 32)
    .option('--device <device>', "cpu, cuda or cuda:N (default: the run's device)")
    .option(
      '--json',
      'print what the report shows (file, settings, scores, boxes, predictions) as one JSON line',
      false,
    )
    .action(async (runDir: string, flags: ReportFlags) => {
      const { json, ...options } = flags;
      const { file, data } = await writeRunReport({ runDir, ...options, log: (m) => process.stderr.write(`${m}\n`) });
      process.stdout.write(json ? `${JSON.stringify(reportSummary(file, data))}\n` : `report: ${file}\n`);
    });
}
