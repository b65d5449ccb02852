// Writing results: each experiment becomes <name>.json (everything, machine-readable) and
// <name>.md (the table as it is read), in the results folder.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export type Cell = string | number | null | undefined;

/** A Markdown table; numbers are printed with `digits` decimals, null/undefined/NaN as "–". */
export function markdownTable(headers: readonly string[], rows: readonly (readonly Cell[])[], digits = 1): string {
  const cell = (c: Cell) => fmt(c, digits);
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
  return lines.join('\n');
}

/** The same table as fixed-width text for the terminal. */
export function textTable(headers: readonly string[], rows: readonly (readonly Cell[])[], digits = 1): string {
  const cells = [headers.map(String), ...rows.map((r) => r.map((c) => fmt(c, digits)))];
  const widths = headers.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? '').length)));
  return cells
    .map((r, i) => r.map((c, j) => (i === 0 || j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  '))
    .join('\n');
}

export function fmt(c: Cell, digits = 1): string {
  if (c === null || c === undefined) return '–';
  if (typeof c === 'number') return Number.isFinite(c) ? c.toFixed(digits) : '–';
  return c;
}

export async function writeResult(outDir: string, name: string, json: unknown, markdown: string): Promise<void> {
  await fs.mkdir(outDir, { recursive: true });
  await fs.writeFile(path.join(outDir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  await fs.writeFile(path.join(outDir, `${name}.md`), `${markdown.trimEnd()}\n`);
}
