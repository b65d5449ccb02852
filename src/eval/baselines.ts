// The paper's Table 1 comparison on the user's data: CAM (Zhou et al. 2016) and Grad-CAM
// (Selvaraju et al. 2017) from the run's own classifier, beside CASM and the centre box, all scored
// by the one scorer (src/eval/localisation.ts → localisation-scorer.ts).
//
// Target class: the ground-truth label. The paper's Table 1 notes that the prior methods "assume
// the knowledge of the target class", unlike CASM, and the authors score them that way.
// Maps: computed natively (native/casm/class_activation.cpp), upsampled bilinearly to the input and
// min-max normalised per image to [0, 1] (a constant map becomes zeros), as wsolevaluation does;
// then the same threshold rule as CASM's masks (keep the top fraction equal to the mask's mean).
// Layer: CAM exists only at l4 (the fc weights weigh l4's channels); Grad-CAM can be read at any
// stage output, and the stage is chosen by the lowest LE on the validation split, never on the
// split that is reported.
import { renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadDataset } from '../data/load.js';
import type { Dataset } from '../data/types.js';
import type { Model } from '../native/model.js';
import type { ActivationMapLayer, ActivationMapMethod } from '../native/types.js';
import { limitDataset } from './dataset-limit.js';
import { evaluateLocalisation, type LocalisationEvalOptions, type LocalisationEvalResult } from './localisation.js';
import { openModel } from './open-model.js';

/** The activation-map baselines `eval --baseline` computes. */
export const BASELINE_METHODS: readonly ActivationMapMethod[] = ['cam', 'gradcam'];
/** The ResNet stages CAM and Grad-CAM can be taken at. */
export const ACTIVATION_LAYERS: readonly ActivationMapLayer[] = ['l1', 'l2', 'l3', 'l4'];

export const BASELINE_LABELS: Record<ActivationMapMethod, string> = { cam: 'CAM', gradcam: 'Grad-CAM' };
/** Where `train` leaves each baseline's scores in the run folder (`bench seeds` tabulates them). */
export const BASELINE_FILES: Record<ActivationMapMethod, string> = {
  cam: 'baseline-cam.json',
  gradcam: 'baseline-gradcam.json',
};

/** The layers a method can be read at, deepest first (so a tie keeps the deeper, usual layer). */
export function candidateLayers(method: ActivationMapMethod): ActivationMapLayer[] {
  return method === 'cam' ? ['l4'] : [...ACTIVATION_LAYERS].reverse();
}

/** How a baseline is scored: everything of evaluateLocalisation but the dataset and the masks. */
export type BaselineScoringOptions = Omit<LocalisationEvalOptions, 'dataset' | 'masks'>;

/** The layer an activation-map baseline uses, and how it was chosen. */
export interface LayerChoice {
  method: ActivationMapMethod;
  layer: ActivationMapLayer;
  /** Validation LE of every candidate layer (null: no image with a box); empty when the layer was given. */
  valLE: { layer: ActivationMapLayer; LE: number | null }[];
  /** The validation split the layer was chosen on (null when given). */
  valSplit: string | null;
}

/** The layer with the lowest LE on `val`; an error when no validation image has a box. */
export async function chooseLayer(
  model: Model,
  method: ActivationMapMethod,
  val: Dataset,
  common: BaselineScoringOptions,
): Promise<LayerChoice> {
  const valLE: LayerChoice['valLE'] = [];
  for (const layer of candidateLayers(method)) {
    const r = await evaluateLocalisation({
      ...common,
      dataset: val,
      masks: { kind: 'activation', model, method, layer },
    });
    valLE.push({ layer, LE: r.LE });
  }
  const scored = valLE.filter((v): v is { layer: ActivationMapLayer; LE: number } => v.LE !== null);
  if (scored.length === 0)
    throw new Error(`cannot choose the ${BASELINE_LABELS[method]} layer: no image of split "${val.split}" has a box`);
  const best = scored.reduce((a, b) => (b.LE < a.LE ? b : a));
  return { method, layer: best.layer, valLE, valSplit: val.split };
}

/** A baseline's scores and the layer they were taken at. */
export interface BaselineResult {
  choice: LayerChoice;
  result: LocalisationEvalResult;
}

/**
 * CAM or Grad-CAM of `model`'s classifier scored on `dataset`, at `layer` when given, else at the
 * layer chosen on `val`.
 */
export async function evaluateBaseline(opts: {
  model: Model;
  method: ActivationMapMethod;
  dataset: Dataset;
  val?: Dataset;
  layer?: ActivationMapLayer;
  common: BaselineScoringOptions;
}): Promise<BaselineResult> {
  const { model, method, common } = opts;
  let choice: LayerChoice;
  if (opts.layer) {
    if (!candidateLayers(method).includes(opts.layer))
      throw new Error(`${BASELINE_LABELS[method]} is defined at layer l4 only (the fc weights weigh l4's channels)`);
    choice = { method, layer: opts.layer, valLE: [], valSplit: null };
  } else {
    if (!opts.val) throw new Error(`choosing the ${BASELINE_LABELS[method]} layer needs a validation split`);
    choice = await chooseLayer(model, method, opts.val, common);
  }
  const result = await evaluateLocalisation({
    ...common,
    dataset: opts.dataset,
    masks: { kind: 'activation', model, method, layer: choice.layer },
  });
  return { choice, result };
}

/** One row of the paper's Table 1 layout: a method and its scores. */
export interface Table1Row {
  name: string;
  /** Layer (and how it was chosen) for CAM / Grad-CAM. */
  note?: string;
  result: LocalisationEvalResult;
}

