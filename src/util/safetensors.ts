// A small reader for the safetensors format (8-byte little-endian header length, JSON header,
// raw little-endian data). Used where TypeScript needs tensors without the addon: conformance
// vectors, mask files, reports. Half floats are widened to float32.
import { readFileSync } from 'node:fs';

export type TensorData = Float32Array | Float64Array | Uint8Array | Int32Array | BigInt64Array;

export interface Tensor {
  dtype: string;
  shape: number[];
  data: TensorData;
}

const HEADER_LIMIT = 100 * 1024 * 1024;

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function bf16ToFloat(h: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setUint32(0, h << 16, false);
  return buf.getFloat32(0, false);
}

function decode(dtype: string, bytes: Buffer, count: number, file: string, name: string): TensorData {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (size: number): void => {
    if (bytes.byteLength !== count * size) {
      throw new Error(`${file}: tensor '${name}' has ${bytes.byteLength} bytes, expected ${count * size} for ${dtype}`);
    }
  };
  switch (dtype) {
    case 'F32': {
      need(4);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'F16':
    case 'BF16': {
      need(2);
      const out = new Float32Array(count);
      const conv = dtype === 'F16' ? halfToFloat : bf16ToFloat;
      for (let i = 0; i < count; i++) out[i] = conv(view.getUint16(i * 2, true));
      return out;
    }
    case 'F64': {
      need(8);
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    case 'I64': {
      need(8);
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getBigInt64(i * 8, true);
      return out;
    }
    case 'I32': {
      need(4);
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    }
    case 'U8':
    case 'BOOL': {
      need(1);
      return new Uint8Array(bytes);
    }
    default:
      throw new Error(`${file}: tensor '${name}' has unsupported dtype ${dtype}`);
  }
}

/** Reads every tensor of a safetensors file. Errors name the file and the problem. */
export function readSafetensors(file: string): Map<string, Tensor> {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as Error).message})`);
  }
  if (raw.byteLength < 8) throw new Error(`${file}: not a safetensors file (only ${raw.byteLength} bytes)`);
  const headerLen = Number(raw.readBigUInt64LE(0));
  if (headerLen > HEADER_LIMIT || 8 + headerLen > raw.byteLength) {
    throw new Error(`${file}: corrupt safetensors header (length ${headerLen}, file ${raw.byteLength} bytes)`);
  }
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(raw.subarray(8, 8 + headerLen).toString('utf8'));
  } catch {
    throw new Error(`${file}: corrupt safetensors header (not JSON)`);
  }
  const body = raw.subarray(8 + headerLen);
  const out = new Map<string, Tensor>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [start, end] = info.data_offsets;
    if (!(start >= 0 && end >= start && end <= body.byteLength)) {
      throw new Error(`${file}: tensor '${name}' points outside the file (${start}..${end} of ${body.byteLength})`);
    }
    const count = info.shape.reduce((a, b) => a * b, 1);
    out.set(name, { dtype: info.dtype, shape: info.shape, data: decode(info.dtype, body.subarray(start, end), count, file, name) });
  }
  return out;
}

/** Writes float32 tensors as a safetensors file (header padded to 8 bytes, as the format asks). */
export function encodeSafetensors(tensors: Map<string, { shape: number[]; data: Float32Array }>, metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`tensor '${name}': shape ${JSON.stringify(t.shape)} does not match ${t.data.length} values`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += ' ';
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.byteLength + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.byteLength), 0);
  headerBytes.copy(out, 8);
  let pos = 8 + headerBytes.byteLength;
  for (const t of tensors.values()) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, pos);
    pos += t.data.byteLength;
  }
  return out;
}
