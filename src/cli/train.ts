// `casm-native train`: the command itself. Every knob of src/train is a flag (train-flags.ts), turned
// into the run's configuration by train-run-config.ts; progress goes to stderr (a bar on a TTY, plain
// lines otherwise, JSON lines on stdout with --json); SIGINT/SIGTERM finish the step and checkpoint
// (train-signals.ts); with several processes this one is the launcher (train-launcher.ts) or a rank
// (train-worker.ts); the summary comes from train-summary.ts. `--demo` is the README's first command.

import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { PROCESS_GROUP_DEFAULTS } from '../native/defaults.js';
import { importAddon } from '../native/import-addon.js';
import type { TrainConfigInput } from '../train/config.js';
import { RESUME_OVERRIDABLE, TRAIN_DEFAULTS } from '../train/config.js';
import type { WorkerEnv } from '../train/distributed.js';
import { workerEnvFrom } from '../train/distributed.js';
import type { TrainResult } from '../train/loop.js';
import { train } from '../train/loop.js';
import { PRESETS } from '../train/presets.js';
import { createProgressRenderer, pickProgressMode } from '../train/progress.js';
import { ensureDemoData } from './demo.js';
import { addFlags, flagName } from './flag-table.js';
import { TRAIN_FLAGS, type TrainFlags } from './train-flags.js';
import { launchWorkers, workerArgsFrom } from './train-launcher.js';
import { applyRecipe, configFromFlags, defaultOut } from './train-run-config.js';
import { stopOnSignals } from './train-signals.js';
import { printSummary, printTable1 } from './train-summary.js';
import { joinProcessGroup } from './train-worker.js';

export function registerTrain(program: Command): void {
  const presetTable = Object.values(PRESETS)
    .map(
      (p) =>
        `  ${p.name.padEnd(6)} ${p.description} (λr ${p.lambdaR.entropy} entropy / ${p.lambdaR.classification} classification)`,
    )
    .join('\n');
  const command = program.command('train').description('Train a classifier-agnostic saliency mapping (CASM)');
  addFlags(command, TRAIN_FLAGS, TRAIN_DEFAULTS)
    .addHelpText(
      'after',
      `\nPresets (thinning strategies of the paper, Table 2):\n${presetTable}\n\nOn a TTY progress is a bar on stderr; otherwise plain lines. Every run folder holds metrics.jsonl,\ncheckpoints/ and, when finished, model.safetensors (+ localization.json when the validation split has boxes).`,
    )
    .action(async (flags: TrainFlags, cmd: Command) => {
      const worker = workerEnvFrom(process.env);
      const launcherFlags =
        flags.nprocPerNode !== undefined || flags.nnodes !== undefined || flags.nodeRank !== undefined;
      if (worker && launcherFlags)
        throw new Error(
          `this process is already rank ${worker.rank} of ${worker.worldSize} (WORLD_SIZE is set): drop --nproc-per-node/--nnodes/--node-rank`,
        );
      if (launcherFlags && ((flags.nprocPerNode ?? 1) > 1 || (flags.nnodes ?? 1) > 1)) {
        process.exitCode = await runLauncher(flags);
        return;
      }
      process.exitCode = await runTrainCommand(flags, cmd, worker && worker.worldSize > 1 ? worker : null);
    });
}

