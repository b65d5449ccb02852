// How much compute one benchmark invocation spends. 'full' is the paper's setting (ImageNet,
// ResNet-50, 224 px, batch 128, 60 epochs × 20%, GPU); 'gpu' is sized for one GPU: fashion-loc with
// all ten classes and 20 000 training scenes, ResNet-18 at 96 px, 10^4 CASM steps per run, where the
// pool's advantage (L100 below F in LE) has room to appear; 'demo' fits a 2-core CPU (the recipe of
// `train --demo`, differences stated beside it); 'tiny' only proves the harness works.
import { DEMO_DATA, DEMO_TRAIN } from '../../cli/demo.js';
import type { Arch } from '../../native/types.js';

export type BudgetName = 'tiny' | 'demo' | 'gpu' | 'full';

export interface Budget {
  name: BudgetName;
  arch: Arch;
  imageSize: number;
  batchSize: number;
  /** Epochs of every CASM run; each visits `epochFraction` of the (subset's) training set. */
  epochs: number;
  epochFraction: number;
  /** Classifier SGD / decoder Adam learning rates, ×0.1 every lrDecayEvery epochs (0: never). */
  lr: number;
  lrMapping: number;
  lrDecayEvery: number;
  /**
   * Pretraining of the initial classifier f(0) (the paper starts from a torchvision ResNet-50
   * trained on all of ImageNet): classifier-only epochs (train --pretrain-epochs, peak lr). null:
   * the classifier comes from --init-weights.
   */
  pretrain: { epochs: number; lr: number } | null;
  /**
   * λr steered toward this mean mask during every CASM run (train --target-mask-area), starting
   * from the preset's λr; null: the paper's fixed λr per preset and score (tuned for ImageNet).
   */
  targetMaskArea: number | null;
  maskAreaEvery: number;
  /** Epochs of each Table 3 run (from scratch on its class subset: every stage on the seen classes). */
  table3Epochs: number;
  /**
   * The paper's snapshot intervals (100, 1000 steps) are divided by this: our runs have ~10^2 steps
   * instead of ~1.2·10^5, and unscaled L100/L1000 would never take a second snapshot.
   */
  snapshotScale: number;
  /**
   * Training transform: the paper's RandomResizedCrop(0.08–1) + flip ('crop'), or the whole image
   * resized to the input ('whole'). At demo scale a run has ~40–100 steps, too few for augmentation
   * to pay off, and a crop of 8% of the scene often misses the object altogether.
   */
  trainTransform: 'crop' | 'whole';
  /** Validation images per epoch during training (0: all). */
  valLimit: number;
  /** Images scored per model on the score split (0: all). */
  scoreLimit: number;
  /** Independently trained classifiers of Fig. 3 (different seeds). */
  fig3Classifiers: number;
  /** Final upsampling of the masks (train --mask-upsample). */
  maskUpsample: 'nearest' | 'bilinear';
  /** The fashion-loc demo data used when --data is not given. */
  demoData: {
    train: number;
    val: number;
    test: number;
    size: number;
    classes?: string[];
    itemScale?: [number, number];
  };
  device: string;
}

/** CASM epochs of the demo budget: the 300 steps the committed paper-demo results were made with. */
export const PAPER_DEMO_EPOCHS = 6;

