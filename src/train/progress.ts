// Renders TrainEvents for a terminal: a redrawn one-line bar on a TTY, plain lines otherwise, JSON
// lines with --json, only warnings with --quiet. Rendering is kept out of the loop so that API
// users can attach their own.
import type { TrainEvent } from './events.js';

/** How training progress is shown: a bar, plain lines, JSON lines or nothing. */
export type ProgressMode = 'bar' | 'plain' | 'json' | 'quiet';

/** Prints training events in one {@link ProgressMode}. */
export interface ProgressRenderer {
  (event: TrainEvent): void;
  /** Ends a bar line in progress. */
  close(): void;
}

/** The progress mode for the given flags and terminal. */
export function pickProgressMode(opts: { json?: boolean; quiet?: boolean; isTTY?: boolean }): ProgressMode {
  if (opts.json) return 'json';
  if (opts.quiet) return 'quiet';
  return opts.isTTY ? 'bar' : 'plain';
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function bar(fraction: number, width: number): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/**
 * Cuts a bar line to the terminal, one column short so the cursor never wraps. A terminal that
 * reports no width (undefined, or 0 as some pseudo-terminals and CI runners do) gets the whole line:
 * there is nothing to fit, and `slice(0, -1)` would silently drop its last character.
 */
export function fitToColumns(line: string, columns: number | undefined): string {
  if (!columns || columns <= 1) return line;
  return line.length > columns - 1 ? line.slice(0, columns - 1) : line;
}

/** One line describing a step event (kept near 100 columns so the numbers survive narrow terminals). */
export function formatStepLine(e: Extract<TrainEvent, { type: 'step' }>): string {
  const s = e.stats;
  const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : String(x));
  const acc = s.batchSize
    ? `${((100 * s.correctClean) / s.batchSize).toFixed(1)}/${((100 * s.correctMasked) / s.batchSize).toFixed(1)}%`
    : '-';
  // Most wanted first: a narrow terminal cuts the end of the line.
  return (
    `epoch ${e.epoch + 1}/${e.epochs} ${bar((e.batch + 1) / e.batches, 10)} ${e.batch + 1}/${e.batches}` +
    ` | ${e.imagesPerSecond.toFixed(1)} img/s ETA ${formatDuration(e.etaSeconds)} | acc ${acc} mask ${f2(s.maskMean)}` +
    ` | Lc ${f2(s.lossClean)} Lm ${f2(s.lossMasked)} Lmap ${f2(s.lossMapping)} | step ${e.step}/${e.totalSteps}`
  );
}

/** The bar line of a pretraining step. */
export function formatPretrainStepLine(e: Extract<TrainEvent, { type: 'pretrain-step' }>): string {
  return (
    `pretrain ${e.epoch + 1}/${e.epochs} ${bar((e.batch + 1) / e.batches, 10)} ${e.batch + 1}/${e.batches}` +
    ` | ${e.imagesPerSecond.toFixed(1)} img/s ETA ${formatDuration(e.etaSeconds)} | acc ${pct(e.accuracy)} loss ${f3(e.loss)} lr ${e.lr.toExponential(1)}` +
    ` | step ${e.pretrainStep}/${e.pretrainSteps}`
  );
}

