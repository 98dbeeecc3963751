/**
 * Repeats dropped as they arrive, before the sort sees them: a direct-mapped table of the paths
 * gathered lately, keyed by a hash of their bytes. A stream that repeats a few paths over and over
 * (a decompression bomb: 1 GiB of one 6-byte record in a 1.5 MB `.paths` file) then costs memory
 * once per distinct path instead of once per record. It is a cache, not a set: a repeat it misses
 * is dropped by the sort as before. Any repeat within deflate's 32 KiB window — all a bomb can
 * compress — is within its 65,536 slots. Only batches that sample as repetitive are filtered.
 */
import { compareRanges } from './bytes.js';
import type { PathArena } from './path-arena.js';

const SLOT_BITS = 16;
const MASK = (1 << SLOT_BITS) - 1;
// Bytes hashed at each end of a path: enough to tell real paths apart, cheap on long ones.
const HASHED_END_BYTES = 16;

/** Paths gathered lately: `gather` appends a batch without the paths equal to one of them. */
export class RecentPaths {
  // slot → index in the gathering arena of the last path that hashed there, or -1
  readonly #at = new Int32Array(1 << SLOT_BITS).fill(-1);
  readonly #hash = new Uint32Array(1 << SLOT_BITS);
  /** Paths not appended because the table held an equal one. */
  dropped = 0;

  /**
   * Append the paths of `b` to `all`, except those equal to a path of `all` that the table holds.
   * A batch whose sample shows few repeats is appended whole: the filter costs about 100 ns a
   * path (4% of text → .paths), and the sort drops those repeats anyway.
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
      this.#at[h & MASK] = base + i;
      this.#hash[h & MASK] = h;
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
      this.#at[h & MASK] = all.count + (j - run);
      this.#hash[h & MASK] = h;
    }
    all.pushRange(b, run, b.count);
  }

  // True when the table holds a path equal to bytes[s..e). Paths of `b` from `run` up to `j` are
  // not appended yet: a slot at or past `all.count` names one of them.
  #holds(all: PathArena, h: number, bytes: Uint8Array, s: number, e: number, b?: PathArena, run = 0, j = 0): boolean {
    const at = this.#at[h & MASK]!;
    if (at < 0 || this.#hash[h & MASK] !== h) return false;
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

// Paths of a batch sampled for repeats, and the share of them that must repeat another sampled one.
const SAMPLE = 256;
const SAMPLE_BITS = 10;
const REPETITIVE_SHARE = 1 / 4;
const sampleSlots = new Int32Array(1 << SAMPLE_BITS);

/**
 * True when at least a quarter of paths sampled evenly across `b` repeat another sampled one. Real
 * batches have a few repeats in a hundred; a bomb's, nearly all (a cycle of up to 6,500 records,
 * all deflate's window holds, repeats ten times in a batch of 65,536). Below the bar, the output
 * keeps at least three in four of the records, so memory is within a third of what it keeps.
 */
function repetitive(b: PathArena): boolean {
  const n = b.count;
  if (n < 2) return false;
  const k = Math.min(SAMPLE, n);
  const step = n / k;
  sampleSlots.fill(-1);
  const mask = (1 << SAMPLE_BITS) - 1;
  const bytes = b.bytes;
  let repeats = 0;
  for (let q = 0; q < k; q++) {
    const i = Math.floor(q * step);
    const s = b.start(i);
    const e = b.end(i);
    let slot = hashRange(bytes, s, e) & mask;
    for (;;) {
      const at = sampleSlots[slot]!;
      if (at < 0) {
        sampleSlots[slot] = i;
        break;
      }
      if (b.length(at) === e - s && compareRanges(bytes, b.start(at), b.end(at), bytes, s, e) === 0) {
        repeats++;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return repeats >= k * REPETITIVE_SHARE;
}

function hashRange(b: Uint8Array, s: number, e: number): number {
  let h = Math.imul(e - s, 0x9e3779b1);
  const head = Math.min(e, s + HASHED_END_BYTES);
  h = mix(b, s, head, h);
  h = mix(b, Math.max(head, e - HASHED_END_BYTES), e, h);
  return (h ^ (h >>> 15)) >>> 0;
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
