// The package as a user gets it: `npm pack` of compiled TypeScript + sources for a source build +
// prebuilds, installed into a clean project the way a user installs (`npm install <tarball>`, the
// registry reachable for its dependencies), then `npx casm-native doctor`, an inference through
// `import`, the step conformance vectors, and the same API through `require` — for every prebuild
// we ship, each with the LibTorch it is for (Debian's 1.13, pip's 2.13 CPU, pip's 2.14 CUDA build,
// which runs on the CPU here): the loader must pick the variant that matches. A shipped prebuild
// with no LibTorch here to test it fails the suite; none drops out silently.
// The build tools (cmake-js and the Node-API headers) are optional dependencies: they are deleted
// from the install before those checks, so the checks prove that a matching prebuild needs none of them.
//
// The TypeScript is compiled into a staging copy (not the shared dist/), so this test neither
// needs nor disturbs a developer's build; the staging copy holds exactly package.json's "files".
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformDir } from '../../src/native/variant.js';
import { HANG_MS } from '../budget.js';
import { missing } from '../environment.js';
import { debianTorchConfigDir, venvTorchDir } from '../test-libtorch.js';

const repo = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'casm-pack-'));
const stage = join(tmp, 'stage');
const project = join(tmp, 'project');
const prebuilt = (variant: string) => join('prebuilds', platformDir(), variant);
const hasPrebuild = existsSync(join(repo, 'prebuilds', platformDir()));

/** How to name each variant's LibTorch here, as a user would (it decides the variant). */
const LIBTORCH_OF: Record<string, { libtorch: string | null; env: (dir: string) => NodeJS.ProcessEnv }> = {
  'torch1.13-cpu': { libtorch: debianTorchConfigDir(), env: (dir) => ({ Torch_DIR: dir }) },
  'torch2.13-cpu': { libtorch: venvTorchDir('torch2.13-cpu'), env: (dir) => ({ LIBTORCH: dir }) },
  'torch2.14-cu130': { libtorch: venvTorchDir('torch2.14-cu130'), env: (dir) => ({ LIBTORCH: dir }) },
};
/** Every prebuild committed for this platform. */
const shipped = hasPrebuild
  ? readdirSync(join(repo, 'prebuilds', platformDir())).filter((v) =>
      existsSync(join(repo, prebuilt(v), 'casm-native.node')),
    )
  : [];
const installs = shipped.map((variant) => ({
  variant,
  ...(LIBTORCH_OF[variant] ?? { libtorch: null, env: () => ({}) }),
}));
const stepVectors = join(repo, 'test', 'conformance-vectors', 'step');

// No developer overrides: the installed package must find its own binary. A fresh verdict cache
// makes the first load do the child-process test.
const env: NodeJS.ProcessEnv = { ...process.env, CASM_NATIVE_CACHE_DIR: join(tmp, 'cache') };
delete env.CASM_NATIVE_BINARY;
delete env.CASM_NATIVE_BUILD_FROM_SOURCE;

const run = (cmd: string, args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}) => {
  const e: NodeJS.ProcessEnv = { ...env, ...extra };
  // Only the named LibTorch: an install with LIBTORCH would otherwise shadow Torch_DIR.
  if (extra.Torch_DIR) delete e.LIBTORCH;
  return execFileSync(cmd, args, {
    cwd,
    env: e,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: HANG_MS,
  });
};

let tarball = '';
let packed: string[] = [];
let packedSize = 0;
const BUILD_TOOLS = ['cmake-js', 'node-addon-api', 'node-api-headers'];

