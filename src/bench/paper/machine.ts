// What the numbers were measured on: stored with every result, since throughput and even the
// trained weights (thread count changes float reductions) depend on it.
import { cpus, loadavg, totalmem } from 'node:os';
import { doctorReport } from '../../native/doctor.js';

export interface MachineDescription {
  cpuModel: string;
  cpuCores: number;
  memoryGiB: number;
  /** 1-minute load average when the benchmark started: other work on a shared machine slows it down. */
  loadAverageAtStart: number;
  libtorch: string | null;
  torchThreads: number | null;
  cuda: boolean;
  gpus: string[];
  node: string;
  platform: string;
}

export function describeMachine(): MachineDescription {
  const report = doctorReport();
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cpuCores: report.cpus,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverageAtStart: Number(loadavg()[0]!.toFixed(2)),
    libtorch: report.libtorch,
    torchThreads: report.threads,
    cuda: report.cuda.available,
    gpus: report.gpus.map((g) => g.name),
    node: report.node,
    platform: report.platform,
  };
}

export function machineLine(m: MachineDescription): string {
  const accel = m.cuda ? `GPU ${m.gpus.join(', ') || 'CUDA'}` : 'no GPU';
  return `${m.cpuModel}, ${m.cpuCores} cores, ${m.memoryGiB} GiB, ${accel}; LibTorch ${m.libtorch ?? '?'} (${m.torchThreads ?? '?'} threads); Node ${m.node}; load average ${m.loadAverageAtStart} at start`;
}
