// CI's bounded fuzzing: every fuzzer of scripts/fuzz.sh for 20 s (the four libFuzzer harnesses
// of the native readers and the loop over the TypeScript safetensors reader), starting from the
// committed seeds. Where clang is missing (it comes with `scripts/setup.sh --test`) the native
// harnesses cannot be built and only the TypeScript loop runs.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HANG_MS } from '../budget.js';
import { missing } from '../environment.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECONDS = Number(process.env.CASM_FUZZ_SECONDS ?? 20);
const hasClang = spawnSync('clang++', ['--version']).status === 0;

function fuzz(names: string[]) {
  const r = spawnSync('bash', ['scripts/fuzz.sh', String(SECONDS), ...names], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: HANG_MS + SECONDS * names.length * 1000,
  });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

describe('fuzzing (bounded)', () => {
  it.skipIf(missing(hasClang, 'clang++ (libFuzzer)'))(
    'libFuzzer: pickle interpreter, safetensors header, JSON parser, zip directory',
    () => {
      const r = fuzz(['pickle', 'safetensors', 'json', 'zip']);
      expect(r.output).not.toMatch(/FAILED/);
      expect(r.status, r.output).toBe(0);
      for (const name of ['pickle', 'safetensors', 'json', 'zip'])
        expect(r.output).toMatch(new RegExp(`fuzz ${name}: #\\d+\\s+DONE`));
    },
  );

  it('TypeScript safetensors reader', () => {
    const r = fuzz(['safetensors-ts']);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/safetensors-ts: \d+ execs in \d+ s, seed \d+, 3\/3 seeds accepted, 0 findings/);
  });
});
