// Without onnxruntime-node (an optional dependency) the ONNX runtime fails with one clear message
// that says what to install, from the API (OnnxModel.load) and from the CLI (saliency --runtime
// onnx, exit status 1); the package itself still imports. The package is hidden from a child
// process by a module resolve hook that refuses it, as a machine without it would.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..', '..');
const root = mkdtempSync(path.join(tmpdir(), 'casm-no-ort-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const hooks = path.join(root, 'hide-ort-hooks.mjs');
writeFileSync(
  hooks,
  `export async function resolve(specifier, context, next) {
  if (specifier === 'onnxruntime-node' || specifier.startsWith('onnxruntime-node/'))
    throw Object.assign(new Error("Cannot find package 'onnxruntime-node'"), { code: 'ERR_MODULE_NOT_FOUND' });
  return next(specifier, context);
}\n`,
);
const register = path.join(root, 'hide-ort.mjs');
writeFileSync(
  register,
  `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
);
const hidden = ['--import', pathToFileURL(register).href];

describe('ONNX runtime without onnxruntime-node', () => {
  it('OnnxModel.load rejects with OnnxRuntimeMissingError naming the package to install', () => {
    const script = `
      const api = await import(${JSON.stringify(pathToFileURL(path.join(repo, 'dist', 'index.js')).href)});
      try { await api.OnnxModel.load('model.onnx'); console.log('loaded?'); }
      catch (e) { console.log(e.name, e instanceof api.OnnxRuntimeMissingError, e.message); }`;
    const r = spawnSync(process.execPath, [...hidden, '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      /^OnnxRuntimeMissingError true the ONNX runtime needs the optional package onnxruntime-node/,
    );
    expect(r.stdout).toMatch(/npm install onnxruntime-node@1\.30\.0/);
  });

  it('saliency --runtime onnx exits 1 with the same message', () => {
    const r = spawnSync(
      process.execPath,
      [
        ...hidden,
        path.join(repo, 'dist', 'cli', 'main.js'),
        'saliency',
        '--runtime',
        'onnx',
        'model.onnx',
        'image.png',
        '--out',
        path.join(root, 'out'),
      ],
      { encoding: 'utf8', cwd: root },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/needs the optional package onnxruntime-node/);
  });
});
