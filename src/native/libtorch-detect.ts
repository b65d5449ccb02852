// Finds the LibTorch the addon will run against, in the order scripts/find-libtorch.cmake uses to
// build it: LIBTORCH env -> Torch_DIR / CMAKE_PREFIX_PATH env -> python3's PyTorch -> the system.
// Nothing here loads LibTorch: the answer comes from files (TorchConfig*.cmake, torch/version.py,
// build-version, the libraries' names), so a broken install can be described instead of crashing.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { variantName } from './variant.js';

/** How a LibTorch was found, in the order the loader looks (docs/install.md). */
export type LibTorchSource = 'LIBTORCH' | 'Torch_DIR' | 'CMAKE_PREFIX_PATH' | 'python3' | 'system';

/** One LibTorch install: where it was found, its version, CUDA flavour, C++ ABI and library folder. */
export interface LibTorchInstall {
  source: LibTorchSource;
  /** The folder that was named or found (a libtorch folder, a torch package, /usr/lib/…). */
  root: string;
  /** Folder with TorchConfig.cmake; null for a system install known only by its libraries. */
  cmakeDir: string | null;
  /** Folder holding libc10.so / libtorch_cpu.so / libtorch.so. */
  libDir: string;
  /** "1.13.0", "2.11.0+cu130"; null when no version file was found. */
  version: string | null;
  /** CUDA version of a CUDA build ("13.0"), null for a CPU build. */
  cuda: string | null;
  /** A CUDA build whose CUDA version no file tells (then no prebuild can be matched safely). */
  cudaVersionUnknown: boolean;
  /** _GLIBCXX_USE_CXX11_ABI LibTorch was built with, from TorchConfig.cmake. */
  cxx11Abi: 0 | 1 | null;
  /** The prebuild variant this LibTorch needs, e.g. torch1.13-cpu; null when not determinable. */
  variant: string | null;
}

/** The LibTorch the loader found, and notes on every place it looked. */
export interface LibTorchDetection {
  found: LibTorchInstall | null;
  /** What was looked at and why it was passed over, for doctor and the load error. */
  notes: string[];
}

export interface DetectOptions {
  env?: NodeJS.ProcessEnv;
  /** Folders searched for a system LibTorch (default: the usual Linux library folders). */
  systemLibDirs?: string[];
}

const LIB_C10 = /^libc10\.so(\.|$)/;

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function hasLibC10(dir: string): boolean {
  try {
    return readdirSync(dir).some((f) => LIB_C10.test(f));
  } catch {
    return false;
  }
}

/** TorchConfig.cmake computes its prefix as three levels up; Debian puts the libraries two up. */
function libDirOfCmakeDir(cmakeDir: string): string | null {
  for (const dir of [resolve(cmakeDir, '../../../lib'), resolve(cmakeDir, '../..')]) {
    if (hasLibC10(dir)) return dir;
  }
  return null;
}

function cmakeVersion(cmakeDir: string): string | null {
  const text = readText(join(cmakeDir, 'TorchConfigVersion.cmake'));
  return text?.match(/set\(PACKAGE_VERSION "([^"]+)"\)/)?.[1] ?? null;
}

function cmakeAbi(cmakeDir: string): 0 | 1 | null {
  const m = readText(join(cmakeDir, 'TorchConfig.cmake'))?.match(/_GLIBCXX_USE_CXX11_ABI=([01])/);
  return m ? (Number(m[1]) as 0 | 1) : null;
}

/** Version and CUDA from torch/version.py (PyTorch) or build-version (libtorch zip), if present. */
function versionFiles(folders: string[]): { version: string | null; cuda: string | null | undefined } {
  for (const folder of folders) {
    const py = readText(join(folder, 'version.py'));
    if (py) {
      const version = py.match(/__version__\s*=\s*'([^']+)'/)?.[1] ?? null;
      const cudaMatch = py.match(/^cuda\s*(?::\s*[^=]+)?=\s*(?:'([^']+)'|None)/m);
      return { version, cuda: cudaMatch ? (cudaMatch[1] ?? null) : undefined };
    }
    const bv = readText(join(folder, 'build-version'))?.trim();
    if (bv) {
      const cu = bv.match(/\+cu(\d+)(\d)$/);
      return { version: bv, cuda: cu ? `${cu[1]}.${cu[2]}` : bv.includes('+cpu') ? null : undefined };
    }
  }
  return { version: null, cuda: undefined };
}

function describe(source: LibTorchSource, root: string, cmakeDir: string | null, libDir: string): LibTorchInstall {
  const isCudaBuild = readdirSync(libDir).some((f) => /^libtorch_cuda\.so(\.|$)/.test(f));
  // A PyTorch package keeps version.py in its root; a libtorch zip keeps build-version there.
  const files = versionFiles([root, resolve(libDir, '..')]);
  const version = files.version ?? (cmakeDir ? cmakeVersion(cmakeDir) : null) ?? sonameVersion(libDir);
  let cuda: string | null = null;
  let cudaVersionUnknown = false;
  if (isCudaBuild) {
    if (files.cuda) cuda = files.cuda;
    else cudaVersionUnknown = true;
  }
  const install: LibTorchInstall = {
    source,
    root,
    cmakeDir,
    libDir,
    version,
    cuda,
    cudaVersionUnknown,
    cxx11Abi: cmakeDir ? cmakeAbi(cmakeDir) : null,
    variant: null,
  };
  install.variant = version && !cudaVersionUnknown ? variantName(version, cuda) : null;
  return install;
}

/** Debian names its libraries libtorch.so.1.13: the only version hint when no cmake files exist. */
function sonameVersion(libDir: string): string | null {
  for (const f of readdirSync(libDir)) {
    const m = f.match(/^libtorch\.so\.(\d+\.\d+(?:\.\d+)?)$/);
    if (m) return m[1];
  }
  return null;
}

