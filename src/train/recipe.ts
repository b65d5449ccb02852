// The training recipe: the knobs a user did not set, chosen for their data. `imagenet` is the
// paper's setting (TRAIN_DEFAULTS: ResNet-50 at 224 px, RandomResizedCrop down to 8%, a fifth of
// ImageNet's 1.28M images per epoch), which on a few thousand images of one's own silently ends
// with a classifier at chance and empty masks. `auto` (the default) sizes the run from the dataset
// (src/train/dataset-profile.ts): how many images, how many classes, how large the images and the
// boxed objects are. Every choice comes with the reason printed at the start of the run; flags the
// user gave always win (the caller passes only what was not given).
import type { TrainConfig } from './config.js';
import { TRAIN_DEFAULTS } from './config.js';
import type { DatasetProfile } from './dataset-profile.js';
import { getPreset } from './presets.js';

export type RecipeName = 'auto' | 'imagenet';
export const RECIPES: readonly RecipeName[] = ['auto', 'imagenet'];

export interface RecipeChoice<K extends keyof TrainConfig = keyof TrainConfig> {
  key: K;
  value: TrainConfig[K];
  why: string;
}

/** Datasets up to this many training images are "small": whole epochs, whole images. */
const SMALL_DATASET = 50_000;
/** Steps of classifier pretraining (from scratch) and of the CASM phase the auto recipe aims for (the demo's). */
const PRETRAIN_STEPS = 300;
const CASM_STEPS = 300;
/** Model selections per run under the auto recipe. */
const SELECTIONS = 12;

const floor32 = (v: number) => Math.max(32, Math.floor(v / 32) * 32);

/**
 * The auto recipe's choices for the keys in `free` (those the user did not set), given what the
 * user did set (`given`, e.g. --pretrain-epochs) and the dataset's profile. Suggestions it does not
 * apply itself (pretraining, whose cost the user should choose) are pushed onto `advice`.
 */
