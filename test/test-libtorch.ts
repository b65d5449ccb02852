// The LibTorch installs the test suite runs against, as scripts/setup.sh --test prepares them:
// PyTorch 2.13 (CPU) from pip in .cache/venv/torch2.13-cpu (the suite's LibTorch: build/ is built
// against it and vitest.config.ts sets LIBTORCH to it), and Debian's libtorch-dev 1.13 (the oldest
// supported, built into build-torch1.13/).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..');

/** The torch package folder of .cache/venv/<name> (what LIBTORCH takes), or null. */
export function venvTorchDir(name: string, venvRoot = join(repoRoot, '.cache', 'venv')): string | null {
  const lib = join(venvRoot, name, 'lib');
  let pythons: string[];
  try {
    pythons = readdirSync(lib).filter((d) => d.startsWith('python3'));
  } catch {
    return null;
  }
  for (const py of pythons) {
    const dir = join(lib, py, 'site-packages', 'torch');
    if (existsSync(join(dir, 'share', 'cmake', 'Torch', 'TorchConfig.cmake'))) return dir;
  }
  return null;
}

/** The python3 of .cache/venv/<name>, or null. */
export function venvPython(name: string, venvRoot = join(repoRoot, '.cache', 'venv')): string | null {
  const python = join(venvRoot, name, 'bin', 'python');
  return existsSync(python) ? python : null;
}

/** The suite's LibTorch: PyTorch 2.13 from pip. */
export const testLibTorch = (): string | null => venvTorchDir('torch2.13-cpu');

/** Debian's libtorch-dev: its TorchConfig.cmake folder, or null. */
export function debianTorchConfigDir(): string | null {
  const multiarch = process.arch === 'x64' ? 'x86_64-linux-gnu' : process.arch === 'arm64' ? 'aarch64-linux-gnu' : null;
  const dir = multiarch ? `/usr/lib/${multiarch}/cmake/Torch` : null;
  return dir && existsSync(join(dir, 'TorchConfig.cmake')) ? dir : null;
}

/** The addon setup.sh --test builds against Debian's 1.13. */
export const debianBuildBinary = join(repoRoot, 'build-torch1.13', 'Release', 'casm_native.node');
