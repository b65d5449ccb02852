// The fallback when no binary fits: compile the addon from the sources shipped in the package
// (CMakeLists.txt, native/, binding/) with cmake-js, into build/Release, against the LibTorch the
// loader detected. Only on request (CASM_NATIVE_BUILD_FROM_SOURCE=1 or `casm-native doctor --build`):
// it takes minutes and needs cmake and a C++20 compiler.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import type { LibTorchInstall } from './libtorch-detect.js';

/** The outcome of an automatic source build of the addon, with the command that ran. */
export interface SourceBuildResult {
  ok: boolean;
  command: string;
  error?: string;
}

export function sourceBuildRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CASM_NATIVE_BUILD_FROM_SOURCE === '1' || env.CASM_NATIVE_BUILD_FROM_SOURCE === 'true';
}

export function buildFromSource(packageRoot: string, libtorch: LibTorchInstall | null): SourceBuildResult {
  let cmakeJs: string;
  try {
    cmakeJs = createRequire(`${packageRoot}/package.json`).resolve('cmake-js/bin/cmake-js');
  } catch {
    // An optional dependency: a prebuild needs no build tools, and a failed or skipped optional
    // install must not break that case.
    return {
      ok: false,
      command: 'cmake-js build',
      error:
        'cmake-js is not installed next to casm-native (an optional dependency, only needed to build from source): npm install cmake-js node-addon-api node-api-headers',
    };
  }
  const env = { ...process.env };
  // Build against what the loader checks against. Torch_DIR/CMAKE_PREFIX_PATH are already in the
  // environment, and CMake finds the system install by itself, so only these two need saying.
  if (libtorch?.source === 'LIBTORCH' || libtorch?.source === 'python3') env.LIBTORCH = libtorch.root;
  // Configure every time: `cmake-js build` alone keeps a build/ configured for another LibTorch.
  const steps = [
    [cmakeJs, 'configure', '--out', 'build'],
    [cmakeJs, 'build', '--out', 'build'],
  ];
  const prefix = env.LIBTORCH ? `LIBTORCH=${env.LIBTORCH} ` : '';
  const command = `(cd ${packageRoot} && ${steps.map((a) => `${prefix}node ${a.join(' ')}`).join(' && ')})`;
  process.stderr.write(`casm-native: building the addon from source: ${command}\n`);
  for (const args of steps) {
    // The build log goes to stderr so that stdout stays the program's own.
    const r = spawnSync(process.execPath, args, { cwd: packageRoot, env, stdio: ['ignore', 2, 2] });
    if (r.status !== 0) {
      return {
        ok: false,
        command,
        error: r.error?.message ?? `cmake-js ${args[1]} exited with ${r.signal ?? `code ${r.status}`}`,
      };
    }
  }
  return { ok: true, command };
}
