// ImageNet localisation annotations: Kaggle's LOC_<split>_solution.csv and the per-image Pascal VOC
// style XML files (ILSVRC2012_bbox_val_v3, Annotation/<wnid>/ for train). Coordinates are kept as
// written (the authors' scoring uses them unchanged).
import { readdir, readFile } from 'node:fs/promises';
import { join, parse } from 'node:path';
import type { SkipLog } from './skips.js';
import type { Box } from './types.js';

export interface LabelledBox extends Box {
  /** Class id (wnid) the box belongs to. */
  classId: string;
}

export interface ImageAnnotation {
  boxes: LabelledBox[];
  width?: number;
  height?: number;
  /** Where it came from: "file:line" or the XML file. */
  origin: string;
}

/** Annotations keyed by image id (the file name without extension). */
export type AnnotationIndex = Map<string, ImageAnnotation>;

/** Reads "ImageId,PredictionString" where the string is repeated "wnid x0 y0 x1 y1". */
export async function readSolutionCsv(path: string, log: SkipLog): Promise<AnnotationIndex> {
  const index: AnnotationIndex = new Map();
  const lines = (await readFile(path, 'utf8')).split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const origin = `${path}:${i + 1}`;
    if (line === '' || (i === 0 && /^ImageId\s*,/i.test(line))) return;
    const comma = line.indexOf(',');
    if (comma <= 0) return log.skip(origin, 'malformed line: expected "ImageId,PredictionString"');
    const imageId = line.slice(0, comma).trim();
    const tokens = line
      .slice(comma + 1)
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    if (tokens.length === 0 || tokens.length % 5 !== 0) {
      return log.skip(origin, 'malformed line: prediction string is not groups of "wnid x0 y0 x1 y1"');
    }
    const boxes: LabelledBox[] = [];
    for (let t = 0; t < tokens.length; t += 5) {
      const [x0, y0, x1, y1] = tokens.slice(t + 1, t + 5).map(Number) as [number, number, number, number];
      if (![x0, y0, x1, y1].every(Number.isFinite))
        return log.skip(origin, `malformed line: non-numeric box coordinate after ${tokens[t]}`);
      boxes.push({ classId: tokens[t]!, x0, y0, x1, y1 });
    }
    const existing = index.get(imageId);
    if (existing) existing.boxes.push(...boxes);
    else index.set(imageId, { boxes, origin });
  });
  return index;
}

/** Parses one VOC-style XML annotation; throws on a malformed file. */
export function parseAnnotationXml(xml: string): { boxes: LabelledBox[]; width?: number; height?: number } {
  const number = (block: string, tag: string): number => {
    const match = new RegExp(`<${tag}>\\s*([^<]*?)\\s*</${tag}>`).exec(block);
    const value = match ? Number(match[1]) : NaN;
    if (!Number.isFinite(value)) throw new Error(`missing or non-numeric <${tag}>`);
    return value;
  };
  if (!/<annotation[\s>]/.test(xml) || !/<\/annotation>/.test(xml)) throw new Error('not an <annotation> document');
  const sizeBlock = /<size>([\s\S]*?)<\/size>/.exec(xml)?.[1];
  const boxes: LabelledBox[] = [];
  for (const match of xml.matchAll(/<object>([\s\S]*?)<\/object>/g)) {
    const object = match[1]!;
    const name = /<name>\s*([^<]*?)\s*<\/name>/.exec(object)?.[1];
    const bndbox = /<bndbox>([\s\S]*?)<\/bndbox>/.exec(object)?.[1];
    if (!name || !bndbox) throw new Error('<object> without <name> or <bndbox>');
    boxes.push({
      classId: name,
      x0: number(bndbox, 'xmin'),
      y0: number(bndbox, 'ymin'),
      x1: number(bndbox, 'xmax'),
      y1: number(bndbox, 'ymax'),
    });
  }
  if (sizeBlock === undefined) return { boxes };
  return { boxes, width: number(sizeBlock, 'width'), height: number(sizeBlock, 'height') };
}

/** Reads every *.xml below `folder` (any depth, as train annotations are per class folder). */
export async function readXmlFolder(folder: string, log: SkipLog): Promise<AnnotationIndex> {
  const index: AnnotationIndex = new Map();
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  // Dirent.parentPath arrived in Node 20.12; earlier 20.x releases call it `path`.
  const folderOf = (e: (typeof entries)[number]) =>
    (e as { parentPath?: string }).parentPath ?? (e as unknown as { path: string }).path;
  const files = entries
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.xml'))
    .map((e) => join(folderOf(e), e.name));
  files.sort();
  await forEachLimited(files, 32, async (file) => {
    try {
      const parsed = parseAnnotationXml(await readFile(file, 'utf8'));
      index.set(parse(file).name, { ...parsed, origin: file });
    } catch (err) {
      log.skip(file, `malformed annotation: ${(err as Error).message}`);
    }
  });
  return index;
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
