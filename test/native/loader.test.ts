// The loader picks the prebuild matching the LibTorch of its environment, refuses the others with a
// reason, loads a prebuild against a LibTorch in another folder than the one it was built with, and
// remembers a passed load test.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AddonDecision, decideAddon } from '../../src/native/addon-decision.js';
import { detectLibTorch, type LibTorchInstall, multiarchLibDir } from '../../src/native/libtorch-detect.js';
import { packageVersion } from '../../src/native/package-root.js';
import { type PrebuildManifest, variantName } from '../../src/native/variant.js';
import { missing, skipUnless } from '../environment.js';
import { fakeLibTorch, linkedLibTorch, patchElfString, realPrebuild, writeVariant } from './loader-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'casm-loader-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// The fixtures below need Debian's LibTorch 1.13 (this project's CI) and its torch1.13-cpu prebuild.
const detectedHere = detectLibTorch({ env: {} }).found;
// Debian's multiarch folder for this platform and architecture (/usr/lib/x86_64-linux-gnu on x64).
const debianLibDir = multiarchLibDir();
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const system = detectedHere?.source === 'system' && detectedHere.variant === 'torch1.13-cpu' ? detectedHere : null;
const prebuild = realPrebuild();
const cacheDir = join(tmp, 'cache');
const noBuild = join(tmp, 'no-build', 'casm_native.node');

function verdict(d: AddonDecision, variant: string) {
  return d.candidates.find((c) => c.variant === variant);
}

describe('variant names', () => {
  it('follow torch<major.minor>-<cpu|cuXYZ>', () => {
    expect(variantName('1.13.0', null)).toBe('torch1.13-cpu');
    expect(variantName('2.11.0+cu130', '13.0')).toBe('torch2.11-cu130');
    expect(variantName('2.4.1', '12.4')).toBe('torch2.4-cu124');
  });
});

describe('LibTorch detection', () => {
  it("names Debian's multiarch library folder from the platform and architecture", () => {
    expect(multiarchLibDir('linux', 'x64')).toBe('/usr/lib/x86_64-linux-gnu');
    expect(multiarchLibDir('linux', 'arm64')).toBe('/usr/lib/aarch64-linux-gnu');
    expect(multiarchLibDir('darwin', 'arm64')).toBeNull();
    expect(multiarchLibDir('linux', 'ia32')).toBeNull();
    expect(multiarchLibDir()).toBe(multiarchLibDir(process.platform, process.arch));
  });

  it.skipIf(missing(debianLibDir && existsSync(join(debianLibDir, 'cmake', 'Torch')), "Debian's libtorch-dev 1.13"))(
    'finds the system LibTorch 1.13 (CPU, C++11 ABI) of this machine',
    () => {
      expect(detectedHere).toMatchObject({ source: 'system', variant: 'torch1.13-cpu', cxx11Abi: 1 });
    },
  );

  it('prefers LIBTORCH and reads CUDA from a libtorch build-version', () => {
    const root = fakeLibTorch(join(tmp, 'libtorch-cu999'), {
      buildVersion: '9.9.0+cu999',
      abi: 0,
      libs: ['libc10.so', 'libtorch_cuda.so'],
    });
    const found = detectLibTorch({ env: { LIBTORCH: root } }).found!;
    expect(found).toMatchObject({
      source: 'LIBTORCH',
      variant: 'torch9.9-cu999',
      cuda: '99.9',
      cxx11Abi: 0,
      libDir: join(root, 'lib'),
    });
  });

  it('accepts a PyTorch site-packages folder and reads torch/version.py', () => {
    const site = join(tmp, 'site-packages');
    const torch = fakeLibTorch(join(site, 'torch'), {
      buildVersion: '2.11.0',
      abi: 1,
      libs: ['libc10.so', 'libtorch_cuda.so'],
    });
    rmSync(join(torch, 'build-version'));
    writeFileSync(join(torch, 'version.py'), "__version__ = '2.11.0+cu130'\ncuda: Optional[str] = '13.0'\n");
    const found = detectLibTorch({ env: { LIBTORCH: site } }).found!;
    expect(found).toMatchObject({ root: torch, variant: 'torch2.11-cu130', cuda: '13.0' });
  });

  it('says so when LIBTORCH names no LibTorch, instead of using another one', () => {
    const d = detectLibTorch({ env: { LIBTORCH: join(tmp, 'nothing-here') } });
    expect(d.found).toBeNull();
    expect(d.notes.join('\n')).toMatch(/LIBTORCH=.*nothing-here holds no/);
  });

  it('marks a CUDA LibTorch of unknown CUDA version as unmatchable', () => {
    const root = fakeLibTorch(join(tmp, 'libtorch-unknown-cuda'), {
      buildVersion: '2.3.0',
      abi: 1,
      libs: ['libc10.so', 'libtorch_cuda.so'],
    });
    rmSync(join(root, 'build-version'));
    const found = detectLibTorch({ env: { LIBTORCH: root } }).found!;
    expect(found.cudaVersionUnknown).toBe(true);
    expect(found.variant).toBeNull();
  });
});

