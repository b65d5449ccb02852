// The flags of `casm-native train`: one table (TRAIN_FLAGS) from which commander's options, the help
// text and the run's configuration (the rows marked `config`) all come, and the parsers of the
// flags whose values are not plain numbers.
import { InvalidArgumentError } from 'commander';
import { PROCESS_GROUP_DEFAULTS } from '../native/defaults.js';
import { ARCHS } from '../native/types.js';
import type { TrainConfig } from '../train/config.js';
import { DEFAULT_PRESET, PRESETS } from '../train/presets.js';
import type { RecipeName } from '../train/recipe.js';
import { RECIPES } from '../train/recipe.js';
import { DEMO_TRAIN } from './demo.js';
import type { FlagSpec } from './flag-table.js';
import { int, num } from './option-parsers.js';

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
export interface CommandFlags {
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
export type TrainFlags = Partial<TrainConfig> & CommandFlags;

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
