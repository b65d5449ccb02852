// `casm-native bench paper [options]`: the paper-benchmark harness (src/bench/paper) from an
// installed package, where `npm run bench:paper` does not exist. Options go through untouched to
// the harness, which parses and documents them itself (`casm-native bench paper --help`).
import type { Command } from 'commander';
import { UsageError } from './usage-error.js';

export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    .description("benchmarks: `paper` reruns the paper's experiments at a chosen budget");
  bench
    .command('paper')
    .description(
      "rerun the paper's tables (Table 2, Table 3, two copies, Fig. 3, mask statistics); --help lists the options",
    )
    .argument('[options...]', 'options of the harness (see --help)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (args: string[]) => {
      // Loaded on use: the harness pulls in the whole training stack.
      const { main } = await import('../bench/paper/cli.js');
      let failed: number;
      try {
        failed = await main(args);
      } catch (err) {
        // node:util parseArgs reports unknown or malformed options with ERR_PARSE_ARGS_* codes.
        if (String((err as NodeJS.ErrnoException).code ?? '').startsWith('ERR_PARSE_ARGS'))
          throw new UsageError((err as Error).message);
        throw err;
      }
      if (failed !== 0) throw new Error('some experiments failed (see the log above)');
    });
}
