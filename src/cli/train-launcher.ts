// `train --nproc-per-node N`, torchrun's conventions: starts N workers (`train` again, with RANK,
// LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT set) and watches
// them. When one worker fails, the others are stopped (SIGTERM, then SIGKILL after a grace
// period), so no rank is left waiting for a dead peer. Signals to the launcher reach each worker
// once: workers run in their own process groups, and a worker whose launcher disappears exits
// (its IPC channel closes).

import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

export interface LaunchOptions {
  nprocPerNode: number;
  nnodes: number;
  nodeRank: number;
  masterAddr: string;
  /** null: a free port on this machine (single-machine runs only). */
  masterPort: number | null;
  /** The workers' `train` arguments (without the launcher's own flags). */
  workerArgs: string[];
  /** Seconds the other workers get to exit by themselves after one failed (default 20). */
  graceSeconds?: number;
  /** Where the launcher reports (default stderr). */
  log?: (line: string) => void;
}

/** Marks a worker started by this launcher (it then exits when the launcher's IPC channel closes). */
export const LAUNCHED_ENV = 'CASM_NATIVE_LAUNCHED';

/** The launcher's flags, removed from the arguments the workers get. */
const LAUNCHER_FLAGS = ['--nproc-per-node', '--nnodes', '--node-rank', '--master-addr', '--master-port'];

/** `train` arguments minus the launcher's flags (`--flag value` and `--flag=value`). */
export function workerArgsFrom(trainArgs: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < trainArgs.length; i++) {
    const a = trainArgs[i]!;
    if (LAUNCHER_FLAGS.includes(a)) {
      i++;
      continue;
    }
    if (LAUNCHER_FLAGS.some((f) => a.startsWith(`${f}=`))) continue;
    out.push(a);
  }
  return out;
}

/** A port that was free a moment ago on `host` (the rendezvous binds it right after). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Worker {
  rank: number;
  child: ChildProcess;
  exited: boolean;
}

/** Runs the workers to their end; resolves with the launcher's exit code. */
export async function launchWorkers(o: LaunchOptions): Promise<number> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const worldSize = o.nnodes * o.nprocPerNode;
  const masterPort = o.masterPort ?? (await freePort(o.masterAddr));
  const entry = process.argv[1]!;
  const workers: Worker[] = [];
  for (let local = 0; local < o.nprocPerNode; local++) {
    const rank = o.nodeRank * o.nprocPerNode + local;
    const env = {
      ...process.env,
      RANK: String(rank),
      LOCAL_RANK: String(local),
      WORLD_SIZE: String(worldSize),
      LOCAL_WORLD_SIZE: String(o.nprocPerNode),
      GROUP_RANK: String(o.nodeRank),
      MASTER_ADDR: o.masterAddr,
      MASTER_PORT: String(masterPort),
      [LAUNCHED_ENV]: '1',
    };
    // Rank 0 owns the terminal (progress bar, --json on stdout); the others' lines are prefixed.
    const leader = rank === 0;
    const child = spawn(process.execPath, [...process.execArgv, entry, 'train', ...o.workerArgs], {
      env,
      detached: true,
      stdio: ['ignore', leader ? 'inherit' : 'pipe', leader ? 'inherit' : 'pipe', 'ipc'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream)
        createInterface({ input: stream }).on('line', (line) => process.stderr.write(`[rank ${rank}] ${line}\n`));
    }
    workers.push({ rank, child, exited: false });
  }
  log(
    `casm-native: ${o.nprocPerNode} worker(s) on node ${o.nodeRank} of ${o.nnodes}, world size ${worldSize}, rendezvous ${o.masterAddr}:${masterPort}; ` +
      workers.map((w) => `rank ${w.rank} pid ${w.child.pid}`).join(', '),
  );

  let signalled: NodeJS.Signals | null = null;
  const forward = (signal: NodeJS.Signals) => {
    signalled = signal;
    for (const w of workers) if (!w.exited) w.child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);

  try {
    return await new Promise<number>((resolve) => {
      let failure: string | null = null;
      let failureCode = 0;
      let killTimer: NodeJS.Timeout | null = null;
      const alive = () => workers.filter((w) => !w.exited);
      for (const w of workers) {
        w.child.on('error', (err) => log(`casm-native: rank ${w.rank}: ${err.message}`));
        w.child.on('exit', (code, signal) => {
          w.exited = true;
          const failed = signal !== null || code !== 0;
          // After a forwarded Ctrl-C the workers stop together with 130/143: not a failure.
          const expected = signalled !== null && (code === 130 || code === 143);
          if (failed && !expected && failure === null) {
            failure = `rank ${w.rank} (pid ${w.child.pid}) ${signal ? `was killed by ${signal}` : `exited with code ${code}`}`;
            failureCode = code && code !== 0 ? code : 1;
            const rest = alive();
            if (rest.length) {
              log(`casm-native: ${failure}; stopping the other ${rest.length} rank(s) of this node`);
              for (const r of rest) r.child.kill('SIGTERM');
              killTimer = setTimeout(
                () => {
                  for (const r of alive()) {
                    log(
                      `casm-native: rank ${r.rank} (pid ${r.child.pid}) did not stop within ${o.graceSeconds ?? 20} s: killing it`,
                    );
                    r.child.kill('SIGKILL');
                  }
                },
                (o.graceSeconds ?? 20) * 1000,
              );
            }
          }
          if (alive().length === 0) {
            if (killTimer) clearTimeout(killTimer);
            if (failure) {
              log(
                `casm-native: training failed: ${failure}; every worker of this node has exited. Continue from the last checkpoint with --resume and the same number of processes.`,
              );
              resolve(failureCode);
            } else {
              resolve(signalled ? (signalled === 'SIGINT' ? 130 : 143) : 0);
            }
          }
        });
      }
    });
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}
