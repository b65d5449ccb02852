// The compiled CLI (dist/, built once by test/global-setup.ts) in a child process, as a user runs
// it, for the e2e tests that act on a run while it is going (signals, killed workers).
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const cli = path.resolve(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

/** The smallest model and images a CLI test trains on: one epoch of resnet10 at 32 px, batches of 4. */
export const TINY_TRAIN_FLAGS = ['--arch', 'resnet10', '--image-size', '32', '--batch-size', '4', '--epochs', '1'];

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** What the child has printed so far (updated as it prints). */
export interface CliOutput {
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Called once the child is spawned: may act on it (e.g. kill it) and watch its output. */
  onStart?: (child: ChildProcess, output: CliOutput) => void;
}

/** Runs `casm-native ...args` in `cwd` to its end. */
export function runCliIn(cwd: string, args: string[], opts: CliRunOptions = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
    });
    const output: CliOutput = { stdout: '', stderr: '' };
    child.stdout.on('data', (d) => (output.stdout += d));
    child.stderr.on('data', (d) => (output.stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, ...output }));
    opts.onStart?.(child, output);
  });
}

/**
 * Polls until `check()` is true, then calls `act()`; gives up when the child exits first (the test
 * then fails on what it finds). No clock: a slow machine only makes the wait longer.
 */
export function when(child: ChildProcess, check: () => boolean, act: () => void): void {
  const timer = setInterval(() => {
    if (child.exitCode !== null || child.signalCode !== null) clearInterval(timer);
    else if (check()) {
      clearInterval(timer);
      act();
    }
  }, 20);
}
