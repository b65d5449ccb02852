// Finds and loads the compiled addon. Order: CASM_NATIVE_BINARY (an explicit .node file), the
// local source build (build/Release), then a prebuilt binary matching the LibTorch in use.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';
import type { NativeAddon } from './types.js';

const require = createRequire(import.meta.url);

export interface AddonLocation {
  path: string;
  source: 'env' | 'build' | 'prebuild';
}

let cached: { addon: NativeAddon; location: AddonLocation } | undefined;

/** Candidate binaries in the order they are tried. */
export function addonCandidates(): AddonLocation[] {
  const out: AddonLocation[] = [];
  const explicit = process.env.CASM_NATIVE_BINARY;
  if (explicit) out.push({ path: explicit, source: 'env' });
  out.push({ path: join(packageRoot, 'build', 'Release', 'casm_native.node'), source: 'build' });
  return out;
}

export function loadAddon(): NativeAddon {
  return loadAddonWithLocation().addon;
}

export function loadAddonWithLocation(): { addon: NativeAddon; location: AddonLocation } {
  if (cached) return cached;
  const tried: string[] = [];
  for (const candidate of addonCandidates()) {
    if (!existsSync(candidate.path)) {
      tried.push(`${candidate.path} (${candidate.source}): not found`);
      continue;
    }
    try {
      const addon = require(candidate.path) as NativeAddon;
      cached = { addon, location: candidate };
      return cached;
    } catch (e) {
      tried.push(`${candidate.path} (${candidate.source}): ${(e as Error).message.split('\n')[0]}`);
      if (candidate.source === 'env') break;
    }
  }
  throw new Error(
    'casm-native: no usable native addon.\n' +
      tried.map((t) => `  - ${t}`).join('\n') +
      '\nFixes: run `bash scripts/setup.sh` (installs LibTorch if missing and builds the addon), or ' +
      '`npm run build:native` with LIBTORCH pointing at a libtorch or PyTorch folder, or set CASM_NATIVE_BINARY to a built casm_native.node.',
  );
}
