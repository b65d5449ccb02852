// The five thinning strategies of the paper (Table 2), with the λr the authors tuned for each score
// function so that roughly half of the pixels are kept. Values from ../shared/docs/casm-spec.md.

/** The names of the thinning strategies. */
export type PresetName = 'F' | 'L' | 'FL' | 'L100' | 'L1000';
/** The mask network's score function: entropy (the default) or classification. */
export type ScoreName = 'entropy' | 'classification';

/** One thinning strategy: whether the classifier trains, how adversaries are drawn, and λr. */
export interface Preset {
  name: PresetName;
  description: string;
  /** The classifier is in eval mode, never updated, and always its own adversary. */
  fixedClassifier: boolean;
  /** Probability that the adversary is a pooled snapshot. */
  hp: number;
  /** 'first': only the first snapshot is kept; N: a snapshot every N steps; null: no pool. */
  snapshotEvery: number | 'first' | null;
  lambdaR: Record<ScoreName, number>;
}

/** The paper's five thinning strategies (Table 2) with the authors' λr per score function. */
export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  F: {
    name: 'F',
    description: 'Baseline: a fixed classifier that is its own adversary',
    fixedClassifier: true,
    hp: 0,
    snapshotEvery: null,
    lambdaR: { entropy: 2.5, classification: 9 },
  },
  L: {
    name: 'L',
    description: 'trained classifier, adversary always the latest classifier',
    fixedClassifier: false,
    hp: 0,
    snapshotEvery: null,
    lambdaR: { entropy: 14, classification: 18 },
  },
  FL: {
    name: 'FL',
    description: 'trained classifier; adversary the first snapshot or the latest classifier',
    fixedClassifier: false,
    hp: 0.5,
    snapshotEvery: 'first',
    lambdaR: { entropy: 7.5, classification: 11 },
  },
  L100: {
    name: 'L100',
    description: 'trained classifier; pool of 30 snapshots, one every 100 steps',
    fixedClassifier: false,
    hp: 0.5,
    snapshotEvery: 100,
    lambdaR: { entropy: 10, classification: 17 },
  },
  L1000: {
    name: 'L1000',
    description: 'trained classifier; pool of 30 snapshots, one every 1000 steps',
    fixedClassifier: false,
    hp: 0.5,
    snapshotEvery: 1000,
    lambdaR: { entropy: 10, classification: 17 },
  },
};

/** The preset `train` uses unless told otherwise. */
export const DEFAULT_PRESET: PresetName = 'L100';

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

/** The preset of that name; throws for an unknown one. */
export function getPreset(name: string): Preset {
  if (!isPresetName(name))
    throw new Error(`unknown preset '${name}' (expected one of ${Object.keys(PRESETS).join(', ')})`);
  return PRESETS[name];
}