/** A human-readable line for every event other than 'step'; null where there is nothing to say. */
export function formatEventLine(e: TrainEvent): string | null {
  switch (e.type) {
    case 'start': {
      const c = e.config;
      const from = e.resumedFrom
        ? `resuming ${e.resumedFrom} at ${e.phase === 'pretrain' ? 'pretraining ' : ''}epoch ${e.epoch + 1} batch ${e.batch} (step ${e.step})`
        : 'new run';
      const pretrain =
        c.pretrainEpochs > 0
          ? `classifier pretraining ${c.pretrainEpochs} epochs (${e.pretrainSteps} steps, lr ${c.pretrainLr}), then `
          : '';
      const lambda =
        c.targetMaskArea !== null ? `λr ${c.lambdaR} steered to mean mask ${c.targetMaskArea}` : `λr ${c.lambdaR}`;
      return (
        `${from}: preset ${c.preset}, ${c.arch} @ ${c.imageSize}px on ${c.device}, ${e.trainImages} train / ${e.valImages} val images` +
        `${e.skippedSamples ? ` (${e.skippedSamples} skipped)` : ''}, ${pretrain}${e.batchesPerEpoch} steps/epoch × ${c.epochs} epochs, ${lambda}, run folder ${e.runDir}`
      );
    }
    case 'phase':
      return e.phase === 'pretrain'
        ? 'phase 1: classifier pretraining (clean images, cross-entropy)'
        : 'phase 2: CASM (classifier and mask decoder)';
    case 'pretrain-interval': {
      const t = e.train;
      return `pretrain step ${e.pretrainStep} (epoch ${e.epoch + 1}, batch ${e.batch + 1}): ${e.imagesPerSecond.toFixed(1)} img/s, loss ${f3(t.loss)}, acc ${pct(t.accuracy)}, lr ${e.lr.toExponential(2)}`;
    }
    case 'pretrain-epoch': {
      const v = e.val ? `; val acc ${pct(e.val.accClean)}` : '';
      return `pretrain epoch ${e.epoch + 1}/${e.epochs} done in ${formatDuration(e.seconds)}: train loss ${f3(e.train.loss)} acc ${pct(e.train.accuracy)}${v}`;
    }
    case 'interval': {
      const t = e.train;
      return (
        `step ${e.step} (epoch ${e.epoch + 1}, batch ${e.batch + 1}): ${e.imagesPerSecond.toFixed(1)} img/s, Lc ${f3(t.lossClean)} Lm ${f3(t.lossMasked)} ` +
        `Lmap ${f3(t.lossMapping)}, acc clean ${pct(t.accClean)} masked ${pct(t.accMasked)}, mask ${f3(t.maskMean)}±${f3(t.maskStd)}, λr ${e.lambdaR.toPrecision(4)}`
      );
    }
    case 'epoch': {
      const t = e.train;
      const v = e.val
        ? `; val acc clean ${pct(e.val.accClean)} masked ${pct(e.val.accMasked)}, mask ${f3(e.val.maskMean)}±${f3(e.val.maskStd)}, entropy ${f3(e.val.maskEntropy)}, TV ${e.val.totalVariation.toExponential(2)}`
        : '';
      return (
        `epoch ${e.epoch + 1}/${e.epochs} done in ${formatDuration(e.seconds)}: train acc clean ${pct(t.accClean)} masked ${pct(t.accMasked)}, ` +
        `mask ${f3(t.maskMean)}${v}; λr ${e.lambdaR.toPrecision(4)}, lr ${e.lr.toExponential(1)}`
      );
    }
    case 'lambda':
      // Every few steps: interval and epoch lines show the current λr; metrics.jsonl has each change.
      return null;
    case 'selection':
      return (
        `step ${e.step}: validation LE ${pct(e.LE)} F1 ${pct(e.F1)} on ${e.images} images` +
        (e.best ? ' (best so far: kept)' : ` (best: step ${e.bestStep}, LE ${pct(e.bestLE)})`)
      );
    case 'selected':
      return `final model: step ${e.selected.step} of ${e.step}, chosen by validation LE (${pct(e.selected.LE)}, F1 ${pct(e.selected.F1)})`;
    case 'checkpoint':
      return `checkpoint (${e.reason}) ${e.dir}`;
    case 'warning':
      return `warning: ${e.message}`;
    case 'diagnosis':
      return `DIAGNOSIS: ${e.message}`;
    case 'localization': {
      const r = e.result;
      const base = r.centerBaseline
        ? ` (centre-box baseline: LE ${pct(r.centerBaseline.LE)}  F1 ${pct(r.centerBaseline.F1)})`
        : '';
      return `localisation on ${r.images} ${r.split ?? ''} images: LE ${pct(r.LE)}  OM ${pct(r.OM)}  F1 ${pct(r.F1)}${base} → ${r.file}`;
    }
    case 'done':
      return e.interrupted
        ? `interrupted at step ${e.step}; checkpoint ${e.checkpoint}`
        : `finished ${e.step} steps in ${formatDuration(e.seconds)}; weights ${e.weights}; run folder ${e.runDir}`;
    case 'validation':
    case 'step':
    case 'pretrain-step':
      return null;
  }
}

/** A progress printer for `train`'s events. */
export function createProgressRenderer(
  mode: ProgressMode,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressRenderer {
  let barShown = false;
  let lastDraw = 0;
  const clearBar = () => {
    if (barShown) stream.write('\r\x1b[K');
    barShown = false;
  };
  const render = ((e: TrainEvent) => {
    if (mode === 'json') {
      // Step events are one per batch: the intervals carry the same information at a sane rate.
      if (e.type !== 'step' && e.type !== 'pretrain-step' && e.type !== 'validation')
        stream.write(`${JSON.stringify(e)}\n`);
      return;
    }
    if (mode === 'quiet') {
      // Warnings and diagnoses only: the caller prints the outcome.
      if (e.type === 'warning' || e.type === 'diagnosis') stream.write(`${formatEventLine(e)}\n`);
      return;
    }
    if (e.type === 'step' || e.type === 'pretrain-step' || e.type === 'validation') {
      if (mode !== 'bar') return;
      const now = Date.now();
      const last = e.type !== 'validation' && e.batch + 1 === e.batches;
      if (now - lastDraw < 100 && !last) return; // redrawing faster than the eye helps nobody
      lastDraw = now;
      const line =
        e.type === 'step'
          ? formatStepLine(e)
          : e.type === 'pretrain-step'
            ? formatPretrainStepLine(e)
            : `epoch ${e.epoch + 1} validation ${bar(e.images / Math.max(1, e.total), 20)} ${e.images}/${e.total}`;
      stream.write(`\r${fitToColumns(line, stream.columns)}\x1b[K`);
      barShown = true;
      return;
    }
    // On a TTY the bar already shows the running numbers; interval lines would only interleave.
    if (mode === 'bar' && (e.type === 'interval' || e.type === 'pretrain-interval')) return;
    const line = formatEventLine(e);
    if (line === null) return;
    clearBar();
    stream.write(`${line}\n`);
  }) as ProgressRenderer;
  render.close = clearBar;
  return render;
}
