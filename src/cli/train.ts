// `casm-native train`: every knob of src/train as a flag, progress on stderr (bar on a TTY, plain
// lines otherwise, JSON lines on stdout with --json), SIGINT/SIGTERM finish the step, write a
// checkpoint and print how to resume. `--demo` is the README's first command.

import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { PROCESS_GROUP_DEFAULTS, processGroupOptions } from '../native/defaults.js';
import { importAddon } from '../native/import-addon.js';
import { ARCHS } from '../native/types.js';
import type { TrainConfig, TrainConfigInput } from '../train/config.js';
import { defaultRunDir, RESUME_OVERRIDABLE, TRAIN_DEFAULTS } from '../train/config.js';
import type { WorkerEnv } from '../train/distributed.js';
import { workerEnvFrom } from '../train/distributed.js';
import type { TrainResult } from '../train/loop.js';
import { train } from '../train/loop.js';
import { DEFAULT_PRESET, PRESETS } from '../train/presets.js';
import { createProgressRenderer, pickProgressMode } from '../train/progress.js';
import type { RecipeName } from '../train/recipe.js';
import { autoRecipe, describeRecipe, RECIPES } from '../train/recipe.js';
import { DEMO_TRAIN, ensureDemoData } from './demo.js';
import type { FlagSpec } from './flag-table.js';
import { addFlags, configFlags, flagName } from './flag-table.js';
import { int, num } from './option-parsers.js';
import { LAUNCHED_ENV, launchWorkers, workerArgsFrom } from './train-launcher.js';

/** 'custom' needs block and layers, which the CLI does not take. */
const NAMED_ARCHS = ARCHS.filter((a) => a !== 'custom');

/** `MIN[,MAX]`: the RandomResizedCrop area range; MAX defaults to 1. */
export const cropScale = (value: string): [number, number] => {
  const parts = value.split(',').map((part) => part.trim());
  const [min, max] = [Number(parts[0]), parts.length > 1 ? Number(parts[1]) : 1];
  if (
    parts.length > 2 ||
    parts.some((part) => part === '') ||
    !(Number.isFinite(min) && Number.isFinite(max) && min > 0 && min <= max && max <= 1)
  ) {
    throw new InvalidArgumentError('must be MIN or MIN,MAX with 0 < MIN <= MAX <= 1');
  }
  return [min, max];
};
const snapshotEvery = (value: string): number | 'first' | null => {
  if (value === 'first') return 'first';
  if (value === 'none') return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a positive integer, 'first' or 'none'");
  return n;
};

/** Flags of the command itself, beside those of the run's configuration. */
interface CommandFlags {
  quiet?: boolean;
  resume?: string;
  json?: boolean;
  threads?: number;
  demo?: boolean;
  recipe?: RecipeName;
  nprocPerNode?: number;
  nnodes?: number;
  nodeRank?: number;
  masterAddr?: string;
  masterPort?: number;
  distTimeout?: number;
}
type TrainFlags = Partial<TrainConfig> & CommandFlags;

