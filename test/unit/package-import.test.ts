// Importing the package root loads only what every user needs: the ONNX code it re-exports brings
// protobufjs in on its first use and onnxruntime-node on OnnxModel.load, not at import. Checked in a
// child process (a fresh module cache) by the CommonJS modules that cache holds.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';

const dist = path.resolve(import.meta.dirname, '..', '..', 'dist');
const url = (file: string) => JSON.stringify(pathToFileURL(path.join(dist, file)).href);

it('the package root does not load protobufjs or onnxruntime-node until the ONNX code is used', () => {
  const script = `
    import { createRequire } from 'node:module';
    const cache = createRequire(process.cwd() + '/').cache;
    const loaded = (name) => Object.keys(cache).some((f) => f.includes('/node_modules/' + name + '/'));
    await import(${url('index.js')});
    console.log('after import:', loaded('protobufjs'), loaded('onnxruntime-node'));
    const { onnxSchema } = await import(${url('onnx/schema.js')});
    onnxSchema();
    console.log('after first use:', loaded('protobufjs'));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('after import: false false\nafter first use: true\n');
});
