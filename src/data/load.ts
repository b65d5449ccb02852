// One entry point for every dataset layout: detects the format, reads the manifest into a
// Dataset, then narrows it to the requested classes.
import { access, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readClassListFile } from './class-list.js';
import { isDirectory, loadImageNet } from './imagenet.js';
import { forEachLimited } from './imagenet-boxes.js';
import { loadJsonl } from './jsonl.js';
import { SkipLog } from './skips.js';
import { parseClassRanges, subsetClassIndices } from './subsets.js';
import type { Dataset } from './types.js';
import { loadWsol } from './wsol.js';

export type DatasetFormat = 'auto' | 'imagenet' | 'wsol' | 'jsonl';

export interface LoadDatasetOptions {
  /** A dataset folder, or a .jsonl manifest. */
  data: string;
  /** Split name: train, val, test… (a folder, a metadata/<split>/ folder or <split>.jsonl). */
  split: string;
  format?: DatasetFormat;
  /**
   * Restricts the class list: a file of class ids (one per line, first token; a line may also be
   * an index range), or index ranges such as "0-49,100". Labels are renumbered 0..k−1 in the
   * original order, so the same --classes gives the same labels on every split.
   */
  classes?: string;
  /**
   * Keeps only the samples of the paper's class subsets, e.g. "A", "B-F" or "BCDEF", computed over
   * the (possibly restricted) class list. Labels and the class list are NOT renumbered, so a model
   * trained on "B-F" is evaluated on "A" with the same output layer.
   */
  subset?: string;
  /** Fail at the first bad manifest line or missing file instead of skipping it. */
  strict?: boolean;
  /** Synset words file for ImageNet class names. */
  synsets?: string;
  /** ImageNet annotation source (LOC_*_solution.csv or XML folder) instead of the usual places. */
  boxes?: string;
  /** Check that every listed image file exists (default true; folder layouts need no check). */
  checkFiles?: boolean;
  /**
   * Let manifest paths (JSONL, wsolevaluation) point outside the dataset folder: absolute paths
   * elsewhere or ../ escapes. Off by default: such lines are skipped (an error with strict).
   */
  allowOutsideRoot?: boolean;
}

export async function detectFormat(data: string, split: string): Promise<Exclude<DatasetFormat, 'auto'>> {
  if (data.endsWith('.jsonl')) return 'jsonl';
  if (!(await isDirectory(data))) throw new Error(`dataset ${data} is neither a folder nor a .jsonl manifest`);
  if (await isDirectory(join(data, 'metadata', split))) return 'wsol';
  if (await exists(join(data, `${split}.jsonl`))) return 'jsonl';
  if (await isDirectory(join(data, split))) return 'imagenet';
  throw new Error(
    `cannot tell the layout of ${data} for split "${split}": looked for metadata/${split}/ (wsolevaluation), ${split}.jsonl and ${split}/ (ImageNet folders)`,
  );
}

export async function loadDataset(options: LoadDatasetOptions): Promise<Dataset> {
  const data = resolve(options.data);
  const format =
    !options.format || options.format === 'auto' ? await detectFormat(data, options.split) : options.format;
  const log = new SkipLog(options.strict ?? false);
  let dataset: Dataset;
  switch (format) {
    case 'imagenet':
      dataset = await loadImageNet(data, options.split, { synsets: options.synsets, boxes: options.boxes }, log);
      break;
    case 'wsol':
      dataset = await loadWsol(data, options.split, log, { allowOutsideRoot: options.allowOutsideRoot });
      break;
    case 'jsonl':
      dataset = await loadJsonl(
        data.endsWith('.jsonl') ? data : join(data, `${options.split}.jsonl`),
        options.split,
        log,
        { allowOutsideRoot: options.allowOutsideRoot },
      );
      break;
  }
  if (format !== 'imagenet' && options.checkFiles !== false) await dropMissingFiles(dataset, log);
  if (options.classes) dataset = await restrictClasses(dataset, options.classes);
  if (options.subset) dataset = keepSubsets(dataset, options.subset);
  return dataset;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function dropMissingFiles(dataset: Dataset, log: SkipLog): Promise<void> {
  const missing = new Set<number>();
  await forEachLimited(dataset.samples, 64, async (sample, index) => {
    let problem: string | undefined;
    try {
      const info = await stat(sample.path);
      if (!info.isFile()) problem = 'not a file';
    } catch {
      problem = 'missing file';
    }
    if (problem) {
      missing.add(index);
      log.skip(sample.origin, `${problem}: ${sample.path}`);
    }
  });
  if (missing.size > 0) dataset.samples = dataset.samples.filter((_, index) => !missing.has(index));
}

/** Class indices named by a --classes value: a file of ids/ranges, or a range list. */
export async function resolveClassSelection(spec: string, classIds: readonly string[]): Promise<number[]> {
  const isFileSpec = await stat(spec).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!isFileSpec) return parseClassRanges(spec, classIds.length);
  const indexOf = new Map(classIds.map((id, i) => [id, i]));
  const picked = new Set<number>();
  for (const entry of await readClassListFile(spec)) {
    const index = indexOf.get(entry.id);
    if (index !== undefined) picked.add(index);
    else if (/^\d+(-\d+)?$/.test(entry.id)) for (const i of parseClassRanges(entry.id, classIds.length)) picked.add(i);
    else throw new Error(`${spec}:${entry.line}: class ${entry.id} is not in the dataset's class list`);
  }
  if (picked.size === 0) throw new Error(`${spec}: names no class`);
  return [...picked].sort((x, y) => x - y);
}

async function restrictClasses(dataset: Dataset, spec: string): Promise<Dataset> {
  const picked = await resolveClassSelection(spec, dataset.classIds);
  const renumber = new Map(picked.map((oldIndex, newIndex) => [oldIndex, newIndex]));
  return {
    ...dataset,
    classIds: picked.map((i) => dataset.classIds[i]!),
    classNames: picked.map((i) => dataset.classNames[i]!),
    samples: dataset.samples.filter((s) => renumber.has(s.label)).map((s) => ({ ...s, label: renumber.get(s.label)! })),
  };
}

function keepSubsets(dataset: Dataset, spec: string): Dataset {
  const keep = new Set(subsetClassIndices(spec, dataset.classIds.length));
  return { ...dataset, samples: dataset.samples.filter((s) => keep.has(s.label)) };
}