describe('this environment', () => {
  // Here: the suite's PyTorch 2.13 -> torch2.13-cpu (Debian's 1.13 -> torch1.13-cpu without
  // LIBTORCH). On the GPU machine (PyTorch 2.11, CUDA 13) the same test expects torch2.11-cu130,
  // once scripts/prebuild.sh has been run there.
  const detected = detectLibTorch().found;
  const repoPrebuilds = join(import.meta.dirname, '..', '..', 'prebuilds');
  it('picks the shipped prebuild of the detected LibTorch', (ctx) => {
    skipUnless(ctx, detected?.variant, 'a LibTorch with a known variant');
    const d = decideAddon({
      packageRoot: tmp,
      addonVersion: packageVersion(),
      // The environment's LibTorch choice (the suite sets LIBTORCH), not an explicit binary.
      env: {
        ...process.env,
        CASM_NATIVE_BINARY: undefined,
        CASM_NATIVE_CACHE_DIR: join(tmp, 'cache-this-environment'),
      },
      prebuildsRoot: repoPrebuilds,
      buildBinary: noBuild,
    });
    expect(d.libtorch.found?.variant).toBe(detected!.variant);
    expect(d.picked, `no prebuild for ${detected!.variant}: run scripts/prebuild.sh`).not.toBeNull();
    expect(d.picked!.variant).toBe(detected!.variant);
    expect(d.picked!.versions!.cuda ?? null).toBe(detected!.cuda ? expect.any(String) : null);
  });
});

