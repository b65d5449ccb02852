// clovaai/wsolevaluation metadata, the common format of WSOL benchmarks:
//   metadata/<split>/image_ids.txt    one image path per line (relative to the image root)
//   metadata/<split>/class_labels.txt "path,label"
//   metadata/<split>/image_sizes.txt  "path,width,height"   (optional)
//   metadata/<split>/localization.txt "path,x0,y0,x1,y1", one line per box (optional)
// Images live under images/ (or the root itself), and must stay inside the root (see confine.ts). Class names are not part of the format; we read
// metadata/classes.txt when present (our generator writes it), else the labels are numbered.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readClassListFile } from './class-list.js';
import { confinePath } from './confine.js';
import { isDirectory } from './imagenet.js';
import type { SkipLog } from './skips.js';
import { boxProblem } from './transform-geometry.js';
import type { Box, Dataset, Sample } from './types.js';

interface Row {
  fields: string[];
  origin: string;
}

async function readRows(path: string, optional: boolean): Promise<Row[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  const rows: Row[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() !== '') rows.push({ fields: line.split(',').map((f) => f.trim()), origin: `${path}:${i + 1}` });
  });
  return rows;
}

/** Highest label in any split's class_labels.txt, so that every split agrees on the class count. */
async function highestLabel(metadataDir: string): Promise<number> {
  let highest = -1;
  for (const split of await readdir(metadataDir, { withFileTypes: true })) {
    if (!split.isDirectory()) continue;
    for (const row of await readRows(join(metadataDir, split.name, 'class_labels.txt'), true)) {
      const label = Number(row.fields[1]);
      if (Number.isInteger(label) && label > highest) highest = label;
    }
  }
  return highest;
}

export async function loadWsol(
  root: string,
  split: string,
  log: SkipLog,
  opts: { allowOutsideRoot?: boolean } = {},
): Promise<Dataset> {
  const metadataDir = join(root, 'metadata');
  const dir = join(metadataDir, split);
  if (!(await isDirectory(dir))) throw new Error(`${root}: no metadata/${split}/ folder`);
  const imageRoot = (await isDirectory(join(root, 'images'))) ? join(root, 'images') : root;

  let classIds: string[];
  let classNames: string[];
  const classesFile = join(metadataDir, 'classes.txt');
  const listed = await readClassListFile(classesFile).catch(() => undefined);
  if (listed) {
    classIds = listed.map((e) => e.id);
    classNames = listed.map((e) => e.name ?? e.id);
  } else {
    const count = (await highestLabel(metadataDir)) + 1;
    classIds = Array.from({ length: count }, (_, i) => String(i));
    classNames = [...classIds];
  }

  const labels = new Map<string, { label: number; origin: string }>();
  // Images whose label line was reported as bad: their image_ids line is not reported again.
  const reported = new Set<string>();
  for (const row of await readRows(join(dir, 'class_labels.txt'), false)) {
    const [path, text] = row.fields;
    const label = Number(text);
    if (path) reported.add(path);
    if (row.fields.length !== 2 || !path) {
      log.skip(row.origin, 'malformed line: expected "path,label"');
    } else if (!Number.isInteger(label) || text === '') {
      log.skip(row.origin, `malformed line: label "${text}" is not an integer`);
    } else if (label < 0 || label >= classIds.length) {
      log.skip(row.origin, `label out of range: ${label} is not in 0..${classIds.length - 1}`);
    } else {
      reported.delete(path);
      labels.set(path, { label, origin: row.origin });
    }
  }

  const sizes = new Map<string, { width: number; height: number }>();
  for (const row of await readRows(join(dir, 'image_sizes.txt'), true)) {
    const [path, w, h] = row.fields;
    const width = Number(w);
    const height = Number(h);
    if (row.fields.length !== 3 || !path || !(width > 0) || !(height > 0))
      log.skip(row.origin, 'malformed line: expected "path,width,height"');
    else sizes.set(path, { width, height });
  }

  const boxes = new Map<string, Box[]>();
  const badBoxes = new Map<string, string>();
  for (const row of await readRows(join(dir, 'localization.txt'), true)) {
    const [path, ...coords] = row.fields;
    const [x0, y0, x1, y1] = coords.map(Number) as [number, number, number, number];
    if (!path || coords.length !== 4 || !coords.every((c) => c !== '' && Number.isFinite(Number(c)))) {
      log.skip(row.origin, 'malformed line: expected "path,x0,y0,x1,y1"');
      continue;
    }
    const box = { x0, y0, x1, y1 };
    const size = sizes.get(path);
    const problem = boxProblem(box, size?.width, size?.height);
    if (problem) {
      badBoxes.set(path, `${row.origin}: ${problem}`);
      continue;
    }
    const list = boxes.get(path) ?? [];
    list.push(box);
    boxes.set(path, list);
  }

  const samples: Sample[] = [];
  for (const row of await readRows(join(dir, 'image_ids.txt'), false)) {
    const id = row.fields.join(',');
    const labelled = labels.get(id);
    if (!labelled) {
      if (!reported.has(id)) log.skip(row.origin, `no class label for ${id}`);
      continue;
    }
    const confined = confinePath(root, imageRoot, id, opts.allowOutsideRoot ?? false);
    if (confined.problem !== undefined) {
      log.skip(row.origin, confined.problem);
      continue;
    }
    const bad = badBoxes.get(id);
    if (bad) {
      log.skip(row.origin, `bad box (${bad})`);
      continue;
    }
    samples.push({
      path: confined.path,
      label: labelled.label,
      boxes: boxes.get(id) ?? [],
      ...sizes.get(id),
      origin: row.origin,
    });
  }
  return { root, split, classIds, classNames, samples, skipped: log.records };
}
