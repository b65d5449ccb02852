// What a test needs from the machine beyond the repository (the compiled addon, python's torch,
// Debian's LibTorch 1.13, chromium, clang, Fashion-MNIST, the prebuilds): where it is missing the
// test skips, so a partial setup can still run the rest of the suite. CI (.ci/run) sets
// CASM_STRICT_SKIPS=1, and there a missing requirement is a failure naming it instead: CI installs
// every one of them, so a skip there can only hide a broken setup. Only test/gpu skips without
// CUDA in either mode (CI machines have none).
import type { TestContext } from 'vitest';

export const STRICT_SKIPS = process.env.CASM_STRICT_SKIPS === '1';

/** True (skip) when `available` is falsy; under CASM_STRICT_SKIPS=1 it throws instead, failing the file. */
export function missing(available: unknown, what: string): boolean {
  if (available) return false;
  if (STRICT_SKIPS)
    throw new Error(`${what} is missing here; CASM_STRICT_SKIPS=1 makes that a failure instead of a skip`);
  return true;
}

/** Inside a test: skips it when `available` is falsy, or fails it under CASM_STRICT_SKIPS=1. */
export function skipUnless(ctx: TestContext, available: unknown, what: string): void {
  if (missing(available, what)) ctx.skip(`${what} is missing here`);
}
