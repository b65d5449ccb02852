// `casm-native report RUN_DIR` (and `eval --report`): gathers what the report shows (the run's
// settings, scores of the model and of the trivial baselines on the same images, a Fig.-2-like grid
// with predicted classes and boxes, the training curves, mask statistics) and writes the
// self-contained HTML page.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadDataset } from '../data/load.js';
import { transformImage } from '../data/transforms.js';
import type { Dataset } from '../data/types.js';
import type { ResizeMode } from '../metrics/ground-truth-boxes.js';
import { softmaxTop1 } from '../metrics/top1.js';
import { centerMargin, TOY_KINDS } from '../metrics/toy-masks.js';
import { boxLineWidth, drawBox, GROUND_TRUTH_BOX_COLOUR, PREDICTED_BOX_COLOUR } from '../viz/draw-box.js';
import { heatmapOverlay } from '../viz/heatmap.js';
import { maskedImages } from '../viz/masked-images.js';
import { encodePng, pngDataUri } from '../viz/png.js';
import { type ReportData, type ReportGridRow, renderReportHtml } from '../viz/report-html.js';
import { limitDataset } from './dataset-limit.js';
import { evaluateLocalisation, type LocalisationEvalResult } from './localisation.js';
import { maskBox } from './mask-box.js';
import { type OpenedModel, openModel } from './open-model.js';
import { runSettingsRows } from './run-settings.js';
import { trainingCurveCharts } from './training-curves.js';
import { readTrainingLog } from './training-log.js';

/** The report's default file name inside the run folder. */
export const REPORT_FILE = 'report.html';

/** Inputs of {@link writeRunReport}. */
export interface RunReportOptions {
  runDir: string;
  /** Output file (default <runDir>/report.html). */
  out?: string;
  /** An already opened model of the run (eval passes its own). */
  model?: OpenedModel;
  /** Evaluation split (default: the run's validation split, or 'val'). */
  dataset?: Dataset;
  data?: string;
  split?: string;
  /** The model's scores when already computed (eval); otherwise computed here. */
  evaluation?: LocalisationEvalResult;
  /** Images scored when computing here, and for the baselines (default 500; 0: all). */
  limit?: number;
  size?: number;
  resize?: ResizeMode;
  batchSize?: number;
  /** Rows of the example grid (default 6). */
  examples?: number;
  device?: string;
  log?: (message: string) => void;
}

/** Writes the self-contained HTML report of a run folder (what `casm-native report` writes). */
export async function writeRunReport(opts: RunReportOptions): Promise<{ file: string; data: ReportData }> {
  const runDir = path.resolve(opts.runDir);
  const log = opts.log ?? (() => undefined);
  const opened = opts.model ?? (await openModel(runDir, { device: opts.device }));
  const split = opts.split ?? opts.evaluation?.split ?? opened.trainedOn?.valSplit ?? 'val';
  const dataRoot = opts.data ?? opened.trainedOn?.data;
  const notes: string[] = [];
  let dataset = opts.dataset ?? null;
  if (!dataset && dataRoot) {
    try {
      dataset = await loadDataset({ data: dataRoot, split });
    } catch (err) {
      notes.push(`Could not read the evaluation data (${dataRoot}, split ${split}): ${(err as Error).message}`);
    }
  }
  const size = opts.evaluation?.size ?? opts.size ?? opened.imageSize ?? 224;
  const resize = opts.evaluation?.resize ?? opts.resize ?? 'crop';
  const limit = opts.limit ?? 500;
  const common = { size, resize, batchSize: opts.batchSize ?? 32, limit };

  let evaluation = opts.evaluation ?? null;
  const toys: LocalisationEvalResult[] = [];
  if (dataset) {
    if (!evaluation) {
      log(`report: scoring the model on ${dataset.split}…`);
      evaluation = await evaluateLocalisation({ ...common, dataset, masks: { kind: 'model', model: opened.model } });
    }
    for (const toy of TOY_KINDS)
      toys.push(await evaluateLocalisation({ ...common, dataset, masks: { kind: 'toy', toy } }));
  }

  const hasBoxes = evaluation !== null && evaluation.imagesWithBoxes > 0;
  const row = (name: string, r: LocalisationEvalResult) => ({
    name,
    LE: r.LE,
    OM: r.OM,
    F1: r.F1,
    F1a: r.F1a,
    MaxBoxAccV2: r.MaxBoxAccV2,
    top1: r.top1,
  });
  const toyName = (t: LocalisationEvalResult) =>
    t.source === 'toy-center' ? `baseline: centre box (margin ${centerMargin(size)} px)` : 'baseline: whole image';
  const metrics: ReportData['metrics'] =
    evaluation && hasBoxes
      ? {
          caption:
            `${evaluation.imagesWithBoxes} images with boxes of split "${evaluation.split}", ${size}×${size}, resize ${resize}. ` +
            'Lower LE/OM is better, higher F1/MaxBoxAccV2 is better. Baselines count as correctly classified (score.py), so their OM equals LE.',
          rows: [row('CASM (this run)', evaluation), ...toys.map((t) => row(toyName(t), t))],
        }
      : null;
  const maskStats = evaluation
    ? [evaluation, ...toys].map((r) => ({
        name: r === evaluation ? 'CASM (this run)' : toyName(r),
        mean: r.maskStats.mean,
        std: r.maskStats.std,
        entropy: r.maskStats.entropy,
        tv: r.maskStats.tv,
      }))
    : [];

  const grid = dataset ? await exampleGrid(opened, limitDataset(dataset, opts.examples ?? 6), size, resize) : [];
  const records = readTrainingLog(runDir);
  const charts = records.length ? trainingCurveCharts(records) : [];
  for (const r of records) {
    if (r.kind === 'diagnosis') notes.push(`Diagnosis at step ${r.step}: ${String(r.message)}`);
    if (r.kind === 'selected') {
      const s = r.selected as { step: number; LE: number; F1: number };
      notes.push(
        `Final model: step ${s.step} of ${r.step}, chosen by validation LE ${(100 * s.LE).toFixed(1)}% (F1 ${(100 * s.F1).toFixed(1)}%).`,
      );
    }
  }
  const lastStep = records.length ? records[records.length - 1]!.step : null;
  const info = opened.model.info();
  const facts: [string, string][] = [
    ['run', runDir],
    ['architecture', `${info.arch} (${info.block}, ${info.layers.join('-')}), ${info.numClasses} classes`],
    ['image size', String(opened.imageSize ?? size)],
    ['steps logged', lastStep === null ? '–' : String(lastStep)],
    ['evaluation data', dataset ? `${dataset.root} [${dataset.split}]` : '–'],
  ];
  const training = opened.training;
  const settings = runSettingsRows(
    training?.config ?? null,
    training
      ? [
          ['steps trained', String(training.step)],
          ['weights', training.weights],
        ]
      : [],
  );
  if (!training)
    notes.push('No training settings: the model was opened from a bare weights file, not a run or checkpoint folder.');
  const data: ReportData = {
    title: `CASM report: ${path.basename(runDir)}`,
    subtitle: `Generated ${new Date().toISOString()} by casm-native`,
    facts,
    settings,
    metrics,
    maskStats,
    grid,
    charts,
    notes,
  };
  const file = path.resolve(opts.out ?? path.join(runDir, REPORT_FILE));
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, renderReportHtml(data));
  return { file, data };
}

