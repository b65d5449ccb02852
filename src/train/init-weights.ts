// --init-weights names the classifier a run starts from. A torchvision file holds only that; one of
// our own model.safetensors files (a finished run, used as f(0) as the paper does with its
// pretrained classifier) also holds a decoder, which must not leak into the new run. For those,
// the classifier.* tensors are copied byte for byte into a temporary file that is imported instead.
import { closeSync, openSync, readSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readSafetensorsHeader } from '../util/safetensors.js';

/**
 * The file to import for `--init-weights file`, and a cleanup to call once it is imported. Only
 * our own files with a decoder are rewritten; anything else (.pth, torchvision .safetensors) is
 * imported as it is.
 */
export async function classifierInitFile(file: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const none = { path: file, cleanup: async () => undefined };
  if (!file.endsWith('.safetensors')) return none;
  const { tensors, dataStart } = readSafetensorsHeader(file);
  const names = [...tensors.keys()];
  if (!names.some((n) => n.startsWith('decoder.'))) return none;
  const kept = names.filter((n) => n.startsWith('classifier.'));
  if (kept.length === 0) throw new Error(`${file}: has a decoder but no classifier.* tensors`);

  const out: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> = {};
  const parts: Buffer[] = [];
  let offset = 0;
  const fd = openSync(file, 'r');
  try {
    for (const name of kept) {
      const entry = tensors.get(name)!;
      const [from, to] = entry.dataOffsets;
      const bytes = Buffer.alloc(to - from);
      readSync(fd, bytes, 0, bytes.length, dataStart + from);
      out[name] = { dtype: entry.dtype, shape: entry.shape, data_offsets: [offset, offset + bytes.length] };
      parts.push(bytes);
      offset += bytes.length;
    }
  } finally {
    closeSync(fd);
  }
  let json = Buffer.from(JSON.stringify(out));
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]); // 8-byte aligned data
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  const dir = await mkdtemp(path.join(tmpdir(), 'casm-init-'));
  const target = path.join(dir, 'classifier.safetensors');
  await writeFile(target, Buffer.concat([length, json, ...parts]));
  return { path: target, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