/** `--nproc-per-node N` (and/or `--nnodes M`): start this node's workers and watch them. */
async function runLauncher(flags: TrainFlags): Promise<number> {
  const nproc = flags.nprocPerNode ?? 1;
  const nnodes = flags.nnodes ?? 1;
  const nodeRank = flags.nodeRank ?? 0;
  if (nproc < 1) throw new Error(`--nproc-per-node must be at least 1, got ${nproc}`);
  if (nnodes < 1) throw new Error(`--nnodes must be at least 1, got ${nnodes}`);
  if (nodeRank < 0 || nodeRank >= nnodes) throw new Error(`--node-rank must be in 0..${nnodes - 1}, got ${nodeRank}`);
  if (nnodes > 1 && !flags.masterAddr)
    throw new Error('--nnodes > 1 needs --master-addr (the address of node 0, reachable from every machine)');
  const argv = process.argv;
  const args = workerArgsFrom(argv.slice(argv.indexOf('train', 2) + 1));
  // Every worker must write the same run folder: fix the default (time-stamped) one here, and
  // make the demo data once rather than in every worker.
  if (!flags.resume && !flags.out) args.push('--out', defaultOut(flags));
  if (flags.demo && !flags.data && !flags.resume) await ensureDemoData();
  return launchWorkers({
    nprocPerNode: nproc,
    nnodes,
    nodeRank,
    masterAddr: flags.masterAddr ?? PROCESS_GROUP_DEFAULTS.masterAddr,
    masterPort: flags.masterPort ?? (nnodes > 1 ? PROCESS_GROUP_DEFAULTS.masterPort : null),
    workerArgs: args,
  });
}

async function runTrainCommand(flags: TrainFlags, cmd: Command, worker: WorkerEnv | null = null): Promise<number> {
  const explicit = (key: keyof TrainFlags) => cmd.getOptionValueSource(key) === 'cli';
  const input = await configFromFlags(flags);
  if (flags.resume) {
    const ignored = (Object.keys(flags) as (keyof TrainFlags)[]).filter(
      (k) =>
        explicit(k) &&
        k in input &&
        !(RESUME_OVERRIDABLE as readonly string[]).includes(k) &&
        !['resume', 'quiet', 'json', 'threads'].includes(k),
    );
    if (ignored.length)
      process.stderr.write(
        `casm-native train: --resume takes the run's configuration from its checkpoint; ignoring ${ignored.map(flagName).join(', ')}\n`,
      );
  } else if (!input.data) {
    throw new Error('--data is required (or --demo, or --resume DIR)');
  }

  const leader = !worker || worker.rank === 0;
  if (!flags.resume && !flags.demo) await applyRecipe(flags.recipe ?? 'auto', input, leader);

  const addon = await importAddon();
  // LibTorch may start with a single intra-op thread; training wants every core (shared by this
  // machine's workers when there are several).
  addon.setThreads(flags.threads ?? Math.max(1, Math.floor(availableParallelism() / (worker?.localWorldSize ?? 1))));
  const distributed = worker ? await joinProcessGroup(addon, worker, input, flags.distTimeout) : undefined;

  const mode = leader
    ? pickProgressMode({ json: flags.json, quiet: flags.quiet, isTTY: process.stderr.isTTY })
    : 'quiet';
  const render = createProgressRenderer(mode, mode === 'json' ? process.stdout : process.stderr);

  const stop = stopOnSignals(() => render.close());

  let result: TrainResult;
  try {
    result = await train(input as TrainConfigInput, {
      addon,
      resume: flags.resume,
      signal: stop.signal,
      onProgress: render,
      distributed,
    });
  } catch (err) {
    // Say which process failed, unless the message already does.
    const message = err instanceof Error ? err.message : String(err);
    if (worker && !/\brank \d+/.test(message))
      throw new Error(`rank ${worker.rank} of ${worker.worldSize}: ${message}`);
    throw err;
  } finally {
    render.close();
    stop.dispose();
  }

  if (!leader) return result.interrupted ? stop.exitCode() || 130 : 0;
  const out = mode === 'json' ? process.stderr : process.stdout;
  const runDir = path.relative(process.cwd(), result.runDir) || '.';
  if (result.interrupted) {
    out.write(
      `stopped after step ${result.steps}; checkpoint ${result.checkpoint}\nresume with: casm-native train --resume ${runDir}${worker ? ` (with ${worker.worldSize} processes again: --nnodes × --nproc-per-node)` : ''}\n`,
    );
    return stop.exitCode() || 130;
  }
  if (mode !== 'json') {
    printSummary(out, result, runDir);
    await printTable1(out, result);
  }
  return 0;
}
