#!/usr/bin/env node
// Mutation check of the metrics (issue 23): applies one simple operator mutation at a time to the
// TypeScript under src/metrics/, runs the unit tests that import the mutated file (vitest runs
// src/ directly, so nothing is rebuilt), restores the file, and reports which mutants the tests
// killed and which survived, with file:line. No dependencies beyond the repository's own vitest.
//
//   node scripts/mutate.mjs [--max-per-file N] [--only FILE[:LINE]] [--out report.md]
//
// Mutations (on code only: comment lines, imports and lines holding string literals are skipped;
// binary operators must have a space on both sides, as the formatter writes them, so generics,
// arrows and unary minus are left alone):
//   ' < ' ↔ ' <= ', ' > ' ↔ ' >= ', ' === ' ↔ ' !== ', ' && ' ↔ ' || ', ' + ' ↔ ' - ',
//   a numeric literal n → n + 1, and Math.max/min/floor/ceil/round(…) → (…) (the comma operator
//   then yields the last argument, i.e. the clamp or rounding is dropped).
// With more candidates in a file than --max-per-file (default 6), an evenly spaced subset is run,
// so the same command always runs the same mutants. The original file is put back after every
// mutant, and on SIGINT/SIGTERM.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src', 'metrics');
const TESTS = join(ROOT, 'test', 'unit');

function args() {
  const a = process.argv.slice(2);
  const opts = { maxPerFile: 6, only: null, out: null };
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--max-per-file') opts.maxPerFile = Number(a[++i]);
    else if (a[i] === '--only') opts.only = a[++i];
    else if (a[i] === '--out') opts.out = a[++i];
    else if (a[i] === '--help' || a[i] === '-h') {
      console.log('node scripts/mutate.mjs [--max-per-file N] [--only FILE[:LINE]] [--out report.md]');
      process.exit(0);
    } else {
      console.error(`unknown argument ${a[i]}`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(opts.maxPerFile) || opts.maxPerFile < 1) {
    console.error('--max-per-file takes a positive integer');
    process.exit(2);
  }
  return opts;
}

// ---------------------------------------------------------------- which tests reach which file
const importRe = /from\s+'(\.[^']+)'/g;

function importsOf(file) {
  const out = [];
  for (const m of readFileSync(file, 'utf8').matchAll(importRe)) {
    const target = resolve(dirname(file), m[1]).replace(/\.js$/, '.ts');
    out.push(target);
  }
  return out;
}

/** Every src/metrics file `test` reaches through relative imports. */
function reach(test) {
  const seen = new Set();
  const stack = [test];
  while (stack.length) {
    const f = stack.pop();
    for (const t of importsOf(f)) {
      if (seen.has(t) || !t.startsWith(join(ROOT, 'src')) || !existsSync(t)) continue;
      seen.add(t);
      stack.push(t);
    }
  }
  return seen;
}

// ---------------------------------------------------------------- mutants
const SWAPS = [
  [' <= ', ' < '],
  [' < ', ' <= '],
  [' >= ', ' > '],
  [' > ', ' >= '],
  [' === ', ' !== '],
  [' !== ', ' === '],
  [' && ', ' || '],
  [' || ', ' && '],
  [' + ', ' - '],
  [' - ', ' + '],
];

function isCode(line) {
  const t = line.trim();
  if (!t || t.startsWith('//') || t.startsWith('*') || t.startsWith('/*')) return false;
  if (t.startsWith('import ') || t.startsWith('export *') || t.startsWith('export {')) return false;
  return !/['"`]/.test(line);
}

/** All mutants of `text`: { line (1-based), column, from, to, mutated text }. */
function mutantsOf(text) {
  const lines = text.split('\n');
  const out = [];
  lines.forEach((line, k) => {
    if (!isCode(line)) return;
    const cut = line.indexOf('//');
    const code = cut >= 0 ? line.slice(0, cut) : line;
    const add = (col, from, to) => {
      const mutatedLine = line.slice(0, col) + to + line.slice(col + from.length);
      const copy = lines.slice();
      copy[k] = mutatedLine;
      out.push({ line: k + 1, column: col + 1, from: from.trim(), to: to.trim(), text: copy.join('\n'), mutatedLine });
    };
    for (const [from, to] of SWAPS) {
      for (let at = code.indexOf(from); at >= 0; at = code.indexOf(from, at + 1)) {
        // ' < ' inside ' <= ' etc.: the longer operator has its own entry.
        add(at, from, to);
      }
    }
    for (const m of code.matchAll(/(?<![\w.$])(\d+(?:\.\d+)?(?:e-?\d+)?)(?![\w.])/g)) {
      const n = Number(m[1]);
      add(m.index, m[1], String(n + 1));
    }
    for (const m of code.matchAll(/Math\.(max|min|floor|ceil|round)\(/g)) add(m.index, m[0], '(');
  });
  return out;
}

function sample(list, n) {
  if (list.length <= n) return list;
  const out = [];
  for (let i = 0; i < n; i++) out.push(list[Math.floor((i * list.length) / n)]);
  return out;
}

// ---------------------------------------------------------------- running the tests
const configDir = join(ROOT, 'node_modules', '.cache', 'casm-mutate');
const config = join(configDir, 'vitest.config.mjs');

function writeConfig() {
  mkdirSync(configDir, { recursive: true });
  // The suite's config compiles dist/ first (globalSetup); these tests import src/ and need none of it.
  writeFileSync(
    config,
    `export default { test: { root: ${JSON.stringify(ROOT)}, include: ['test/unit/**/*.test.ts'], globalSetup: [], fileParallelism: false } };\n`,
  );
}

// A mutant can loop forever (vitest cannot interrupt synchronous code): GNU timeout ends the whole
// process group, vitest's workers included, and such a mutant counts as killed (by timeout).
const TIMEOUT_S = 120;
let child = null;

function runTests(tests) {
  const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  return new Promise((done) => {
    let output = '';
    child = spawn(
      'timeout',
      [
        '-k',
        '5',
        String(TIMEOUT_S),
        process.execPath,
        vitest,
        'run',
        '--config',
        config,
        '--bail',
        '1',
        '--reporter',
        'dot',
        ...tests.map((t) => relative(ROOT, t)),
      ],
      { cwd: ROOT },
    );
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      child = null;
      done({ passed: code === 0, timedOut: code === 124 || code === 137, output });
    });
  });
}