beforeAll(() => {
  if (!hasPrebuild) return;
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { files: string[] };
  mkdirSync(stage, { recursive: true });
  cpSync(join(repo, 'package.json'), join(stage, 'package.json'));
  for (const entry of pkg.files) {
    if (entry !== 'dist' && existsSync(join(repo, entry)))
      cpSync(join(repo, entry), join(stage, entry), { recursive: true });
  }
  for (const f of ['README.md', 'LICENSE']) if (existsSync(join(repo, f))) cpSync(join(repo, f), join(stage, f));
  run(
    process.execPath,
    [
      join(repo, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(repo, 'tsconfig.json'),
      '--outDir',
      join(stage, 'dist'),
      '--sourceMap',
      'false',
    ],
    repo,
  );
  const out = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', tmp], stage)) as {
    filename: string;
    size: number;
    unpackedSize: number;
    files: { path: string }[];
  }[];
  tarball = join(tmp, out[0].filename);
  packed = out[0].files.map((f) => f.path);
  packedSize = out[0].size;
  // The figure docs/install.md quotes; printed so that a change in size is noticed.
  console.log(
    `npm pack: ${out[0].filename} ${(out[0].size / 1e6).toFixed(2)} MB packed, ${(out[0].unpackedSize / 1e6).toFixed(2)} MB unpacked, ${packed.length} files`,
  );

  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'casm-pack-test', version: '1.0.0', private: true }),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball], project);
  for (const tool of BUILD_TOOLS) rmSync(join(project, 'node_modules', tool), { recursive: true, force: true });
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(missing(hasPrebuild, `prebuilds/${platformDir()}`))('npm pack and install', () => {
  it('ships the three prebuilds (Debian 1.13, pip 2.13 CPU, pip 2.14 CUDA 13), and this machine has the LibTorch of each', () => {
    expect(shipped.sort()).toEqual(['torch1.13-cpu', 'torch2.13-cpu', 'torch2.14-cu130']);
    const untestable = installs.filter((i) => !i.libtorch).map((i) => i.variant);
    // A LibTorch that setup.sh --test did not provide is a broken setup: a failure under strict skips.
    missing(
      untestable.length === 0,
      `the LibTorch of prebuild ${untestable.join(', ')} (bash scripts/setup.sh --test)`,
    );
  });

  it('packs compiled TypeScript with types, the sources a source build needs and the prebuilds', () => {
    for (const f of [
      'package.json',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/main.js',
      'dist/native/loader.js',
      'CMakeLists.txt',
      'scripts/find-libtorch.cmake',
      'scripts/check-distributed.cmake',
      'native/compat.h',
      'binding/addon.cpp',
      ...installs.flatMap((i) => [`${prebuilt(i.variant)}/casm-native.node`, `${prebuilt(i.variant)}/manifest.json`]),
    ]) {
      expect(packed, f).toContain(f);
    }
    expect(packed.some((f) => f.startsWith('test/') || f.startsWith('build/') || f.startsWith('src/'))).toBe(false);
    // Legal and metadata: the licence text and where the project lives.
    expect(packed).toContain('LICENSE');
    const installed = JSON.parse(readFileSync(join(project, 'node_modules', 'casm-native', 'package.json'), 'utf8'));
    expect(installed.license).toBe('MIT');
    expect(readFileSync(join(project, 'node_modules', 'casm-native', 'LICENSE'), 'utf8')).toMatch(
      /^MIT License\n\nCopyright \(c\) \d{4} casm-native contributors/,
    );
    for (const field of ['repository', 'homepage', 'keywords']) expect(installed[field], field).toBeTruthy();
    // Only what runs from an install: no checkout-only scripts; the build tools are optional.
    expect(packed).not.toContain('scripts/setup.sh');
    for (const tool of BUILD_TOOLS) {
      expect(installed.dependencies[tool], tool).toBeUndefined();
      expect(installed.optionalDependencies[tool], tool).toBeDefined();
    }
    // docs/install.md states the packed size; keep it honest (within 10%).
    const install = readFileSync(join(repo, 'docs', 'install.md'), 'utf8');
    const stated = Number(/tarball is ([\d.]+) MB/.exec(install)?.[1]);
    expect(Math.abs(stated * 1e6 - packedSize) / packedSize).toBeLessThan(0.1);
  });

  it('runs without the build tools installed', () => {
    for (const tool of BUILD_TOOLS) expect(existsSync(join(project, 'node_modules', tool)), tool).toBe(false);
    expect(existsSync(join(project, 'node_modules', 'sharp'))).toBe(true);
  });

  it('`casm-native bench paper` runs from the install (its harness is shipped and loads)', () => {
    const out = run('npx', ['--offline', 'casm-native', 'bench', 'paper', '--help'], project);
    expect(out).toMatch(/^usage: casm-native bench paper \[options\]/);
    expect(out).toContain('--budget tiny|demo|gpu|full');
  });

  it('a usage error is one line and exit status 2', () => {
    let status = 0;
    let stderr = '';
    try {
      run('npx', ['--offline', 'casm-native', 'eval', '--resize', 'sideways'], project);
    } catch (err) {
      status = (err as { status: number }).status;
      stderr = String((err as { stderr: string }).stderr);
    }
    expect(status).toBe(2);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  for (const install of installs.filter((i) => i.libtorch)) {
    const variant = install.variant.replace('.', '\\.');
    const extra = install.env(install.libtorch!);

    it(`with the LibTorch of ${install.variant}, \`npx casm-native doctor\` picks the prebuild ${install.variant}`, () => {
      const out = run('npx', ['--offline', 'casm-native', 'doctor'], project, extra);
      expect(out).toMatch(new RegExp(`LibTorch in use: .* -> variant ${variant}`));
      expect(out).toMatch(
        new RegExp(
          `picked\\s+prebuild ${variant}: .*prebuilds/linux-x64/${variant}/casm-native\\.node: loads LibTorch`,
        ),
      );
      expect(out).toMatch(/missing\s+local build/);
      // A CUDA variant runs on a machine without a GPU: it says so and uses the CPU.
      expect(out).toMatch(
        install.variant.endsWith('-cpu')
          ? /^cuda\s+CUDA not available \(CPU build\)/m
          : /^cuda\s+(available|CUDA not available \(the addon is built for CUDA 13\.0)/m,
      );
    });

    it(`with the LibTorch of ${install.variant}, a small inference runs through \`import { Model } from "casm-native"\``, () => {
      writeFileSync(
        join(project, 'infer.mjs'),
        `import { Model } from 'casm-native';
const model = await Model.create({ arch: 'custom', block: 'basic', layers: [1, 1, 1, 1], numClasses: 3, seed: 1 });
const data = new Uint8Array(64 * 64 * 3).map((_, i) => (i * 7) % 256);
const r = await model.saliency({ kind: 'uint8', data, n: 1, h: 64, w: 64 });
const masks = Array.from(r.masks);
console.log(JSON.stringify({ n: r.n, h: r.h, w: r.w, masks: masks.length, logits: r.logits.length,
  inRange: masks.every((m) => m >= 0 && m <= 1) }));
`,
      );
      const result = JSON.parse(run(process.execPath, ['infer.mjs'], project, extra).trim().split('\n').pop()!);
      expect(result).toEqual({ n: 1, h: 64, w: 64, masks: 64 * 64, logits: 3, inRange: true });
    });

    it(`with the LibTorch of ${install.variant}, the installed package passes the step conformance vectors on the CPU`, () => {
      const out = run('npx', ['--offline', 'casm-native', 'conformance', stepVectors, '--json'], project, extra);
      const report = JSON.parse(out) as { passed: number; failed: number; suites: { cases: unknown[] }[] };
      expect(report.failed, out).toBe(0);
      expect(report.passed).toBe(report.suites.reduce((n, s) => n + s.cases.length, 0));
      expect(report.passed).toBeGreaterThanOrEqual(4);
    });
  }

  it('works through `require("casm-native")` from CommonJS', () => {
    writeFileSync(
      join(project, 'use.cjs'),
      `const casm = require('casm-native');
const r = casm.doctorReport();
console.log(JSON.stringify({ model: typeof casm.Model, source: r.addon && r.addon.source, variant: r.addon && r.addon.variant }));
`,
    );
    const result = JSON.parse(run(process.execPath, ['use.cjs'], project).trim().split('\n').pop()!);
    expect(result).toMatchObject({ model: 'function', source: 'prebuild' });
    expect(installs.map((i) => i.variant)).toContain(result.variant);
  });
});
