import { describe, expect, it } from 'vitest';
import { epochLength, epochOrder } from '../../src/data/epoch-order.js';
import { hashKeys, Random } from '../../src/data/random.js';
import { parseClassRanges, parseSubsetSpec, subsetBounds, subsetClassIndices } from '../../src/data/subsets.js';

describe('class ranges', () => {
  it('parses single indices and inclusive ranges, sorted and de-duplicated', () => {
    expect(parseClassRanges('5, 0-2,100,1')).toEqual([0, 1, 2, 5, 100]);
  });
  it('rejects malformed, reversed and out-of-range specs', () => {
    expect(() => parseClassRanges('3-1')).toThrow(/ends before/);
    expect(() => parseClassRanges('a-b')).toThrow(/not of the form/);
    expect(() => parseClassRanges('')).toThrow(/empty/);
    expect(() => parseClassRanges('0-10', 10)).toThrow(/beyond the 10 classes/);
    expect(parseClassRanges('0-9', 10)).toHaveLength(10);
  });
});

describe('A-F subsets', () => {
  it('splits 1000 classes into 50, 50, 100, 300, 300, 200', () => {
    expect(subsetBounds(1000)).toEqual([0, 50, 100, 200, 500, 800, 1000]);
    expect(subsetClassIndices('A', 1000)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(subsetClassIndices('F', 1000)[0]).toBe(800);
    expect(subsetClassIndices('B-F', 1000)).toHaveLength(950);
  });
  it('is proportional for fewer classes and keeps every subset non-empty', () => {
    expect(subsetBounds(100)).toEqual([0, 5, 10, 20, 50, 80, 100]);
    const ten = subsetBounds(10);
    expect(ten[0]).toBe(0);
    expect(ten[6]).toBe(10);
    for (let k = 0; k < 6; k++) expect(ten[k + 1]!).toBeGreaterThan(ten[k]!);
    const six = subsetBounds(6);
    expect(six).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
  it('accepts letters, ranges and lists', () => {
    expect(parseSubsetSpec('b-d')).toEqual(['B', 'C', 'D']);
    expect(parseSubsetSpec('BCDEF')).toEqual(['B', 'C', 'D', 'E', 'F']);
    expect(parseSubsetSpec('F,A')).toEqual(['A', 'F']);
    expect(() => parseSubsetSpec('G')).toThrow(/not one of A-F/);
    expect(() => parseSubsetSpec('D-B')).toThrow(/bad range/);
  });
});

describe('seeded random streams', () => {
  it('is a pure function of its keys', () => {
    const a = Random.stream(1, 2, 3);
    const b = Random.stream(1, 2, 3);
    const c = Random.stream(1, 2, 4);
    const draws = (r: Random) => Array.from({ length: 5 }, () => r.nextUint32());
    const first = draws(a);
    expect(draws(b)).toEqual(first);
    expect(draws(c)).not.toEqual(first);
    expect(hashKeys([0, 1])).not.toBe(hashKeys([1, 0]));
    expect(hashKeys([2 ** 32])).not.toBe(hashKeys([0]));
  });
  it('draws roughly uniform floats in [0, 1)', () => {
    const r = new Random(7);
    let sum = 0;
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 20000; i++) {
      const u = r.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      sum += u;
      bins[Math.floor(u * 10)]++;
    }
    expect(sum / 20000).toBeCloseTo(0.5, 1);
    for (const count of bins) expect(Math.abs(count - 2000)).toBeLessThan(250);
  });
});

describe('epoch order', () => {
  it('is a permutation that depends on seed and epoch, reproducibly', () => {
    const order = epochOrder(100, 5, 0);
    expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...epochOrder(100, 5, 0)]).toEqual([...order]);
    expect([...epochOrder(100, 5, 1)]).not.toEqual([...order]);
    expect([...epochOrder(100, 6, 0)]).not.toEqual([...order]);
  });
  it('visits a different random fraction each epoch', () => {
    expect(epochLength(1000, 0.1)).toBe(100);
    const e0 = new Set(epochOrder(1000, 1, 0, 0.1));
    const e1 = new Set(epochOrder(1000, 1, 1, 0.1));
    expect(e0.size).toBe(100);
    expect(e1.size).toBe(100);
    const overlap = [...e0].filter((i) => e1.has(i)).length;
    expect(overlap).toBeLessThan(40); // expected 10 for independent draws
    expect(() => epochOrder(10, 1, 0, 0)).toThrow(/fraction/);
  });
  it('keeps dataset order without shuffling', () => {
    expect([...epochOrder(5, 1, 3, 1, false)]).toEqual([0, 1, 2, 3, 4]);
  });
});