// ---------------------------------------------------------------- main
const opts = args();
writeConfig();
const testFiles = readdirSync(TESTS)
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join(TESTS, f));
// A test is run for a file when one of the src/metrics files it imports itself reaches that file
// (tests that meet the metrics only through other modules, e.g. the CLI's, are left out: slower,
// and not what checks the metrics).
const reached = new Map(
  testFiles.map((t) => {
    const direct = importsOf(t).filter((f) => f.startsWith(SRC) && existsSync(f));
    return [t, new Set(direct.flatMap((f) => [f, ...reach(f)]))];
  }),
);
let files = readdirSync(SRC)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
  .map((f) => join(SRC, f));
let onlyLine = null;
if (opts.only) {
  const [f, line] = opts.only.split(':');
  files = files.filter((x) => x.endsWith(f));
  onlyLine = line ? Number(line) : null;
}

let current = null; // { file, original } while a mutant is in place
const restore = () => {
  if (current) writeFileSync(current.file, current.original);
  current = null;
};
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    child?.kill('SIGTERM'); // timeout passes it on to vitest's process group
    restore();
    process.exit(130);
  });
}

const started = Date.now();
const results = [];
const allTests = [...new Set(files.flatMap((f) => testFiles.filter((t) => reached.get(t).has(f))))];
const baseline = await runTests(allTests);
if (!baseline.passed) {
  console.error(`the unmutated tests fail; fix that first:\n${baseline.output.slice(-3000)}`);
  process.exit(1);
}
for (const file of files) {
  const tests = testFiles.filter((t) => reached.get(t).has(file));
  const original = readFileSync(file, 'utf8');
  let mutants = mutantsOf(original);
  if (onlyLine) mutants = mutants.filter((m) => m.line === onlyLine);
  const total = mutants.length;
  mutants = sample(mutants, opts.maxPerFile);
  for (const m of mutants) {
    const where = `${relative(ROOT, file)}:${m.line}`;
    if (tests.length === 0) {
      results.push({ where, m, status: 'survived', tests: 'no test imports it' });
      continue;
    }
    current = { file, original };
    writeFileSync(file, m.text);
    let r;
    try {
      r = await runTests(tests);
    } finally {
      restore();
    }
    const status = r.timedOut ? 'killed (timeout)' : r.passed ? 'survived' : 'killed';
    results.push({ where, m, status, tests: tests.map((t) => relative(ROOT, t)).join(', ') });
    console.log(`${status.padEnd(16)} ${where}  ${m.from} → ${m.to}   ${m.mutatedLine.trim()}`);
  }
  console.log(`  (${relative(ROOT, file)}: ran ${mutants.length} of ${total} candidates)`);
}

const killed = results.filter((r) => r.status.startsWith('killed')).length;
const survived = results.filter((r) => r.status === 'survived');
const lines = [
  `mutants: ${results.length}, killed: ${killed}, survived: ${survived.length} (${((Date.now() - started) / 1000).toFixed(0)} s)`,
  '',
  ...survived.map((r) => `- ${r.where}: \`${r.m.from}\` → \`${r.m.to}\`: \`${r.m.mutatedLine.trim()}\` (${r.tests})`),
];
console.log(`\n${lines.join('\n')}`);
if (opts.out) writeFileSync(opts.out, `${lines.join('\n')}\n`);
process.exit(0);
