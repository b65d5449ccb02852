// runDir/metrics.jsonl: one JSON object per line, appended synchronously so that a killed process
// loses at most the line being written. Every record carries the global step it describes; on
// resume, records past the checkpoint's step are dropped, because the resumed run writes them again.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './checkpoint-store.js';

export const METRICS_FILE = 'metrics.jsonl';

export interface MetricsRecord {
  kind: string;
  step: number;
  [key: string]: unknown;
}

export class MetricsLog {
  readonly file: string;

  constructor(runDir: string) {
    this.file = path.join(runDir, METRICS_FILE);
  }

  append(record: MetricsRecord): void {
    appendFileSync(this.file, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  }

  /**
   * Keeps the records a checkpoint had already seen (`keep` decides per record; a resumed run
   * writes the others again). A torn last line from a killed process is dropped.
   */
  async retain(keep: (record: MetricsRecord) => boolean): Promise<number> {
    if (!existsSync(this.file)) return 0;
    const lines = readFileSync(this.file, 'utf8')
      .split('\n')
      .filter((l) => l.trim().length > 0);
    const kept: string[] = [];
    for (const line of lines) {
      let record: MetricsRecord;
      try {
        record = JSON.parse(line) as MetricsRecord;
      } catch {
        continue;
      }
      if (keep(record)) kept.push(line);
    }
    await writeFileAtomic(this.file, kept.length ? `${kept.join('\n')}\n` : '');
    return lines.length - kept.length;
  }
}

/**
 * Which records a checkpoint at (phase, step, pretrainStep) had already seen, for `retain`.
 * Pretraining records carry `pretrainStep`; a checkpoint has seen the records at its own step
 * except the end-of-run ones (an epoch-end checkpoint has seen its epoch record, a mid-epoch one
 * has no record at that step yet).
 */
export function recordsSeenByCheckpoint(
  phase: 'pretrain' | 'casm',
  step: number,
  pretrainStep: number,
): (r: MetricsRecord) => boolean {
  const seenAt = (r: MetricsRecord) => r.kind !== 'localization' && r.kind !== 'done' && r.kind !== 'selected';
  return (r) => {
    if (typeof r.pretrainStep === 'number') {
      if (phase === 'casm') return true;
      return r.pretrainStep < pretrainStep || (r.pretrainStep === pretrainStep && seenAt(r));
    }
    if (phase === 'pretrain') return false;
    return r.step < step || (r.step === step && seenAt(r));
  };
}
