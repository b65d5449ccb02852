// Data-parallel training as one process sees it: its rank in the group, read from torchrun's
// environment variables (which `train --nproc-per-node` sets for its workers, and which torchrun
// itself sets), and the checks that keep the ranks in step. Every rank runs the same loop; the
// native trainer averages gradients across them, rank 0 alone writes files.
import { PROCESS_GROUP_DEFAULTS } from '../native/defaults.js';
import type { NativeProcessGroup } from '../native/types.js';
import type { TrainConfig } from './config.js';

/** This process's place in a data-parallel run: rank, world size and process group. */
export interface DistributedRun {
  rank: number;
  worldSize: number;
  group: NativeProcessGroup;
}

/** What torchrun's conventions tell a worker about its place in the group. */
export interface WorkerEnv {
  rank: number;
  worldSize: number;
  localRank: number;
  localWorldSize: number;
  masterAddr: string;
  masterPort: number;
}

/** The worker's place from RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT; null when WORLD_SIZE is unset. */
export function workerEnvFrom(env: NodeJS.ProcessEnv): WorkerEnv | null {
  if (env.WORLD_SIZE === undefined) return null;
  const int = (name: string, fallback?: number): number => {
    const raw = env[name];
    if (raw === undefined && fallback !== undefined) return fallback;
    const v = Number(raw);
    if (raw === undefined || raw.trim() === '' || !Number.isInteger(v) || v < 0)
      throw new Error(`environment variable ${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
    return v;
  };
  const worldSize = int('WORLD_SIZE');
  const rank = int('RANK');
  if (worldSize < 1 || rank >= worldSize) throw new Error(`RANK ${rank} must be below WORLD_SIZE ${worldSize}`);
  const localRank = int('LOCAL_RANK', rank);
  const localWorldSize = int('LOCAL_WORLD_SIZE', worldSize);
  const masterPort = int('MASTER_PORT', PROCESS_GROUP_DEFAULTS.masterPort);
  if (masterPort < 1 || masterPort > 65535) throw new Error(`MASTER_PORT must be a port number, got ${masterPort}`);
  return {
    rank,
    worldSize,
    localRank,
    localWorldSize,
    masterAddr: env.MASTER_ADDR || PROCESS_GROUP_DEFAULTS.masterAddr,
    masterPort,
  };
}

/**
 * What every rank must agree on before the first step: the configuration (the device aside: each
 * process has its own GPU), where training continues from, and the classes. A rank started with
 * other arguments, or resuming another checkpoint, would otherwise train silently out of step.
 */
export function runFingerprint(
  config: TrainConfig,
  at: { step: number; phase: string; epoch: number; batch: number },
  classIds: readonly string[],
): string {
  const { device: _device, ...rest } = config;
  return JSON.stringify({ config: rest, at, classIds });
}

/** The error a resume with another number of processes gets. */
export function worldSizeMismatch(checkpoint: string, saved: number, now: number): Error {
  const how = (n: number) => (n === 1 ? 'one process' : `${n} processes`);
  return new Error(
    `${checkpoint} was trained by ${how(saved)} (worldSize ${saved}) and this run has ${how(now)}: resume it with the same number ` +
      `(${saved === 1 ? 'without --nproc-per-node' : `--nnodes × --nproc-per-node = ${saved}`}), so that its batches and statistics continue unchanged`,
  );
}
