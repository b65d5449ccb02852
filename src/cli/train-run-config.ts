// From the flags of `casm-native train` to the run's configuration: --demo's recipe under explicit
// flags, the auto recipe for what the user left unset (each choice printed with its reason), and the
// default run folder.
import type { TrainConfig } from '../train/config.js';
import { defaultRunDir, TRAIN_DEFAULTS } from '../train/config.js';
import { DEFAULT_PRESET } from '../train/presets.js';
import type { RecipeName } from '../train/recipe.js';
import { autoRecipe, describeRecipe } from '../train/recipe.js';
import { DEMO_TRAIN, ensureDemoData } from './demo.js';
import { configFlags } from './flag-table.js';
import { TRAIN_FLAGS, type TrainFlags } from './train-flags.js';

/**
 * Fills the configuration keys the user did not give from the recipe (auto: sized from the dataset)
 * and prints one line per choice with its reason (on rank 0; every rank computes the same choices).
 */
export async function applyRecipe(name: RecipeName, input: Partial<TrainConfig>, print: boolean): Promise<void> {
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
export function defaultOut(flags: TrainFlags): string {
  return defaultRunDir(flags.demo ? `demo-${flags.preset ?? DEMO_TRAIN.preset}` : (flags.preset ?? DEFAULT_PRESET));
}

/** Flags → TrainConfigInput; --demo fills in its defaults (and its data) under explicit flags. */
export async function configFromFlags(flags: TrainFlags): Promise<Partial<TrainConfig>> {
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
