// The demo dataset on first use: fashion-loc with given settings, generated once into a cache
// folder and reused. Generation writes into a temporary sibling folder and renames it into place,
// so an interrupted run never leaves a half-written dataset behind.
//
// The cache key holds a fingerprint of the generator's own code, so any change to the generator
// invalidates data written by an older one (a hand-bumped version number was forgotten once, and
// two different results for the same command were traced to stale data).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FashionLocOptions, generateFashionLoc } from '../fashion-loc.js';

/** The modules whose code decides what the generator writes, relative to src/data (or dist/data). */
const GENERATOR_MODULES = ['fashion-loc', 'fashion-scene', 'random', 'idx'];

let fingerprint: string | null = null;

/** sha256 (first 12 hex digits) of the generator modules' code as this process runs it. */
export function generatorFingerprint(): string {
  if (fingerprint) return fingerprint;
  const here = fileURLToPath(import.meta.url);
  const extension = here.endsWith('.ts') ? '.ts' : '.js';
  const hash = createHash('sha256');
  for (const name of GENERATOR_MODULES) hash.update(readFileSync(join(here, '..', '..', `${name}${extension}`)));
  fingerprint = hash.digest('hex').slice(0, 12);
  return fingerprint;
}

/** CASM_NATIVE_CACHE, else $XDG_CACHE_HOME/casm-native, else ~/.cache/casm-native. */
export function cacheRoot(): string {
  if (process.env.CASM_NATIVE_CACHE) return process.env.CASM_NATIVE_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'casm-native');
}

export interface EnsureFashionLocOptions extends Partial<Omit<FashionLocOptions, 'out' | 'onProgress'>> {
  /** Cache folder (default cacheRoot()). */
  cache?: string;
  /** Progress lines when it generates: what and where, one per quarter of the work, then the time it took. */
  onProgress?: (line: string) => void;
}

/** Returns the folder of the demo dataset, generating it first if needed. */
export async function ensureFashionLoc(options: EnsureFashionLocOptions = {}): Promise<string> {
  const { cache = cacheRoot(), onProgress, ...settings } = options;
  const key = [
    `fashion-loc-${generatorFingerprint()}`,
    `s${settings.size ?? 128}`,
    settings.duplicate ? 'dup' : 'single',
    `n${settings.train ?? 2000}-${settings.val ?? 500}-${settings.test ?? 500}`,
    `seed${settings.seed ?? 0}`,
    ...(settings.classes
      ? [
          `c${settings.classes.length}-${createHash('sha256').update(settings.classes.join(',')).digest('hex').slice(0, 6)}`,
        ]
      : []),
    ...(settings.itemScale ? [`item${settings.itemScale.join('-')}`] : []),
  ].join('-');
  const dir = join(cache, key);
  const ready = join(dir, 'metadata', 'generator.json');
  if (
    await access(ready).then(
      () => true,
      () => false,
    )
  )
    return dir;

  await mkdir(cache, { recursive: true });
  const partial = `${dir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  onProgress?.(`generating the fashion-loc demo dataset in ${dir}`);
  const started = Date.now();
  let lastQuarter = 0;
  try {
    await generateFashionLoc({
      ...settings,
      out: partial,
      onProgress: (done, total) => {
        const quarter = Math.floor((4 * done) / total);
        if (quarter > lastQuarter) {
          lastQuarter = quarter;
          onProgress?.(`fashion-loc: ${done}/${total} images`);
        }
      },
    });
    await rm(dir, { recursive: true, force: true });
    await rename(partial, dir);
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    throw err;
  }
  onProgress?.(`fashion-loc: generated in ${((Date.now() - started) / 1000).toFixed(1)} s (${dir})`);
  return dir;
}
