// `casm-native bench paper [options]`: the paper-benchmark harness (src/bench/paper) from an
// installed package, where `npm run bench:paper` does not exist. Options go through untouched to
// the harness, which parses and documents them itself (`casm-native bench paper --help`).
import type { Command } from 'commander';
import { UsageError } from './usage-error.js';

export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    .description(
      "benchmarks: `paper` reruns the paper's experiments at a chosen budget; `seeds` trains one recipe over several seeds",
    );
  bench
    .command('seeds')
    .description(
      'train the same command once per seed (sequentially, one run folder each) and tabulate LE/OM/F1 per seed with mean ± sd beside the centre box; rerun the same command to continue a half-done sweep. Every option not listed here goes to `casm-native train` (e.g. --demo, or --data DIR and training flags)',
    )
    .requiredOption('--seeds <list>', 'seeds, e.g. 0-4 or 0,2,5')
    .option('--out <dir>', 'sweep folder: seed-N/ run folders, results.json, results.md (default runs/seeds[-demo])')
    .argument('[train options...]')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (trainArgs: string[], opts: { seeds: string; out?: string }) => {
      const { parseSeeds, runSeedSweep } = await import('../bench/seeds/sweep.js');
      const { resultsMarkdown } = await import('../bench/seeds/results.js');
      let seeds: number[];
      try {
        seeds = parseSeeds(opts.seeds);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const out = opts.out ?? (trainArgs.includes('--demo') ? 'runs/seeds-demo' : 'runs/seeds');
      // Ctrl-C reaches the training child too: it checkpoints and exits, and the sweep then
      // writes its results and says how to continue, instead of dying first.
      const ignore = () => undefined;
      process.on('SIGINT', ignore);
      process.on('SIGTERM', ignore);
      try {
        const results = await runSeedSweep({ out, seeds, trainArgs });
        process.stdout.write(resultsMarkdown(results));
        process.stdout.write(`results in ${out}/results.md and ${out}/results.json\n`);
      } finally {
        process.off('SIGINT', ignore);
        process.off('SIGTERM', ignore);
      }
    });
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
