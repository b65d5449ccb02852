import type { Command } from 'commander';
import { doctorReport } from '../native/doctor.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('show Node, the native addon, LibTorch, CUDA, GPUs and threads')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const r = doctorReport();
      if (opts.json) {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      } else {
        const lines = [
          `node        ${r.node} (${r.platform}, ${r.cpus} CPUs)`,
          r.addon ? `addon       ${r.addon.path} (${r.addon.source}, v${r.addon.version})` : `addon       not loaded`,
          `libtorch    ${r.libtorch ?? '-'}${r.cxx11Abi !== null ? ` (C++11 ABI ${r.cxx11Abi})` : ''}`,
          `cuda        ${r.cuda.available ? `available, ${r.cuda.devices} device(s), runtime ${r.cuda.runtime}` : 'not available'}`,
          `cudnn       ${r.cuda.cudnn ?? '-'}`,
          ...(r.gpus.length ? r.gpus.map((g, i) => `gpu ${i}       ${g.name}, compute ${g.computeCapability ?? '?'}, ${g.memoryMiB ?? '?'} MiB`) : ['gpus        none found']),
          `threads     ${r.threads ?? '-'}${r.mkldnn ? ' (oneDNN available)' : ''}`,
        ];
        process.stdout.write(lines.join('\n') + '\n');
        if (r.addonError) process.stdout.write(`\n${r.addonError}\n`);
      }
      if (!r.addon) process.exitCode = 1;
    });
}
