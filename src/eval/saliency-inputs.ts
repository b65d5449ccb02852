// What `casm-native saliency INPUTS…` turns into a list of images: an image file as is; a .jsonl
// manifest or a dataset folder (any layout src/data reads) as its split's images; any other folder
// as the image files under it (recursively, sorted, by extension).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { detectFormat, loadDataset } from '../data/load.js';
import type { Box } from '../data/types.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.avif', '.bmp']);

/** One image to compute saliency for, with its output name and what its dataset knows about it. */
export interface SaliencyInput {
  /** Absolute path of the image file. */
  path: string;
  /** File name stem for the outputs, unique within one run. */
  name: string;
  /** Ground-truth boxes in original pixels, when the input came from a dataset that has them. */
  boxes?: Box[];
  /** The class the dataset assigns, when the input came from one. */
  label?: { index: number; classId: string };
}

type Found = Omit<SaliencyInput, 'name'>;

/** Expands the inputs of `saliency` (files, folders, manifests, datasets) into a list of images. */
export async function resolveSaliencyInputs(
  inputs: readonly string[],
  opts: { split?: string; allowOutsideRoot?: boolean } = {},
): Promise<SaliencyInput[]> {
  const split = opts.split ?? 'val';
  const found: Found[] = [];
  for (const input of inputs) {
    const resolved = path.resolve(input);
    const info = await fs.stat(resolved).catch(() => null);
    if (!info) throw new Error(`${input}: no such file or folder`);
    if (info.isFile() && !resolved.endsWith('.jsonl')) {
      found.push({ path: resolved });
    } else if (info.isFile() || (await isDataset(resolved, split))) {
      const dataset = await loadDataset({
        data: resolved,
        split: resolved.endsWith('.jsonl') ? path.basename(resolved, '.jsonl') : split,
        allowOutsideRoot: opts.allowOutsideRoot,
      });
      for (const s of dataset.samples) {
        found.push({
          path: s.path,
          boxes: s.boxes,
          label: { index: s.label, classId: dataset.classIds[s.label] ?? String(s.label) },
        });
      }
    } else {
      found.push(...(await imageFilesUnder(resolved)).map((p) => ({ path: p })));
    }
  }
  return uniqueNames(found);
}

async function isDataset(dir: string, split: string): Promise<boolean> {
  try {
    await detectFormat(dir, split);
    return true;
  } catch {
    return false;
  }
}

async function imageFilesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return (
    entries
      .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
      // Dirent.parentPath arrived in Node 20.12; earlier 20.x releases call it `path`.
      .map((e) =>
        path.join((e as { parentPath?: string }).parentPath ?? (e as unknown as { path: string }).path, e.name),
      )
      .sort()
  );
}

/** Output stems: the file's stem, made safe, with -2, -3… when two inputs share one. */
function uniqueNames(found: readonly Found[]): SaliencyInput[] {
  const used = new Map<string, number>();
  return found.map((f) => {
    const stem = path.basename(f.path, path.extname(f.path)).replace(/[^A-Za-z0-9._-]+/g, '_') || 'image';
    const count = (used.get(stem) ?? 0) + 1;
    used.set(stem, count);
    return { ...f, name: count === 1 ? stem : `${stem}-${count}` };
  });
}
