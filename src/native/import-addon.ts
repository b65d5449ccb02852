// The addon for callers that must not pull the loader (and, through it, the LibTorch discovery)
// into their module graph at import time: the training loop and the train command are imported by
// unit tests that run with a fake addon on machines without LibTorch.
import type { NativeAddon } from './types.js';

export async function importAddon(): Promise<NativeAddon> {
  const { loadAddon } = await import('./loader.js');
  return loadAddon();
}
