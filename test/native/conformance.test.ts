import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runConformance } from '../../src/conformance/run.js';

// The authors' public reference vectors, kept with the tests (test/conformance-vectors/README.md).
const SHARED = resolve(__dirname, '..', 'conformance-vectors');

describe('conformance runner', () => {
  it("every step case of the authors' reference vectors passes", async () => {
    const [suite] = await runConformance(join(SHARED, 'step'));
    expect(suite.suite).toBe('step');
    expect(suite.cases.map((c) => c.name).sort()).toEqual([
      'F-entropy',
      'L-entropy',
      'L-entropy-clipped',
      'pool-entropy',
    ]);
    for (const c of suite.cases) {
      expect(c.passed, `${c.name}: ${c.worst.name} ${c.worst.deviation} > ${c.worst.tolerance}`).toBe(true);
    }
  });

  it('every case of our PyTorch reference for the variants (masked-in objective, classification score, mixed loss) passes', async () => {
    const [suite] = await runConformance(join(SHARED, 'step-variants'));
    expect(suite.cases.map((c) => c.name).sort()).toEqual(['L-classification', 'L-in-out', 'L-mixed', 'pool-in-out']);
    for (const c of suite.cases) {
      expect(c.passed, `${c.name}: ${c.worst.name} ${c.worst.deviation} > ${c.worst.tolerance}`).toBe(true);
    }
  });

  it("the masked-in vectors tell the objectives apart: run with the authors' objective, they fail", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'casm-conf-'));
    const src = join(SHARED, 'step-variants');
    const manifest = JSON.parse(readFileSync(join(src, 'manifest.json'), 'utf8'));
    manifest.init = resolve(src, manifest.init);
    manifest.cases = manifest.cases
      .filter((c: { objective?: string }) => c.objective === 'in-out')
      .map((c: { file: string }) => ({ ...c, objective: 'out', file: join(src, c.file) }));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const [suite] = await runConformance(dir);
    expect(suite.cases.length).toBe(2);
    for (const c of suite.cases) expect(c.passed, c.name).toBe(false);
  });

  it('the classification and mixed vectors tell their settings apart: run as entropy / two-step, they fail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'casm-conf-'));
    const src = join(SHARED, 'step-variants');
    const manifest = JSON.parse(readFileSync(join(src, 'manifest.json'), 'utf8'));
    manifest.init = resolve(src, manifest.init);
    const swapped = manifest.cases
      .filter((c: { name: string }) => c.name === 'L-classification' || c.name === 'L-mixed')
      .map((c: { name: string; steps: number; file: string; score: string; classifier_loss?: string }) => {
        // Several steps each (the mixed case three: see make-step-vectors.py for why not the other).
        expect(c.steps, c.name).toBeGreaterThanOrEqual(c.name === 'L-mixed' ? 3 : 2);
        return c.name === 'L-classification'
          ? { ...c, score: 'entropy', file: join(src, c.file) }
          : { ...c, classifier_loss: 'two-step', file: join(src, c.file) };
      });
    manifest.cases = swapped;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const [suite] = await runConformance(dir);
    expect(suite.cases.length).toBe(2);
    for (const c of suite.cases) expect(c.passed, c.name).toBe(false);
  });

  it('the third step of the mixed-loss case is checked: a perturbed step2 value fails it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'casm-conf-'));
    const src = join(SHARED, 'step-variants');
    cpSync(src, dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    manifest.init = resolve(src, manifest.init);
    manifest.cases = manifest.cases.filter((c: { name: string }) => c.name === 'L-mixed');
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const file = join(dir, 'L-mixed.safetensors');
    const raw = readFileSync(file);
    const n = Number(raw.readBigUInt64LE(0));
    const header = JSON.parse(raw.subarray(8, 8 + n).toString());
    const at = 8 + n + header['step2.loss_mapping'].data_offsets[0];
    // 10 % off: twice the later steps' 5e-2 tolerance.
    raw.writeFloatLE(raw.readFloatLE(at) * 1.1, at);
    writeFileSync(file, raw);
    const [suite] = await runConformance(dir);
    expect(suite.cases[0].passed).toBe(false);
    expect(suite.cases[0].worst.name).toBe('step2.loss_mapping');
  });

  it("the malloc settings the addon applies (native/env/malloc_tuning.cpp) change no result: the same deviations with glibc's defaults", () => {
    const cli = resolve(__dirname, '..', '..', 'dist', 'cli', 'main.js');
    const run = (extra: NodeJS.ProcessEnv) => {
      const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
      // Anything the user set for malloc turns the addon's settings off: none here.
      for (const k of Object.keys(env)) if (k === 'GLIBC_TUNABLES' || k.startsWith('MALLOC_')) delete env[k];
      return execFileSync(process.execPath, [cli, 'conformance', join(SHARED, 'step')], { env, encoding: 'utf8' });
    };
    const tuned = run({ CASM_NATIVE_MALLOC: '' });
    expect(tuned).toMatch(/^4 of 4 conformance cases passed$/m);
    expect(run({ CASM_NATIVE_MALLOC: 'system' })).toBe(tuned);
  });

  it('fails (and the CLI exits non-zero) when an expected value is perturbed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'casm-conf-'));
    cpSync(join(SHARED, 'step'), dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    manifest.cases = manifest.cases.filter((c: { name: string }) => c.name === 'F-entropy');
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    // Flip the sign of the expected mapping loss of step 0 inside the safetensors file.
    const file = join(dir, 'F-entropy.safetensors');
    const raw = readFileSync(file);
    const n = Number(raw.readBigUInt64LE(0));
    const header = JSON.parse(raw.subarray(8, 8 + n).toString());
    const [start] = header['step0.loss_mapping'].data_offsets;
    const at = 8 + n + start;
    raw.writeFloatLE(-raw.readFloatLE(at) + 1, at);
    writeFileSync(file, raw);
    const [suite] = await runConformance(dir);
    expect(suite.cases[0].passed).toBe(false);
    expect(suite.cases[0].worst.name).toBe('step0.loss_mapping');
    let code = 0;
    try {
      execFileSync(process.execPath, [resolve(__dirname, '..', '..', 'dist', 'cli', 'main.js'), 'conformance', dir], {
        stdio: 'pipe',
      });
    } catch (e) {
      code = (e as { status: number }).status;
    }
    expect(code).toBe(1);
  });
});
