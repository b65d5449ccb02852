// The IDX format of (Fashion-)MNIST: a big-endian header (magic, dimension sizes) then uint8 data.
// Files may be gzipped, as Debian's dataset-fashion-mnist ships them.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

export interface IdxArray {
  /** Dimension sizes, e.g. [60000, 28, 28]. */
  shape: number[];
  data: Uint8Array;
}

/** Reads an IDX file of unsigned bytes (type code 0x08), gunzipping when it starts with gzip's magic. */
export async function readIdx(path: string): Promise<IdxArray> {
  let bytes = await readFile(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${path}: not an IDX file`);
  if (bytes[2] !== 0x08) throw new Error(`${path}: IDX element type 0x${bytes[2]!.toString(16)} is not unsigned byte`);
  const dimensions = bytes[3]!;
  const shape: number[] = [];
  for (let d = 0; d < dimensions; d++) shape.push(bytes.readUInt32BE(4 + 4 * d));
  const offset = 4 + 4 * dimensions;
  const expected = shape.reduce((n, s) => n * s, 1);
  if (bytes.length - offset !== expected)
    throw new Error(`${path}: IDX holds ${bytes.length - offset} bytes, shape ${shape.join('x')} needs ${expected}`);
  return { shape, data: new Uint8Array(bytes.buffer, bytes.byteOffset + offset, expected) };
}
