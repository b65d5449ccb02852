// Words for an AddonDecision: the lines `casm-native doctor` prints and the one load error that
// lists what was found and how to fix it.
import { relative } from 'node:path';
import type { AddonDecision, CandidateVerdict } from './addon-decision.js';
import { describeLibTorch } from './libtorch-detect.js';

const KIND_LABEL: Record<CandidateVerdict['kind'], string> = {
  env: 'CASM_NATIVE_BINARY',
  build: 'local build',
  prebuild: 'prebuild',
};

export function libtorchLine(d: AddonDecision): string {
  const t = d.libtorch.found;
  if (!t) return 'none found';
  return `${describeLibTorch(t)}${t.variant ? ` -> variant ${t.variant}` : ''}`;
}

export function candidateLines(d: AddonDecision, root?: string): string[] {
  return d.candidates.map((c) => {
    const where = root && c.path.startsWith(root) ? relative(root, c.path) : c.path;
    const via = c.checkedBy ? ` [load test: ${c.checkedBy}]` : '';
    return `${c.outcome.padEnd(9)} ${KIND_LABEL[c.kind]}${c.variant ? ` ${c.variant}` : ''}: ${where}: ${c.reason}${via}`;
  });
}

export function loadErrorMessage(d: AddonDecision, root?: string): string {
  const lines = ['casm-native: no usable native addon.', `LibTorch in use: ${libtorchLine(d)}`];
  if (!d.libtorch.found) lines.push(...d.libtorch.notes.map((n) => `  looked at ${n}`));
  lines.push('Candidates:');
  lines.push(...(d.candidates.length ? candidateLines(d, root).map((l) => `  - ${l}`) : ['  - none']));
  if (d.sourceBuild && !d.sourceBuild.ok)
    lines.push(`Source build failed: ${d.sourceBuild.error} (${d.sourceBuild.command})`);
  lines.push(
    'Fixes:',
    '  - build the addon from source against your LibTorch: set CASM_NATIVE_BUILD_FROM_SOURCE=1, or run ' +
      '`npx casm-native doctor --build` (needs cmake and a C++17 compiler)',
    '  - point at another LibTorch: LIBTORCH=/path/to/libtorch or LIBTORCH=/path/to/site-packages/torch',
    '  - install LibTorch: `apt install libtorch-dev` (Debian/Ubuntu, CPU) or `pip install torch`',
    '  - use a binary you built: CASM_NATIVE_BINARY=/path/to/casm_native.node',
    '  - `npx casm-native doctor` shows this decision',
  );
  return lines.join('\n');
}
