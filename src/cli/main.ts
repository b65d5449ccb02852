#!/usr/bin/env node
// Entry point of the `casm-native` command: one commander command per file in this folder.
import { Command } from 'commander';
import { readPackageVersion } from './version.js';
import { registerDoctor } from './doctor.js';
import { registerConformance } from './conformance.js';
import { registerTrain } from './train.js';
import { registerData } from './data.js';
import { registerEval } from './eval.js';
import { registerSaliency } from './saliency.js';
import { registerReport } from './report.js';

const program = new Command();
program
  .name('casm-native')
  .description('Classifier-agnostic saliency maps (CASM) on LibTorch')
  .version(readPackageVersion())
  .showHelpAfterError();

registerDoctor(program);
registerConformance(program);
registerTrain(program);
registerData(program);
registerEval(program);
registerSaliency(program);
registerReport(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`casm-native: ${message}\n`);
  process.exit(1);
});
