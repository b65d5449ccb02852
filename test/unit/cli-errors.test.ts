// How the `casm-native` command ends when it is called wrongly: one line naming the problem and the
// command's --help, status 2 — through the real command tree, in this process (no addon is needed:
// usage errors are found before any command does work).
import { describe, expect, it, vi } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import { commandPath, runCli } from '../../src/cli/run-cli.js';

async function cli(...args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    const code = await runCli(createProgram(), ['node', 'casm-native', ...args], { stderr: (t) => (stderr += t) });
    return { code, stderr, stdout };
  } finally {
    out.mockRestore();
  }
}

describe('usage errors', () => {
  it('an unknown option: one line with the command and a pointer to its --help, exit 2', async () => {
    const r = await cli('saliency', '--checkpoint', 'run', '--out', 'out', '--bogus', 'x');
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^casm-native saliency: unknown option '--bogus' \(run 'casm-native saliency --help' for more\)\n$/,
    );
    expect(r.stdout).toBe('');
  });

  it('a missing required option, a bad choice and a bad number in a nested command', async () => {
    const missing = await cli('saliency', 'image.png');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^casm-native saliency: required option '--checkpoint <path>' not specified \(run/);
    const choice = await cli('eval', '--resize', 'sideways');
    expect(choice.code).toBe(2);
    expect(choice.stderr).toMatch(
      /^casm-native eval: option '--resize <mode>' argument 'sideways' is invalid\. Allowed choices are crop, direct\. \(run 'casm-native eval --help'/,
    );
    const nested = await cli('data', 'fashion-loc', '--out', 'x', '--size', 'huge');
    expect(nested.code).toBe(2);
    expect(nested.stderr).toMatch(
      /^casm-native data fashion-loc: .*--size must be an integer >= 32 \(run 'casm-native data fashion-loc --help' for more\)\n$/,
    );
  });

  it('a contradiction found by the command itself (UsageError) and an unknown command', async () => {
    const r = await cli('eval', '--data', 'somewhere');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "casm-native eval: eval needs --checkpoint (or --toy center|full for a baseline, or --masks DIR) (run 'casm-native eval --help' for more)\n",
    );
    const unknown = await cli('salience');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/unknown command 'salience'.*saliency/);
  });

  it('--help and --version still succeed', async () => {
    const help = await cli('saliency', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--json');
    const version = await cli('--version');
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('names the deepest command the arguments reach', () => {
    const program = createProgram();
    expect(commandPath(program, ['data', 'inspect', '--data', 'x'])).toBe('casm-native data inspect');
    expect(commandPath(program, ['--bogus'])).toBe('casm-native');
    expect(commandPath(program, ['bench', 'paper', 'table2'])).toBe('casm-native bench paper');
  });
});

describe('failures that are not usage errors', () => {
  it('exit 1 with the message on one line', async () => {
    const r = await cli('saliency', '--checkpoint', '/nonexistent/run', '--out', '/tmp/never', 'x.png');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('casm-native: /nonexistent/run: no such file or folder\n');
  });
});
