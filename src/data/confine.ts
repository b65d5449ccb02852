// Manifest paths are data, and a manifest may come from anyone: a line naming /etc/shadow or
// ../../secret.jpg must not make us read files outside the dataset. Paths are resolved against
// the dataset root and kept only when they stay inside it, unless the caller explicitly allows
// others (LoadDatasetOptions.allowOutsideRoot, the CLI's --allow-outside-root). The check is
// lexical: symbolic links inside the root are followed, since whoever can create files in the
// dataset folder already decides what it contains.
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

export const OUTSIDE_ROOT_HINT =
  'pass --allow-outside-root (allowOutsideRoot: true) to read files outside the dataset folder';

export type Confined = { path: string; problem?: undefined } | { path?: undefined; problem: string };

/** `path` (absolute, or relative to `base`) resolved, or why it is refused. */
export function confinePath(root: string, base: string, path: string, allowOutsideRoot: boolean): Confined {
  if (path.includes('\0')) return { problem: 'path contains a NUL byte' };
  const resolved = isAbsolute(path) ? resolve(path) : resolve(join(base, path));
  if (allowOutsideRoot) return { path: resolved };
  const rel = relative(resolve(root), resolved);
  const inside = rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
  return inside
    ? { path: resolved }
    : { problem: `path outside the dataset root ${resolve(root)}: ${path} (${OUTSIDE_ROOT_HINT})` };
}