export function autoRecipe(
  profile: DatasetProfile,
  given: Partial<TrainConfig>,
  free: ReadonlySet<keyof TrainConfig>,
  advice: string[] = [],
): RecipeChoice[] {
  const out: RecipeChoice[] = [];
  const choose = <K extends keyof TrainConfig>(key: K, value: TrainConfig[K], why: string) => {
    if (free.has(key)) out.push({ key, value, why } as RecipeChoice);
  };
  const value = <K extends keyof TrainConfig>(key: K, fallback: TrainConfig[K]): TrainConfig[K] => {
    const chosen = out.find((c) => c.key === key);
    return given[key] !== undefined
      ? (given[key] as TrainConfig[K])
      : chosen
        ? (chosen.value as TrainConfig[K])
        : fallback;
  };
  const n = profile.trainImages;
  const small = n <= SMALL_DATASET;

  if (n < 20_000)
    choose(
      'arch',
      'resnet10',
      `${n} training images: a small ResNet learns them faster and over-fits less than ResNet-50`,
    );
  else if (n < 200_000) choose('arch', 'resnet18', `${n} training images: ResNet-18 rather than ImageNet's ResNet-50`);

  if (profile.medianShortSide !== null && profile.medianShortSide < TRAIN_DEFAULTS.imageSize) {
    // Half the image side (at least 64 px, at most the side itself): CPU-sized inputs on which
    // the objects of small images stay visible; 224 px is for ImageNet's ~400 px photographs.
    const side = Math.min(floor32(profile.medianShortSide), Math.max(64, floor32(profile.medianShortSide / 2)));
    choose(
      'imageSize',
      side,
      `images are ~${profile.medianShortSide} px: ${side} px inputs keep the objects visible at a fraction of 224 px's cost`,
    );
  }
  const imageSize = value('imageSize', TRAIN_DEFAULTS.imageSize);
  if (imageSize <= 128)
    choose(
      'maskUpsample',
      'bilinear',
      `${imageSize} px: bilinear mask upsampling gives smoother masks and boxes at low resolution`,
    );

  if (n < 128 * 25)
    choose('batchSize', 64, `${n} training images: batches of 64 give ${Math.ceil(n / 64)} steps per epoch`);
  const batchSize = value('batchSize', TRAIN_DEFAULTS.batchSize);

  if (small) {
    choose('epochFraction', 1, `${n} training images: every epoch sees all of them (0.2 is for ImageNet's 1.28M)`);
    choose(
      'cropScale',
      [1, 1],
      'CASM on whole images: random crops down to 8% cut the objects of a small dataset out of the frame (~10 LE points on the demo)',
    );
  }
  const stepsPerEpoch = Math.max(1, Math.floor((n * value('epochFraction', TRAIN_DEFAULTS.epochFraction)) / batchSize));

  // Pretraining costs time the user should choose; the recipe only says how much it would take.
  if (!given.initWeights && !(value('pretrainEpochs', 0) > 0)) {
    const wanted = Math.max(1, Math.ceil(PRETRAIN_STEPS / Math.max(1, Math.floor(n / batchSize))));
    advice.push(
      `no --init-weights and no --pretrain-epochs: CASM starts from an untrained classifier; --pretrain-epochs ${wanted} (~${PRETRAIN_STEPS} steps) gives it one that works`,
    );
  }
  if (value('pretrainEpochs', 0) > 0)
    choose(
      'pretrainCropScale',
      [0.6, 1],
      'pretraining on crops of 60–100% of the image: augmentation that keeps the object in view',
    );

  if (small) {
    const epochs = Math.max(1, Math.ceil(CASM_STEPS / stepsPerEpoch));
    choose(
      'epochs',
      epochs,
      `${stepsPerEpoch} steps per epoch: ${epochs} epochs give ~${epochs * stepsPerEpoch} CASM steps`,
    );
    choose('lrDecayEvery', 0, 'a short run: no step decay of the learning rates');
  }
  const casmSteps = value('epochs', TRAIN_DEFAULTS.epochs) * stepsPerEpoch;

  const preset = getPreset(value('preset', 'L100'));
  if (typeof preset.snapshotEvery === 'number' && preset.snapshotEvery * 30 > casmSteps) {
    const every = Math.max(1, Math.round(casmSteps / 30));
    choose(
      'snapshotEvery',
      every,
      `${casmSteps} CASM steps: a snapshot every ${every} steps fills the pool of 30 (the paper's ${preset.snapshotEvery} is for ~10^5 steps)`,
    );
  }

  if (profile.meanBoxArea !== null) {
    // A little below the boxes' area: a mask 0.7–1× its box is hit far more often than a larger one.
    const target = Math.min(0.5, Math.max(0.05, Math.round(profile.meanBoxArea * 0.85 * 100) / 100));
    choose(
      'targetMaskArea',
      target,
      `boxes cover ${(100 * profile.meanBoxArea).toFixed(0)}% of the image on average: steer λr toward a mean mask of ${target}`,
    );
    if (value('targetMaskArea', null) !== null)
      choose('lambdaR', 2.5, 'start λr at 2.5 and let the mask-area target steer it');
  }
  if (profile.validationHasBoxes) {
    const every = Math.max(5, Math.round(casmSteps / SELECTIONS));
    choose(
      'selectEvery',
      every,
      `the validation split has boxes: score its masks every ${every} steps and keep the best model`,
    );
  }
  if (small) choose('lrMapping', 3e-3, "decoder learning rate 3e-3: a short run's decoder needs to move faster");
  if (small)
    choose(
      'objective',
      'in-out',
      "the masked-in term beside the authors' masked-out one (Phang et al. 2020): 10–18 LE points lower on the demo and a second generated dataset, over seeds",
    );
  return out;
}

/** "key value (why)" lines, one per choice, for the start of a run. */
export function describeRecipe(name: RecipeName, choices: readonly RecipeChoice[]): string[] {
  if (name === 'imagenet') return ["recipe imagenet: the paper's ImageNet settings for every flag not given"];
  if (choices.length === 0) return ['recipe auto: every flag given or already right for this data'];
  const show = (v: unknown) => (Array.isArray(v) ? v.join(',') : String(v));
  return [
    "recipe auto (flags you give win; --recipe imagenet for the paper's settings):",
    ...choices.map((c) => `  --${c.key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)} ${show(c.value)}: ${c.why}`),
  ];
}
