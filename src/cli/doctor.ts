import type { Command } from 'commander';
import { candidateLines, libtorchLine } from '../native/decision-report.js';
import { doctorReport } from '../native/doctor.js';
import { packageRoot } from '../native/package-root.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('show Node, the native addon, LibTorch, CUDA, GPUs and threads')
    .option('--json', 'print JSON')
    .option('--build', 'build the addon from source against the detected LibTorch first (the install-time step)')
    .action(async (opts: { json?: boolean; build?: boolean }) => {
      if (opts.build) await buildFirst();
      const r = doctorReport();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      } else {
        const lines = [
          `node        ${r.node} (${r.platform}, ${r.cpus} CPUs)`,
          r.addon
            ? `addon       ${r.addon.path} (${r.addon.source}${r.addon.variant ? ` ${r.addon.variant}` : ''}, v${r.addon.version})`
            : `addon       not loaded`,
          `libtorch    ${r.libtorch ?? '-'}${r.cxx11Abi !== null ? ` (C++11 ABI ${r.cxx11Abi})` : ''}`,
          `cuda        ${cudaLine(r.cuda)}`,
          `cudnn       ${r.cuda.cudnn ?? '-'}`,
          ...(r.gpus.length
            ? r.gpus.map(
                (g, i) => `gpu ${i}       ${g.name}, compute ${g.computeCapability ?? '?'}, ${g.memoryMiB ?? '?'} MiB`,
              )
            : ['gpus        none found']),
          `threads     ${r.threads ?? '-'}${r.mkldnn ? ' (oneDNN available)' : ''}`,
          `distributed ${distributedLine(r.distributed)}`,
          '',
          `loader      LibTorch in use: ${libtorchLine(r.decision)}`,
          ...(r.decision.libtorch.found ? [] : r.decision.libtorch.notes.map((n) => `            looked at ${n}`)),
          ...candidateLines(r.decision, packageRoot).map((l) => `            ${l}`),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
        // The decision is printed above; of the load error only its fixes are news.
        if (r.addonError) {
          const fixes = r.addonError.indexOf('\nFixes:');
          process.stdout.write(`\n${fixes >= 0 ? r.addonError.slice(fixes + 1) : r.addonError}\n`);
        }
      }
      if (!r.addon) process.exitCode = 1;
    });
}

function distributedLine(backends: string[] | null): string {
  if (backends === null) return '-';
  if (backends.length === 0)
    return "not available in this build (LibTorch without c10d/Gloo, or Gloo's headers missing at build time: apt install libgloo-dev, then rebuild)";
  const what: Record<string, string> = { gloo: 'gloo (CPU)', nccl: 'nccl (CUDA)' };
  return `${backends.map((b) => what[b] ?? b).join(', ')}: train --nproc-per-node N`;
}

/** `doctor --build`: compile build/Release against the detected LibTorch, then report as usual. */
async function buildFirst(): Promise<void> {
  const { detectLibTorch } = await import('../native/libtorch-detect.js');
  const { buildFromSource } = await import('../native/source-build.js');
  const result = buildFromSource(packageRoot, detectLibTorch().found);
  if (!result.ok) process.stderr.write(`casm-native: source build failed: ${result.error}\n`);
}

/** A CUDA build on a machine without a usable GPU is normal (it runs on the CPU): say which it is. */
function cudaLine(c: { available: boolean; devices: number; runtime: string | null }): string {
  if (c.available) return `available, ${c.devices} device(s), runtime ${c.runtime}`;
  return c.runtime
    ? `CUDA not available (the addon is built for CUDA ${c.runtime}; no usable GPU, running on the CPU)`
    : 'CUDA not available (CPU build)';
}
