// Runs once before the whole suite (vitest globalSetup): compiles the TypeScript into dist/, which
// the tests that run the CLI or the built package in child processes use (train-cli, examples,
// conformance, hostile files, LibTorch 1.13). Once here instead of in each such file, and never
// stale: a dist/ left over from an older tree would test old code. Incremental, so an unchanged
// tree costs a second or two; a type error fails the suite with the compiler's message.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';

const repo = path.resolve(import.meta.dirname, '..');
const buildInfo = path.join(repo, 'node_modules', '.cache', 'casm-native-dist.tsbuildinfo');

export default function setup(): void {
  // tsc --incremental trusts its build info, not the outputs: without dist/ it must start over.
  if (!existsSync(path.join(repo, 'dist', 'index.js'))) rmSync(buildInfo, { force: true });
  const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(
    process.execPath,
    [tsc, '-p', path.join(repo, 'tsconfig.json'), '--incremental', '--tsBuildInfoFile', buildInfo],
    { cwd: repo, encoding: 'utf8' },
  );
  if (r.status !== 0)
    throw new Error(`tsc -p tsconfig.json failed (dist/ is what the CLI tests run):\n${r.stdout}${r.stderr}`);
}
