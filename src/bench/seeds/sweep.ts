// `casm-native bench seeds`: the same training command over several seeds, one after the other, each
// in its own run folder (<out>/seed-N), then the results table (src/bench/seeds/results.ts). Each
// seed is a `casm-native train` child process, so a sweep is exactly what a user's runs would be.
// Rerunning the same command continues a half-done sweep: finished seeds are skipped, an
// interrupted seed is resumed from its last checkpoint (--resume), and the results files are
// rewritten (atomically) after every seed, so no finished work is ever lost or redone.
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECKPOINTS_DIR, LATEST_POINTER, writeFileAtomic } from '../../train/checkpoint-store.js';
import type { SweepResults } from './results.js';
import { readSeedResult, resultsMarkdown, runFinished, summarise } from './results.js';

export const SWEEP_FILE = 'sweep.json';
export const RESULTS_JSON = 'results.json';
export const RESULTS_MD = 'results.md';

/** `0-4`, `0,2,5` or a mix (`0-2,7`): distinct seeds in the order given. */
export function parseSeeds(spec: string): number[] {
  const seeds: number[] = [];
  for (const part of spec.split(',').map((p) => p.trim())) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`--seeds: '${part}' is not a seed or a range (e.g. 0-4 or 0,2,5)`);
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (b < a) throw new Error(`--seeds: the range ${part} runs backwards`);
    if (b - a > 1000) throw new Error(`--seeds: the range ${part} is too long`);
    for (let s = a; s <= b; s++) if (!seeds.includes(s)) seeds.push(s);
  }
  if (seeds.length === 0) throw new Error('--seeds: no seeds given');
  return seeds;
}

/** Flags a sweep sets itself for every seed. */
const OWNED_FLAGS = ['--seed', '--out', '--resume'];

export interface SweepOptions {
  out: string;
  seeds: number[];
  /** Arguments of `casm-native train` shared by every seed (without --seed/--out/--resume). */
  trainArgs: string[];
  /** Runs `casm-native <args>` and returns its exit code (default: a child process of this CLI). */
  runCli?: (args: string[]) => Promise<number>;
  log?: (line: string) => void;
}

export function seedRunDir(out: string, seed: number): string {
  return path.join(out, `seed-${seed}`);
}

export async function runSeedSweep(o: SweepOptions): Promise<SweepResults> {
  const owned = o.trainArgs.find((a) => OWNED_FLAGS.includes(a.split('=')[0]!));
  if (owned) throw new Error(`bench seeds sets ${owned} itself for every seed: leave it out`);
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const runCli = o.runCli ?? runThisCli;
  await fs.mkdir(o.out, { recursive: true });
  // The sweep's identity: continuing it with other training flags would mix two experiments.
  const sweepFile = path.join(o.out, SWEEP_FILE);
  const command = `casm-native train ${o.trainArgs.join(' ')}`.trim();
  if (existsSync(sweepFile)) {
    const saved = JSON.parse(await fs.readFile(sweepFile, 'utf8')) as { trainArgs?: string[] };
    if (JSON.stringify(saved.trainArgs ?? []) !== JSON.stringify(o.trainArgs))
      throw new Error(
        `${o.out} holds a sweep of other training flags (${(saved.trainArgs ?? []).join(' ') || 'none'}): continue it with those, or choose another --out`,
      );
  } else {
    await writeFileAtomic(sweepFile, `${JSON.stringify({ trainArgs: o.trainArgs }, null, 2)}\n`);
  }

  const write = async (): Promise<SweepResults> => {
    const runs = o.seeds.map((s) => readSeedResult(s, seedRunDir(o.out, s))).filter((r) => r !== null);
    const results = summarise(command, o.seeds, runs);
    await writeFileAtomic(path.join(o.out, RESULTS_JSON), `${JSON.stringify(results, null, 2)}\n`);
    await writeFileAtomic(path.join(o.out, RESULTS_MD), resultsMarkdown(results));
    return results;
  };

  for (const seed of o.seeds) {
    const dir = seedRunDir(o.out, seed);
    if (runFinished(dir)) {
      log(`seed ${seed}: finished earlier (${dir}), skipped`);
      continue;
    }
    const resumable = existsSync(path.join(dir, CHECKPOINTS_DIR, LATEST_POINTER));
    const args = resumable
      ? ['train', '--resume', dir]
      : ['train', ...o.trainArgs, '--seed', String(seed), '--out', dir];
    log(`seed ${seed}: ${resumable ? `resuming ${dir}` : `training into ${dir}`}`);
    const code = await runCli(args);
    await write();
    if (code !== 0)
      throw new Error(
        `seed ${seed}: casm-native ${args.join(' ')} exited with ${code}; rerun the same command to continue the sweep`,
      );
    if (!runFinished(dir))
      throw new Error(
        `seed ${seed}: the run ended without a localisation score (does the score split have boxes?) in ${dir}`,
      );
  }
  return write();
}

const CLI_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'main.js');

function runThisCli(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, CLI_ENTRY, ...args], { stdio: ['ignore', 2, 2] });
    child.on('error', reject);
    // A signal that stopped the child (it checkpointed first) counts as a failure to report.
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
