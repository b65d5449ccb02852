// Text output of `casm-native eval`: the localisation table and the Fig. 3 table.
import type { AgnosticismResult } from '../eval/classifier-agnosticism.js';
import type { LocalisationEvalResult } from '../eval/localisation.js';

const pct = (v: number | null) => (v === null || !Number.isFinite(v) ? '–' : `${(100 * v).toFixed(2)} %`);
const val = (v: number) => (Number.isFinite(v) ? v.toPrecision(4) : '–');

export function formatLocalisation(r: LocalisationEvalResult, label: string): string {
  const lines = [
    `${label}: ${r.images} images of split "${r.split}" (${r.imagesWithBoxes} with boxes), ${r.size}x${r.size}, resize ${r.resize}`,
    `  LE           ${pct(r.LE)}`,
    `  OM           ${pct(r.OM)}`,
    `  F1           ${pct(r.F1)}`,
    `  F1a          ${pct(r.F1a)}`,
    `  MaxBoxAccV2  ${pct(r.MaxBoxAccV2)}${r.maxBoxAcc.length ? `  (${r.maxBoxAcc.map((m) => `IoU ${m.iou}: ${pct(m.accuracy)}`).join(', ')})` : ''}`,
    `  top-1        ${r.top1 !== null ? pct(r.top1) : r.source === 'files' ? '– (map files: no classifier, so no OM either)' : '– (baselines count as correct)'}`,
    'mask statistics:',
    `  mean ${val(r.maskStats.mean)}   std of means ${val(r.maskStats.std)}   entropy ${val(r.maskStats.entropy)}   total variation ${val(r.maskStats.tv)}`,
  ];
  if (r.imagesWithBoxes === 0)
    lines.push('note: no image has a ground-truth box, so LE/OM/F1/MaxBoxAccV2 are undefined');
  if (r.skipped.length)
    lines.push(
      `skipped ${r.skipped.length} unreadable images (first: ${r.skipped[0]!.origin}: ${r.skipped[0]!.reason})`,
    );
  return `${lines.join('\n')}\n`;
}

export function formatAgnosticism(r: AgnosticismResult): string {
  const width = Math.max(12, ...r.classifiers.map((c) => c.name.length));
  const head = `${'classifier'.padEnd(width)}  ${['clean', 'masked-in', 'masked-out', 'inpainted'].map((h) => h.padStart(10)).join('  ')}`;
  const rows = r.classifiers.map(
    (c) =>
      `${c.name.padEnd(width)}  ${[c.top1.clean, c.top1.maskedIn, c.top1.maskedOut, c.top1.inpainted].map((v) => `${(100 * v).toFixed(1)}`.padStart(10)).join('  ')}`,
  );
  return [
    `top-1 accuracy (%) on ${r.images} images of split "${r.split}", ${r.size}x${r.size}; binarised masks keep ${(100 * r.maskArea).toFixed(1)} % of the pixels`,
    head,
    ...rows,
    '',
  ].join('\n');
}
