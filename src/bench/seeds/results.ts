// The results of a seed sweep (`casm-native bench seeds`): per seed and per method (this run's CASM
// masks, the centre box on the same images, and whatever other method a run folder has scores for)
// LE / OM / F1 on the score split, with mean ± sd over the seeds, as JSON and as a Markdown table.
// A method is a row family keyed by name, so baselines (CAM, Grad-CAM) are added by writing their
// scores into the run folder (see METHOD_FILES) without changing the table's code.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BASELINE_FILES, BASELINE_LABELS, BASELINE_METHODS } from '../../eval/baselines.js';

export interface Scores {
  LE: number;
  OM: number | null;
  F1: number;
}

export interface SeedResult {
  seed: number;
  runDir: string;
  /** Scores on the score split per method ('CASM', 'centre box', …). */
  methods: Record<string, Scores>;
  /** The selected model's validation LE and step (runs that select by validation LE). */
  selected: { step: number; LE: number; F1: number } | null;
  split: string | null;
  images: number;
  trainSeconds: number | null;
}

export interface MeanSd {
  mean: number;
  sd: number;
  n: number;
}

export interface SweepResults {
  format: 'casm-native/seed-sweep';
  command: string;
  seeds: number[];
  runs: SeedResult[];
  /** Per method and metric over the finished seeds. */
  summary: Record<string, { LE: MeanSd; OM: MeanSd | null; F1: MeanSd }>;
  updatedAt: string;
}

/**
 * Extra methods' score files a run folder may hold, beside localization.json: name → file with
 * { LE, OM?, F1 } at its top level (e.g. an `eval --baseline cam` written into the run folder).
 */
export const METHOD_FILES: Record<string, string> = Object.fromEntries(
  BASELINE_METHODS.map((m) => [BASELINE_LABELS[m], BASELINE_FILES[m]]),
);

/** Sample mean and standard deviation (n − 1; 0 for one value). */
export function meanSd(values: readonly number[]): MeanSd {
  const n = values.length;
  const mean = n ? values.reduce((a, b) => a + b, 0) / n : NaN;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The scores of a finished run folder (null: not finished, no localization.json). */
export function readSeedResult(seed: number, runDir: string): SeedResult | null {
  const loc = readJson(path.join(runDir, 'localization.json'));
  if (!loc || !isNum(loc.LE) || !isNum(loc.F1)) return null;
  const methods: Record<string, Scores> = { CASM: { LE: loc.LE, OM: isNum(loc.OM) ? loc.OM : null, F1: loc.F1 } };
  const center = loc.centerBaseline as { LE?: unknown; F1?: unknown } | undefined;
  if (center && isNum(center.LE) && isNum(center.F1))
    methods['centre box'] = { LE: center.LE, OM: center.LE, F1: center.F1 };
  for (const [name, file] of Object.entries(METHOD_FILES)) {
    const m = readJson(path.join(runDir, file));
    if (m && isNum(m.LE) && isNum(m.F1)) methods[name] = { LE: m.LE, OM: isNum(m.OM) ? m.OM : null, F1: m.F1 };
  }
  const best = readJson(path.join(runDir, 'best', 'best.json'));
  return {
    seed,
    runDir,
    methods,
    selected:
      best && isNum(best.step) && isNum(best.LE) && isNum(best.F1)
        ? { step: best.step, LE: best.LE, F1: best.F1 }
        : null,
    split: typeof loc.split === 'string' ? loc.split : null,
    images: isNum(loc.images) ? loc.images : 0,
    trainSeconds: trainingSeconds(runDir),
  };
}

/** Seconds of the finished run, from its 'done' record. */
function trainingSeconds(runDir: string): number | null {
  try {
    const lines = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').reverse();
    for (const line of lines) {
      const r = JSON.parse(line) as { kind?: string; seconds?: unknown; interrupted?: boolean };
      if (r.kind === 'done' && !r.interrupted && isNum(r.seconds)) return r.seconds;
    }
  } catch {
    // no log: no time
  }
  return null;
}

/** Whether a run folder holds a finished run (its scores were written at the end). */
export function runFinished(runDir: string): boolean {
  return existsSync(path.join(runDir, 'localization.json')) && trainingSeconds(runDir) !== null;
}

export function summarise(command: string, seeds: number[], runs: SeedResult[]): SweepResults {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.methods)))];
  const summary: SweepResults['summary'] = {};
  for (const name of names) {
    const rows = runs.map((r) => r.methods[name]).filter((m): m is Scores => !!m);
    const om = rows.map((m) => m.OM).filter(isNum);
    summary[name] = {
      LE: meanSd(rows.map((m) => m.LE)),
      OM: om.length === rows.length ? meanSd(om) : null,
      F1: meanSd(rows.map((m) => m.F1)),
    };
  }
  return { format: 'casm-native/seed-sweep', command, seeds, runs, summary, updatedAt: new Date().toISOString() };
}

const pct = (x: number) => (100 * x).toFixed(1);
const pm = (m: MeanSd | null) => (m ? `${pct(m.mean)} ± ${pct(m.sd)}` : '–');

/** The Markdown table: one row per method and seed, then mean ± sd per method. */
export function resultsMarkdown(r: SweepResults): string {
  const lines = [
    `Seed sweep: \`${r.command}\``,
    '',
    `Scores on the ${r.runs[0]?.split ?? 'score'} split (${r.runs[0]?.images ?? 0} images), in %; lower LE/OM, higher F1 is better. ` +
      `${r.runs.length} of ${r.seeds.length} seeds finished.`,
    '',
    '| method | seed | LE | OM | F1 | selected step (val LE) | train s |',
    '|---|---|---|---|---|---|---|',
  ];
  const names = Object.keys(r.summary);
  for (const name of names) {
    for (const run of r.runs) {
      const m = run.methods[name];
      if (!m) continue;
      const sel = name === 'CASM' && run.selected ? `${run.selected.step} (${pct(run.selected.LE)})` : '';
      const secs = name === 'CASM' && run.trainSeconds !== null ? run.trainSeconds.toFixed(0) : '';
      lines.push(
        `| ${name} | ${run.seed} | ${pct(m.LE)} | ${m.OM === null ? '–' : pct(m.OM)} | ${pct(m.F1)} | ${sel} | ${secs} |`,
      );
    }
  }
  lines.push('', '| method | seeds | LE mean ± sd | OM mean ± sd | F1 mean ± sd |', '|---|---|---|---|---|');
  for (const name of names) {
    const s = r.summary[name]!;
    lines.push(`| ${name} | ${s.LE.n} | ${pm(s.LE)} | ${pm(s.OM)} | ${pm(s.F1)} |`);
  }
  return `${lines.join('\n')}\n`;
}
