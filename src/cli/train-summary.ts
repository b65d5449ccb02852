// What `casm-native train` prints when a run has finished: the scores, the selected model, the
// diagnoses and the files of the run folder, then the paper's Table 1 on the run's own data.
import type { TrainResult } from '../train/loop.js';

export function printSummary(out: NodeJS.WritableStream, r: TrainResult, runDir: string): void {
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
export async function printTable1(out: NodeJS.WritableStream, r: TrainResult): Promise<void> {
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
