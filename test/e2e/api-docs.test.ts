// The API reference is generated from the type declarations by `npm run docs:api` (TypeDoc with
// warnings as errors, so a public function whose parameter or result type is not exported fails
// the script). Run here into a temporary folder with the project's own typedoc.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HANG_MS } from '../budget.js';

const repo = path.resolve(import.meta.dirname, '..', '..');
const out = mkdtempSync(path.join(tmpdir(), 'casm-api-docs-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('API reference', () => {
  it('npm run docs:api generates pages for the public classes and functions without warnings', () => {
    const r = spawnSync('npm', ['run', '--silent', 'docs:api', '--', '--out', out], {
      cwd: repo,
      encoding: 'utf8',
      timeout: HANG_MS,
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/\[warning\]/);
    const model = readFileSync(path.join(out, 'classes', 'Model.html'), 'utf8');
    for (const member of ['dispose', 'saliency', 'importWeights'])
      expect(model).toContain(`id="${member.toLowerCase()}"`);
    expect(readFileSync(path.join(out, 'classes', 'Trainer.html'), 'utf8')).toContain('id="dispose"');
    expect(existsSync(path.join(out, 'functions', 'exportSaliency.html'))).toBe(true);
    expect(readFileSync(path.join(out, 'interfaces', 'SaliencyRecord.html'), 'utf8')).toContain('coverage');
    expect(readdirSync(path.join(out, 'functions')).length).toBeGreaterThan(20);
  });
});
