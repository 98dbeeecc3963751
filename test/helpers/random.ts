/** Seeded randomness for property tests: mulberry32 (as in protobuf-es's bench fixtures). */

/** A PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed for this run: MORKSPACE_SEED replays a failure; otherwise time-based, printed by the tests. */
export function testSeed(): number {
  const env = process.env['MORKSPACE_SEED'];
  return env !== undefined ? Number(env) : (Date.now() ^ (process.pid << 8)) >>> 0;
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
