/**
 * Repeats dropped as they arrive, before the sort sees them: a direct-mapped table of the paths
 * gathered lately, keyed by a hash of their bytes. A stream that repeats a few paths over and over
 * (a decompression bomb: 1 GiB of one 6-byte record in a 1.5 MB `.paths` file) then costs memory
 * once per distinct path instead of once per record. It is a cache, not a set: a repeat it misses
 * is dropped by the sort as before. Any repeat within deflate's 32 KiB window — all a bomb can
 * compress — fits its 65,536 slots. Only batches found repetitive are filtered.
 */
import type { PathArena } from './path-arena.js';

// 16,384 sets of 4 ways: a cycle of repeats shorter than about 30,000 paths (a bomb's is at most
// 6,500) stays whole in the table, where a direct-mapped one lost 7% of a 5,000-path cycle to
// collisions on every pass, and kept those repeats (a 512 MiB bomb: 5.8 million of its 89 million).
const SET_BITS = 14;
const WAYS = 4;
const SLOTS = WAYS << SET_BITS;
// Bytes hashed at each end of a path: enough to tell real paths apart, cheap on long ones.
const HASHED_END_BYTES = 16;

/** Paths gathered lately: `gather` appends a batch without the paths equal to one of them. */
export class RecentPaths {
  // slot → index in the gathering arena of the last path that hashed there, or -1
  readonly #at = new Int32Array(SLOTS).fill(-1);
  readonly #hash = new Uint32Array(SLOTS);
  /** Paths not appended because the table held an equal one. */
  dropped = 0;

  /**
   * Append the paths of `b` to `all`, except those equal to a path of `all` that the table holds.
   * A batch with few repeats (`repetitive`) is appended whole: the sort drops those anyway.
   */
  gather(all: PathArena, b: PathArena): void {
    if (!repetitive(b)) {
      all.pushAll(b);
      return;
    }
    const base = all.count;
    // the common case has no repeat: copy the batch whole, then index it
    all.pushAll(b);
    const bytes = b.bytes;
    const ends = b.ends;
    let s = 0;
    for (let i = 0; i < b.count; i++) {
      const e = ends[i]!;
      const h = hashRange(bytes, s, e);
      if (this.#holds(all, h, bytes, s, e)) {
        this.#gatherFrom(all, b, base, i);
        return;
      }
      this.#hold(h, base + i);
      s = e;
    }
  }

  /** Forget every path (the gathering arena was cleared). */
  clear(): void {
    this.#at.fill(-1);
  }

  // Path i of `b` repeats one held: keep what came before it, then append the rest, runs of new
  // paths in one copy each.
  #gatherFrom(all: PathArena, b: PathArena, base: number, i: number): void {
    all.truncate(base + i);
    const bytes = b.bytes;
    let run = i + 1;
    this.dropped++;
    for (let j = i + 1; j < b.count; j++) {
      const s = b.start(j);
      const e = b.end(j);
      const h = hashRange(bytes, s, e);
      if (this.#holds(all, h, bytes, s, e, b, run, j)) {
        all.pushRange(b, run, j);
        run = j + 1;
        this.dropped++;
        continue;
      }
      // where path j will be once the run before it is appended
      this.#hold(h, all.count + (j - run));
    }
    all.pushRange(b, run, b.count);
  }

  // Remember path `at` under hash `h`: in a free way of its set, else in the way its hash picks.
  #hold(h: number, at: number): void {
    const set = (h & ((1 << SET_BITS) - 1)) * WAYS;
    let way = set + ((h >>> SET_BITS) & (WAYS - 1));
    for (let w = set; w < set + WAYS; w++) {
      if (this.#at[w]! < 0) {
        way = w;
        break;
      }
    }
    this.#at[way] = at;
    this.#hash[way] = h;
  }

  // True when the table holds a path equal to bytes[s..e). Paths of `b` from `run` up to `j` are
  // not appended yet: a slot at or past `all.count` names one of them.
  #holds(all: PathArena, h: number, bytes: Uint8Array, s: number, e: number, b?: PathArena, run = 0, j = 0): boolean {
    const set = (h & ((1 << SET_BITS) - 1)) * WAYS;
    for (let w = set; w < set + WAYS; w++) {
      const at = this.#at[w]!;
      if (at >= 0 && this.#hash[w] === h && this.#equal(all, at, bytes, s, e, b, run, j)) return true;
    }
    return false;
  }

  #equal(all: PathArena, at: number, bytes: Uint8Array, s: number, e: number, b: PathArena | undefined, run: number, j: number): boolean {
    let held: Uint8Array;
    let k: number;
    if (at < all.count) {
      if (all.length(at) !== e - s) return false;
      held = all.bytes;
      k = all.start(at);
    } else {
      const p = run + (at - all.count);
      if (b === undefined || p >= j || b.length(p) !== e - s) return false;
      held = b.bytes;
      k = b.start(p);
    }
    for (let q = s; q < e; k++, q++) if (held[k] !== bytes[q]) return false;
    return true;
  }
}

// Repeats are counted in a direct-mapped table of hashes: a repeat is seen unless another path
// took its slot since, so a cycle of up to 6,500 records (all deflate's 32 KiB window holds) is
// seen more than half the time in 16,384 slots.
const COUNT_BITS = 14;
const counted = new Uint32Array(1 << COUNT_BITS);
const REPETITIVE_SHARE = 1 / 4;

/**
 * True when at least a quarter of the paths of `b` repeat one a little before them (by hash). Real
 * batches have a few repeats in a hundred; a bomb's, nearly all. Below the bar, the output keeps
 * about three in four of the records or more. Hashing every path costs about 25 ns a path; the
 * filter itself, about 100 (4% of text → .paths), is spent only on batches this finds repetitive.
 */
function repetitive(b: PathArena): boolean {
  const n = b.count;
  if (n < 16) return false;
  counted.fill(0);
  const mask = (1 << COUNT_BITS) - 1;
  const bytes = b.bytes;
  const ends = b.ends;
  let repeats = 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const e = ends[i]!;
    // (0 marks an empty slot: a hash of 0 is taken as 1)
    const h = hashRange(bytes, s, e) || 1;
    const slot = h & mask;
    if (counted[slot] === h) repeats++;
    else counted[slot] = h;
    s = e;
  }
  return repeats >= n * REPETITIVE_SHARE;
}

function hashRange(b: Uint8Array, s: number, e: number): number {
  let h = Math.imul(e - s, 0x9e3779b1);
  const head = Math.min(e, s + HASHED_END_BYTES);
  h = mix(b, s, head, h);
  h = mix(b, Math.max(head, e - HASHED_END_BYTES), e, h);
  // murmur3's finish: every input bit reaches the low bits that pick a set
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

// Four bytes a step, then the rest one by one.
function mix(b: Uint8Array, s: number, e: number, h: number): number {
  let k = s;
  for (; k + 4 <= e; k += 4) {
    h = Math.imul(h ^ (b[k]! | (b[k + 1]! << 8) | (b[k + 2]! << 16) | (b[k + 3]! << 24)), 0x85ebca6b);
    h ^= h >>> 13;
  }
  for (; k < e; k++) h = Math.imul(h ^ b[k]!, 0x01000193);
  return h;
}
