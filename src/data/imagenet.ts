// The ILSVRC2012 folder layout: train/<wnid>/*.JPEG, and val/ either sorted into wnid folders or
// flat with labels and boxes from LOC_val_solution.csv or a folder of per-image XML files.
// Class index = position in the sorted wnid list, as torchvision's ImageFolder assigns it.
import { readdir, stat } from 'node:fs/promises';
import { extname, join, parse } from 'node:path';
import { readClassListFile, readClassNames } from './class-list.js';
import { type AnnotationIndex, readSolutionCsv, readXmlFolder } from './imagenet-boxes.js';
import type { SkipLog } from './skips.js';
import { boxProblem } from './transform-geometry.js';
import type { Dataset, Sample } from './types.js';

/** The extensions torchvision's ImageFolder picks up; a format sharp cannot read is reported when
 * decoded, as a bad sample, rather than silently left out of the class. */
const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.bmp', '.ppm', '.pgm']);

const SYNSET_FILES = ['LOC_synset_mapping.txt', 'synset_words.txt', 'synsets.txt'];

export interface ImageNetOptions {
  /** Synset words file for class names (default: one of SYNSET_FILES in the root, if present). */
  synsets?: string;
  /** Annotation source: a LOC_*_solution.csv file or a folder of XML files (default: searched). */
  boxes?: string;
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function subfolders(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

async function imageFiles(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort();
}

/** Where the annotations of `split` usually live, in the order we look. */
function annotationCandidates(root: string, split: string): string[] {
  return [
    join(root, `LOC_${split}_solution.csv`),
    join(root, `ILSVRC2012_bbox_${split}_v3`, split),
    join(root, `ILSVRC2012_bbox_${split}_v3`),
    join(root, 'Annotations', 'CLS-LOC', split),
    join(root, 'bbox', split),
    ...(split === 'train' ? [join(root, 'Annotation')] : []),
  ];
}

async function readAnnotations(
  root: string,
  split: string,
  explicit: string | undefined,
  log: SkipLog,
): Promise<AnnotationIndex | undefined> {
  const candidates = explicit ? [explicit] : annotationCandidates(root, split);
  for (const candidate of candidates) {
    if (await isFile(candidate)) return readSolutionCsv(candidate, log);
    if (await isDirectory(candidate)) return readXmlFolder(candidate, log);
  }
  if (explicit) throw new Error(`annotation source ${explicit} is neither a file nor a folder`);
  return undefined;
}

/** Sorted wnids: from train/ when present (so every split shares one index), else the synset file,
 * else the split's own folders, else the classes its annotations mention. */
async function classIdList(
  root: string,
  splitDir: string,
  synsetFile: string | undefined,
  annotations: AnnotationIndex | undefined,
): Promise<string[]> {
  const trainDir = join(root, 'train');
  if (await isDirectory(trainDir)) {
    const ids = await subfolders(trainDir);
    if (ids.length > 0) return ids;
  }
  if (synsetFile) return (await readClassListFile(synsetFile)).map((e) => e.id).sort();
  const own = await subfolders(splitDir);
  if (own.length > 0) return own;
  const mentioned = new Set<string>();
  for (const annotation of annotations?.values() ?? []) for (const box of annotation.boxes) mentioned.add(box.classId);
  return [...mentioned].sort();
}

export async function loadImageNet(
  root: string,
  split: string,
  options: ImageNetOptions,
  log: SkipLog,
): Promise<Dataset> {
  const splitDir = join(root, split);
  if (!(await isDirectory(splitDir))) throw new Error(`${root}: no ${split}/ folder`);
  let synsetFile = options.synsets;
  if (!synsetFile) {
    for (const name of SYNSET_FILES) if (await isFile(join(root, name))) synsetFile = join(root, name);
  }
  const annotations = await readAnnotations(root, split, options.boxes, log);
  const classIds = await classIdList(root, splitDir, synsetFile, annotations);
  const classIndex = new Map(classIds.map((id, index) => [id, index]));
  const names = synsetFile ? await readClassNames(synsetFile) : new Map<string, string>();
  const samples: Sample[] = [];

  const addSample = (path: string, classId: string, origin: string): void => {
    const label = classIndex.get(classId);
    if (label === undefined) {
      log.skip(origin, `label out of range: class ${classId} is not one of the ${classIds.length} classes`);
      return;
    }
    const annotation = annotations?.get(parse(path).name);
    // Only boxes of the image's own class count (ILSVRC val XML can name other objects).
    const boxes = (annotation?.boxes ?? [])
      .filter((box) => box.classId === classId)
      .map(({ x0, y0, x1, y1 }) => ({ x0, y0, x1, y1 }));
    for (const box of boxes) {
      const problem = boxProblem(box, annotation?.width, annotation?.height);
      if (problem) {
        log.skip(annotation?.origin ?? origin, `${problem} for ${path}`);
        return;
      }
    }
    const size = annotation?.width && annotation.height ? { width: annotation.width, height: annotation.height } : {};
    samples.push({ path, label, boxes, ...size, origin: annotation?.origin ?? origin });
  };

  const folders = await subfolders(splitDir);
  const sorted = folders.length > 0;
  if (sorted) {
    for (const folder of folders) {
      for (const file of await imageFiles(join(splitDir, folder))) {
        addSample(join(splitDir, folder, file), folder, join(splitDir, folder));
      }
    }
  } else {
    if (!annotations) {
      throw new Error(
        `${splitDir} is flat (no class folders) and no labels were found; looked for ${annotationCandidates(root, split).join(', ')}`,
      );
    }
    for (const file of await imageFiles(splitDir)) {
      const path = join(splitDir, file);
      const annotation = annotations.get(parse(file).name);
      const classId = annotation?.boxes[0]?.classId;
      if (!classId) {
        log.skip(path, 'no label: image is not in the annotations');
        continue;
      }
      addSample(path, classId, annotation.origin);
    }
  }
  return {
    root,
    split,
    classIds,
    classNames: classIds.map((id) => names.get(id) ?? id),
    samples,
    skipped: log.records,
  };
}
