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
   * Keeps the records a checkpoint at `step` had already seen. `keep(record)` decides about records
   * at exactly `step` (an epoch-end checkpoint has seen its epoch record, a mid-epoch one has not).
   */
  async truncateAfter(step: number, keepAtStep: (record: MetricsRecord) => boolean): Promise<number> {
    if (!existsSync(this.file)) return 0;
    const lines = readFileSync(this.file, 'utf8').split('\n').filter((l) => l.trim().length > 0);
    const kept: string[] = [];
    for (const line of lines) {
      let record: MetricsRecord;
      try {
        record = JSON.parse(line) as MetricsRecord;
      } catch {
        continue; // a torn last line from a killed process
      }
      if (record.step < step || (record.step === step && keepAtStep(record))) kept.push(line);
    }
    await writeFileAtomic(this.file, kept.length ? `${kept.join('\n')}\n` : '');
    return lines.length - kept.length;
  }
}
