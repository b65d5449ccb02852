// Two LibTorch installs side by side — Debian's libtorch-dev 1.13 in /usr/lib and PyTorch 2.13
// from pip — and the build must take headers and libraries from the one chosen only. Measured
// before the fix: with LIBTORCH=<pip torch>, CMake read pip's TorchConfig but linked Debian's
// libtorch.so.1.13 and libc10.so.1.13 (TorchConfig's find_package(Caffe2)/find_library search the
// system before its own folder), and the addon failed to load with an undefined symbol.
//
// The probe (test/native/link-probe) links exactly like the addon in seconds; the addons that
// scripts/setup.sh --test built are checked the same way.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missing } from '../environment.js';
import { debianBuildBinary, debianTorchConfigDir, repoRoot, testLibTorch } from '../test-libtorch.js';

const pipTorch = testLibTorch();
const debianConfig = debianTorchConfigDir();
const probeSource = join(repoRoot, 'test', 'native', 'link-probe');
const tmp = mkdtempSync(join(tmpdir(), 'casm-link-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The environment of a user who names one LibTorch (or none: the detection order decides). */
function envWith(choice: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.LIBTORCH;
  delete env.Torch_DIR;
  delete env.CMAKE_PREFIX_PATH;
  return { ...env, ...choice };
}

function configure(buildDir: string, env: NodeJS.ProcessEnv, extra: string[] = []) {
  return spawnSync('cmake', ['-S', probeSource, '-B', buildDir, ...extra], { env, encoding: 'utf8' });
}

function configureAndBuild(buildDir: string, env: NodeJS.ProcessEnv): string {
  const r = configure(buildDir, env);
  expect(r.status, r.stderr + r.stdout).toBe(0);
  execFileSync('cmake', ['--build', buildDir], { env, stdio: 'pipe' });
  return r.stdout;
}

interface Linked {
  needed: string[];
  /** NEEDED LibTorch libraries -> the file the dynamic loader picks. */
  torchLibs: Map<string, string>;
  undefinedSymbols: string[];
}

/** What a binary was linked against (readelf) and what it resolves to at load time (ldd -r). */
function linked(binary: string): Linked {
  const dyn = execFileSync('readelf', ['-d', binary], { encoding: 'utf8' });
  const needed = [...dyn.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]!);
  const ldd = spawnSync('ldd', ['-r', binary], { encoding: 'utf8' });
  const out = ldd.stdout + ldd.stderr;
  const torchLibs = new Map<string, string>();
  for (const m of out.matchAll(/^\s*(lib(?:torch|c10)[^\s]*) => (\S+)/gm)) {
    if (needed.includes(m[1]!)) torchLibs.set(m[1]!, m[2]!);
  }
  // Node-API functions are Node's own, resolved when Node loads the addon.
  const undefinedSymbols = [...out.matchAll(/undefined symbol: (\S+)/g)]
    .map((m) => m[1]!)
    .filter((s) => !/^(napi_|node_api_)/.test(s));
  return { needed, torchLibs, undefinedSymbols };
}

function expectAllFrom(l: Linked, libDir: string) {
  expect([...l.torchLibs.keys()].sort(), 'libtorch, libtorch_cpu and libc10 are linked').toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^libc10\.so/),
      expect.stringMatching(/^libtorch_cpu\.so/),
      expect.stringMatching(/^libtorch\.so/),
    ]),
  );
  for (const [name, path] of l.torchLibs) expect(realpathSync(dirname(path)), name).toBe(realpathSync(libDir));
  expect(l.undefinedSymbols).toEqual([]);
}

const debianLibDir = debianConfig ? realpathSync(join(debianConfig, '..', '..')) : '';
const probe = (dir: string) => join(dir, 'liblink_probe.so');

describe.skipIf(missing(pipTorch && debianConfig, "PyTorch 2.13 from pip and Debian's libtorch-dev 1.13"))(
  'LibTorch chosen = LibTorch linked, with Debian 1.13 and pip 2.13 both installed',
  () => {
    it("LIBTORCH=<pip torch> in a fresh build folder links pip's libraries only, as C++20", () => {
      const dir = join(tmp, 'fresh-pip');
      const log = configureAndBuild(dir, envWith({ LIBTORCH: pipTorch! }));
      expect(log).toMatch(/casm-native: LibTorch 2\.13\.\d+ from LIBTORCH env .*; C\+\+20/);
      const l = linked(probe(dir));
      expectAllFrom(l, join(pipTorch!, 'lib'));
      expect(l.needed.filter((n) => /\.so\.1\.13$/.test(n))).toEqual([]);
    });

    it("a build folder configured for Debian's 1.13 switches completely when LIBTORCH names pip's 2.13, and back", () => {
      const dir = join(tmp, 'switch');
      expect(configureAndBuild(dir, envWith({ Torch_DIR: debianConfig! }))).toMatch(
        /LibTorch 1\.13\.\d+ from Torch_DIR .*; C\+\+17/,
      );
      expectAllFrom(linked(probe(dir)), debianLibDir);

      const log = configureAndBuild(dir, envWith({ LIBTORCH: pipTorch! }));
      expect(log).toMatch(/LibTorch changed/);
      expect(log).toMatch(/LibTorch 2\.13\.\d+ from LIBTORCH env/);
      expectAllFrom(linked(probe(dir)), join(pipTorch!, 'lib'));

      expect(configureAndBuild(dir, envWith({ Torch_DIR: debianConfig! }))).toMatch(/LibTorch 1\.13\.\d+/);
      const back = linked(probe(dir));
      expectAllFrom(back, debianLibDir);
      expect(back.needed).toContain('libc10.so.1.13');
    });

    it('the configure fails, naming the file, when a library of the other LibTorch would still be linked', () => {
      // A stale or hand-set cache entry is the way a foreign library gets in: it must be caught.
      const foreign = join(debianLibDir, 'libc10.so');
      const r = configure(join(tmp, 'forced'), envWith({ LIBTORCH: pipTorch! }), [`-Dc10_LIBRARY=${foreign}`]);
      expect(r.status).not.toBe(0);
      // CMake wraps long messages: compare with the line breaks taken out.
      expect(r.stderr.replace(/\s+/g, ' ')).toMatch(
        /would link \S*libc10\.so, which belongs to another LibTorch install/,
      );
    });
  },
);

describe('the addons scripts/setup.sh --test built', () => {
  it.skipIf(
    missing(
      process.env.LIBTORCH && existsSync(join(repoRoot, 'build', 'Release', 'casm_native.node')),
      'LIBTORCH and build/Release/casm_native.node',
    ),
  )("build/ is linked to the suite's LibTorch (LIBTORCH) only", () => {
    expectAllFrom(linked(join(repoRoot, 'build', 'Release', 'casm_native.node')), join(process.env.LIBTORCH!, 'lib'));
  });

  it.skipIf(missing(debianConfig && existsSync(debianBuildBinary), "build-torch1.13/ against Debian's LibTorch 1.13"))(
    "build-torch1.13/ is linked to Debian's LibTorch 1.13 only",
    () => {
      const l = linked(debianBuildBinary);
      expectAllFrom(l, debianLibDir);
      expect(l.needed).toContain('libtorch.so.1.13');
    },
  );
});
