// Model and Trainer calls wait in a per-model queue before they reach the addon, which copies its
// inputs only then. Without a copy at call time, a caller that reuses its buffer right after the
// call (the loader's pooled batch buffers, or `buf.fill(0)`) would have its later contents used.
// So the pixels and labels are copied when the call is made: one memcpy per batch, small next to
// a forward pass, and the caller may then do anything with its own buffers.
import type { Batch } from './types.js';

export function copyBatch(batch: Batch): Batch {
  // Anything malformed is passed through untouched, so the addon reports it as before.
  if (typeof batch !== 'object' || batch === null) return batch;
  const data = batch.data as unknown;
  if (data instanceof Float32Array) return { ...batch, data: new Float32Array(data) } as Batch;
  if (data instanceof Uint8Array) return { ...batch, data: new Uint8Array(data) } as Batch;
  return { ...batch };
}

export function copyLabels(labels: Int32Array): Int32Array {
  return labels instanceof Int32Array ? new Int32Array(labels) : labels;
}