export const BUDGETS: Readonly<Record<BudgetName, Budget>> = {
  tiny: {
    name: 'tiny',
    arch: 'resnet18',
    imageSize: 32,
    batchSize: 8,
    epochs: 1,
    epochFraction: 1,
    lr: 1e-2,
    lrMapping: 1e-3,
    lrDecayEvery: 0,
    pretrain: { epochs: 1, lr: 2e-3 },
    targetMaskArea: 0.2,
    maskAreaEvery: 2,
    maskUpsample: 'nearest',
    table3Epochs: 1,
    snapshotScale: 100,
    trainTransform: 'whole',
    valLimit: 8,
    scoreLimit: 16,
    fig3Classifiers: 2,
    demoData: { train: 24, val: 8, test: 16, size: 64 },
    device: 'cpu',
  },
  // The demo budget is `train --demo`'s recipe (src/cli/demo.ts) with five deliberate differences,
  // all for comparing presets rather than showing one: the data keep fashion-loc's default item
  // size (30–60% of the side, where the presets separate; the demo's 40–70% favours L100), the
  // snapshot intervals are the paper's scaled by snapshotScale (L100 every step and L1000 every 10,
  // so the two differ; the demo's single L100 run uses 10), and the area target is 0.1, a little
  // below what those smaller items' boxes cover. Epoch-wise validation is capped at 200 images. The
  // mapping keeps the authors' objective (the paper's tables are about it), where the demo adds the
  // masked-in term, and runs 300 CASM steps (6 epochs), where the demo's costlier step runs 250.
  demo: {
    name: 'demo',
    arch: DEMO_TRAIN.arch,
    imageSize: DEMO_TRAIN.imageSize,
    batchSize: DEMO_TRAIN.batchSize,
    epochs: PAPER_DEMO_EPOCHS,
    epochFraction: DEMO_TRAIN.epochFraction,
    lr: DEMO_TRAIN.lr,
    lrMapping: DEMO_TRAIN.lrMapping,
    lrDecayEvery: DEMO_TRAIN.lrDecayEvery,
    pretrain: { epochs: DEMO_TRAIN.pretrainEpochs, lr: DEMO_TRAIN.pretrainLr },
    targetMaskArea: 0.1,
    maskAreaEvery: DEMO_TRAIN.maskAreaEvery,
    maskUpsample: DEMO_TRAIN.maskUpsample,
    table3Epochs: PAPER_DEMO_EPOCHS,
    snapshotScale: 100,
    trainTransform: 'whole',
    valLimit: 200,
    scoreLimit: 0,
    fig3Classifiers: 2,
    demoData: {
      train: DEMO_DATA.train,
      val: DEMO_DATA.val,
      test: DEMO_DATA.test,
      size: DEMO_DATA.size,
      classes: [...DEMO_DATA.classes],
    },
    device: 'cpu',
  },
  gpu: {
    name: 'gpu',
    arch: 'resnet18',
    imageSize: 96,
    batchSize: 64,
    epochs: 32,
    epochFraction: 1,
    lr: 1e-3,
    lrMapping: 3e-3,
    lrDecayEvery: 0,
    pretrain: { epochs: 20, lr: 2e-3 },
    targetMaskArea: 0.1,
    maskAreaEvery: 10,
    maskUpsample: 'bilinear',
    table3Epochs: 32,
    snapshotScale: 10,
    trainTransform: 'whole',
    valLimit: 1000,
    scoreLimit: 0,
    fig3Classifiers: 3,
    demoData: { train: 20000, val: 1000, test: 2000, size: 128 },
    device: 'cuda',
  },
  full: {
    name: 'full',
    arch: 'resnet50',
    imageSize: 224,
    batchSize: 128,
    epochs: 60,
    epochFraction: 0.2,
    lr: 1e-3,
    lrMapping: 1e-3,
    lrDecayEvery: 20,
    pretrain: null,
    targetMaskArea: null,
    maskAreaEvery: 10,
    maskUpsample: 'nearest',
    table3Epochs: 60,
    snapshotScale: 1,
    trainTransform: 'crop',
    valLimit: 10000,
    scoreLimit: 0,
    fig3Classifiers: 3,
    demoData: { train: 2000, val: 500, test: 500, size: 128 },
    device: 'cuda',
  },
};

export function getBudget(name: string): Budget {
  if (!Object.hasOwn(BUDGETS, name)) throw new Error(`unknown budget '${name}' (expected tiny, demo, gpu or full)`);
  return BUDGETS[name as BudgetName];
}

/** A preset's snapshot interval at this budget: the paper's interval ÷ snapshotScale, at least 1. */
export function scaledSnapshotEvery(interval: number | 'first' | null, budget: Budget): number | 'first' | null {
  if (typeof interval !== 'number') return interval;
  return Math.max(1, Math.round(interval / budget.snapshotScale));
}
