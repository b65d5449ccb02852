// The `casm-native` command tree: one commander command per file in this folder. Kept apart from
// main.ts so tests can build the same tree in-process.
import { Command } from 'commander';
import { packageVersion } from '../native/package-root.js';
import { registerBench } from './bench.js';
import { registerConformance } from './conformance.js';
import { registerData } from './data.js';
import { registerDoctor } from './doctor.js';
import { registerEval } from './eval.js';
import { registerExport } from './export.js';
import { registerReport } from './report.js';
import { registerSaliency } from './saliency.js';
import { registerTrain } from './train.js';

export function createProgram(): Command {
  const program = new Command();
  program
    .name('casm-native')
    .description('Classifier-agnostic saliency maps (CASM) on LibTorch')
    .version(packageVersion());
  registerDoctor(program);
  registerConformance(program);
  registerTrain(program);
  registerData(program);
  registerEval(program);
  registerSaliency(program);
  registerExport(program);
  registerReport(program);
  registerBench(program);
  return program;
}
