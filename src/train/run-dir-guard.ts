// In the ImageNet folder layout every folder under <data>/<split>/ is a class. A run folder
// created there (--out data/train/run1) would silently become a class of the next run, or of this
// one on resume, so a run folder inside a split folder of its own dataset is refused. The check is
// path arithmetic only: it runs before the run folder is created.
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

function inside(parent: string, child: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/** The reason `out` cannot be the run folder for this dataset, or undefined when it can. */
export function runDirProblem(out: string, data: string, splits: ReadonlyArray<string | null>): string | undefined {
  for (const split of splits) {
    if (!split) continue;
    const folder = join(data, split);
    if (inside(folder, out))
      return `--out ${out} is inside the dataset's ${split} folder (${resolve(folder)}), where it would be read as a class; choose a run folder outside it`;
  }
  return undefined;
}
