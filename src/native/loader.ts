// Loads the compiled addon once per process. Which binary, and why, is decided in
// addon-decision.ts (CASM_NATIVE_BINARY, then the local build, then the prebuild matching the
// detected LibTorch, then a source build when allowed); this file does the in-process part and
// remembers the outcome.
import { createRequire } from 'node:module';
import { type AddonDecision, type CandidateVerdict, decideAddon } from './addon-decision.js';
import { loadErrorMessage } from './decision-report.js';
import { packageRoot, packageVersion } from './package-root.js';
import { preloadLibraries } from './preload.js';
import { sourceBuildRequested } from './source-build.js';
import type { NativeAddon } from './types.js';

const require = createRequire(import.meta.url);

export interface AddonLocation {
  path: string;
  source: 'env' | 'build' | 'prebuild';
  /** The prebuild variant, e.g. torch1.13-cpu. */
  variant?: string;
}

let loaded: { addon: NativeAddon; location: AddonLocation } | undefined;
let lastDecision: AddonDecision | undefined;

function loadInProcess(c: CandidateVerdict): void {
  preloadLibraries(c.preload);
  const addon = require(c.path) as NativeAddon;
  loaded = { addon, location: { path: c.path, source: c.kind, ...(c.variant ? { variant: c.variant } : {}) } };
}

/**
 * Decides and loads, once per process; later calls return the same decision. A refused decision is
 * not remembered, so a fix (a build, an env change) is seen by the next call.
 */
export function addonDecision(): AddonDecision {
  if (loaded && lastDecision) return lastDecision;
  lastDecision = decideAddon({
    packageRoot,
    addonVersion: packageVersion(),
    allowSourceBuild: sourceBuildRequested(),
    loadInProcess,
  });
  return lastDecision;
}

/** The decision made by the last load attempt in this process, without deciding again. */
export function lastAddonDecision(): AddonDecision | undefined {
  return lastDecision;
}

export function loadAddonWithLocation(): { addon: NativeAddon; location: AddonLocation } {
  if (loaded) return loaded;
  const decision = addonDecision();
  if (!loaded) throw new Error(loadErrorMessage(decision, packageRoot));
  return loaded;
}

export function loadAddon(): NativeAddon {
  return loadAddonWithLocation().addon;
}
