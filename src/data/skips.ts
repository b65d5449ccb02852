// Bad input policy shared by manifest readers and the image loader: in the default mode a bad
// sample is dropped, counted and reported at the end; in strict mode the first one stops the run
// with an error that names the file (and manifest line).
import type { SkipRecord } from './types.js';

/** A problem with one sample or manifest line. `origin` is "file:line" or the image path. */
export class DataError extends Error {
  readonly origin: string;
  readonly reason: string;

  constructor(origin: string, reason: string) {
    super(`${origin}: ${reason}`);
    this.name = 'DataError';
    this.origin = origin;
    this.reason = reason;
  }
}

/** Collects skipped samples; in strict mode throws instead. */
export class SkipLog {
  readonly records: SkipRecord[] = [];
  private readonly seen = new Set<string>();

  constructor(readonly strict: boolean) {}

  /** Records (or, in strict mode, throws) a bad sample. The same origin is counted once. */
  skip(origin: string, reason: string): void {
    if (this.strict) throw new DataError(origin, reason);
    if (this.seen.has(origin)) return;
    this.seen.add(origin);
    this.records.push({ origin, reason });
  }

  get count(): number {
    return this.records.length;
  }
}

/**
 * One paragraph for the end of a run: how many samples were skipped, why (grouped by reason
 * without file-specific detail), and the first few of them. Empty string when nothing was skipped.
 */
export function formatSkipReport(records: readonly SkipRecord[], what = 'samples', firstFew = 5): string {
  if (records.length === 0) return '';
  const byReason = new Map<string, number>();
  for (const record of records) {
    const kind = reasonKind(record.reason);
    byReason.set(kind, (byReason.get(kind) ?? 0) + 1);
  }
  const reasons = [...byReason.entries()]
    .sort((x, y) => y[1] - x[1])
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
  const lines = [`skipped ${records.length} ${what} (${reasons}); first ${Math.min(firstFew, records.length)}:`];
  for (const record of records.slice(0, firstFew)) lines.push(`  ${record.origin}: ${record.reason}`);
  return lines.join('\n');
}

/** The leading words of a reason, before any detail after a colon, for grouping. */
function reasonKind(reason: string): string {
  const colon = reason.indexOf(':');
  return (colon >= 0 ? reason.slice(0, colon) : reason).trim();
}
