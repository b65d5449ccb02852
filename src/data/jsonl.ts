// JSONL manifests: one JSON object per line,
//   {"path": "img/1.jpg", "label": 3 | "cat", "boxes": [[x0,y0,x1,y1], ...], "width": 500, "height": 375}
// with path relative to the manifest's folder (and inside it, see confine.ts), boxes optional ({x0,y0,x1,y1} objects also accepted).
// Classes: classes.txt next to the manifest when present (one "id [name]" per line; an integer
// label indexes it, a string label names an id). Without it, string labels are sorted and integer
// labels numbered, over every *.jsonl in the folder so that all splits share one index.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readClassListFile } from './class-list.js';
import { confinePath } from './confine.js';
import type { SkipLog } from './skips.js';
import { boxProblem } from './transform-geometry.js';
import type { Box, Dataset, Sample } from './types.js';

interface Entry {
  record: Record<string, unknown>;
  origin: string;
}

async function readEntries(file: string, log: SkipLog | undefined): Promise<Entry[]> {
  const entries: Entry[] = [];
  const lines = (await readFile(file, 'utf8')).split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const origin = `${file}:${i + 1}`;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (err) {
      log?.skip(origin, `malformed line: ${(err as Error).message}`);
      return;
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      log?.skip(origin, 'malformed line: not a JSON object');
      return;
    }
    entries.push({ record: record as Record<string, unknown>, origin });
  });
  return entries;
}

/** Class list derived from the labels of every manifest in the folder. */
async function derivedClassIds(folder: string): Promise<string[]> {
  const strings = new Set<string>();
  let highest = -1;
  for (const name of (await readdir(folder)).filter((n) => n.endsWith('.jsonl'))) {
    for (const { record } of await readEntries(join(folder, name), undefined)) {
      if (typeof record.label === 'string') strings.add(record.label);
      else if (Number.isInteger(record.label) && (record.label as number) > highest) highest = record.label as number;
    }
  }
  if (strings.size > 0 && highest >= 0)
    throw new Error(`${folder}: manifests mix string and integer labels; add a classes.txt`);
  if (strings.size > 0) return [...strings].sort();
  return Array.from({ length: highest + 1 }, (_, i) => String(i));
}

function parseBox(value: unknown): Box | undefined {
  if (Array.isArray(value) && value.length === 4 && value.every((v) => typeof v === 'number')) {
    const [x0, y0, x1, y1] = value as number[];
    return { x0: x0!, y0: y0!, x1: x1!, y1: y1! };
  }
  if (typeof value === 'object' && value !== null) {
    const { x0, y0, x1, y1 } = value as Record<string, unknown>;
    if ([x0, y0, x1, y1].every((v) => typeof v === 'number')) return { x0, y0, x1, y1 } as Box;
  }
  return undefined;
}

export async function loadJsonl(
  file: string,
  split: string,
  log: SkipLog,
  opts: { allowOutsideRoot?: boolean } = {},
): Promise<Dataset> {
  const folder = dirname(file);
  const listed = await readClassListFile(join(folder, 'classes.txt')).catch(() => undefined);
  const classIds = listed ? listed.map((e) => e.id) : await derivedClassIds(folder);
  const classNames = listed ? listed.map((e) => e.name ?? e.id) : [...classIds];
  const indexOf = new Map(classIds.map((id, i) => [id, i]));
  const samples: Sample[] = [];

  for (const { record, origin } of await readEntries(file, log)) {
    const path = record.path ?? record.image ?? record.file;
    if (typeof path !== 'string' || path === '') {
      log.skip(origin, 'malformed line: no "path" string');
      continue;
    }
    const confined = confinePath(folder, folder, path, opts.allowOutsideRoot ?? false);
    if (confined.problem !== undefined) {
      log.skip(origin, confined.problem);
      continue;
    }
    let label: number | undefined;
    if (typeof record.label === 'string') {
      label = indexOf.get(record.label);
      if (label === undefined) {
        log.skip(origin, `label out of range: "${record.label}" is not a known class`);
        continue;
      }
    } else if (Number.isInteger(record.label)) {
      label = record.label as number;
      if (label < 0 || label >= classIds.length) {
        log.skip(origin, `label out of range: ${label} is not in 0..${classIds.length - 1}`);
        continue;
      }
    } else {
      log.skip(origin, 'malformed line: "label" must be an integer or a class id');
      continue;
    }
    const width = typeof record.width === 'number' ? record.width : undefined;
    const height = typeof record.height === 'number' ? record.height : undefined;
    const rawBoxes = record.boxes ?? [];
    if (!Array.isArray(rawBoxes)) {
      log.skip(origin, 'malformed line: "boxes" must be a list');
      continue;
    }
    const boxes: Box[] = [];
    let problem: string | undefined;
    for (const raw of rawBoxes) {
      const box = parseBox(raw);
      problem = box ? boxProblem(box, width, height) : 'malformed line: a box is not [x0,y0,x1,y1]';
      if (problem) break;
      boxes.push(box!);
    }
    if (problem) {
      log.skip(origin, problem);
      continue;
    }
    samples.push({
      path: confined.path,
      label,
      boxes,
      ...(width !== undefined && height !== undefined ? { width, height } : {}),
      origin,
    });
  }
  return { root: file, split, classIds, classNames, samples, skipped: log.records };
}
