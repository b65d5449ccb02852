// One rank of a data-parallel `casm-native train` (started by the launcher, or by torchrun-style
// environment variables): it stops when its launcher goes away, takes the GPU of its local rank, and
// joins the process group (Gloo on the CPU, NCCL on CUDA) before training starts.
import { processGroupOptions } from '../native/defaults.js';
import type { NativeAddon } from '../native/types.js';
import type { TrainConfig } from '../train/config.js';
import { TRAIN_DEFAULTS } from '../train/config.js';
import type { DistributedRun, WorkerEnv } from '../train/distributed.js';
import { LAUNCHED_ENV } from './train-launcher.js';

/** Joins the process group of `worker`; `input.device` becomes this rank's GPU when it is plain 'cuda'. */
export async function joinProcessGroup(
  addon: NativeAddon,
  worker: WorkerEnv,
  input: Partial<TrainConfig>,
  timeoutSeconds: number | undefined,
): Promise<DistributedRun> {
  if (process.env[LAUNCHED_ENV] === '1' && process.channel) {
    // The launcher watches us through this channel; without it nobody would stop this rank.
    process.channel.unref();
    process.on('disconnect', () => {
      process.stderr.write(`casm-native: rank ${worker.rank}: the launcher has gone; stopping\n`);
      process.exit(1);
    });
  }
  // One GPU per process: plain `--device cuda` means this worker's local rank.
  if (input.device === 'cuda') input.device = `cuda:${worker.localRank}`;
  const device = input.device ?? TRAIN_DEFAULTS.device;
  return {
    rank: worker.rank,
    worldSize: worker.worldSize,
    group: await addon.ProcessGroup.connect(
      processGroupOptions({
        rank: worker.rank,
        worldSize: worker.worldSize,
        masterAddr: worker.masterAddr,
        masterPort: worker.masterPort,
        timeoutSeconds,
        backend: device.startsWith('cuda') ? 'nccl' : 'gloo',
        device,
      }),
    ),
  };
}
