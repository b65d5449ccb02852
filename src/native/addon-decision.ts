// Decides which compiled addon to load, and records why every other one was refused.
//
// Candidates, in order:
//   1. CASM_NATIVE_BINARY: an explicit .node file. If it fails, that is the answer (no fallback:
//      the user asked for this binary).
//   2. build/Release/casm_native.node: a source build (a developer's `npm run build:native`, or the
//      fallback below). It comes before the prebuilds because it only exists when someone built it
//      for this machine on purpose.
//   3. prebuilds/<platform>/<variant>/casm-native.node, the variant of the detected LibTorch first.
// Each candidate passes cheap file checks, then a load test in a child process (or a cached verdict
// of one), then the caller's in-process load. With none left and a source build allowed, cmake-js
// builds build/Release against the detected LibTorch and that is tried.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { detectLibTorch, type LibTorchDetection, type LibTorchInstall, realDir } from './libtorch-detect.js';
import { cacheFilePath, cacheKey, lookupVerdict, sha256File, storeVerdict } from './load-check-cache.js';
import { type AddonVersions, type MappedLib, probeInChild } from './load-probe.js';
import { buildFromSource, type SourceBuildResult } from './source-build.js';
import { libTorchNeeded, listPrebuilds, type PrebuildEntry, platformDir } from './variant.js';

/** Where an addon candidate comes from: `CASM_NATIVE_BINARY`, a local build, or a prebuild. */
export type CandidateKind = 'env' | 'build' | 'prebuild';

/** The loader's verdict on one addon candidate: picked, refused (with the reason), missing or not tried. */
export interface CandidateVerdict {
  kind: CandidateKind;
  path: string;
  variant?: string;
  outcome: 'picked' | 'refused' | 'missing' | 'not tried';
  reason: string;
  /** How the load test was answered. */
  checkedBy?: 'cache' | 'child process';
  versions?: AddonVersions;
  /** LibTorch libraries to load before the addon (prebuilds only). */
  preload: string[];
}

/** Which addon binary the loader picked, the LibTorch it detected, and the verdict on every candidate (what `doctor` prints). */
export interface AddonDecision {
  libtorch: LibTorchDetection;
  candidates: CandidateVerdict[];
  picked: CandidateVerdict | null;
  sourceBuild: SourceBuildResult | null;
}

export interface DecideOptions {
  packageRoot: string;
  /** The package's version: a prebuild of another version is refused. */
  addonVersion: string;
  env?: NodeJS.ProcessEnv;
  prebuildsRoot?: string;
  buildBinary?: string;
  /** Detection result to use instead of detecting (tests). */
  libtorch?: LibTorchDetection;
  allowSourceBuild?: boolean;
  /** Loads a candidate that passed its load test in this process; throws to refuse it. */
  loadInProcess?: (candidate: CandidateVerdict) => void;
}

interface Candidate {
  kind: CandidateKind;
  path: string;
  prebuild?: PrebuildEntry;
}

const isRefusal = (r: string[] | string): r is string => typeof r === 'string';

function glibcRuntime(): string | null {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime ?? null;
}

function versionLess(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) < (pb[i] ?? 0);
  }
  return false;
}

/** File checks of a prebuild against the detected LibTorch: the libraries to preload, or a refusal. */
function prebuildStaticCheck(entry: PrebuildEntry, t: LibTorchInstall | null, addonVersion: string): string[] | string {
  const m = entry.manifest;
  if (!m) return entry.manifestError ?? 'no manifest.json';
  if (!t) return `built for ${m.variant}, but no LibTorch was found to run it with`;
  if (!t.variant) {
    return `the LibTorch in use (${t.libDir}) has no known ${t.version ? 'CUDA version' : 'version'}, so no prebuild can be matched`;
  }
  if (m.variant !== t.variant || entry.variant !== m.variant)
    return `built for ${m.variant}; the LibTorch in use needs ${t.variant}`;
  if (m.platform !== platformDir()) return `built for ${m.platform}, this is ${platformDir()}`;
  if (m.addonVersion !== addonVersion) return `built from casm-native ${m.addonVersion}, this is ${addonVersion}`;
  if (t.cxx11Abi !== null && m.cxx11Abi !== t.cxx11Abi)
    return `built with C++11 ABI ${m.cxx11Abi}, the LibTorch in use has ${t.cxx11Abi}`;
  const glibc = glibcRuntime();
  if (m.glibcFloor && glibc && versionLess(glibc, m.glibcFloor))
    return `needs glibc ${m.glibcFloor}, this system has ${glibc}`;
  if (!existsSync(entry.binary)) return `${entry.binary} is missing`;
  if (sha256File(entry.binary) !== m.sha256) return 'damaged: its sha256 differs from manifest.json';
  const preload: string[] = [];
  for (const name of libTorchNeeded(m.needed)) {
    const path = join(t.libDir, name);
    if (!existsSync(path))
      return `needs ${name}, which ${t.libDir} does not have (LibTorch packaged differently: build from source)`;
    preload.push(path);
  }
  return preload;
}

