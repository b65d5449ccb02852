// Small helpers over streams of batches, shared by training and the paper benchmark.
import type { ImageBatch } from './types.js';

/** The first `limit` images of a stream of batches (0: all); the last batch is cut to fit. */
export async function* firstImages(batches: AsyncIterable<ImageBatch>, limit: number): AsyncGenerator<ImageBatch> {
  let seen = 0;
  for await (const batch of batches) {
    if (limit > 0 && seen + batch.n > limit) {
      const n = limit - seen;
      if (n > 0) {
        const bytes = batch.h * batch.w * 3;
        yield {
          ...batch,
          n,
          data: batch.data.subarray(0, n * bytes),
          labels: batch.labels.subarray(0, n),
          indices: batch.indices.slice(0, n),
          boxes: batch.boxes.slice(0, n),
        };
      }
      return;
    }
    seen += batch.n;
    yield batch;
  }
}

/** A stream with no batches (a split that is absent). */
export async function* noBatches(): AsyncGenerator<ImageBatch> {}
