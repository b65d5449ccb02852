// What `casm-native report --json` prints: the report's content without its pictures (data: URIs
// are of no use in a terminal or a pipeline), one JSON object.
import type { ReportData } from '../viz/report-html.js';

export function reportSummary(file: string, data: ReportData) {
  return {
    file,
    title: data.title,
    settings: Object.fromEntries(data.settings),
    metrics: data.metrics?.rows ?? null,
    maskStats: data.maskStats,
    examples: data.grid.map((g) => ({
      caption: g.caption,
      truth: g.truth,
      predicted: g.predicted,
      probability: g.probability,
      box: g.box,
      groundTruth: g.groundTruth,
    })),
    notes: data.notes,
  };
}
