import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The package root: two levels above this file in both src/native and dist/native. */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
