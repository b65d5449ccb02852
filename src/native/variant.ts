// Prebuilt variants: prebuilds/<platform>-<arch>/torch<maj.min>-<cpu|cuXYZ>/{casm-native.node,
// manifest.json}, as written by scripts/prebuild.sh. A variant is tied to one LibTorch minor
// version and one CUDA flavour, because LibTorch's C++ ABI changes between both.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PREBUILD_FILE = 'casm-native.node';
export const MANIFEST_FILE = 'manifest.json';

/** The fields of manifest.json the loader relies on (scripts/prebuild.sh writes more). */
export interface PrebuildManifest {
  variant: string;
  platform: string;
  libtorch: string;
  cuda: string | null;
  cxx11Abi: number;
  addonVersion: string;
  napiVersion: number;
  glibcFloor: string | null;
  sha256: string;
  /** LibTorch's lib folder on the build machine (the RUNPATH baked into the binary). */
  libtorchLibDir: string | null;
  /** The binary's NEEDED entries; the LibTorch ones are preloaded from the detected LibTorch. */
  needed: string[];
}

export interface PrebuildEntry {
  variant: string;
  dir: string;
  binary: string;
  manifest: PrebuildManifest | null;
  manifestError?: string;
}

/** torch<major.minor>-<cpu|cuXYZ>: "2.11.0+cu130" with CUDA "13.0" -> torch2.11-cu130. */
export function variantName(libtorchVersion: string, cuda: string | null): string {
  const [major, minor] = libtorchVersion.split(/[.+]/);
  const flavour = cuda ? `cu${cuda.split('.').slice(0, 2).join('')}` : 'cpu';
  return `torch${major}.${minor}-${flavour}`;
}

export function platformDir(): string {
  return `${process.platform}-${process.arch}`;
}

function readManifest(dir: string): { manifest: PrebuildManifest | null; error?: string } {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return { manifest: null, error: 'no manifest.json' };
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as PrebuildManifest;
    if (typeof m.variant !== 'string' || typeof m.sha256 !== 'string' || !Array.isArray(m.needed)) {
      return { manifest: null, error: 'manifest.json lacks variant, sha256 or needed' };
    }
    return { manifest: m };
  } catch (e) {
    return { manifest: null, error: `manifest.json unreadable: ${(e as Error).message}` };
  }
}

/** Every variant folder for this platform, the one matching `wanted` first. */
export function listPrebuilds(prebuildsRoot: string, wanted: string | null): PrebuildEntry[] {
  const base = join(prebuildsRoot, platformDir());
  let names: string[];
  try {
    names = readdirSync(base, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
  const entries = names.map((variant): PrebuildEntry => {
    const dir = join(base, variant);
    const { manifest, error } = readManifest(dir);
    return { variant, dir, binary: join(dir, PREBUILD_FILE), manifest, ...(error ? { manifestError: error } : {}) };
  });
  return entries.sort((a, b) => Number(b.variant === wanted) - Number(a.variant === wanted));
}

/** The LibTorch libraries among a binary's NEEDED entries, in the order they depend on each other. */
export function libTorchNeeded(needed: string[]): string[] {
  const rank = (name: string): number => {
    const order = [/^libc10\.so/, /^libc10_cuda\.so/, /^libtorch_cpu\.so/, /^libtorch_cuda\.so/, /^libtorch\.so/];
    const i = order.findIndex((re) => re.test(name));
    return i < 0 ? -1 : i;
  };
  return needed.filter((n) => rank(n) >= 0).sort((a, b) => rank(a) - rank(b));
}
