// Manifest paths are confined to the dataset folder (issue 14): JSONL and wsolevaluation lines
// naming absolute paths elsewhere or ../ escapes are skipped (an error with strict) unless
// allowOutsideRoot is set. Real manifests and files on disk, read by the real loaders.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';

function layout() {
  const base = mkdtempSync(join(tmpdir(), 'casm-confine-'));
  const secret = join(base, 'secret.png');
  writeFileSync(secret, 'outside the dataset');
  const root = join(base, 'dataset');
  mkdirSync(join(root, 'img'), { recursive: true });
  writeFileSync(join(root, 'img', 'a.png'), 'a');
  writeFileSync(join(root, 'img', 'b.png'), 'b');
  return { base, secret, root };
}

describe('manifest paths stay inside the dataset root', () => {
  it('JSONL: absolute paths elsewhere and ../ escapes are skipped, inside paths kept', async () => {
    const { secret, root } = layout();
    const lines = [
      { path: 'img/a.png', label: 0 },
      { path: join(root, 'img', 'b.png'), label: 1 }, // absolute but inside: fine
      { path: secret, label: 0 },
      { path: '../secret.png', label: 1 },
      { path: 'img/../../secret.png', label: 1 },
    ];
    writeFileSync(join(root, 'train.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n'));
    const ds = await loadDataset({ data: root, split: 'train' });
    expect(ds.samples.map((s) => s.path)).toEqual([join(root, 'img', 'a.png'), join(root, 'img', 'b.png')]);
    expect(ds.skipped.map((s) => s.origin)).toEqual([3, 4, 5].map((n) => `${join(root, 'train.jsonl')}:${n}`));
    for (const s of ds.skipped) expect(s.reason).toMatch(/^path outside the dataset root .*--allow-outside-root/);

    const strict = loadDataset({ data: root, split: 'train', strict: true });
    await expect(strict).rejects.toThrow(`${join(root, 'train.jsonl')}:3: path outside the dataset root`);

    const allowed = await loadDataset({ data: root, split: 'train', allowOutsideRoot: true });
    expect(allowed.samples.map((s) => s.path)).toContain(secret);
    expect(allowed.samples).toHaveLength(5);
  });

  it('wsolevaluation: image ids escaping the root are skipped unless allowed', async () => {
    const { secret, root } = layout();
    const meta = join(root, 'metadata', 'val');
    mkdirSync(meta, { recursive: true });
    const ids = ['img/a.png', '../secret.png', secret];
    writeFileSync(join(meta, 'image_ids.txt'), ids.join('\n'));
    writeFileSync(join(meta, 'class_labels.txt'), ids.map((id) => `${id},0`).join('\n'));
    const ds = await loadDataset({ data: root, split: 'val' });
    expect(ds.samples.map((s) => s.path)).toEqual([join(root, 'img', 'a.png')]);
    expect(ds.skipped.filter((s) => /path outside the dataset root/.test(s.reason))).toHaveLength(2);
    const allowed = await loadDataset({ data: root, split: 'val', allowOutsideRoot: true });
    expect(allowed.samples.map((s) => s.path).sort()).toEqual([join(root, 'img', 'a.png'), secret, secret].sort());
  });
});
