// What `casm-native doctor` reports: Node, the addon and where it came from, LibTorch, CUDA and
// the GPUs, threads. GPU names come from nvidia-smi when present (LibTorch's CPU builds cannot
// name devices).
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { AddonDecision } from './addon-decision.js';
import { addonDecision, lastAddonDecision, loadAddonWithLocation } from './loader.js';

/** One GPU as LibTorch sees it. */
export interface GpuInfo {
  name: string;
  computeCapability: string | null;
  memoryMiB: number | null;
}

/** The record {@link doctorReport} returns. */
export interface DoctorReport {
  node: string;
  platform: string;
  cpus: number;
  addon: { path: string; source: string; variant?: string; version: string } | null;
  addonError?: string;
  /** The loader's decision: the LibTorch it detected, every candidate binary and its verdict. */
  decision: AddonDecision;
  libtorch: string | null;
  cxx11Abi: number | null;
  cuda: { available: boolean; devices: number; runtime: string | null; cudnn: string | null };
  gpus: GpuInfo[];
  threads: number | null;
  mkldnn: boolean | null;
  /**
   * Data-parallel backends of the loaded addon ('gloo', 'nccl'); [] when it was built without
   * distributed support; null when unknown (no addon, or one older than the feature).
   */
  distributed: string[] | null;
}

function nvidiaSmiGpus(): GpuInfo[] {
  try {
    const out = execFileSync(
      'nvidia-smi',
      ['--query-gpu=name,compute_cap,memory.total', '--format=csv,noheader,nounits'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 10_000,
      },
    );
    return out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [name, cc, mem] = line.split(',').map((s) => s.trim());
        return { name, computeCapability: cc || null, memoryMiB: Number.isFinite(Number(mem)) ? Number(mem) : null };
      });
  } catch {
    return [];
  }
}

/** The diagnostic record `casm-native doctor --json` prints: Node, addon decision, LibTorch, CUDA, GPUs, threads, distributed backends. */
export function doctorReport(): DoctorReport {
  const base = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: availableParallelism(),
    gpus: nvidiaSmiGpus(),
  };
  try {
    const { addon, location } = loadAddonWithLocation();
    const v = addon.versions();
    const e = addon.environment();
    return {
      ...base,
      addon: {
        path: location.path,
        source: location.source,
        ...(location.variant ? { variant: location.variant } : {}),
        version: v.addon,
      },
      decision: addonDecision(),
      libtorch: v.libtorch,
      cxx11Abi: v.abi,
      cuda: { available: e.cudaAvailable, devices: e.cudaDevices, runtime: v.cuda, cudnn: v.cudnn },
      threads: e.threads,
      mkldnn: e.mkldnn,
      distributed: e.distributed ?? null,
    };
  } catch (err) {
    return {
      ...base,
      addon: null,
      addonError: (err as Error).message,
      decision: lastAddonDecision() ?? addonDecision(),
      libtorch: null,
      cxx11Abi: null,
      cuda: { available: false, devices: 0, runtime: null, cudnn: null },
      threads: null,
      mkldnn: null,
      distributed: null,
    };
  }
}