/**
 * Original, overlay (with the predicted box and the ground-truth boxes), masked-in, masked-out and
 * inpainted images of the first samples, with the true and the predicted class. All in the model's
 * input frame, where the scorer compares the boxes.
 */
async function exampleGrid(
  opened: OpenedModel,
  dataset: Dataset,
  size: number,
  resize: ResizeMode,
): Promise<ReportGridRow[]> {
  const images: { file: string; truth: string; rgb: Uint8Array; groundTruth: ReportGridRow['groundTruth'] }[] = [];
  for (const sample of dataset.samples) {
    try {
      const t = await transformImage(
        sample.path,
        { kind: resize === 'crop' ? 'score-crop' : 'score-direct', size },
        { boxes: sample.boxes },
      );
      // Boxes after the transform can stick out of the crop; clip them to what is drawn.
      const groundTruth = t.boxes.map((b) => ({
        x0: Math.max(0, b.x0),
        y0: Math.max(0, b.y0),
        x1: Math.min(size, b.x1),
        y1: Math.min(size, b.y1),
      }));
      images.push({
        file: path.basename(sample.path),
        truth: String(dataset.classNames[sample.label] ?? sample.label),
        rgb: new Uint8Array(t.data),
        groundTruth,
      });
    } catch {
      // an unreadable image simply has no row
    }
  }
  if (images.length === 0) return [];
  const plane = size * size;
  const batch = new Uint8Array(images.length * plane * 3);
  images.forEach((im, i) => batch.set(im.rgb, i * plane * 3));
  const { masks, logits } = await opened.model.saliency({
    kind: 'uint8',
    data: batch,
    n: images.length,
    h: size,
    w: size,
  });
  const k = logits.length / images.length;
  const uri = async (px: Uint8Array) => pngDataUri(await encodePng(px, size, size, 3));
  const line = boxLineWidth(size, size);
  return Promise.all(
    images.map(async (im, i) => {
      const mask = masks.subarray(i * plane, (i + 1) * plane);
      const mb = maskBox(mask, size, size);
      const m = maskedImages(im.rgb, mb.binary, size, size);
      const overlay = heatmapOverlay(im.rgb, mask);
      for (const gt of im.groundTruth) drawBox(overlay, size, size, gt, GROUND_TRUTH_BOX_COLOUR, line);
      const box = mb.box ? { x0: mb.box.x0, y0: mb.box.y0, x1: mb.box.x1 + 1, y1: mb.box.y1 + 1 } : null;
      if (box) drawBox(overlay, size, size, box, PREDICTED_BOX_COLOUR, line);
      const top = softmaxTop1(logits.subarray(i * k, (i + 1) * k));
      const predicted = opened.classIds ? nameOfClass(dataset, opened.classIds[top.index]) : null;
      return {
        caption: `${im.truth} · ${im.file}`,
        truth: im.truth,
        predicted: predicted ?? `class ${top.index}`,
        probability: top.probability,
        box,
        groundTruth: im.groundTruth,
        original: await uri(im.rgb),
        overlay: await uri(overlay),
        maskedIn: await uri(m.maskedIn),
        maskedOut: await uri(m.maskedOut),
        inpainted: await uri(m.inpainted),
      };
    }),
  );
}

/** A class id of the model as the dataset names it (the id itself when the dataset lacks it). */
function nameOfClass(dataset: Dataset, classId: string | undefined): string | null {
  if (classId === undefined) return null;
  const i = dataset.classIds.indexOf(classId);
  return i >= 0 ? (dataset.classNames[i] ?? classId) : classId;
}
