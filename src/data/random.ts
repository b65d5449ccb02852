// Small seeded random numbers for data order and augmentation.
//
// Every random choice of the data pipeline is drawn from a stream keyed by integers such as
// (seed, epoch, position, attempt). Keying by position rather than drawing from one shared
// generator is what makes resuming exact: the crop of sample position p never depends on how many
// samples were decoded before it, or in which order the prefetch queue happened to finish them.

/** murmur3's 32-bit finaliser: a bijective mix with good avalanche, used to hash stream keys. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a list of integers (each taken modulo 2^32, plus its high part) into one 32-bit seed. */
export function hashKeys(keys: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const key of keys) {
    if (!Number.isFinite(key)) throw new Error(`random stream key must be finite, got ${key}`);
    const low = key >>> 0;
    const high = Math.floor(key / 0x100000000) >>> 0;
    h = mix32(h ^ mix32(low + 0x7f4a7c15));
    h = mix32(h ^ mix32(high + 0x165667b1));
  }
  return h;
}

/**
 * sfc32 (Chris Doty-Humphrey's small fast counter generator): 128 bits of state, passes
 * PractRand far beyond what augmentation needs, and is four lines of integer arithmetic.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A generator for the stream named by `keys`, e.g. `Random.stream(seed, epoch, position)`. */
  static stream(...keys: number[]): Random {
    return new Random(hashKeys(keys));
  }

  constructor(seed: number) {
    this.a = mix32(seed ^ 0xa0761d64);
    this.b = mix32(seed ^ 0xe7037ed1);
    this.c = mix32(seed ^ 0x8ebc6af0);
    this.d = 1;
    // The first outputs of sfc32 are weakly mixed; discard them as its author recommends.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1) with 53 random bits, like Python's random.random(). */
  next(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1)) throw new Error(`Random.int needs n >= 1, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}
