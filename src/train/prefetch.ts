// Keeps the next item of an async iterable in flight while the consumer works on the current one,
// so decoding batch k+1 overlaps the native step of batch k even when the source is a lazy
// generator.
export async function* prefetch<T>(source: AsyncIterable<T>, depth = 1): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const queue: Promise<IteratorResult<T>>[] = [];
  try {
    for (let i = 0; i < Math.max(1, depth); i++) queue.push(it.next());
    for (;;) {
      const head = await queue.shift()!;
      if (head.done) return;
      queue.push(it.next());
      yield head.value;
    }
  } finally {
    // Requests already queued may reject once the consumer is gone; nobody awaits them any more.
    for (const pending of queue) pending.catch(() => undefined);
    await it.return?.();
  }
}
