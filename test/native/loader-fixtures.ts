// Fixtures for the loader tests: a working addon binary to copy, fake LibTorch folders, fake
// prebuild variants and deliberately broken binaries. Everything is written under a temp folder;
// the repository's prebuilds/ and build/ are only read.

import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type PrebuildManifest, platformDir } from '../../src/native/variant.js';

const repo = join(import.meta.dirname, '..', '..');
export const committedPrebuild = join(repo, 'prebuilds', platformDir(), 'torch1.13-cpu');

/** The torch1.13-cpu prebuild and its manifest, when this checkout has them. */
export function realPrebuild(): { binary: string; manifest: PrebuildManifest } | null {
  const binary = join(committedPrebuild, 'casm-native.node');
  const manifest = join(committedPrebuild, 'manifest.json');
  if (!existsSync(binary) || !existsSync(manifest)) return null;
  return { binary, manifest: JSON.parse(readFileSync(manifest, 'utf8')) as PrebuildManifest };
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Writes prebuilds/<platform>/<variant>/ with the given binary bytes and manifest fields. */
export function writeVariant(
  root: string,
  variant: string,
  binary: Buffer,
  manifest: Partial<PrebuildManifest>,
  base: PrebuildManifest,
): string {
  const dir = join(root, platformDir(), variant);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'casm-native.node'), binary);
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({ ...base, variant, sha256: sha256(binary), ...manifest }, null, 2),
  );
  return dir;
}

/** Replaces every NUL-delimited occurrence of `from` by `to` (same length) in an ELF's strings. */
export function patchElfString(binary: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error('patchElfString: lengths differ');
  const out = Buffer.from(binary);
  const needle = Buffer.from(`\0${from}\0`);
  let at = out.indexOf(needle);
  if (at < 0) throw new Error(`patchElfString: ${from} not found`);
  while (at >= 0) {
    out.write(to, at + 1, 'latin1');
    at = out.indexOf(needle, at + 1);
  }
  return out;
}

/**
 * A fake LibTorch folder (libtorch-zip layout): cmake files, a build-version and empty library
 * files with the given names. Detection reads only files, so this is enough to steer it.
 */
export function fakeLibTorch(root: string, opts: { buildVersion: string; abi: 0 | 1; libs: string[] }): string {
  mkdirSync(join(root, 'share/cmake/Torch'), { recursive: true });
  mkdirSync(join(root, 'lib'), { recursive: true });
  writeFileSync(
    join(root, 'share/cmake/Torch/TorchConfig.cmake'),
    `set(TORCH_CXX_FLAGS "-D_GLIBCXX_USE_CXX11_ABI=${opts.abi}")\n`,
  );
  writeFileSync(
    join(root, 'share/cmake/Torch/TorchConfigVersion.cmake'),
    `set(PACKAGE_VERSION "${opts.buildVersion.split('+')[0]}")\n`,
  );
  writeFileSync(join(root, 'build-version'), `${opts.buildVersion}\n`);
  for (const lib of opts.libs) writeFileSync(join(root, 'lib', lib), '');
  return root;
}

/**
 * A second folder holding the system LibTorch under its SONAMEs, by hard links (same files, another
 * path), so a test can see from /proc/self/maps which folder the addon's LibTorch came from.
 */
export function linkedLibTorch(dir: string, systemLibDir: string, sonames: string[]): boolean {
  mkdirSync(dir, { recursive: true });
  try {
    for (const name of sonames) linkSync(realpathSync(join(systemLibDir, name)), join(dir, name));
    return true;
  } catch {
    return false;
  }
}

export function copyTo(src: string, dest: string): string {
  copyFileSync(src, dest);
  return dest;
}
