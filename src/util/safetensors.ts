// A small reader for the safetensors format (8-byte little-endian header length, JSON header,
// raw little-endian data). Used where TypeScript needs tensors without the addon: conformance
// vectors, mask files, reports. Half floats are widened to float32.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

export type TensorData = Float32Array | Float64Array | Uint8Array | Int8Array | Int16Array | Int32Array | BigInt64Array;

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
    case 'I16': {
      need(2);
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
      return out;
    }
    case 'I8': {
      need(1);
      return new Int8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
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

/** One tensor's header entry, validated: offsets are inside the data section and match dtype × shape. */
export interface HeaderEntry {
  dtype: string;
  shape: number[];
  /** Byte range within the data section (after the header). */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  tensors: Map<string, HeaderEntry>;
  metadata: Record<string, string>;
  /** File offset of the data section: 8 + header length. */
  dataStart: number;
}

const ELEMENT_SIZE: ReadonlyMap<string, number> = new Map([
  ['F64', 8],
  ['I64', 8],
  ['F32', 4],
  ['I32', 4],
  ['F16', 2],
  ['BF16', 2],
  ['I16', 2],
  ['I8', 1],
  ['U8', 1],
  ['BOOL', 1],
]);

function describeKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-negative integer that is exact in a double (the C++ reader applies the same 2^53 bound). */
function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Validates a header (the JSON bytes between the length and the data) against the size of the data
 * section, with the same rules as native/io/safetensors_header.cpp: an object of entries with a
 * known dtype, a shape of non-negative integers, integer data offsets inside the data section that
 * match dtype × shape, no two tensors sharing bytes, and __metadata__ an object of strings.
 */
export function parseSafetensorsHeader(
  headerBytes: Uint8Array,
  dataSize: number,
  file: string,
): Omit<SafetensorsHeader, 'dataStart'> {
  const corrupt = (what: string) => new Error(`${file}: corrupt safetensors header (${what})`);
  let root: unknown;
  try {
    // fatal: a header that is not valid UTF-8 is refused, as the native reader does.
    root = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw corrupt(`not JSON: ${(e as Error).message}`);
  }
  if (!isRecord(root)) throw corrupt(`the header is ${describeKind(root)}, not an object`);
  const tensors = new Map<string, HeaderEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(root)) {
    if (name === '__metadata__') {
      if (!isRecord(info)) throw corrupt('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(info))
        if (typeof v !== 'string') throw corrupt(`__metadata__.${k} must be a string`);
      metadata = info as Record<string, string>;
      continue;
    }
    const where = `tensor '${name}'`;
    if (!isRecord(info)) throw corrupt(`${where} is ${describeKind(info)}, not an object`);
    const { dtype, shape, data_offsets: offsets } = info;
    if (dtype === undefined || shape === undefined || offsets === undefined)
      throw corrupt(`${where} lacks dtype, shape or data_offsets`);
    if (typeof dtype !== 'string') throw corrupt(`${where}: dtype must be a string`);
    const element = ELEMENT_SIZE.get(dtype);
    if (element === undefined) throw new Error(`${file}: tensor '${name}' has unsupported dtype ${dtype}`);
    if (!Array.isArray(shape) || shape.length > 64)
      throw corrupt(`${where}: shape must be an array of at most 64 integers`);
    let bytes = element;
    for (const d of shape) {
      if (!isCount(d)) throw corrupt(`${where}: shape entry must be an integer in 0..2^53`);
      bytes *= d;
      if (bytes > Number.MAX_SAFE_INTEGER) throw corrupt(`${where}: shape is too large`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2) throw corrupt(`${where}: data_offsets must be [begin, end]`);
    const [begin, end] = offsets as unknown[];
    if (!isCount(begin)) throw corrupt(`${where}: data_offsets[0] must be an integer in 0..2^53`);
    if (!isCount(end)) throw corrupt(`${where}: data_offsets[1] must be an integer in 0..2^53`);
    if (end < begin || end > dataSize || end - begin !== bytes) {
      throw new Error(
        `${file}: tensor '${name}' has inconsistent data offsets [${begin}, ${end}] for ${bytes} bytes in a data section of ${dataSize} (file truncated or corrupt)`,
      );
    }
    tensors.set(name, { dtype, shape: shape as number[], dataOffsets: [begin, end] });
  }
  // Two tensors over the same bytes are a corrupt (or crafted) file; empty tensors own no bytes.
  const ranges = [...tensors]
    .filter(([, t]) => t.dataOffsets[1] > t.dataOffsets[0])
    .sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0]);
  for (let k = 1; k < ranges.length; k++) {
    if (ranges[k]![1].dataOffsets[0] < ranges[k - 1]![1].dataOffsets[1])
      throw corrupt(`tensors '${ranges[k - 1]![0]}' and '${ranges[k]![0]}' overlap`);
  }
  return { tensors, metadata };
}

/** The header length field, checked against the limit and the file size. */
function headerLength(lengthField: Buffer, fileSize: number, file: string): number {
  const length = lengthField.readBigUInt64LE(0);
  if (length > BigInt(HEADER_LIMIT) || 8n + length > BigInt(fileSize)) {
    throw new Error(`${file}: corrupt safetensors header (length ${length}, file ${fileSize} bytes)`);
  }
  return Number(length);
}

/** Reads and validates only the header of a safetensors file (weights files are large). */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as Error).message})`);
  }
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(8);
    if (size < 8 || readSync(fd, head, 0, 8, 0) !== 8)
      throw new Error(`${file}: not a safetensors file (only ${size} bytes)`);
    const length = headerLength(head, size, file);
    const json = Buffer.alloc(length);
    if (readSync(fd, json, 0, length, 8) !== length) throw new Error(`${file}: could not read the safetensors header`);
    return { ...parseSafetensorsHeader(json, size - 8 - length, file), dataStart: 8 + length };
  } finally {
    closeSync(fd);
  }
}

/** Decodes a whole safetensors file held in memory; `file` names it in errors. */
export function decodeSafetensors(raw: Buffer, file: string): Map<string, Tensor> {
  if (raw.byteLength < 8) throw new Error(`${file}: not a safetensors file (only ${raw.byteLength} bytes)`);
  const length = headerLength(raw, raw.byteLength, file);
  const body = raw.subarray(8 + length);
  const { tensors } = parseSafetensorsHeader(raw.subarray(8, 8 + length), body.byteLength, file);
  const out = new Map<string, Tensor>();
  for (const [name, { dtype, shape, dataOffsets }] of tensors) {
    const count = shape.reduce((a, b) => a * b, 1);
    out.set(name, {
      dtype,
      shape,
      data: decode(dtype, body.subarray(dataOffsets[0], dataOffsets[1]), count, file, name),
    });
  }
  return out;
}

/** Reads every tensor of a safetensors file. Errors name the file and the problem. */
export function readSafetensors(file: string): Map<string, Tensor> {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as Error).message})`);
  }
  return decodeSafetensors(raw, file);
}

/** Writes float32 tensors as a safetensors file (header padded to 8 bytes, as the format asks). */
export function encodeSafetensors(
  tensors: Map<string, { shape: number[]; data: Float32Array }>,
  metadata?: Record<string, string>,
): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length)
      throw new Error(`tensor '${name}': shape ${JSON.stringify(t.shape)} does not match ${t.data.length} values`);
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
