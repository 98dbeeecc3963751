/** Seeded randomness for property tests: mulberry32 (as in protobuf-es's bench fixtures). */
import { mulberry32 } from '../../src/prng.js';

export { mulberry32 };

/**
 * The seed for a test: `MORKSPACE_SEED` when set (to replay a failure), else `fallback`, else a new
 * one each run (tests print it in their names).
 */
export function testSeed(fallback?: number): number {
  const env = process.env['MORKSPACE_SEED'];
  if (env !== undefined) return Number(env);
  return fallback ?? (Date.now() ^ (process.pid << 8)) >>> 0;
}

export class Rng {
  readonly #next: () => number;
  constructor(readonly seed: number) {
    this.#next = mulberry32(seed);
  }
  float(): number {
    return this.#next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.#next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.#next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.#next() < p;
  }
  /** `xs` shuffled in place (Fisher–Yates), and returned. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
  bytes(n: number, alphabet?: readonly number[]): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = alphabet ? this.pick(alphabet) : this.int(0, 255);
    return out;
  }
}

/** Random arbitrary byte paths: empty paths, duplicates, shared prefixes, long paths. */
export function randomPaths(rng: Rng, count: number, maxLen = 40): Uint8Array[] {
  const out: Uint8Array[] = [];
  const alphabet = [0, 1, 2, 0x61, 0x62, 0x63, 0x7f, 0x80, 0xc0, 0xff];
  for (let i = 0; i < count; i++) {
    const r = rng.float();
    if (r < 0.03) out.push(new Uint8Array(0));
    else if (r < 0.1 && out.length > 0) out.push(rng.pick(out).slice());
    else if (r < 0.4 && out.length > 0) {
      const base = rng.pick(out);
      const cut = rng.int(0, base.length);
      const tail = rng.bytes(rng.int(0, 8), alphabet);
      const p = new Uint8Array(cut + tail.length);
      p.set(base.subarray(0, cut));
      p.set(tail, cut);
      out.push(p);
    } else if (r < 0.42) out.push(rng.bytes(rng.int(200, 600)));
    else out.push(rng.bytes(rng.int(1, maxLen), rng.chance(0.5) ? alphabet : undefined));
  }
  return out;
}
