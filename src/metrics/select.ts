// k-th smallest element by in-place selection (Hoare partition around a median-of-three pivot),
// O(N) on average. Scoring 10,000 masks is dominated by this step; a full sort would be ~10x slower.
// Hoare partitioning keeps the work linear even when many values are equal (fp16 masks have many ties).

/** Returns the value of rank `index` (0-based) in ascending order. Reorders `a`. */
export function kthSmallest(a: Float32Array, index: number): number {
  if (!(index >= 0 && index < a.length)) throw new RangeError(`kthSmallest: index ${index} outside 0..${a.length - 1}`);
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    if (hi - lo < 16) {
      // Insertion sort finishes small ranges faster than further partitioning.
      for (let i = lo + 1; i <= hi; i++) {
        const v = a[i]!;
        let j = i - 1;
        while (j >= lo && a[j]! > v) {
          a[j + 1] = a[j]!;
          j--;
        }
        a[j + 1] = v;
      }
      return a[index]!;
    }
    const mid = (lo + hi) >>> 1;
    // Median of three as pivot value: never the strict maximum of the range, so j stays below hi.
    const x = a[lo]!, y = a[mid]!, z = a[hi]!;
    const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
    let i = lo - 1;
    let j = hi + 1;
    for (;;) {
      do i++; while (a[i]! < pivot);
      do j--; while (a[j]! > pivot);
      if (i >= j) break;
      const s = a[i]!;
      a[i] = a[j]!;
      a[j] = s;
    }
    // Now a[lo..j] <= pivot <= a[j+1..hi].
    if (index <= j) hi = j;
    else lo = j + 1;
  }
  return a[index]!;
}
