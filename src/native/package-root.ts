// Where the package is installed, and its version: one place for both, read by the addon loader
// (the prebuild must match the package version) and by `casm-native --version`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: two levels above this file in both src/native and dist/native. */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The `version` of the package's own package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
