// Reads the architecture a model.safetensors (or a checkpoint folder holding one) was saved with,
// so a model can be rebuilt from the file alone.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Arch, ModelOptions } from './types.js';

export interface ModelMetadata {
  weightsPath: string;
  options: ModelOptions;
}

/** Reads only the header of a safetensors file (weights files are large). */
export function readSafetensorsMetadata(file: string): Record<string, string> {
  const fd = openSync(file, 'r');
  let text: string;
  try {
    const size = statSync(file).size;
    const head = Buffer.alloc(8);
    if (size < 8 || readSync(fd, head, 0, 8, 0) !== 8) throw new Error(`${file}: not a safetensors file`);
    const len = Number(head.readBigUInt64LE(0));
    if (len > 100 * 1024 * 1024 || 8 + len > size) throw new Error(`${file}: corrupt safetensors header`);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, 8);
    text = buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
  let header: { __metadata__?: Record<string, string> };
  try {
    header = JSON.parse(text);
  } catch {
    throw new Error(`${file}: corrupt safetensors header (not JSON)`);
  }
  return header.__metadata__ ?? {};
}

export function readModelMetadata(path: string): ModelMetadata {
  if (!existsSync(path)) throw new Error(`${path}: not found`);
  const weightsPath = statSync(path).isDirectory() ? join(path, 'model.safetensors') : path;
  if (!existsSync(weightsPath)) throw new Error(`${path}: no model.safetensors in this folder`);
  const m = readSafetensorsMetadata(weightsPath);
  if (m.format !== 'casm-native') {
    throw new Error(`${weightsPath}: not a casm-native model file (no architecture metadata); create a Model and use importWeights instead`);
  }
  const options: ModelOptions = {
    arch: m.arch as Arch,
    block: m.block as 'basic' | 'bottleneck',
    layers: m.layers.split(',').map(Number),
    numClasses: Number(m.num_classes),
    separateEncoder: m.separate_encoder === 'true',
    upsample: m.upsample === 'bilinear' ? 'bilinear' : 'nearest',
  };
  return { weightsPath, options };
}
