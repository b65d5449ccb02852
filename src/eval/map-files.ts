// Reads one saliency map written by another tool, for `eval --masks DIR`: a greyscale PNG (8 or
// 16 bit), a NumPy .npy (float32, float64 or uint8; H×W or 1×H×W) or a .safetensors file holding
// one such tensor. Values come back as float32 in [0, 1]: integer maps are divided by their
// maximum code (255 or 65535); float maps must already lie in [0, 1] (we do not guess how another
// tool's raw scores should be normalised). Every problem is an error naming the file.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { decodeSafetensors, type Tensor } from '../util/safetensors.js';

/** The saliency-map file types `eval --masks` reads. */
export const MAP_EXTENSIONS = ['.png', '.npy', '.safetensors'] as const;

/** A saliency map read from a file. */
export interface SaliencyMapFile {
  /** Row-major h×w values in [0, 1]. */
  data: Float32Array;
  h: number;
  w: number;
}

/** Reads one saliency map file (PNG, `.npy` or single-tensor `.safetensors`) as values in [0, 1]. */
export async function readMapFile(file: string): Promise<SaliencyMapFile> {
  const ext = path.extname(file).toLowerCase();
  const bytes = await fs.readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`${file}: cannot read the saliency map (${err.code ?? err.message})`);
  });
  let map: { values: ArrayLike<number>; shape: number[]; scale: number };
  if (ext === '.png') map = await readPng(bytes, file);
  else if (ext === '.npy') map = readNpy(bytes, file);
  else if (ext === '.safetensors') map = readOneTensor(bytes, file);
  else throw new Error(`${file}: unsupported saliency map format (use ${MAP_EXTENSIONS.join(', ')})`);
  const [h, w] = spatialShape(map.shape, file);
  return { data: toUnitRange(map.values, map.scale, file), h, w };
}

/** H×W or 1×H×W, both sides at least 1. */
function spatialShape(shape: number[], file: string): [number, number] {
  const dims = shape.length === 3 && shape[0] === 1 ? shape.slice(1) : shape;
  if (dims.length !== 2 || dims[0]! < 1 || dims[1]! < 1)
    throw new Error(`${file}: saliency map has shape [${shape.join(', ')}]; expected H×W or 1×H×W`);
  return [dims[0]!, dims[1]!];
}

/** Integer codes (scale > 1) divided by scale; floats checked to be finite and within [0, 1]. */
function toUnitRange(values: ArrayLike<number>, scale: number, file: string): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new Error(`${file}: saliency map value ${i} is ${v} (NaN or infinite)`);
    if (scale === 1 && (v < 0 || v > 1))
      throw new Error(
        `${file}: saliency map value ${i} is ${v}, outside [0, 1] (float maps must be normalised to [0, 1])`,
      );
    out[i] = scale === 1 ? v : v / scale;
  }
  return out;
}

async function readPng(bytes: Buffer, file: string) {
  let meta: Awaited<ReturnType<Sharp['metadata']>>;
  try {
    meta = await sharp(bytes).metadata();
  } catch (err) {
    throw new Error(`${file}: not a readable PNG (${(err as Error).message})`);
  }
  if (meta.format !== 'png') throw new Error(`${file}: has a .png name but holds ${meta.format ?? 'unknown'} data`);
  if (meta.channels !== 1)
    throw new Error(`${file}: PNG has ${meta.channels} channels; a saliency map must be one grey channel (no alpha)`);
  const sixteen = meta.depth === 'ushort';
  let raw: Buffer;
  try {
    // Without the grey colourspace, libvips hands a one-channel PNG back as three channels.
    raw = await sharp(bytes)
      .toColourspace(sixteen ? 'grey16' : 'b-w')
      .raw({ depth: sixteen ? 'ushort' : 'uchar' })
      .toBuffer();
  } catch (err) {
    throw new Error(`${file}: corrupt PNG (${(err as Error).message})`);
  }
  const values = sixteen ? new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2) : raw;
  const shape = [meta.height ?? 0, meta.width ?? 0];
  if (values.length !== shape[0]! * shape[1]!)
    throw new Error(`${file}: PNG decoded to ${values.length} values for ${shape[1]}x${shape[0]} pixels`);
  return { values, shape, scale: sixteen ? 65535 : 255 };
}

const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

/** NumPy's .npy: magic, version, header length, a Python dict literal, then the raw array. */
function readNpy(bytes: Buffer, file: string) {
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(NPY_MAGIC))
    throw new Error(`${file}: not a .npy file (bad magic)`);
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new Error(`${file}: unsupported .npy version ${major}`);
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  if (start + headerLength > bytes.length) throw new Error(`${file}: truncated .npy header`);
  const header = bytes.subarray(start, start + headerLength).toString('latin1');
  const descr = /'descr'\s*:\s*'([<>|=])([a-z])(\d+)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeText)
    throw new Error(`${file}: unreadable .npy header ${JSON.stringify(header.trim())}`);
  const [, order, kind, size] = descr;
  const type = `${kind}${size}`;
  if (type !== 'f4' && type !== 'f8' && type !== 'u1')
    throw new Error(`${file}: .npy dtype ${order}${type} is not supported (float32, float64 or uint8)`);
  const shape = shapeText[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const width = Number(size);
  const data = bytes.subarray(start + headerLength);
  if (data.length !== count * width)
    throw new Error(
      `${file}: .npy data has ${data.length} bytes, expected ${count * width} for shape (${shape.join(', ')})`,
    );
  const little = order !== '>';
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++)
    values[i] =
      type === 'u1' ? data[i]! : type === 'f4' ? view.getFloat32(4 * i, little) : view.getFloat64(8 * i, little);
  const [h, w] = spatialShape(shape, file);
  // Column-major storage: read it back in row-major order.
  const rowMajor = fortran[1] === 'True' ? transpose(values, h, w) : values;
  return { values: rowMajor, shape, scale: type === 'u1' ? 255 : 1 };
}

function transpose(values: Float64Array, h: number, w: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let x = 0; x < w; x++) for (let y = 0; y < h; y++) out[y * w + x] = values[x * h + y]!;
  return out;
}

function readOneTensor(bytes: Buffer, file: string) {
  let tensors: Map<string, Tensor>;
  try {
    tensors = decodeSafetensors(bytes, file);
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(message.startsWith(file) ? message : `${file}: ${message}`);
  }
  if (tensors.size !== 1)
    throw new Error(`${file}: holds ${tensors.size} tensors; a saliency map file must hold exactly one`);
  const [tensor] = tensors.values();
  const { dtype, shape, data } = tensor!;
  if (dtype !== 'F32' && dtype !== 'F64' && dtype !== 'U8')
    throw new Error(`${file}: tensor dtype ${dtype} is not supported (F32, F64 or U8)`);
  return { values: data as ArrayLike<number>, shape, scale: dtype === 'U8' ? 255 : 1 };
}
