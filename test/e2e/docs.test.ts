// The commands in the docs are the CLI's: every `casm-native …` (or `npx casm-native …`, or
// `npm run bench:paper -- …`) line in a bash block of README.md, CONTRIBUTING.md and docs/**/*.md
// names a real subcommand and only flags that subcommand has (read from its own --help), and every
// bash block marked `<!-- doc-test: run -->` runs, line by line, in a temporary folder with the
// compiled CLI standing in for `npx casm-native`. See CONTRIBUTING.md (Documentation).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_DATA, DEMO_TRAIN } from '../../src/cli/demo.js';
import { HANG_MS } from '../budget.js';
import { missing } from '../environment.js';
import { tryLoadAddon } from '../native/train-fixture.js';

const repo = path.resolve(import.meta.dirname, '..', '..');
const cli = path.join(repo, 'dist', 'cli', 'main.js');
const RUN_MARK = '<!-- doc-test: run -->';

interface Block {
  file: string;
  line: number;
  run: boolean;
  commands: string[];
}

function docFiles(): string[] {
  const docs = readdirSync(path.join(repo, 'docs'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join('docs', f));
  return ['README.md', 'CONTRIBUTING.md', ...docs].sort();
}

/** The bash blocks of a Markdown file, continuation lines joined and comments dropped. */
function bashBlocks(file: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```bash') continue;
    let prev = i - 1;
    while (prev >= 0 && lines[prev]!.trim() === '') prev--;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && lines[j]!.trim() !== '```'; j++) body.push(lines[j]!);
    const commands = body
      .join('\n')
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    blocks.push({ file, line: i + 1, run: prev >= 0 && lines[prev]!.trim() === RUN_MARK, commands });
    i = j;
  }
  return blocks;
}

/** `casm-native` invocations in a shell line: [subcommand words and arguments] each. */
function casmInvocations(line: string): string[][] {
  const out: string[][] = [];
  for (const part of line.split(/&&|\|\||;|\|/)) {
    const words = part.trim().split(/\s+/);
    // The command, not the package name (`npm install casm-native`).
    const at = words.findIndex((w, i) => w === 'casm-native' && (i === 0 || words[i - 1] === 'npx'));
    if (at >= 0) out.push(words.slice(at + 1));
    else if (words[0] === 'npm' && words[1] === 'run' && words[2] === 'bench:paper')
      out.push(['bench', 'paper', ...words.slice(words[3] === '--' ? 4 : 3)]);
  }
  return out;
}

const helpCache = new Map<string, string | null>();
function help(sub: string[]): string | null {
  const key = sub.join(' ');
  if (!helpCache.has(key)) {
    const r = spawnSync(process.execPath, [cli, ...sub, '--help'], { encoding: 'utf8', timeout: HANG_MS });
    const text = `${r.stdout}${r.stderr}`;
    // commander answers an unknown subcommand's --help with its parent's help: only a usage line
    // naming these very words counts.
    const usage = new RegExp(`^usage: casm-native ${key}( |$)`, 'im');
    helpCache.set(key, r.status === 0 && usage.test(text) ? text : null);
  }
  return helpCache.get(key)!;
}

/** The longest run of leading words that is a subcommand, and the problems with the flags after it. */
function checkInvocation(args: string[]): { sub: string[]; problems: string[] } {
  let sub: string[] = [];
  for (let n = 1; n <= Math.min(2, args.length); n++) {
    const words = args.slice(0, n);
    if (words.some((w) => w.startsWith('-'))) break;
    if (help(words)) sub = words;
  }
  if (sub.length === 0) return { sub, problems: [`no such subcommand: ${args.slice(0, 2).join(' ')}`] };
  const text = help(sub)!;
  const known = new Set(text.match(/--[a-z][a-z0-9-]*/g) ?? []);
  const problems = args
    .slice(sub.length)
    .filter((a) => a.startsWith('--'))
    .map((a) => a.split('=')[0]!)
    .filter((flag) => !known.has(flag))
    .map((flag) => `casm-native ${sub.join(' ')} has no ${flag}`);
  return { sub, problems };
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(text: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const h = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (h) out.add(slug(h[1]!));
    for (const m of line.matchAll(/<a id="([^"]+)"><\/a>/g)) out.add(m[1]!);
  }
  return out;
}

const blocks = docFiles().flatMap((f) => bashBlocks(f, readFileSync(path.join(repo, f), 'utf8')));

