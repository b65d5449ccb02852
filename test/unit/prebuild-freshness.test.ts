// Every committed prebuild must have been built from the sources in this checkout: its manifest
// records scripts/source-hash.mjs's hash of them (scripts/prebuild.sh writes it). A change to
// native/, binding/ or the build files without rerunning scripts/prebuild-all.sh fails here.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// A plain ES module (no types), the same code scripts/prebuild.sh runs.
import { SOURCE_PATHS, sourceHash } from '../../scripts/source-hash.mjs';
import { repoRoot } from '../test-libtorch.js';

const prebuilds = join(repoRoot, 'prebuilds');
const manifests = readdirSync(prebuilds, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((platform) =>
    readdirSync(join(prebuilds, platform.name)).map((variant) =>
      join(prebuilds, platform.name, variant, 'manifest.json'),
    ),
  );
const current: string = sourceHash(repoRoot);
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

describe('committed prebuilds are fresh', () => {
  it('there are prebuilds to check: torch1.13-cpu, torch2.13-cpu and a CUDA variant', () => {
    const variants = manifests.map((m) => (JSON.parse(readFileSync(m, 'utf8')) as { variant: string }).variant);
    expect(variants).toEqual(
      expect.arrayContaining(['torch1.13-cpu', 'torch2.13-cpu', expect.stringMatching(/^torch2\.\d+-cu\d+$/)]),
    );
  });

  for (const manifest of manifests) {
    it(`${manifest.slice(prebuilds.length + 1)} matches the sources and the package version`, () => {
      const m = JSON.parse(readFileSync(manifest, 'utf8')) as {
        sourceHash?: string;
        addonVersion: string;
        builtFrom: string;
      };
      const stale = `stale prebuild (built from ${m.builtFrom}): rerun scripts/prebuild-all.sh and commit prebuilds/`;
      expect(m.sourceHash, stale).toBe(current);
      expect(m.addonVersion, stale).toBe(version);
    });
  }
});

describe('the source hash', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'casm-hash-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  for (const p of SOURCE_PATHS as string[]) cpSync(join(repoRoot, p), join(tmp, p), { recursive: true });

  it('does not depend on where the checkout is', () => {
    expect(sourceHash(tmp)).toBe(current);
  });

  it('changes when one byte of a native source changes', () => {
    const file = join(tmp, 'native', 'compat.h');
    writeFileSync(file, `${readFileSync(file, 'utf8')} `);
    expect(sourceHash(tmp)).not.toBe(current);
  });
});
