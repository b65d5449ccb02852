// The key of a fixture cached across test runs (e.g. a trained run in the temp folder): a hash of
// everything that decides its content, namely the TypeScript sources, the addon binary in use and
// the files that define the fixture. A hand-bumped version constant was the key before; it is
// forgotten when a source changes, and a stale fixture then tests old outputs.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadAddonWithLocation } from '../src/native/loader.js';

const repo = path.resolve(import.meta.dirname, '..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** First 16 hex digits of sha256 over src/, the loaded addon binary and `files` (paths and bytes). */
export function fixtureKey(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of [...filesUnder(path.join(repo, 'src')), loadAddonWithLocation().location.path, ...files]) {
    hash.update(`${path.relative(repo, file)}\0`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}