function fromCmakeDir(source: LibTorchSource, root: string, cmakeDir: string, notes: string[]): LibTorchInstall | null {
  if (!existsSync(join(cmakeDir, 'TorchConfig.cmake'))) return null;
  const libDir = libDirOfCmakeDir(cmakeDir);
  if (!libDir) {
    notes.push(`${source}: ${cmakeDir} has TorchConfig.cmake but no libc10.so beside it`);
    return null;
  }
  return describe(source, root, cmakeDir, libDir);
}

/** The same folders find-libtorch.cmake accepts for LIBTORCH. */
function fromLibTorchFolder(source: LibTorchSource, root: string, notes: string[]): LibTorchInstall | null {
  // LIBTORCH may name site-packages itself: then the torch package is one level down.
  for (const folder of [root, join(root, 'torch')]) {
    const found = fromCmakeDir(source, folder, join(folder, 'share/cmake/Torch'), notes);
    if (found) return found;
  }
  return null;
}

/** Where python3's torch package lives, without importing it (import torch takes seconds). */
function pythonTorchFolder(python: string, notes: string[]): string | null {
  const code =
    "import importlib.util as u; s = u.find_spec('torch'); " +
    "print(s.submodule_search_locations[0] if s and s.submodule_search_locations else '')";
  try {
    const out = execFileSync(python, ['-c', code], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 15_000,
    }).trim();
    if (!out) notes.push(`python3: ${python} has no torch package`);
    return out || null;
  } catch {
    notes.push(`python3: ${python} not runnable`);
    return null;
  }
}

/** Debian's multiarch library folder for this process's platform and architecture (where its
 * libtorch-dev installs), e.g. /usr/lib/x86_64-linux-gnu; null where there is none. */
export function multiarchLibDir(platform: string = process.platform, arch: string = process.arch): string | null {
  if (platform !== 'linux') return null;
  const multiarch = arch === 'x64' ? 'x86_64-linux-gnu' : arch === 'arm64' ? 'aarch64-linux-gnu' : null;
  return multiarch ? `/usr/lib/${multiarch}` : null;
}

function defaultSystemLibDirs(): string[] {
  const multiarch = multiarchLibDir();
  return [...(multiarch ? [multiarch] : []), '/usr/lib64', '/usr/lib', '/usr/local/lib'];
}

export function detectLibTorch(opts: DetectOptions = {}): LibTorchDetection {
  const env = opts.env ?? process.env;
  const notes: string[] = [];
  const done = (found: LibTorchInstall | null): LibTorchDetection => ({ found, notes });

  // 1. LIBTORCH is a promise by the user: if it is wrong, say so rather than silently use another.
  if (env.LIBTORCH) {
    const found = fromLibTorchFolder('LIBTORCH', resolve(env.LIBTORCH), notes);
    if (!found) notes.push(`LIBTORCH=${env.LIBTORCH} holds no share/cmake/Torch/TorchConfig.cmake with libc10.so`);
    return done(found);
  }
  notes.push('LIBTORCH: not set');

  // 2. CMake's own variables, as cmake-js would see them.
  if (env.Torch_DIR) {
    const found = fromCmakeDir('Torch_DIR', resolve(env.Torch_DIR), resolve(env.Torch_DIR), notes);
    if (found) return done(found);
    notes.push(`Torch_DIR=${env.Torch_DIR}: no TorchConfig.cmake`);
  }
  for (const prefix of (env.CMAKE_PREFIX_PATH ?? '').split(':').filter(Boolean)) {
    for (const cmakeDir of [join(prefix, 'share/cmake/Torch'), join(prefix, 'Torch')]) {
      const found = fromCmakeDir('CMAKE_PREFIX_PATH', resolve(prefix), resolve(cmakeDir), notes);
      if (found) return done(found);
    }
  }

  // 3. PyTorch of python3 (CASM_NATIVE_PYTHON picks another interpreter).
  const torchDir = pythonTorchFolder(env.CASM_NATIVE_PYTHON || 'python3', notes);
  if (torchDir) {
    const found = fromCmakeDir('python3', torchDir, join(torchDir, 'share/cmake/Torch'), notes);
    if (found) return done(found);
    notes.push(`python3: ${torchDir} has no share/cmake/Torch`);
  }

  // 4. The system (Debian/Ubuntu libtorch-dev), by cmake files or, failing those, by libraries.
  for (const dir of opts.systemLibDirs ?? defaultSystemLibDirs()) {
    const found = fromCmakeDir('system', dir, join(dir, 'cmake/Torch'), notes);
    if (found) return done(found);
    if (hasLibC10(dir) && readdirSync(dir).some((f) => /^libtorch\.so/.test(f))) {
      return done(describe('system', dir, null, dir));
    }
  }
  notes.push(`system: no LibTorch in ${(opts.systemLibDirs ?? defaultSystemLibDirs()).join(', ')}`);
  return done(null);
}

/** One line for messages: "1.13.0 CPU (C++11 ABI 1) from system: /usr/lib/x86_64-linux-gnu". */
export function describeLibTorch(t: LibTorchInstall): string {
  const flavour = t.cuda ? `CUDA ${t.cuda}` : t.cudaVersionUnknown ? 'CUDA (version unknown)' : 'CPU';
  const abi = t.cxx11Abi === null ? '' : ` (C++11 ABI ${t.cxx11Abi})`;
  return `${t.version ?? 'unknown version'} ${flavour}${abi} from ${t.source}: ${t.libDir}`;
}

/** The real folder of a path, or the path itself when it does not exist. */
export function realDir(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