/** The load test, answered from the cache when the same binary was tested with the same LibTorch. */
function loadTest(path: string, preload: string[], env: NodeJS.ProcessEnv) {
  const cacheFile = cacheFilePath(env);
  const key = cacheKey(sha256File(path), preload);
  const cached = lookupVerdict(cacheFile, key);
  if (cached)
    return { ok: true as const, versions: cached.versions, torchLibs: cached.torchLibs, checkedBy: 'cache' as const };
  const result = probeInChild(path, { preload });
  if (result.ok) {
    storeVerdict(cacheFile, key, {
      versions: result.versions,
      torchLibs: result.torchLibs,
      checkedAt: new Date().toISOString(),
    });
  }
  return { ...result, checkedBy: 'child process' as const };
}

/** Refusal when the addon ran on a LibTorch other than the detected one (mixing two crashes). */
function libtorchMismatch(torchLibs: MappedLib[], versions: AddonVersions, t: LibTorchInstall | null): string | null {
  if (!t) return null;
  const expected = realDir(t.libDir);
  const foreign = torchLibs.find((lib) => realDir(dirname(lib.path)) !== expected);
  if (foreign) {
    return `linked against the LibTorch in ${dirname(foreign.path)}, but the LibTorch in use is ${t.libDir} (${t.source})`;
  }
  if (
    t.version &&
    versions.libtorch.split('.').slice(0, 2).join('.') !== t.version.split(/[.+]/).slice(0, 2).join('.')
  ) {
    return `reports LibTorch ${versions.libtorch}, but the LibTorch in use is ${t.version}`;
  }
  return null;
}

function candidatesOf(opts: DecideOptions, env: NodeJS.ProcessEnv, wanted: string | null): Candidate[] {
  if (env.CASM_NATIVE_BINARY) return [{ kind: 'env', path: env.CASM_NATIVE_BINARY }];
  const build = opts.buildBinary ?? join(opts.packageRoot, 'build', 'Release', 'casm_native.node');
  const prebuilds = listPrebuilds(opts.prebuildsRoot ?? join(opts.packageRoot, 'prebuilds'), wanted);
  return [
    { kind: 'build', path: build },
    ...prebuilds.map((p) => ({ kind: 'prebuild' as const, path: p.binary, prebuild: p })),
  ];
}

export function decideAddon(opts: DecideOptions): AddonDecision {
  const env = opts.env ?? process.env;
  const libtorch = opts.libtorch ?? detectLibTorch({ env });
  const t = libtorch.found;
  const decision: AddonDecision = { libtorch, candidates: [], picked: null, sourceBuild: null };

  const consider = (c: Candidate): CandidateVerdict => {
    const v: CandidateVerdict = {
      kind: c.kind,
      path: c.path,
      variant: c.prebuild?.variant,
      outcome: 'refused',
      reason: '',
      preload: [],
    };
    decision.candidates.push(v);
    const refuse = (reason: string) => Object.assign(v, { outcome: 'refused', reason });
    if (!existsSync(c.path) && !c.prebuild) {
      return Object.assign(v, { outcome: 'missing', reason: c.kind === 'env' ? 'no such file' : 'not built' });
    }
    if (c.prebuild) {
      const check = prebuildStaticCheck(c.prebuild, t, opts.addonVersion);
      if (isRefusal(check)) return refuse(check);
      v.preload = check;
    }
    if (decision.picked) return Object.assign(v, { outcome: 'not tried', reason: 'an earlier candidate was picked' });

    const test = loadTest(c.path, v.preload, env);
    v.checkedBy = test.checkedBy;
    if (!test.ok) return refuse(`load test failed: ${test.error}`);
    v.versions = test.versions;
    const mismatch = libtorchMismatch(test.torchLibs, test.versions, t);
    if (mismatch && c.kind !== 'env')
      return refuse(mismatch + (c.kind === 'build' ? '; rebuild with `npm run build:native`' : ''));
    try {
      opts.loadInProcess?.(v);
    } catch (e) {
      return refuse(`passed the load test, but failed in this process: ${(e as Error).message.split('\n')[0]}`);
    }
    decision.picked = v;
    return Object.assign(v, {
      outcome: 'picked',
      reason:
        `loads LibTorch ${test.versions.libtorch}${test.versions.cuda ? ` with CUDA ${test.versions.cuda}` : ' (CPU)'}` +
        (mismatch ? ` (note: ${mismatch})` : ''),
    });
  };

  const candidates = candidatesOf(opts, env, t?.variant ?? null);
  for (const c of candidates) consider(c);

  const explicit = candidates[0]?.kind === 'env';
  if (!decision.picked && !explicit && opts.allowSourceBuild) {
    decision.sourceBuild = buildFromSource(opts.packageRoot, t);
    const build = candidates.find((c) => c.kind === 'build');
    if (decision.sourceBuild.ok && build) consider(build);
  }
  return decision;
}
