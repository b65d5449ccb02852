// Renders the run report as ONE self-contained HTML page: images arrive as data: URIs, charts as
// inline SVG, styles inline; no script, no external resource, so the file can be mailed or archived
// and still show everything. This file only lays out what src/eval/run-report.ts collected.
import { escapeHtml } from './html-escape.js';

/** One row of the run report's scores table. */
export interface ReportMetricsRow {
  name: string;
  LE: number | null;
  OM: number | null;
  F1: number | null;
  F1a: number | null;
  MaxBoxAccV2: number | null;
  top1: number | null;
}

/** One row of the run report's mask-statistics table. */
export interface ReportMaskStatsRow {
  name: string;
  mean: number;
  std: number;
  entropy: number;
  tv: number;
}

/** One example image of the run report, with its captions. */
export interface ReportGridRow {
  caption: string;
  /** The dataset's class of the image, and the model's top-1 class with its softmax probability. */
  truth: string;
  predicted: string;
  probability: number;
  /** Predicted box and ground-truth boxes in the pictures' pixels (x1, y1 exclusive), as drawn. */
  box: { x0: number; y0: number; x1: number; y1: number } | null;
  groundTruth: { x0: number; y0: number; x1: number; y1: number }[];
  /** data: URIs. */
  original: string;
  overlay: string;
  maskedIn: string;
  maskedOut: string;
  inpainted: string;
}

/** Everything the run report shows; {@link renderReportHtml} turns it into a page. */
export interface ReportData {
  title: string;
  subtitle: string;
  /** Key facts about the run (architecture, preset, steps…), shown as a definition list. */
  facts: [string, string][];
  /** The run's training settings as [label, value] rows (empty when unknown). */
  settings: [string, string][];
  metrics: { caption: string; rows: ReportMetricsRow[] } | null;
  maskStats: ReportMaskStatsRow[];
  grid: ReportGridRow[];
  /** Inline SVG charts. */
  charts: string[];
  notes: string[];
}

const pct = (v: number | null) => (v === null || !Number.isFinite(v) ? '–' : (100 * v).toFixed(1));
const sci = (v: number) =>
  Number.isFinite(v) ? (Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(4) : v.toExponential(2)) : '–';

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:22px;margin-bottom:2px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#666;margin-top:0}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;padding:4px 10px;text-align:right}
th:first-child,td:first-child{text-align:left}thead th{background:#f3f3f3}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 14px;font-size:13px}dt{color:#666}dd{margin:0}
.grid td,.grid th{text-align:center;border:none;padding:3px}.grid img{width:140px;height:140px;image-rendering:pixelated;display:block}
td.text,#settings th{text-align:left}td.text{word-break:break-all}.grid .pred{font-weight:normal;font-size:12px;color:#444}
.charts{display:flex;flex-wrap:wrap;gap:12px}.note{color:#666;font-size:12px}caption{caption-side:bottom;font-size:12px;color:#666;text-align:left;padding-top:4px}
`;

/** Renders the run report as one self-contained HTML page. */
export function renderReportHtml(data: ReportData): string {
  const e = escapeHtml;
  const parts: string[] = [];
  parts.push(
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${e(data.title)}</title><style>${STYLE}</style></head><body>`,
  );
  parts.push(`<h1>${e(data.title)}</h1><p class="sub">${e(data.subtitle)}</p>`);
  if (data.facts.length)
    parts.push(`<dl>${data.facts.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join('')}</dl>`);

  parts.push('<h2>Localisation</h2>');
  if (data.metrics) {
    parts.push(
      '<table id="metrics"><thead><tr><th>masks</th><th>LE %</th><th>OM %</th><th>F1 %</th><th>F1a %</th><th>MaxBoxAccV2 %</th><th>top-1 %</th></tr></thead><tbody>',
    );
    for (const r of data.metrics.rows) {
      parts.push(
        `<tr><td>${e(r.name)}</td><td>${pct(r.LE)}</td><td>${pct(r.OM)}</td><td>${pct(r.F1)}</td><td>${pct(r.F1a)}</td><td>${pct(r.MaxBoxAccV2)}</td><td>${pct(r.top1)}</td></tr>`,
      );
    }
    parts.push(`</tbody><caption>${e(data.metrics.caption)}</caption></table>`);
  } else {
    parts.push('<p class="note">No localisation scores: the evaluation split has no ground-truth boxes.</p>');
  }

  parts.push('<h2>Mask statistics</h2>');
  if (data.maskStats.length) {
    parts.push(
      '<table id="mask-stats"><thead><tr><th>masks</th><th>mean</th><th>std of means</th><th>entropy</th><th>total variation</th></tr></thead><tbody>',
    );
    for (const s of data.maskStats)
      parts.push(
        `<tr><td>${e(s.name)}</td><td>${sci(s.mean)}</td><td>${sci(s.std)}</td><td>${sci(s.entropy)}</td><td>${sci(s.tv)}</td></tr>`,
      );
    parts.push('</tbody></table>');
  }

  parts.push('<h2>Settings</h2>');
  if (data.settings.length) {
    parts.push('<table id="settings"><thead><tr><th>setting</th><th>value</th></tr></thead><tbody>');
    for (const [k, v] of data.settings) parts.push(`<tr><td>${e(k)}</td><td class="text">${e(v)}</td></tr>`);
    parts.push('</tbody></table>');
  } else {
    parts.push('<p class="note">The training settings are unknown (the model came from a bare weights file).</p>');
  }

  parts.push("<h2>Examples (as in the paper's Fig. 2)</h2>");
  if (data.grid.length) {
    parts.push(
      '<table class="grid" id="examples"><thead><tr><th></th><th>original</th><th>mask overlay and boxes</th><th>masked-in</th><th>masked-out</th><th>inpainted</th></tr></thead><tbody>',
    );
    for (const g of data.grid) {
      const img = (src: string, alt: string) => `<td><img src="${src}" alt="${e(alt)}" width="140" height="140"></td>`;
      parts.push(
        `<tr><th>${e(g.caption)}<br><span class="pred">predicted: ${e(g.predicted)} (${pct(g.probability)}%)${g.predicted === g.truth ? ' ✓' : ''}</span></th>${img(g.original, 'original')}${img(g.overlay, 'overlay')}${img(g.maskedIn, 'masked-in')}${img(g.maskedOut, 'masked-out')}${img(g.inpainted, 'inpainted')}</tr>`,
      );
    }
    parts.push(
      '</tbody><caption>Overlay: predicted box (largest component of the binarised mask, as scored) in magenta, ground-truth boxes in white.</caption></table>',
    );
  } else {
    parts.push('<p class="note">No example images.</p>');
  }

  parts.push('<h2>Training curves</h2>');
  parts.push(
    data.charts.length
      ? `<div class="charts">${data.charts.join('')}</div>`
      : '<p class="note">No training log (metrics.jsonl) found.</p>',
  );

  if (data.notes.length)
    parts.push(`<h2>Notes</h2><ul>${data.notes.map((n) => `<li class="note">${e(n)}</li>`).join('')}</ul>`);
  parts.push('</body></html>\n');
  return parts.join('\n');
}
