// The original [width, height] of a sample, which ground-truth boxes are expressed in: from the
// manifest when it states it, else from the image file's header.
import { readImageBytes, readImageHeader } from '../data/decode.js';
import type { Sample } from '../data/types.js';

export async function originalSize(sample: Sample): Promise<[number, number]> {
  if (sample.width && sample.height) return [sample.width, sample.height];
  const header = await readImageHeader(await readImageBytes(sample.path), sample.path);
  return [header.width, header.height];
}
