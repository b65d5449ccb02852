// Entry of `npm run bench:paper`: the harness lives in src/bench/paper (compiled to dist/ by
// `npm run build`); this file only starts it, so that scripts/ holds no logic of its own.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../../dist/bench/paper/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('bench:paper: dist/bench/paper/cli.js is missing; run `npm run build` first\n');
  process.exit(2);
}
const { main } = await import(cli);
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`bench:paper: ${err instanceof Error ? err.message : err}\n`);
  process.exitCode = 2;
}
