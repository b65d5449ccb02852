// Reads the architecture a model.safetensors (or a checkpoint folder holding one) was saved with,
// so a model can be rebuilt from the file alone. The metadata is checked against the file's own
// tensor shapes before anything is built: a crafted num_classes must not make us allocate a
// gigantic output layer only to fail on the shape afterwards.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensorsHeader } from '../util/safetensors.js';
import { ARCHS, type Arch, type ModelOptions } from './types.js';

export interface ModelMetadata {
  weightsPath: string;
  options: ModelOptions;
}

function positiveInteger(text: string | undefined): number | undefined {
  return text !== undefined && /^[1-9]\d{0,8}$/.test(text) ? Number(text) : undefined;
}

export function readModelMetadata(path: string): ModelMetadata {
  if (!existsSync(path)) throw new Error(`${path}: not found`);
  const weightsPath = statSync(path).isDirectory() ? join(path, 'model.safetensors') : path;
  if (!existsSync(weightsPath)) throw new Error(`${path}: no model.safetensors in this folder`);
  const { metadata: m, tensors } = readSafetensorsHeader(weightsPath);
  if (m.format !== 'casm-native') {
    throw new Error(
      `${weightsPath}: not a casm-native model file (no architecture metadata); create a Model and use importWeights instead`,
    );
  }
  const bad = (field: string, why: string) => new Error(`${weightsPath}: metadata field ${field} ${why}`);
  if (!(ARCHS as readonly string[]).includes(m.arch))
    throw bad('arch', `is '${m.arch}', expected one of ${ARCHS.join(', ')}`);
  if (m.block !== 'basic' && m.block !== 'bottleneck')
    throw bad('block', `is '${m.block}', expected basic or bottleneck`);
  const layers = (m.layers ?? '').split(',').map(positiveInteger);
  if (layers.length !== 4 || layers.some((n) => n === undefined))
    throw bad('layers', `is '${m.layers}', expected four positive integers`);
  const numClasses = positiveInteger(m.num_classes);
  if (numClasses === undefined) throw bad('num_classes', `is '${m.num_classes}', expected a positive integer`);
  const fc = tensors.get('classifier.fc.weight');
  if (fc?.shape.length !== 2)
    throw new Error(`${weightsPath}: no 2-D classifier.fc.weight tensor to check num_classes against`);
  if (fc.shape[0] !== numClasses)
    throw bad('num_classes', `says ${numClasses} but classifier.fc.weight has ${fc.shape[0]} rows`);
  // Block counts likewise come from the tensor names (classifier.layer<i>.<block>.…).
  layers.forEach((count, i) => {
    const blocks = new Set<string>();
    for (const name of tensors.keys()) {
      const match = /^classifier\.layer(\d+)\.(\d+)\./.exec(name);
      if (match && Number(match[1]) === i + 1) blocks.add(match[2]!);
    }
    if (blocks.size !== count)
      throw bad('layers', `says ${count} blocks in layer${i + 1} but the file holds ${blocks.size}`);
  });
  const options: ModelOptions = {
    arch: m.arch as Arch,
    block: m.block,
    layers: layers as number[],
    numClasses,
    separateEncoder: m.separate_encoder === 'true',
    upsample: m.upsample === 'bilinear' ? 'bilinear' : 'nearest',
  };
  return { weightsPath, options };
}