/** Every flag of `train`, in help order; `config` rows map one-to-one onto TrainConfig. */
export const TRAIN_FLAGS: readonly FlagSpec<keyof TrainFlags>[] = [
  {
    key: 'data',
    arg: '<dir>',
    config: true,
    help: 'dataset folder or .jsonl manifest (ImageNet folders, wsolevaluation metadata, JSONL)',
  },
  { key: 'split', arg: '<name>', config: true, help: 'training split (default {default})' },
  {
    key: 'valSplit',
    arg: '<name>',
    config: true,
    help: "validation split, 'none' for no validation (default {default})",
    parse: (v) => (v === 'none' ? null : v),
  },
  {
    key: 'scoreSplit',
    arg: '<name>',
    config: true,
    help: 'split scored for LE/OM/F1 at the end (default: the validation split)',
  },
  {
    key: 'recipe',
    arg: '<name>',
    help: "defaults for the flags you do not give: auto = sized from the dataset (image count, classes, image and box sizes; each choice printed with its reason), imagenet = the paper's ImageNet settings (default auto; --demo has its own)",
    choices: RECIPES,
  },
  {
    key: 'preset',
    arg: '<name>',
    config: true,
    help: 'thinning strategy (see below)',
    choices: Object.keys(PRESETS),
    defaultNote: DEFAULT_PRESET,
  },
  {
    key: 'arch',
    arg: '<name>',
    config: true,
    help: 'classifier / encoder architecture (default {default})',
    choices: NAMED_ARCHS,
  },
  {
    key: 'maskUpsample',
    arg: '<mode>',
    config: true,
    help: "final ×4 upsampling of the mask (default {default}, the authors')",
    choices: ['nearest', 'bilinear'],
  },
  { key: 'imageSize', arg: '<px>', config: true, help: 'input side, a multiple of 32 (default {default})', parse: int },
  { key: 'batchSize', arg: '<n>', config: true, help: 'default {default}', parse: int },
  { key: 'epochs', arg: '<n>', config: true, help: 'default {default}', parse: int },
  {
    key: 'epochFraction',
    arg: '<f>',
    config: true,
    help: 'random fraction of the training set per epoch (default {default})',
    parse: num,
  },
  {
    key: 'cropScale',
    arg: '<min[,max]>',
    config: true,
    help: 'RandomResizedCrop area range of the training transform (default {default})',
    parse: cropScale,
  },
  { key: 'lr', arg: '<x>', config: true, help: 'classifier SGD learning rate (default {default})', parse: num },
  { key: 'lrMapping', arg: '<x>', config: true, help: 'decoder Adam learning rate (default {default})', parse: num },
  {
    key: 'lrDecayEvery',
    arg: '<epochs>',
    config: true,
    help: 'both learning rates ×0.1 every N epochs, 0 = never (default {default})',
    parse: int,
  },
  {
    key: 'weightDecay',
    arg: '<x>',
    config: true,
    help: 'coupled L2 of both optimisers (default {default})',
    parse: num,
  },
  {
    key: 'lambdaR',
    arg: '<x>',
    config: true,
    help: "area penalty λr (default: the preset's value for the score)",
    parse: num,
  },
  {
    key: 'score',
    arg: '<name>',
    config: true,
    help: 'score function (default {default})',
    choices: ['entropy', 'classification'],
  },
  {
    key: 'hp',
    arg: '<p>',
    config: true,
    help: "probability of facing a pooled snapshot (default: the preset's)",
    parse: num,
  },
  {
    key: 'snapshotEvery',
    arg: '<n|first|none>',
    config: true,
    help: "snapshot interval in steps (default: the preset's)",
    parse: snapshotEvery,
  },
  { key: 'poolSize', arg: '<n>', config: true, help: 'snapshot pool capacity (default {default})', parse: int },
  { key: 'separateEncoder', config: true, help: 'the mapping owns its own ResNet encoder (the not-shared ablation)' },
  {
    key: 'classifierLoss',
    arg: '<kind>',
    config: true,
    help: 'two classifier steps (clean, then masked) or one on ½(Lc+Lm)',
    choices: ['two-step', 'mixed'],
  },
  {
    key: 'objective',
    arg: '<kind>',
    config: true,
    help: "the mapping's objective: 'out' (the authors': the adversary fails on the masked-out image) or 'in-out' (it must also still classify the masked-in image; Phang et al. 2020) (default {default})",
    choices: ['out', 'in-out'],
  },
  {
    key: 'maskInWeight',
    arg: '<w>',
    config: true,
    help: 'weight λ_in of the masked-in cross-entropy under --objective in-out (default {default})',
    parse: num,
  },
  {
    key: 'initWeights',
    arg: '<file>',
    config: true,
    help: 'initial classifier weights: torchvision .pth or .safetensors',
  },
  {
    key: 'pretrainEpochs',
    arg: '<n>',
    config: true,
    help: 'classifier-only epochs on clean images of the whole training split before CASM, to make f(0) when no pretrained weights exist (default {default})',
    parse: int,
  },
  {
    key: 'pretrainOptimizer',
    arg: '<name>',
    config: true,
    help: 'optimiser of pretraining (default {default})',
    choices: ['adam', 'sgd'],
  },
  {
    key: 'pretrainCropScale',
    arg: '<min[,max]>',
    config: true,
    help: 'RandomResizedCrop area range of pretraining (default: --crop-scale)',
    parse: cropScale,
  },
  {
    key: 'pretrainLr',
    arg: '<x>',
    config: true,
    help: 'peak learning rate of pretraining: 5% linear warm-up, then cosine decay to 0 (default {default})',
    parse: num,
  },
  { key: 'device', arg: '<dev>', config: true, help: 'cpu, cuda or cuda:N (default {default})' },
  { key: 'amp', config: true, help: 'bf16 autocast on CUDA' },
  {
    key: 'seed',
    arg: '<n>',
    config: true,
    help: 'seed of initialisation, data order, augmentation and the pool (default {default})',
    parse: int,
  },
  { key: 'threads', arg: '<n>', help: "LibTorch CPU threads (default: LibTorch's choice)", parse: int },
  { key: 'out', arg: '<dir>', config: true, help: 'run folder (default runs/<preset>-<time>)' },
  { key: 'resume', arg: '<dir>', help: 'continue a run: its folder or one of its checkpoint folders' },
  {
    key: 'checkpointEvery',
    arg: '<steps>',
    config: true,
    help: 'checkpoint interval in steps, 0 = epoch ends only (default {default})',
    parse: int,
  },
  { key: 'keepCheckpoints', arg: '<n>', config: true, help: 'checkpoints kept (default {default})', parse: int },
  {
    key: 'targetMaskArea',
    arg: '<a>',
    config: true,
    help: 'steer λr during training so the mean mask of training batches approaches a (e.g. the share of the image objects cover)',
    parse: num,
  },
  {
    key: 'maskAreaEvery',
    arg: '<steps>',
    config: true,
    help: 'λr control window in steps, with --target-mask-area (default {default})',
    parse: int,
  },
  { key: 'logEvery', arg: '<steps>', config: true, help: 'metrics.jsonl interval (default {default})', parse: int },
  {
    key: 'valLimit',
    arg: '<n>',
    config: true,
    help: 'validate on at most N images per epoch, 0 = all (localisation always uses all)',
    parse: int,
  },
  {
    key: 'selectBy',
    arg: '<rule>',
    config: true,
    help: "the model the run ends with (scored, exported): val-le = lowest LE on the validation split's boxes (ties: higher F1, then earlier), last = the last step's; auto = val-le when the validation split has boxes (default {default})",
    choices: ['auto', 'val-le', 'last'],
  },
  {
    key: 'selectEvery',
    arg: '<steps>',
    config: true,
    help: 'with val-le: also score the validation masks every N CASM steps, not only at epoch ends; 0 = epoch ends (default {default})',
    parse: int,
  },
  { key: 'strict', config: true, help: 'stop at the first unreadable sample instead of skipping it' },
  {
    key: 'allowOutsideRoot',
    config: true,
    help: 'let manifest paths point outside the dataset folder (absolute paths elsewhere, ../ escapes)',
  },
  { key: 'quiet', help: 'no progress output' },
  { key: 'json', help: 'progress as JSON lines on stdout' },
  {
    key: 'nprocPerNode',
    arg: '<n>',
    help: 'data-parallel training: start N worker processes on this machine (Gloo on CPU, NCCL with --device cuda: one GPU each); --batch-size is the total over all processes',
    parse: int,
  },
  {
    key: 'nnodes',
    arg: '<n>',
    help: 'machines taking part (run the same command on each, with its --node-rank; default 1)',
    parse: int,
  },
  { key: 'nodeRank', arg: '<i>', help: "this machine's index, 0..nnodes-1 (default 0)", parse: int },
  {
    key: 'masterAddr',
    arg: '<host>',
    help: 'address of node 0, where rank 0 hosts the rendezvous (default {default})',
    shown: PROCESS_GROUP_DEFAULTS.masterAddr,
  },
  {
    key: 'masterPort',
    arg: '<port>',
    help: 'rendezvous port on node 0 (default: a free port on one machine, {default} across machines)',
    shown: PROCESS_GROUP_DEFAULTS.masterPort,
    parse: int,
  },
  {
    key: 'distTimeout',
    arg: '<s>',
    help: 'data-parallel: seconds before a rendezvous or a collective waiting for a silent rank fails (default {default})',
    shown: PROCESS_GROUP_DEFAULTS.timeoutSeconds,
    parse: num,
  },
  {
    key: 'demo',
    help: `generate the Fashion-MNIST localisation demo data (once) and train a small CASM on it: ${DEMO_TRAIN.arch} at ${DEMO_TRAIN.imageSize} px, classifier pretraining then CASM, scored on the test split; minutes on 2 CPU cores (measured: docs/benchmarks.md)`,
  },
];

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
  if (worker && process.env[LAUNCHED_ENV] === '1' && process.channel) {
    // The launcher watches us through this channel; without it nobody would stop this rank.
    process.channel.unref();
    process.on('disconnect', () => {
      process.stderr.write(`casm-native: rank ${worker.rank}: the launcher has gone; stopping\n`);
      process.exit(1);
    });
  }
  // One GPU per process: plain `--device cuda` means this worker's local rank.
  if (worker && input.device === 'cuda') input.device = `cuda:${worker.localRank}`;
  const distributed = worker
    ? {
        rank: worker.rank,
        worldSize: worker.worldSize,
        group: await addon.ProcessGroup.connect(
          processGroupOptions({
            rank: worker.rank,
            worldSize: worker.worldSize,
            masterAddr: worker.masterAddr,
            masterPort: worker.masterPort,
            timeoutSeconds: flags.distTimeout,
            backend: (input.device ?? TRAIN_DEFAULTS.device).startsWith('cuda') ? 'nccl' : 'gloo',
            device: input.device ?? TRAIN_DEFAULTS.device,
          }),
        ),
      }
    : undefined;

  const mode = leader
    ? pickProgressMode({ json: flags.json, quiet: flags.quiet, isTTY: process.stderr.isTTY })
    : 'quiet';
  const render = createProgressRenderer(mode, mode === 'json' ? process.stdout : process.stderr);

  // First signal: finish the step and checkpoint. Second: leave at once (the last checkpoint stays).
  const controller = new AbortController();
  let signalExit = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGINT' ? 130 : 143;
    if (signalExit) {
      render.close();
      process.stderr.write(`\n${signal} again: exiting without a new checkpoint\n`);
      process.exit(code);
    }
    signalExit = code;
    render.close();
    process.stderr.write(
      `\n${signal}: finishing the current step and writing a checkpoint (send it again to quit now)\n`,
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let result: TrainResult;
  try {
    result = await train(input as TrainConfigInput, {
      addon,
      resume: flags.resume,
      signal: controller.signal,
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
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  if (!leader) return result.interrupted ? signalExit || 130 : 0;
  const out = mode === 'json' ? process.stderr : process.stdout;
  const runDir = path.relative(process.cwd(), result.runDir) || '.';
  if (result.interrupted) {
    out.write(
      `stopped after step ${result.steps}; checkpoint ${result.checkpoint}\nresume with: casm-native train --resume ${runDir}${worker ? ` (with ${worker.worldSize} processes again: --nnodes × --nproc-per-node)` : ''}\n`,
    );
    return signalExit || 130;
  }
  if (mode !== 'json') {
    printSummary(out, result, runDir);
    await printTable1(out, result);
  }
  return 0;
}

function printSummary(out: NodeJS.WritableStream, r: TrainResult, runDir: string): void {
  const lines: string[] = [];
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  if (r.localization) {
    const l = r.localization;
    lines.push(
      `localisation on ${l.images} images of the ${l.split ?? 'validation'} split (lower LE/OM is better, higher F1 is better):`,
    );
    lines.push(`  ${`preset ${r.config.preset}`.padEnd(21)}LE ${pct(l.LE)}   OM ${pct(l.OM)}   F1 ${pct(l.F1)}`);
    if (l.centerBaseline)
      lines.push(
        `  centre-box baseline  LE ${pct(l.centerBaseline.LE)}   OM ${pct(l.centerBaseline.LE)}   F1 ${pct(l.centerBaseline.F1)}`,
      );
  }
  if (r.selected)
    lines.push(
      `final model: step ${r.selected.step} of ${r.steps}, chosen by validation LE ${pct(r.selected.LE)} (F1 ${pct(r.selected.F1)}; --select-by last keeps the last step's)`,
    );
  if (r.lastEpoch?.val) {
    const v = r.lastEpoch.val;
    lines.push(
      `last validation: accuracy clean ${pct(v.accClean)}, masked-out ${pct(v.accMasked)}; mean mask ${v.maskMean.toFixed(3)}`,
    );
  }
  for (const d of r.diagnoses) lines.push(`DIAGNOSIS (step ${d.step}): ${d.message}`);
  lines.push(`outputs in ${runDir}/:`);
  lines.push(`  model.safetensors   trained classifier + mask decoder`);
  lines.push(`  metrics.jsonl       training and validation metrics per interval and epoch`);
  if (r.localization) lines.push(`  localization.json   LE / OM / F1`);
  lines.push(`  checkpoints/        resumable state (--resume ${runDir})`);
  out.write(`${lines.join('\n')}\n`);
}

/**
 * The paper's Table 1 on the run's own data: CASM beside CAM, Grad-CAM (of the run's classifier, for
 * the ground-truth class) and the centre box. The run is complete before this starts, so a failure
 * here is reported, not thrown.
 */
async function printTable1(out: NodeJS.WritableStream, r: TrainResult): Promise<void> {
  if (!r.localization || !r.weights) return;
  try {
    const { table1ForRun } = await import('../eval/baselines.js');
    out.write(
      await table1ForRun({
        runDir: r.runDir,
        data: r.config.data,
        scoreSplit: r.localization.split ?? r.config.valSplit ?? 'val',
        valSplit: r.config.valSplit,
        size: r.config.imageSize,
        device: r.config.device,
        strict: r.config.strict,
        allowOutsideRoot: r.config.allowOutsideRoot,
      }),
    );
  } catch (err) {
    out.write(`CAM / Grad-CAM baselines not scored: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}

/**
 * Fills the configuration keys the user did not give from the recipe (auto: sized from the dataset)
 * and prints one line per choice with its reason (on rank 0; every rank computes the same choices).
 */
async function applyRecipe(name: RecipeName, input: Partial<TrainConfig>, print: boolean): Promise<void> {
  let lines: string[];
  if (name === 'auto') {
    const { profileDataset } = await import('../train/dataset-profile.js');
    const valSplit = input.valSplit === undefined ? TRAIN_DEFAULTS.valSplit : input.valSplit;
    const profile = await profileDataset({
      data: input.data!,
      split: input.split ?? TRAIN_DEFAULTS.split,
      valSplit,
      allowOutsideRoot: input.allowOutsideRoot,
    });
    const free = new Set(
      TRAIN_FLAGS.filter((f) => f.config && (input as Record<string, unknown>)[f.key] === undefined).map(
        (f) => f.key as keyof TrainConfig,
      ),
    );
    const advice: string[] = [];
    const choices = autoRecipe(profile, input, free, advice);
    for (const c of choices) (input as Record<string, unknown>)[c.key] = c.value;
    lines = [...describeRecipe(name, choices), ...advice.map((a) => `  note: ${a}`)];
    lines[0] += ` [${profile.trainImages} training images, ${profile.classes} classes, images ~${profile.medianShortSide ?? '?'} px, boxes ${profile.meanBoxArea === null ? 'none' : `${(100 * profile.meanBoxArea).toFixed(0)}% of the image`}]`;
  } else {
    lines = describeRecipe(name, []);
  }
  if (print) process.stderr.write(`${lines.join('\n')}\n`);
}

/** The run folder when --out is not given: time-stamped, so the launcher fixes it for all its workers. */
function defaultOut(flags: TrainFlags): string {
  return defaultRunDir(flags.demo ? `demo-${flags.preset ?? DEMO_TRAIN.preset}` : (flags.preset ?? DEFAULT_PRESET));
}

/** Flags → TrainConfigInput; --demo fills in its defaults (and its data) under explicit flags. */
async function configFromFlags(flags: TrainFlags): Promise<Partial<TrainConfig>> {
  const base: Partial<TrainConfig> = {};
  if (flags.demo) {
    Object.assign(base, DEMO_TRAIN, {
      cropScale: [...DEMO_TRAIN.cropScale],
      pretrainCropScale: [...DEMO_TRAIN.pretrainCropScale],
    });
    if (!flags.data && !flags.resume) base.data = await ensureDemoData();
    if (!flags.out && !flags.resume) base.out = defaultOut(flags);
  }
  Object.assign(base, configFlags(flags, TRAIN_FLAGS));
  return base;
}
