import type { Command } from 'commander';
import { runConformance } from '../conformance/run.js';

export function registerConformance(program: Command): void {
  program
    .command('conformance')
    .description(
      "check this build against reference vectors (step/ and metrics/ made with the authors' code; step-variants/ with our PyTorch reference)",
    )
    .argument('<dir>', 'a step/ or metrics/ folder, or a folder holding both')
    .option('--device <device>', 'cpu, cuda or cuda:N', 'cpu')
    .option('--json', 'print one JSON object instead of lines')
    .action(async (dir: string, opts: { device: string; json?: boolean }) => {
      const suites = await runConformance(dir, { device: opts.device });
      let failed = 0;
      let total = 0;
      for (const s of suites) {
        for (const c of s.cases) {
          total++;
          if (!c.passed) failed++;
          if (!opts.json) {
            const w = c.worst;
            process.stdout.write(
              `${c.passed ? 'PASS' : 'FAIL'}  ${s.suite}/${c.name}  largest deviation: ${w.name} ${formatNumber(w.deviation)} (tolerance ${formatNumber(w.tolerance)})\n`,
            );
            if (!c.passed) {
              for (const chk of c.checks.filter((x) => !(x.deviation <= x.tolerance))) {
                process.stdout.write(
                  `        ${chk.name}: ${formatNumber(chk.deviation)} > ${formatNumber(chk.tolerance)}\n`,
                );
              }
            }
          }
        }
      }
      if (opts.json) process.stdout.write(`${JSON.stringify({ suites, passed: total - failed, failed }, null, 2)}\n`);
      else process.stdout.write(`${total - failed} of ${total} conformance cases passed\n`);
      if (failed > 0) process.exitCode = 1;
    });
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  return Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4 ? v.toExponential(2) : v.toPrecision(3);
}
