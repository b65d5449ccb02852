// The oldest LibTorch we support, Debian's libtorch-dev 1.13, beside the suite's pip 2.13:
// scripts/setup.sh --test builds build-torch1.13/ against it; here that build loads, describes
// itself and passes every conformance case, and the loader picks the matching prebuild for 1.13
// while refusing the 2.13 build in build/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HANG_MS } from '../budget.js';
import { missing } from '../environment.js';
import { debianBuildBinary, debianTorchConfigDir, repoRoot } from '../test-libtorch.js';

const debianConfig = debianTorchConfigDir();
const cli = join(repoRoot, 'dist', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'casm-1.13-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The CLI with Debian's 1.13 as the LibTorch in use (Torch_DIR beats python3 and the system). */
function cliOn113(args: string[], extra: NodeJS.ProcessEnv = {}) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    Torch_DIR: debianConfig!,
    CASM_NATIVE_CACHE_DIR: join(tmp, 'cache'),
    ...extra,
  };
  delete env.LIBTORCH;
  delete env.CMAKE_PREFIX_PATH;
  if (!extra.CASM_NATIVE_BINARY) delete env.CASM_NATIVE_BINARY;
  return spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8', timeout: HANG_MS });
}

describe.skipIf(missing(debianConfig, "Debian's libtorch-dev 1.13"))("Debian's LibTorch 1.13", () => {
  const binary = { CASM_NATIVE_BINARY: debianBuildBinary };

  it('build-torch1.13/ exists (scripts/setup.sh --test builds it)', () => {
    expect(existsSync(debianBuildBinary), `${debianBuildBinary} missing: run bash scripts/setup.sh --test`).toBe(true);
  });

  it('the 1.13 build passes the load test and reports LibTorch 1.13 on the CPU', () => {
    const r = cliOn113(['doctor'], binary);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^libtorch\s+1\.13\.\d+/m);
    expect(r.stdout).toMatch(/^cuda\s+CUDA not available \(CPU build\)/m);
    expect(r.stdout).toMatch(/LibTorch in use: 1\.13\.\d+ CPU .* from Torch_DIR: .* -> variant torch1\.13-cpu/);
    expect(r.stdout).toMatch(
      /picked\s+CASM_NATIVE_BINARY: .*build-torch1\.13\/Release\/casm_native\.node: loads LibTorch 1\.13/,
    );
  });

  it('the 1.13 build passes every conformance case (step and metrics)', () => {
    const r = cliOn113(['conformance', join(repoRoot, 'test', 'conformance-vectors')], binary);
    // 4 step cases (authors'), 4 step variants (our PyTorch reference), 48 scoring cases and the scoring aggregate.
    expect(r.stdout).toMatch(/^57 of 57 conformance cases passed$/m);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('without an explicit binary, the loader refuses the 2.13 build in build/ and picks the torch1.13-cpu prebuild', () => {
    const r = cliOn113(['doctor']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/picked\s+prebuild torch1\.13-cpu: .*: loads LibTorch 1\.13/);
    if (existsSync(join(repoRoot, 'build', 'Release', 'casm_native.node'))) {
      expect(r.stdout).toMatch(/refused\s+local build: .*(linked against the LibTorch in|reports LibTorch)/);
    }
    expect(r.stdout).toMatch(
      /refused\s+prebuild torch2\.13-cpu: .*built for torch2\.13-cpu; the LibTorch in use needs torch1\.13-cpu/,
    );
  });
});