describe('commands in the docs', () => {
  it('finds the docs’ command blocks, including runnable ones', () => {
    expect(blocks.filter((b) => b.commands.some((c) => casmInvocations(c).length > 0)).length).toBeGreaterThan(8);
    expect(blocks.filter((b) => b.run).length).toBeGreaterThan(0);
  });

  it('README opens with the two commands CI and the demo depend on', () => {
    const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
    expect(blocks[blocks.findIndex((b) => b.file === 'README.md')]!.commands).toEqual([
      'bash scripts/setup.sh && npx casm-native train --demo',
      'bash scripts/setup.sh --test && npm test',
    ]);
    // The README stays a first screen and links; the rest is in docs/.
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(8 * 1024);
  });

  it('every casm-native line names a real subcommand and only its flags', () => {
    const problems: string[] = [];
    for (const b of blocks)
      for (const c of b.commands)
        for (const args of casmInvocations(c))
          problems.push(...checkInvocation(args).problems.map((p) => `${b.file}:${b.line}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('every relative link points at a file that exists, and every #anchor at a heading there', () => {
    const broken: string[] = [];
    let anchored = 0;
    for (const file of docFiles()) {
      const text = readFileSync(path.join(repo, file), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        const [rel, anchor] = target.split('#');
        const abs = rel ? path.resolve(repo, path.dirname(file), rel) : path.join(repo, file);
        if (!existsSync(abs)) broken.push(`${file}: ${target} (no such file)`);
        else if (anchor && abs.endsWith('.md')) {
          anchored++;
          if (!anchors(readFileSync(abs, 'utf8')).has(anchor)) broken.push(`${file}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
    expect(anchored).toBeGreaterThan(15);
    expect(slug('Your own classifier: `--init-weights`')).toBe('your-own-classifier---init-weights');
  });

  it('docs/training.md spells out exactly what --demo sets', () => {
    const demo = blocks.find(
      (b) => b.file === 'docs/training.md' && b.commands.some((c) => c.includes('fashion-loc')),
    )!;
    const flags = (line: string) => {
      const out = new Map<string, string>();
      const words = line.split(/\s+/);
      words.forEach((w, i) => {
        if (w.startsWith('--')) out.set(w.slice(2), words[i + 1]!.startsWith('--') ? '' : words[i + 1]!);
      });
      return out;
    };
    const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    // A value as the CLI writes it: lists comma-separated, a range of one value as that value.
    const shown = (v: unknown) =>
      Array.isArray(v) ? (v.every((x) => x === v[0]) ? String(v[0]) : v.join(',')) : String(v);
    const same = (doc: string | undefined, v: unknown) =>
      doc !== undefined &&
      (doc === shown(v) ||
        (doc.split(',').every((x) => !Number.isNaN(Number(x))) && Number(doc) === Number(shown(v))) ||
        doc.split(',').map(Number).join(',') === shown(v));
    const [data, train] = demo.commands.map(flags);
    for (const [key, value] of Object.entries(DEMO_DATA))
      if (key !== 'size') expect(same(data!.get(kebab(key)), value), `fashion-loc --${kebab(key)}`).toBe(true);
    // Checkpoint and log intervals do not change the result; the block leaves them out.
    const silent = new Set(['checkpointEvery', 'logEvery']);
    for (const [key, value] of Object.entries(DEMO_TRAIN))
      if (!silent.has(key)) expect(same(train!.get(kebab(key)), value), `train --${kebab(key)}`).toBe(true);
    const known = new Set([...Object.keys(DEMO_TRAIN).map(kebab), 'data', 'recipe']);
    expect([...train!.keys()].filter((f) => !known.has(f))).toEqual([]);
  });

  it('the check catches a flag or subcommand that does not exist', () => {
    expect(checkInvocation(['train', '--data', 'x', '--epochs', '1']).problems).toEqual([]);
    expect(checkInvocation(['data', 'inspect', '--data', 'x']).sub).toEqual(['data', 'inspect']);
    expect(checkInvocation(['train', '--no-such-flag']).problems).toEqual(['casm-native train has no --no-such-flag']);
    expect(checkInvocation(['frobnicate']).problems[0]).toMatch(/no such subcommand/);
  });
});

const addon = await tryLoadAddon();
const fashion = existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz');
const root = mkdtempSync(path.join(tmpdir(), 'casm-docs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(
  missing(addon, 'the compiled addon (bash scripts/setup.sh --test)') ||
    missing(fashion, "Fashion-MNIST (Debian's dataset-fashion-mnist)"),
)('runnable blocks', () => {
  for (const b of blocks.filter((x) => x.run)) {
    it(`${b.file}:${b.line} runs as written`, () => {
      const cwd = mkdtempSync(path.join(root, 'block-'));
      for (const command of b.commands) {
        // `npx casm-native` is the compiled CLI of this checkout (what npx finds in node_modules/.bin).
        const line = command.replace(/(^|\s)(npx )?casm-native(?=\s)/g, `$1${process.execPath} ${cli}`);
        const r = spawnSync('bash', ['-euo', 'pipefail', '-c', line], {
          cwd,
          encoding: 'utf8',
          timeout: HANG_MS,
          env: { ...process.env, OMP_NUM_THREADS: '1' },
        });
        expect(r.status, `${command}\n${r.stdout}\n${r.stderr}`).toBe(0);
      }
    });
  }
});
