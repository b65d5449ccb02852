// Every program in examples/ run as a user would (`node examples/<name>.mjs …`, importing
// 'casm-native' from the compiled package), at tiny sizes on the CPU: training with progress on a
// generated dataset, saliency over a folder of differently sized images with sharp, and the HTTP
// mask server on 127.0.0.1 answering real requests.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANG_MS } from '../budget.js';
import { missing } from '../environment.js';
import { type TinyRun, tinyDemoRun } from '../native/eval-fixture.js';
import { makeToyDataset, tryLoadAddon } from '../native/train-fixture.js';

const repo = path.resolve(import.meta.dirname, '..', '..');
const example = (name: string) => path.join(repo, 'examples', name);
const addon = await tryLoadAddon();
const root = mkdtempSync(path.join(tmpdir(), 'casm-examples-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runNode(args: string[], timeoutMs = HANG_MS): Finished {
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(missing(addon, 'the compiled addon (bash scripts/setup.sh --test)'))('examples/', () => {
  let run: TinyRun;
  let classIds: string[];
  beforeAll(async () => {
    // The examples import the compiled package (dist/, built by test/global-setup.ts), as an installed one would.
    run = await tinyDemoRun();
    const { loadTrainedModel } = await import('../../src/train/load-trained.js');
    const trained = await loadTrainedModel(run.runDir);
    classIds = trained.classIds;
    trained.model.dispose();
  });

  it('train-with-progress.mjs trains, draws its bar and reports the run', async () => {
    const data = await makeToyDataset(path.join(root, 'toy'), { classes: 2, trainPerClass: 4, valPerClass: 2 });
    const out = path.join(root, 'run');
    const r = runNode([
      example('train-with-progress.mjs'),
      '--data',
      data,
      '--out',
      out,
      '--size',
      '32',
      '--epochs',
      '1',
      '--batch',
      '4',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/epoch 1\/1 \[#{20}\] step 2\/2/);
    expect(r.stdout).toMatch(/epoch 1: train masked accuracy \d+\.\d%/);
    const result = JSON.parse(r.stdout.trimEnd().split('\n').pop()!);
    expect(result).toMatchObject({ runDir: out, steps: 2, interrupted: false });
    expect(existsSync(result.weights)).toBe(true);
    // Without --data it explains itself and fails as a usage error.
    expect(runNode([example('train-with-progress.mjs')]).code).toBe(2);
  });

  it('saliency-folder.mjs writes a mask at each image’s own size and a JSON line per image', async () => {
    const images = path.join(root, 'images');
    mkdirSync(images, { recursive: true });
    const scene = readdirSync(path.join(run.data, 'images', 'val'), { recursive: true })
      .map(String)
      .find((f) => f.endsWith('.png'))!;
    const source = path.join(run.data, 'images', 'val', scene);
    const sizes = { 'wide.png': [90, 40], 'tall.jpg': [30, 70], 'square.webp': [32, 32] } as const;
    for (const [name, [w, h]] of Object.entries(sizes))
      await sharp(source).resize(w, h, { fit: 'fill' }).toFile(path.join(images, name));
    const out = path.join(root, 'masks');
    const r = runNode([example('saliency-folder.mjs'), run.runDir, images, out]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.file).sort()).toEqual(Object.keys(sizes).sort());
    for (const line of lines) {
      const [w, h] = sizes[line.file as keyof typeof sizes];
      expect([line.width, line.height]).toEqual([w, h]);
      const meta = await sharp(line.mask).metadata();
      expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', w, h, 1]);
      expect(classIds).toContain(line.predicted);
      expect(line.meanMask).toBeGreaterThan(0);
      expect(line.meanMask).toBeLessThan(1);
    }
  });

  it('serve-masks.mjs answers on 127.0.0.1: health, a mask PNG at the image size with the class, 400 for junk, clean stop', async () => {
    const server = spawn(process.execPath, [example('serve-masks.mjs'), run.runDir, '0'], {
      cwd: root,
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    let stderr = '';
    server.stderr.on('data', (c) => (stderr += String(c)));
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        server.stdout.on('data', (c) => {
          stdout += String(c);
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
          if (m) resolve(m[1]!);
        });
        void exited.then(() => reject(new Error(`server exited early: ${stderr}`)));
      });
      const health = await (await fetch(`${url}/health`)).json();
      expect(health).toEqual({ ok: true, size: 32, classes: classIds.length });

      const image = await sharp(
        path.join(
          run.data,
          'images',
          'val',
          readdirSync(path.join(run.data, 'images', 'val'), { recursive: true })
            .map(String)
            .find((f) => f.endsWith('.png'))!,
        ),
      )
        .resize(120, 50, { fit: 'fill' })
        .jpeg()
        .toBuffer();
      // Two requests at once: the model serialises its native calls, both must succeed.
      const [a, b] = await Promise.all([0, 1].map(() => fetch(`${url}/saliency`, { method: 'POST', body: image })));
      for (const res of [a!, b!]) {
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('image/png');
        expect(classIds).toContain(res.headers.get('x-predicted-class'));
        const p = Number(res.headers.get('x-probability'));
        expect(p).toBeGreaterThan(0);
        expect(p).toBeLessThanOrEqual(1);
        const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
        expect([meta.width, meta.height]).toEqual([120, 50]);
      }
      const junk = await fetch(`${url}/saliency`, { method: 'POST', body: 'not an image' });
      expect(junk.status).toBe(400);
      expect((await fetch(`${url}/elsewhere`)).status).toBe(404);
    } finally {
      server.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
