// Flags no other test exercised, each through the compiled CLI in a child process as a user runs
// it, with an assertion that fails when the flag stops doing what its --help says:
//   train --val-limit, --score-split, --quiet; doctor --json; conformance --json;
//   report --split; data inspect --format and --synsets.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { missing } from '../environment.js';
import { type TinyRun, tinyDemoRun } from '../native/eval-fixture.js';
import { makeToyDataset, tryLoadAddon } from '../native/train-fixture.js';
import { writeClassImage } from '../unit/data-fixtures.js';
import { runCliIn, TINY_TRAIN_FLAGS } from './cli-process.js';

const addon = await tryLoadAddon();
const repo = path.resolve(import.meta.dirname, '..', '..');
const root = mkdtempSync(path.join(tmpdir(), 'casm-cli-flags-'));
const data = path.join(root, 'data');
afterAll(() => rmSync(root, { recursive: true, force: true }));
const runCli = (args: string[]) => runCliIn(root, args);

beforeAll(async () => {
  // 3 classes: 12 training images (3 steps of 4), 9 validation images; holdout.jsonl holds 2 of them.
  await makeToyDataset(data, { classes: 3, trainPerClass: 4, valPerClass: 3 });
  const val = readFileSync(path.join(data, 'val.jsonl'), 'utf8').trim().split('\n');
  writeFileSync(path.join(data, 'holdout.jsonl'), `${val.slice(0, 2).join('\n')}\n`);
});

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe.skipIf(missing(addon, 'the compiled addon (bash scripts/setup.sh --test)'))('train flags (CLI)', () => {
  const trainArgs = (out: string) => [
    'train',
    '--data',
    data,
    ...TINY_TRAIN_FLAGS,
    '--epoch-fraction',
    '1',
    '--seed',
    '3',
    '--threads',
    '1',
    '--out',
    path.join(root, out),
  ];
  // Progress lines a run prints on stderr unless --quiet (the summary on stdout stays).
  const PROGRESS = [/^new run: /m, /^epoch 1\/1 done/m, /^checkpoint \(epoch\)/m, /^finished 3 steps/m];

  let plain: Awaited<ReturnType<typeof runCli>>;
  let flagged: Awaited<ReturnType<typeof runCli>>;
  beforeAll(async () => {
    plain = await runCli(trainArgs('plain'));
    flagged = await runCli([...trainArgs('flagged'), '--val-limit', '2', '--score-split', 'holdout', '--quiet']);
  });

  it('both runs finish', () => {
    expect(plain.code, plain.stderr).toBe(0);
    expect(flagged.code, flagged.stderr).toBe(0);
  });

  it('--val-limit N validates on N images per epoch (all 9 without it)', () => {
    const epoch = (dir: string) => lines(path.join(root, dir, 'metrics.jsonl')).filter((r) => r.kind === 'epoch');
    expect(epoch('plain').map((r) => r.val.images)).toEqual([9]);
    expect(epoch('flagged').map((r) => r.val.images)).toEqual([2]);
    expect(JSON.parse(readFileSync(path.join(root, 'flagged', 'config.json'), 'utf8')).valLimit).toBe(2);
  });

  it('--score-split scores the named split at the end (the validation split without it)', () => {
    const plainLoc = JSON.parse(readFileSync(path.join(root, 'plain', 'localization.json'), 'utf8'));
    const flaggedLoc = JSON.parse(readFileSync(path.join(root, 'flagged', 'localization.json'), 'utf8'));
    expect(plainLoc).toMatchObject({ split: 'val', images: 9 });
    expect(flaggedLoc).toMatchObject({ split: 'holdout', images: 2 });
    expect(flagged.stdout).toMatch(/localisation on 2 images of the holdout split/);
    expect(plain.stdout).toMatch(/localisation on 9 images of the val split/);
  });

  it('--quiet prints no progress; the run without it does', () => {
    for (const line of PROGRESS) {
      expect(plain.stderr).toMatch(line);
      expect(flagged.stderr).not.toMatch(line);
    }
    // Still the final summary and the run's outputs.
    expect(flagged.stdout).toMatch(/outputs in /);
    expect(existsSync(path.join(root, 'flagged', 'model.safetensors'))).toBe(true);
  });
});

