// The one place a training run reports through: every event goes to the caller's onProgress, and
// the events worth keeping become metrics.jsonl records ({ kind: event.type, ...event }), with
// paths relative to the run folder (a record reads the same after the folder moved, and a resumed
// run writes the same records as an uninterrupted one). During pretraining each record also carries
// the pretraining step, which resume truncates by.
import * as path from 'node:path';
import type { RunDiagnosis } from './diagnosis.js';
import type { TrainEvent } from './events.js';
import type { MetricsLog, MetricsRecord } from './metrics-log.js';

/** Fields that hold paths; records store them relative to the run folder. */
const PATH_FIELDS = ['dir', 'weights', 'checkpoint', 'file', 'from'] as const;

/** Events written to metrics.jsonl; the others (per-step, start, phase, validation progress) are for display. */
const RECORDED: ReadonlySet<TrainEvent['type']> = new Set([
  'warning',
  'checkpoint',
  'interval',
  'epoch',
  'lambda',
  'diagnosis',
  'selection',
  'selected',
  'localization',
  'done',
  'pretrain-interval',
  'pretrain-epoch',
]);

export class RunLog {
  /** Set while pretraining runs: its step count goes into every record. */
  pretrainStep: (() => number) | null = null;
  /** Watches the events for a run that is not learning and publishes its findings ('diagnosis'). */
  diagnosis: RunDiagnosis | null = null;

  constructor(
    private readonly onProgress: (event: TrainEvent) => void,
    /** null: events only, no metrics.jsonl (the ranks of a data-parallel run other than 0). */
    private readonly metrics: MetricsLog | null,
    private readonly runDir: string,
  ) {}

  publish(event: TrainEvent): void {
    this.onProgress(event);
    if (RECORDED.has(event.type)) {
      const { type, ...fields } = event;
      this.record({ kind: type, ...fields } as MetricsRecord);
    }
    for (const d of this.diagnosis?.observe(event) ?? []) this.publish({ type: 'diagnosis', ...d });
  }

  /** A record without an event (e.g. 'resume'). */
  record(record: MetricsRecord): void {
    if (!this.metrics) return;
    const r: MetricsRecord = { ...record };
    delete r.runDir;
    for (const key of PATH_FIELDS)
      if (typeof r[key] === 'string') r[key] = path.relative(this.runDir, r[key] as string) || '.';
    if (r.result && typeof r.result === 'object' && typeof (r.result as { file?: unknown }).file === 'string') {
      r.result = { ...(r.result as object), file: path.relative(this.runDir, (r.result as { file: string }).file) };
    }
    this.metrics.append(this.pretrainStep ? { ...r, pretrainStep: this.pretrainStep() } : r);
  }

  warn(step: number, message: string): void {
    this.publish({ type: 'warning', step, message });
  }
}
