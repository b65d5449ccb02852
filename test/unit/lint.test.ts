// The lint and format checks (scripts/lint.sh: Biome and clang-format, both pinned) as part of the
// suite, so CI fails on code either tool would change or on a broken lint rule.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HANG_MS } from '../budget.js';

const root = join(import.meta.dirname, '..', '..');

function clangFormat(): string {
  const r = spawnSync('bash', [join(root, 'scripts/clang-format.sh')], { encoding: 'utf8', timeout: HANG_MS });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe('lint and format', () => {
  it('scripts/lint.sh finds nothing to change in the tree', () => {
    const r = spawnSync('bash', [join(root, 'scripts/lint.sh')], { cwd: root, encoding: 'utf8', timeout: HANG_MS });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  });

  it('the pinned clang-format with .clang-format flags a badly formatted file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'casm-lint-'));
    try {
      copyFileSync(join(root, '.clang-format'), join(dir, '.clang-format'));
      const file = join(dir, 'bad.cpp');
      writeFileSync(file, 'int  main( ){return 0 ;}\n');
      const r = spawnSync(clangFormat(), ['--dry-run', '--Werror', file], { encoding: 'utf8', timeout: HANG_MS });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('bad.cpp');
      expect(readFileSync(file, 'utf8')).toBe('int  main( ){return 0 ;}\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
