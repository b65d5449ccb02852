// Fig. 3 as an SVG drawn by hand (no plotting dependency): three panels — masked-in, masked-out,
// inpainted masked-out — with one dot per classifier for Baseline and for CASM, accuracy on the
// y axis. Dots are jittered along x, as in the paper, so that equal values stay visible.

export interface Fig3Point {
  model: string;
  classifier: string;
  /** The classifier the saliency models started from (drawn in orange; others blue). */
  own: boolean;
  maskedIn: number;
  maskedOut: number;
  inpainted: number;
}

const PANELS = [
  { key: 'maskedIn', title: 'masked-in images' },
  { key: 'maskedOut', title: 'masked-out images' },
  { key: 'inpainted', title: 'inpainted masked-out images' },
] as const;

export function fig3Svg(points: readonly Fig3Point[], models: readonly string[], caption: string): string {
  const pw = 220;
  const ph = 220;
  const left = 50;
  const top = 30;
  const gap = 30;
  const width = left + PANELS.length * (pw + gap);
  const height = top + ph + 96;
  const y = (acc: number) => top + ph - (acc / 100) * ph;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  PANELS.forEach((panel, p) => {
    const x0 = left + p * (pw + gap);
    parts.push(`<text x="${x0 + pw / 2}" y="${top - 10}" text-anchor="middle" font-size="12">${panel.title}</text>`);
    parts.push(`<rect x="${x0}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
    for (let t = 0; t <= 100; t += 20) {
      parts.push(`<line x1="${x0}" x2="${x0 + pw}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`);
      if (p === 0) parts.push(`<text x="${x0 - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`);
    }
    models.forEach((model, m) => {
      const cx = x0 + ((m + 0.5) * pw) / models.length;
      parts.push(`<text x="${cx}" y="${top + ph + 16}" text-anchor="middle">${escapeXml(model)}</text>`);
      const mine = points.filter((q) => q.model === model);
      mine.forEach((q, k) => {
        // Deterministic jitter: spread the dots evenly around the column centre.
        const jitter = mine.length > 1 ? (k / (mine.length - 1) - 0.5) * 24 : 0;
        const colour = q.own ? '#f28e2b' : '#4e79a7';
        parts.push(
          `<circle cx="${(cx + jitter).toFixed(1)}" cy="${y(q[panel.key]).toFixed(1)}" r="4.5" fill="${colour}" fill-opacity="0.85"><title>${escapeXml(`${q.classifier}: ${q[panel.key].toFixed(1)}%`)}</title></circle>`,
        );
      });
    });
  });
  parts.push(
    `<text x="14" y="${top + ph / 2}" transform="rotate(-90 14 ${top + ph / 2})" text-anchor="middle">accuracy (%)</text>`,
  );
  const ly = top + ph + 40;
  parts.push(
    `<circle cx="${left + 6}" cy="${ly}" r="4.5" fill="#f28e2b"/><text x="${left + 16}" y="${ly + 4}">f(0): the classifier both saliency models started from</text>`,
  );
  parts.push(
    `<circle cx="${left + 6}" cy="${ly + 16}" r="4.5" fill="#4e79a7"/><text x="${left + 16}" y="${ly + 20}">independently trained classifiers (other seeds)</text>`,
  );
  parts.push(`<text x="${left}" y="${ly + 40}" fill="#555">${escapeXml(caption)}</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
