// Training curves as inline SVG, drawn here so the report needs no charting library or script:
// axes with "nice" ticks, one polyline per series, a legend. Pure string output.
import { escapeHtml } from './html-escape.js';

export interface Series {
  name: string;
  /** [x, y] points; non-finite y values are left out. */
  points: ReadonlyArray<readonly [number, number]>;
}

export interface LineChartOptions {
  title: string;
  xLabel?: string;
  width?: number;
  height?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(1) : String(Number(v.toPrecision(4)));
}

export function renderLineChart(series: readonly Series[], opts: LineChartOptions): string {
  const width = opts.width ?? 460;
  const height = opts.height ?? 280;
  // The legend sits in one row under the axis label, so it never hides a curve.
  const margin = { left: 56, right: 12, top: 28, bottom: 58 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const clean = series
    .map((s) => ({ name: s.name, points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)) }))
    .filter((s) => s.points.length > 0);
  const head =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(opts.title)}">` +
    `<rect width="${width}" height="${height}" fill="#fff"/>` +
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${escapeHtml(opts.title)}</text>`;
  if (clean.length === 0) {
    return `${head}<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="12" fill="#777">no data</text></svg>`;
  }
  const xs = clean.flatMap((s) => s.points.map((p) => p[0]));
  const ys = clean.flatMap((s) => s.points.map((p) => p[1]));
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 0.5 * (Math.abs(y0) || 1), y1 + 0.5 * (Math.abs(y1) || 1)];
  const px = (x: number) => margin.left + ((x - x0) / (x1 - x0)) * plotW;
  const py = (y: number) => margin.top + plotH - ((y - y0) / (y1 - y0)) * plotH;
  const parts: string[] = [head];
  parts.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  );
  for (const t of niceTicks(y0, y1)) {
    const y = py(t).toFixed(1);
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    parts.push(
      `<text x="${margin.left - 4}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="10">${formatTick(t)}</text>`,
    );
  }
  for (const t of niceTicks(x0, x1)) {
    const x = px(t).toFixed(1);
    parts.push(
      `<text x="${x}" y="${margin.top + plotH + 14}" text-anchor="middle" font-size="10">${formatTick(t)}</text>`,
    );
  }
  if (opts.xLabel)
    parts.push(
      `<text x="${margin.left + plotW / 2}" y="${margin.top + plotH + 28}" text-anchor="middle" font-size="11">${escapeHtml(opts.xLabel)}</text>`,
    );
  let legendX = margin.left;
  clean.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length]!;
    const d = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.6" points="${d}"/>`);
    if (s.points.length === 1)
      parts.push(
        `<circle cx="${px(s.points[0]![0]).toFixed(1)}" cy="${py(s.points[0]![1]).toFixed(1)}" r="3" fill="${colour}"/>`,
      );
    const ly = height - 10;
    parts.push(
      `<line x1="${legendX}" x2="${legendX + 16}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`,
    );
    parts.push(
      `<text x="${legendX + 20}" y="${ly}" dominant-baseline="middle" font-size="10">${escapeHtml(s.name)}</text>`,
    );
    legendX += 32 + 6 * s.name.length; // about 6 px per character at font-size 10
  });
  parts.push('</svg>');
  return parts.join('');
}
