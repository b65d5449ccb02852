// Reads a run's metrics.jsonl (src/train/metrics-log.ts) for the report. A killed run can leave a
// torn last line; unparseable lines are skipped rather than failing the report.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { METRICS_FILE, type MetricsRecord } from '../train/metrics-log.js';

export function readTrainingLog(runDir: string): MetricsRecord[] {
  const file = path.join(runDir, METRICS_FILE);
  if (!existsSync(file)) return [];
  const records: MetricsRecord[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as MetricsRecord;
      if (r && typeof r.kind === 'string' && typeof r.step === 'number') records.push(r);
    } catch {
      // torn line
    }
  }
  return records;
}
