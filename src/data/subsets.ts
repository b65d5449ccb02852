// Class selection: index ranges such as "0-49,100", and the paper's split of the sorted class list
// into the disjoint subsets A–F used for the unseen-class experiment (Table 3).

export const SUBSET_NAMES = ['A', 'B', 'C', 'D', 'E', 'F'] as const;
export type SubsetName = (typeof SUBSET_NAMES)[number];

/** Subset sizes for the 1000 ImageNet classes, in order A..F (paper, Section 5). */
export const SUBSET_SIZES_1000 = [50, 50, 100, 300, 300, 200] as const;

/**
 * Parses "0-49,100,200-203" into sorted, de-duplicated class indices. Ranges are inclusive.
 * `count`, when given, is the number of classes: indices at or beyond it are rejected.
 */
export function parseClassRanges(spec: string, count?: number): number[] {
  const picked = new Set<number>();
  const parts = spec.split(',').map((part) => part.trim());
  if (parts.every((part) => part === '')) throw new Error(`class range "${spec}" is empty`);
  for (const part of parts) {
    if (part === '') continue;
    const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!match) throw new Error(`class range "${part}" is not of the form N or N-M (in "${spec}")`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first) throw new Error(`class range "${part}" ends before it starts`);
    if (count !== undefined && last >= count) {
      throw new Error(`class range "${part}" goes beyond the ${count} classes (indices 0-${count - 1})`);
    }
    for (let index = first; index <= last; index++) picked.add(index);
  }
  return [...picked].sort((x, y) => x - y);
}

/**
 * Boundaries of the A–F split for `count` classes: subset k holds the class indices
 * [bounds[k], bounds[k+1]). For 1000 classes this is exactly 50,50,100,300,300,200. For other
 * counts the cumulative fractions (5%, 10%, 20%, 50%, 80%, 100%) are rounded, and when there are at
 * least six classes every subset keeps at least one class so that no experiment is empty.
 */
export function subsetBounds(count: number): number[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`class count must be a positive integer, got ${count}`);
  const total = SUBSET_SIZES_1000.reduce((sum, size) => sum + size, 0);
  const bounds = [0];
  let cumulative = 0;
  for (const size of SUBSET_SIZES_1000) {
    cumulative += size;
    bounds.push(Math.round((count * cumulative) / total));
  }
  if (count >= SUBSET_NAMES.length) {
    // Push boundaries forward so each subset is non-empty, then back so the last ones fit.
    for (let k = 1; k < bounds.length; k++) bounds[k] = Math.max(bounds[k]!, bounds[k - 1]! + 1);
    for (let k = bounds.length - 2; k >= 1; k--) bounds[k] = Math.min(bounds[k]!, bounds[k + 1]! - 1);
  }
  bounds[bounds.length - 1] = count;
  return bounds;
}

/** Parses "A", "B-F", "BCDEF" or "C,D" into subset names (case-insensitive), in A..F order. */
export function parseSubsetSpec(spec: string): SubsetName[] {
  const letters = spec.toUpperCase().replace(/[\s,]/g, '');
  const picked = new Set<SubsetName>();
  const isName = (ch: string | undefined): ch is SubsetName =>
    ch !== undefined && (SUBSET_NAMES as readonly string[]).includes(ch);
  for (let i = 0; i < letters.length; i++) {
    const first = letters[i];
    if (!isName(first)) throw new Error(`class subset "${spec}": "${first}" is not one of A-F`);
    if (letters[i + 1] === '-') {
      const last = letters[i + 2];
      if (!isName(last) || last < first) throw new Error(`class subset "${spec}": bad range after "${first}"`);
      for (let code = first.charCodeAt(0); code <= last.charCodeAt(0); code++)
        picked.add(String.fromCharCode(code) as SubsetName);
      i += 2;
    } else {
      picked.add(first);
    }
  }
  if (picked.size === 0) throw new Error(`class subset "${spec}" names no subset`);
  return SUBSET_NAMES.filter((name) => picked.has(name));
}

/** Class indices (of a sorted list of `count` classes) in the given subsets, e.g. "B-F". */
export function subsetClassIndices(spec: string, count: number): number[] {
  const bounds = subsetBounds(count);
  const indices: number[] = [];
  for (const name of parseSubsetSpec(spec)) {
    const k = SUBSET_NAMES.indexOf(name);
    for (let index = bounds[k]!; index < bounds[k + 1]!; index++) indices.push(index);
  }
  return indices;
}