describe.skipIf(missing(system && prebuild, "Debian's LibTorch 1.13 and its torch1.13-cpu prebuild"))(
  'choosing a prebuild',
  () => {
    const base = prebuild?.manifest as PrebuildManifest;
    const good = prebuild ? readFileSync(prebuild.binary) : Buffer.alloc(0);
    const decide = (prebuildsRoot: string, libtorch: LibTorchInstall | null, buildBinary = noBuild) =>
      decideAddon({
        packageRoot: tmp,
        addonVersion: packageVersion(),
        env: { CASM_NATIVE_CACHE_DIR: cacheDir },
        prebuildsRoot,
        buildBinary,
        libtorch: { found: libtorch, notes: [] },
      });

    it('picks torch1.13-cpu here and refuses a fake torch9.9-cu999 beside it', () => {
      const root = join(tmp, 'prebuilds-two');
      writeVariant(root, 'torch1.13-cpu', good, {}, base);
      // A copy of the real binary with one byte changed, but a manifest that agrees with it.
      const corrupted = Buffer.from(good);
      corrupted[corrupted.length >> 1] ^= 0xff;
      writeVariant(root, 'torch9.9-cu999', corrupted, { cuda: '99.9', libtorch: '9.9.0' }, base);

      const d = decide(root, system);
      expect(d.picked?.variant).toBe('torch1.13-cpu');
      expect(d.picked?.checkedBy).toBe('child process');
      expect(d.picked?.versions?.libtorch).toMatch(/^1\.13/);
      expect(verdict(d, 'torch9.9-cu999')).toMatchObject({
        outcome: 'refused',
        reason: 'built for torch9.9-cu999; the LibTorch in use needs torch1.13-cpu',
      });
      expect(d.candidates[0]).toMatchObject({ kind: 'build', outcome: 'missing' });
    });

    it('answers the second time from the cache, and re-tests when the binary changes', () => {
      const root = join(tmp, 'prebuilds-two');
      expect(decide(root, system).picked?.checkedBy).toBe('cache');
      const other = join(tmp, 'prebuilds-rebuilt');
      // Same code, different bytes (a patched, unused string): a new sha256 means a new test.
      writeVariant(other, 'torch1.13-cpu', Buffer.concat([good, Buffer.from('\0rebuilt')]), {}, base);
      expect(decide(other, system).picked?.checkedBy).toBe('child process');
    });

    it('refuses a damaged binary whose sha256 disagrees with its manifest', () => {
      const root = join(tmp, 'prebuilds-damaged');
      const dir = writeVariant(root, 'torch1.13-cpu', good, {}, base);
      writeFileSync(join(dir, 'casm-native.node'), good.subarray(0, 4096));
      const d = decide(root, system);
      expect(d.picked).toBeNull();
      expect(verdict(d, 'torch1.13-cpu')?.reason).toMatch(/damaged: its sha256 differs/);
    });

    it('refuses a prebuild of another casm-native version or C++ ABI', () => {
      const root = join(tmp, 'prebuilds-old');
      writeVariant(root, 'torch1.13-cpu', good, { addonVersion: '0.0.1', cxx11Abi: 0 }, base);
      expect(verdict(decide(root, system), 'torch1.13-cpu')?.reason).toMatch(/built from casm-native 0\.0\.1/);
    });

    it('in a torch9.9-cu999 environment picks that variant and refuses it cleanly when it cannot load', () => {
      const root = join(tmp, 'prebuilds-two');
      const fake = fakeLibTorch(join(tmp, 'libtorch-9.9'), {
        buildVersion: '9.9.0+cu999',
        abi: 1,
        libs: [...base.needed.filter((n) => /^lib(c10|torch)/.test(n)), 'libtorch_cuda.so'],
      });
      const t = detectLibTorch({ env: { LIBTORCH: fake } }).found!;
      const d = decide(root, t);
      // The matching variant is tried first; its empty LibTorch libraries make the child fail.
      expect(d.candidates.find((c) => c.kind === 'prebuild')?.variant).toBe('torch9.9-cu999');
      expect(verdict(d, 'torch9.9-cu999')).toMatchObject({ outcome: 'refused', checkedBy: 'child process' });
      expect(verdict(d, 'torch9.9-cu999')?.reason).toMatch(
        /load test failed: cannot preload .*libtorch-9\.9\/lib\/libc10/,
      );
      expect(verdict(d, 'torch1.13-cpu')?.reason).toBe(
        'built for torch1.13-cpu; the LibTorch in use needs torch9.9-cu999',
      );
      expect(d.picked).toBeNull();
    });

    it('loads a prebuild whose build-machine LibTorch folder is gone, from the detected folder', (ctx) => {
      const linked = join(tmp, 'libtorch-elsewhere');
      const sonames = base.needed.filter((n) => /^lib(c10|torch)/.test(n));
      skipUnless(
        ctx,
        linkedLibTorch(linked, system!.libDir, sonames),
        'hard links from the temp folder to the system LibTorch (same file system)',
      );
      // RUNPATH now names a folder that does not exist: only the preload can find LibTorch.
      expect(base.libtorchLibDir).toBe(debianLibDir);
      const moved = patchElfString(good, debianLibDir!, '/nonexistent-libtorch/lib');
      const root = join(tmp, 'prebuilds-moved');
      writeVariant(root, 'torch1.13-cpu', moved, {}, base);
      const elsewhere: LibTorchInstall = { ...system!, source: 'LIBTORCH', root: linked, libDir: linked };
      const d = decide(root, elsewhere);
      expect(d.picked?.variant).toBe('torch1.13-cpu');
      expect(d.picked?.preload.every((p) => p.startsWith(linked))).toBe(true);

      // The local build's RUNPATH points at the system folder: it runs on another LibTorch than the
      // one in use, and mixing two LibTorch copies in one process crashes, so it is refused.
      const localBuild = join(tmp, 'local-build.node');
      writeFileSync(localBuild, good);
      const withBuild = decide(join(tmp, 'no-prebuilds'), elsewhere, localBuild);
      expect(withBuild.candidates[0]).toMatchObject({ kind: 'build', outcome: 'refused' });
      expect(withBuild.candidates[0].reason).toMatch(
        new RegExp(
          `linked against the LibTorch in ${escapeRegExp(debianLibDir!)}, but the LibTorch in use is .*libtorch-elsewhere`,
        ),
      );
    });
  },
);

describe('source-build fallback', () => {
  it('is tried only when allowed, and its failure is part of the one error', async () => {
    const root = join(tmp, 'package-without-cmake-js');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'package.json'), '{"name":"x","version":"0.1.0"}');
    const base = {
      packageRoot: root,
      addonVersion: '0.1.0',
      env: { CASM_NATIVE_CACHE_DIR: cacheDir },
      libtorch: { found: system, notes: [] },
    };
    expect(decideAddon(base).sourceBuild).toBeNull();
    const d = decideAddon({ ...base, allowSourceBuild: true });
    // cmake-js is an optional dependency: the error says so and how to add it.
    expect(d.sourceBuild).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^cmake-js is not installed next to casm-native .*optional.*npm install cmake-js/),
    });
    const { loadErrorMessage } = await import('../../src/native/decision-report.js');
    expect(loadErrorMessage(d)).toMatch(/Source build failed: cmake-js is not installed/);
  });
});