/**
 * The paper's Table 1 on the user's data: CASM, each requested baseline, and the centre box, on the
 * same images of `dataset` with the same scorer.
 */
export async function compareWithBaselines(opts: {
  model: Model;
  dataset: Dataset;
  val?: Dataset;
  methods: readonly ActivationMapMethod[];
  layer?: ActivationMapLayer;
  common: BaselineScoringOptions;
}): Promise<{ rows: Table1Row[]; choices: LayerChoice[] }> {
  const { model, dataset, common } = opts;
  const rows: Table1Row[] = [];
  const choices: LayerChoice[] = [];
  rows.push({
    name: 'CASM',
    result: await evaluateLocalisation({ ...common, dataset, masks: { kind: 'model', model } }),
  });
  for (const method of opts.methods) {
    const layer = method === 'cam' ? 'l4' : opts.layer;
    const { choice, result } = await evaluateBaseline({ model, method, dataset, val: opts.val, layer, common });
    choices.push(choice);
    rows.push({ name: BASELINE_LABELS[method], note: describeChoice(choice), result });
  }
  rows.push({
    name: 'centre box',
    result: await evaluateLocalisation({ ...common, dataset, masks: { kind: 'toy', toy: 'center' } }),
  });
  return { rows, choices };
}

function describeChoice(c: LayerChoice): string {
  if (c.method === 'cam') return 'layer l4 (fc weights)';
  if (c.valSplit === null) return `layer ${c.layer} (given)`;
  const les = c.valLE.map((v) => `${v.layer} ${v.LE === null ? '–' : (100 * v.LE).toFixed(1)}`).join(', ');
  return `layer ${c.layer}, lowest LE on split "${c.valSplit}" (${les})`;
}

/** Side-by-side text table (LE / OM / F1 in %, lower LE/OM and higher F1 better). */
export function formatTable1(rows: readonly Table1Row[]): string {
  const pct = (v: number | null) => (v === null || !Number.isFinite(v) ? '–' : (100 * v).toFixed(1));
  const width = Math.max(10, ...rows.map((r) => r.name.length));
  const first = rows[0]?.result;
  const lines = [
    first
      ? `localisation on ${first.imagesWithBoxes} images of split "${first.split}", ${first.size}x${first.size}, resize ${first.resize} (lower LE/OM, higher F1 is better):`
      : 'localisation:',
    `  ${'method'.padEnd(width)}  ${'LE'.padStart(6)}  ${'OM'.padStart(6)}  ${'F1'.padStart(6)}`,
  ];
  for (const r of rows)
    lines.push(
      `  ${r.name.padEnd(width)}  ${pct(r.result.LE).padStart(6)}  ${pct(r.result.OM).padStart(6)}  ${pct(r.result.F1).padStart(6)}${r.note ? `   ${r.note}` : ''}`,
    );
  return `${lines.join('\n')}\n`;
}

/**
 * Validation images `train` chooses the Grad-CAM layer on (the first ones, in manifest order): four
 * Grad-CAM passes with a backward each over a large validation split would add much to the end of a
 * big run, and a thousand images tell the layers apart. `eval --baseline` uses the whole split.
 */
export const TRAIN_LAYER_CHOICE_IMAGES = 1000;

/**
 * Table 1 for a finished run, as `train` prints it at the end: its final model on the split it was
 * scored on, Grad-CAM's layer chosen on the validation split when that is another split (else l4,
 * the usual Grad-CAM layer, since choosing on the reported split would flatter it).
 */
export async function table1ForRun(opts: {
  runDir: string;
  data: string;
  scoreSplit: string;
  valSplit: string | null;
  size: number;
  device?: string;
  strict?: boolean;
  allowOutsideRoot?: boolean;
}): Promise<string> {
  const load = (split: string) =>
    loadDataset({ data: opts.data, split, strict: opts.strict ?? false, allowOutsideRoot: opts.allowOutsideRoot });
  const opened = await openModel(opts.runDir, { device: opts.device });
  try {
    const chooseOnVal = opts.valSplit !== null && opts.valSplit !== opts.scoreSplit;
    const { rows } = await compareWithBaselines({
      model: opened.model,
      dataset: await load(opts.scoreSplit),
      val: chooseOnVal ? limitDataset(await load(opts.valSplit!), TRAIN_LAYER_CHOICE_IMAGES) : undefined,
      methods: BASELINE_METHODS,
      layer: chooseOnVal ? undefined : 'l4',
      common: { size: opts.size, resize: 'crop', strict: opts.strict },
    });
    const note = chooseOnVal
      ? ''
      : `  (Grad-CAM at l4: the run was scored on its validation split, so no layer is chosen on it)\n`;
    for (const method of BASELINE_METHODS) {
      const row = rows.find((r) => r.name === BASELINE_LABELS[method]);
      if (row) writeBaselineFile(path.join(opts.runDir, BASELINE_FILES[method]), row);
    }
    return `${formatTable1(rows)}${note}`;
  } finally {
    opened.model.dispose();
  }
}

/** One baseline's scores as JSON beside localization.json (written whole, then renamed into place). */
function writeBaselineFile(file: string, row: Table1Row): void {
  const { LE, OM, F1, split, images, imagesWithBoxes } = row.result;
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(
    tmp,
    `${JSON.stringify({ method: row.name, layer: row.note ?? null, split, images, imagesWithBoxes, LE, OM, F1 }, null, 2)}\n`,
  );
  renameSync(tmp, file);
}