describe('doctor --json', () => {
  it('prints one JSON object with the machine, the addon and the loader decision', async () => {
    const r = await runCli(['doctor', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.node).toBe(process.version);
    expect(j.platform).toBe(`${process.platform}-${process.arch}`);
    expect(j.cpus).toBe(availableParallelism());
    expect(Array.isArray(j.gpus)).toBe(true);
    expect(typeof j.cuda.available).toBe('boolean');
    if (missing(addon, 'the compiled addon (bash scripts/setup.sh --test)')) return;
    expect(existsSync(j.addon.path)).toBe(true);
    expect(['build', 'prebuild']).toContain(j.addon.source);
    const picked = j.decision.candidates.filter((c: { outcome: string }) => c.outcome === 'picked');
    expect(picked).toHaveLength(1);
    expect(picked[0].path).toBe(j.addon.path);
    // The detected version may carry pip's local label (2.13.0+cpu); the addon reports the release.
    expect(j.decision.libtorch.found.version.split('+')[0]).toBe(j.libtorch);
    expect(j.libtorch).toBe(addon!.versions().libtorch);
    expect(Number.isInteger(j.threads) && j.threads > 0).toBe(true);
  });
});

describe('conformance --json', () => {
  const metrics = path.join(repo, 'test', 'conformance-vectors', 'metrics');

  it('prints one JSON object: every case with its deviation, and the counts', async () => {
    const r = await runCli(['conformance', metrics, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.suites.map((s: { suite: string }) => s.suite)).toEqual(['metrics']);
    const cases = j.suites[0].cases;
    // 48 cases in metrics.json plus the aggregate.
    expect(cases).toHaveLength(49);
    expect(j).toMatchObject({ passed: 49, failed: 0 });
    for (const c of cases) {
      expect(c.passed, c.name).toBe(true);
      expect(c.worst.deviation, c.name).toBeLessThanOrEqual(c.worst.tolerance);
    }
  });

  it('reports a perturbed expectation as failed in the JSON and exits 1', async () => {
    const dir = path.join(root, 'conformance-perturbed');
    cpSync(metrics, dir, { recursive: true });
    const file = path.join(dir, 'metrics.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    manifest.aggregate.LE += 0.1;
    writeFileSync(file, JSON.stringify(manifest));
    const r = await runCli(['conformance', dir, '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ passed: 48, failed: 1 });
    const failed = j.suites[0].cases.filter((c: { passed: boolean }) => !c.passed);
    expect(failed.map((c: { name: string }) => c.name)).toEqual(['metrics/aggregate']);
    // The failing field with both values. (Its deviation is Infinity in memory, null in JSON.)
    expect(failed[0].worst.name).toMatch(/^aggregate\.LE: got 0\.729\d*, expected 0\.829\d*$/);
  });
});

describe('data inspect --format and --synsets', () => {
  const imagenet = path.join(root, 'imagenet');
  const words = path.join(root, 'elsewhere', 'my-words.txt');
  beforeAll(async () => {
    // ImageNet training folders, with the synset words file outside the dataset (not found unless named).
    await writeClassImage(path.join(imagenet, 'train', 'n01440764', 'a.JPEG'), 0);
    await writeClassImage(path.join(imagenet, 'train', 'n01443537', 'b.JPEG'), 1);
    mkdirSync(path.dirname(words), { recursive: true });
    writeFileSync(words, 'n01440764 tench, Tinca tinca\nn01443537 goldfish, Carassius auratus\n');
  });
  const inspect = async (args: string[]) => {
    const r = await runCli(['data', 'inspect', ...args, '--json']);
    return { ...r, json: r.code === 0 ? JSON.parse(r.stdout) : null };
  };

  it('--format reads the layout it names, and refuses a folder that is not in it', async () => {
    const auto = await inspect(['--data', data, '--split', 'val']);
    expect(auto.json).toMatchObject({ split: 'val', classes: 3, samples: 9, samplesWithBoxes: 9 });
    const jsonl = await inspect(['--data', data, '--split', 'val', '--format', 'jsonl']);
    expect(jsonl.json).toMatchObject({ classes: 3, samples: 9 });
    // The JSONL folder read as ImageNet folders or wsolevaluation metadata: neither is there.
    const asImagenet = await inspect(['--data', data, '--split', 'val', '--format', 'imagenet']);
    expect(asImagenet.code).not.toBe(0);
    expect(asImagenet.stderr).toMatch(/no val\/ folder/);
    const asWsol = await inspect(['--data', data, '--split', 'val', '--format', 'wsol']);
    expect(asWsol.code).not.toBe(0);
    // And the ImageNet folder read as JSONL has no manifest.
    const imagenetAsJsonl = await inspect(['--data', imagenet, '--split', 'train', '--format', 'jsonl']);
    expect(imagenetAsJsonl.code).not.toBe(0);
    const imagenetAsImagenet = await inspect(['--data', imagenet, '--split', 'train', '--format', 'imagenet']);
    expect(imagenetAsImagenet.json).toMatchObject({ classes: 2, samples: 2 });
  });

  it('--synsets names the classes from the given file', async () => {
    const named = await inspect(['--data', imagenet, '--split', 'train', '--synsets', words]);
    expect(named.json.firstClasses).toEqual(['tench, Tinca tinca', 'goldfish, Carassius auratus']);
    const unnamed = await inspect(['--data', imagenet, '--split', 'train']);
    expect(unnamed.json.firstClasses).not.toContain('tench, Tinca tinca');
    expect(unnamed.json.classes).toBe(2);
  });
});

describe.skipIf(missing(addon, 'the compiled addon (bash scripts/setup.sh --test)'))('report --split', () => {
  let run: TinyRun;
  beforeAll(async () => {
    run = await tinyDemoRun();
  });

  it("scores and shows the named split's images (the validation split without it)", async () => {
    const report = async (out: string, extra: string[]) => {
      const file = path.join(root, out);
      const r = await runCli([
        'report',
        run.runDir,
        '--out',
        file,
        '--limit',
        '4',
        '--examples',
        '2',
        ...extra,
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      return { json: JSON.parse(r.stdout), html: readFileSync(file, 'utf8') };
    };
    const onTrain = await report('train.html', ['--split', 'train']);
    const onVal = await report('val.html', []);
    expect(onTrain.html).toContain('images with boxes of split &quot;train&quot;');
    expect(onTrain.html).not.toContain('of split &quot;val&quot;');
    expect(onVal.html).toContain('images with boxes of split &quot;val&quot;');
    // The examples are the first images of the split, with their labels and boxes.
    for (const [split, got] of [
      ['train', onTrain],
      ['val', onVal],
    ] as const) {
      const ds = await loadDataset({ data: run.data, split });
      const want = ds.samples.slice(0, 2).map((s) => ({
        truth: ds.classNames[s.label],
        groundTruth: s.boxes.map((b) => ({ x0: b.x0, y0: b.y0, x1: b.x1, y1: b.y1 })),
      }));
      expect(
        got.json.examples.map((e: { truth: string; groundTruth: unknown }) => ({
          truth: e.truth,
          groundTruth: e.groundTruth,
        })),
        split,
      ).toEqual(want);
    }
  });
});
