// Deliberately broken binaries are refused by the child-process load test with a clear reason; the
// test process (the user's process) never loads them and survives even one that segfaults.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { decideAddon } from '../../src/native/addon-decision.js';
import { packageVersion } from '../../src/native/package-root.js';
import { missing } from '../environment.js';
import { patchElfString, realPrebuild } from './loader-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'casm-mismatch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const working = realPrebuild()?.binary ?? join(import.meta.dirname, '../../build/Release/casm_native.node');

function refusalOf(binary: string): string {
  const d = decideAddon({
    packageRoot: tmp,
    addonVersion: packageVersion(),
    env: { CASM_NATIVE_BINARY: binary, CASM_NATIVE_CACHE_DIR: join(tmp, 'cache') },
    libtorch: { found: null, notes: [] },
  });
  expect(d.picked).toBeNull();
  // An explicit binary is the only candidate: no silent fallback to another one.
  expect(d.candidates).toHaveLength(1);
  expect(d.candidates[0]).toMatchObject({ kind: 'env', outcome: 'refused', checkedBy: 'child process' });
  return d.candidates[0].reason;
}

/** A shared object whose initialiser segfaults: the worst a mismatched LibTorch can do on load. */
function crashingLibrary(): string | null {
  const src = join(tmp, 'crash.c');
  const out = join(tmp, 'crash.node');
  writeFileSync(src, '#include <signal.h>\n__attribute__((constructor)) static void boom(void) { raise(SIGSEGV); }\n');
  try {
    execFileSync('cc', ['-shared', '-fPIC', '-o', out, src], { stdio: 'ignore' });
    return out;
  } catch {
    return null;
  }
}

describe('mismatched binaries', () => {
  it('a file that is not a shared object', () => {
    const garbage = join(tmp, 'garbage.node');
    writeFileSync(garbage, Buffer.from('this is not an ELF file, just bytes '.repeat(100)));
    expect(refusalOf(garbage)).toMatch(/load test failed: .*invalid ELF header/);
  });

  it.skipIf(missing(existsSync(working), `a working addon (${working})`))(
    'an addon linked against a LibTorch that is not installed',
    () => {
      const patched = join(tmp, 'torch-9.99.node');
      writeFileSync(patched, patchElfString(readFileSync(working), 'libtorch.so.1.13', 'libtorch.so.9.99'));
      expect(refusalOf(patched)).toMatch(/load test failed: .*libtorch\.so\.9\.99: cannot open shared object file/);
    },
  );

  const crash = crashingLibrary();
  it.skipIf(missing(crash, 'a C compiler for the crashing library'))(
    'a library that kills the process while loading',
    () => {
      expect(refusalOf(crash!)).toMatch(/crashed the child process \(it was killed by SIGSEGV\)/);
    },
  );

  it.skipIf(missing(crash, 'a C compiler for the crashing library'))(
    'loadAddon() turns it into one error with the fixes, and this process lives on',
    async () => {
      const saved = process.env.CASM_NATIVE_BINARY;
      const savedCache = process.env.CASM_NATIVE_CACHE_DIR;
      process.env.CASM_NATIVE_BINARY = crash!;
      process.env.CASM_NATIVE_CACHE_DIR = join(tmp, 'cache');
      try {
        vi.resetModules();
        const { loadAddon } = await import('../../src/native/loader.js');
        let message = '';
        try {
          loadAddon();
        } catch (e) {
          message = (e as Error).message;
        }
        expect(message).toMatch(/^casm-native: no usable native addon\./);
        expect(message).toMatch(
          /refused\s+CASM_NATIVE_BINARY: .*crash\.node: load test failed: loading it crashed the child process \(it was killed by SIGSEGV\)/,
        );
        expect(message).toMatch(/Fixes:\n.*CASM_NATIVE_BUILD_FROM_SOURCE=1/);
      } finally {
        if (saved === undefined) delete process.env.CASM_NATIVE_BINARY;
        else process.env.CASM_NATIVE_BINARY = saved;
        if (savedCache === undefined) delete process.env.CASM_NATIVE_CACHE_DIR;
        else process.env.CASM_NATIVE_CACHE_DIR = savedCache;
        vi.resetModules();
      }
    },
  );
});
