/**
 * The index behind ACT line sharing (docs/act-format.md §7.2: every distinct line's data is stored
 * once, at its first use, for the whole file). The writer streams its output, so the bytes of an
 * earlier line are not necessarily in memory any more; this table keeps just enough to find an
 * equal earlier line and to PROVE the equality on the bytes (a hash match alone never shares a line).
 *
 * Per distinct line:
 * - a slot in an open-addressed table: two u32, a fingerprint and a reference to the line's record;
 * - a record in an append-only arena of 64 KiB segments: the line data's file offset (3 bytes,
 *   counted from the segment's base offset, so offsets past 4 GiB work), then the line's bytes when
 *   it is SHORT, or 16 bits of a second hash when it is long.
 *
 * Short lines (up to `inlineBytes`, at most 31; default 16) are compared from the arena. Long ones
 * are compared by the writer (`LineBytes.lineEquals`): from its unflushed buffer, else read back
 * from the sink. Measured on the 1M-atom bench space: every line shared again is at most 23 bytes
 * long and 99.3% at most 16, while distinct lines average 34 bytes; at 16 the arena keeps 3.2 line
 * bytes per distinct line and 330 of 573,528 hits need a read-back (12: 1,774; 20: 29, at +1 byte
 * per line).
 *
 * The fingerprint is the line's 32-bit hash with its low 5 bits replaced by the length class (the
 * length when short, 0 when long), so a slot match also means "same length" for short lines. Long
 * lines' records add the second hash: equal fingerprints of different long lines (the birthday
 * bound: hundreds of pairs per million lines) then cost a read-back only once in 65,536.
 * The table is 64 sub-tables chosen by the top hash bits; each grows by half when it is 3/4 full,
 * rehashing from the stored fingerprints alone (no line bytes needed), so no growth step copies
 * more than 1/64 of the table, and the load stays between 1/2 and 3/4.
 *
 * Memory: 8 bytes per slot at that load (11-16 per line), plus 3 + 2 or 3 + length per record:
 * 21.6 bytes per distinct line at 1M atoms (574,052 lines), 19.0 at 3M atoms (1,518,539 lines).
 * That grows with the space, so the table takes a limit (`maxBytes`, the writer's share of the
 * run's memory budget): once a growth step would pass it, or the records fill their 4 GiB of
 * references, it stops taking lines and `add` says so. Lines it holds are still found and shared;
 * later new lines are stored where they are used. The file stays valid, only larger than PathMap's
 * and no longer byte-identical to it.
 */
import { ErrorCode, MorkspaceError } from '../../errors.js';

/** `find` found no equal earlier line. */
export const NO_LINE = -1;
/** Longest line kept in memory, by default (see the module comment for the measurement). */
export const DEFAULT_INLINE_LINE_BYTES = 16;
/** Longest `inlineBytes` allowed: the length class lives in 5 bits of the fingerprint. */
export const MAX_INLINE_LINE_BYTES = 31;

/** What the table asks of the writer for lines whose bytes it does not keep. */
export interface LineBytes {
  /** True when the line data at file offset `offset` (length varint, then bytes) is exactly `src[s..e)`. */
  lineEquals(offset: number, src: Uint8Array, s: number, e: number): boolean;
}

const SUB_BITS = 6;
const SUBS = 1 << SUB_BITS;
const FIRST_CAP = 16;
const SEG_BITS = 16;
const SEG_BYTES = 1 << SEG_BITS;
const MAX_SEGS = 2 ** (32 - SEG_BITS);
const CLASS_MASK = 31;
const INV_TWO32 = 2 ** -32;
// A record holds its line data's offset as 3 bytes counted from its segment's base.
const DELTA_BYTES = 3;
const DELTA_LIMIT = 2 ** (8 * DELTA_BYTES);
// A long line's record adds 16 bits of a second hash: equal fingerprints of different long lines
// (the birthday bound: thousands of pairs at millions of lines) then rarely cost a read-back.
const CHECK_BYTES = 2;
// Fibonacci hashing: a slot's home is the top bits of fp * 2^32/phi, scaled to the capacity.
const GOLDEN = 0x9e3779b1;

// A second, cheaper hash of the line that `lineHash` computes on the way (read right after it).
let lineCheck = 0;

/**
 * Murmur3-style 32-bit hash of `src[s..e)`; also leaves a second, independent hash in `lineCheck`.
 * Only a bucket choice and a filter: equality is always checked on the bytes.
 */
export function lineHash(src: Uint8Array, s: number, e: number): number {
  let h = 0x2f1c9a37 ^ (e - s);
  let h2 = 0x6b43a9b5;
  let k = s;
  for (; k + 4 <= e; k += 4) {
    let w = src[k]! | (src[k + 1]! << 8) | (src[k + 2]! << 16) | (src[k + 3]! << 24);
    h2 = Math.imul(h2 ^ w, 0x2c1b3c6d);
    w = Math.imul(w, 0xcc9e2d51);
    w = Math.imul((w << 15) | (w >>> 17), 0x1b873593);
    h ^= w;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (k < e) {
    let w = src[k]!;
    if (k + 1 < e) w |= src[k + 1]! << 8;
    if (k + 2 < e) w |= src[k + 2]! << 16;
    h2 = Math.imul(h2 ^ w ^ 0x5f000000, 0x2c1b3c6d);
    w = Math.imul(w, 0xcc9e2d51);
    h ^= Math.imul((w << 15) | (w >>> 17), 0x1b873593);
  }
  h2 = Math.imul(h2 ^ (h2 >>> 15) ^ (e - s), 0x297a2d39);
  lineCheck = (h2 ^ (h2 >>> 13)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The second hash of the line `lineHash` saw last (for tests). */
export function lastLineCheck(): number {
  return lineCheck;
}

// The home slot of fingerprint `fp` in a table of `cap` slots (a float product: any capacity, no modulo).
function home(fp: number, cap: number): number {
  return Math.floor((Math.imul(fp, GOLDEN) >>> 0) * (cap * INV_TWO32));
}

/** Distinct lines seen so far, mapped to the offset of their line data. */
export class LineTable {
  readonly #inline: number;
  readonly #bytes: LineBytes;
  // Per sub-table: [fingerprint, record reference] pairs; fingerprint 0 is an empty slot.
  readonly #slots: Uint32Array[] = [];
  readonly #size = new Int32Array(SUBS);
  // The record arena: segments of SEG_BYTES; a reference is segment << SEG_BITS | position in it.
  readonly #segs: Uint8Array[] = [];
  #segBase = new Float64Array(16); // file offset that a segment's record offsets count from
  #seg: Uint8Array = new Uint8Array(0);
  #segUsed = SEG_BYTES; // the first record opens a segment
  // Where the last `find` that missed stopped: `add` fills that slot.
  #pendFp = 0;
  #pendSub = 0;
  #pendSlot = 0;
  #pendCheck = 0;
  // What the slots, segments and segment bases take (kept as they grow, read by `add`).
  #memory = 0;
  readonly #maxBytes: number;
  #full = false;
  /** Distinct lines held. */
  count = 0;

  /** `maxBytes`: what the table may grow to (see the module comment); unlimited by default. */
  constructor(bytes: LineBytes, inlineBytes = DEFAULT_INLINE_LINE_BYTES, maxBytes = Infinity) {
    if (!Number.isInteger(inlineBytes) || inlineBytes < 0 || inlineBytes > MAX_INLINE_LINE_BYTES) {
      throw new MorkspaceError(ErrorCode.Usage, `inline line bytes must be an integer 0-${MAX_INLINE_LINE_BYTES}, got ${inlineBytes}`);
    }
    if (!(maxBytes >= 0)) throw new MorkspaceError(ErrorCode.Usage, `line index bytes must be 0 or more, got ${maxBytes}`);
    this.#bytes = bytes;
    this.#inline = inlineBytes;
    this.#maxBytes = maxBytes;
    for (let i = 0; i < SUBS; i++) this.#slots.push(new Uint32Array(2 * FIRST_CAP));
    this.#memory = this.#segBase.byteLength + SUBS * 2 * FIRST_CAP * 4;
  }

  /** True once the table has refused a line: it reached `maxBytes` or its records' 4 GiB. */
  get full(): boolean {
    return this.#full;
  }

  /**
   * The offset of the earlier line data equal to `src[s..e)` (non-empty), or NO_LINE. After NO_LINE,
   * the caller writes the line and calls `add` with the same line before any other `find`.
   */
  find(src: Uint8Array, s: number, e: number): number {
    const len = e - s;
    const cls = len <= this.#inline ? len : 0;
    let fp = ((lineHash(src, s, e) & ~CLASS_MASK) | cls) >>> 0;
    if (fp === 0) fp = CLASS_MASK + 1;
    const check = lineCheck >>> 16;
    const sub = fp >>> (32 - SUB_BITS);
    const slots = this.#slots[sub]!;
    const cap = slots.length >>> 1;
    let i = home(fp, cap);
    for (;;) {
      const f = slots[2 * i]!;
      if (f === 0) break;
      if (f === fp) {
        const ref = slots[2 * i + 1]!;
        const seg = this.#segs[ref >>> SEG_BITS]!;
        const w = ref & (SEG_BYTES - 1);
        const offset = this.#segBase[ref >>> SEG_BITS]! + (seg[w]! | (seg[w + 1]! << 8) | (seg[w + 2]! << 16));
        if (cls !== 0) {
          // A short line: its bytes follow the offset in the record (the length matched in fp).
          const d = w + DELTA_BYTES - s;
          let k = s;
          while (k < e && seg[d + k] === src[k]) k++;
          if (k === e) return offset;
        } else if ((seg[w + DELTA_BYTES]! | (seg[w + DELTA_BYTES + 1]! << 8)) === check && this.#bytes.lineEquals(offset, src, s, e)) {
          return offset;
        }
      }
      i = i + 1 === cap ? 0 : i + 1;
    }
    this.#pendFp = fp;
    this.#pendSub = sub;
    this.#pendSlot = i;
    this.#pendCheck = check;
    return NO_LINE;
  }

  /**
   * Record that the line `src[s..e)`, just missed by `find`, has its data at `offset`. False when
   * the table is full (see `full`): the line is not recorded, and a later equal line is not shared.
   */
  add(offset: number, src: Uint8Array, s: number, e: number): boolean {
    const fp = this.#pendFp;
    const sub = this.#pendSub;
    this.#pendFp = 0;
    if (this.#full) return false;
    let slots = this.#slots[sub]!;
    const grow = 4 * (this.#size[sub]! + 1) > 3 * (slots.length >>> 1);
    const n = fp & CLASS_MASK ? e - s : -1;
    if (!this.#fits(grow ? (slots.length >>> 1) * 4 : 0, offset, DELTA_BYTES + (n < 0 ? CHECK_BYTES : n))) {
      this.#full = true;
      return false;
    }
    const ref = this.#record(offset, src, s, n);
    let i = this.#pendSlot;
    if (grow) {
      slots = this.#grow(sub);
      const cap = slots.length >>> 1;
      i = home(fp, cap);
      while (slots[2 * i] !== 0) i = i + 1 === cap ? 0 : i + 1;
    }
    slots[2 * i] = fp;
    slots[2 * i + 1] = ref;
    this.#size[sub]!++;
    this.count++;
    return true;
  }

  /** Bytes this table holds (slots, arena, segment bases). */
  memoryBytes(): number {
    return this.#memory;
  }

  // Whether a record of `size` bytes for line data at `offset`, and `slotGrowth` more slot bytes,
  // stay within `maxBytes` and the records' references.
  #fits(slotGrowth: number, offset: number, size: number): boolean {
    const segs = this.#segs.length;
    const opens = this.#segUsed + size > SEG_BYTES || offset - this.#segBase[segs - 1]! >= DELTA_LIMIT;
    if (opens && segs === MAX_SEGS) return false;
    let more = slotGrowth;
    if (opens) more += SEG_BYTES + (segs === this.#segBase.length ? 8 * segs : 0);
    return this.#memory + more <= this.#maxBytes;
  }

  // Append a record [3-byte LE offset - segment base][n line bytes, or (n < 0) the u16 check];
  // returns its reference.
  #record(offset: number, src: Uint8Array, s: number, n: number): number {
    const size = DELTA_BYTES + (n < 0 ? CHECK_BYTES : n);
    if (this.#segUsed + size > SEG_BYTES || offset - this.#segBase[this.#segs.length - 1]! >= DELTA_LIMIT) this.#openSegment(offset);
    const seg = this.#seg;
    const w = this.#segUsed;
    const rel = offset - this.#segBase[this.#segs.length - 1]!;
    seg[w] = rel;
    seg[w + 1] = rel >>> 8;
    seg[w + 2] = rel >>> 16;
    if (n < 0) {
      seg[w + DELTA_BYTES] = this.#pendCheck;
      seg[w + DELTA_BYTES + 1] = this.#pendCheck >>> 8;
    } else {
      for (let k = 0; k < n; k++) seg[w + DELTA_BYTES + k] = src[s + k]!;
    }
    this.#segUsed = w + size;
    return ((this.#segs.length - 1) * SEG_BYTES + w) >>> 0;
  }

  #openSegment(offset: number): void {
    const index = this.#segs.length;
    // A segment left early (its offsets would not fit 3 bytes) keeps only what it holds.
    if (index > 0 && SEG_BYTES - this.#segUsed > 1024) {
      this.#segs[index - 1] = this.#seg.slice(0, this.#segUsed);
      this.#memory -= SEG_BYTES - this.#segUsed;
    }
    if (index === this.#segBase.length) {
      const next = new Float64Array(index * 2);
      next.set(this.#segBase);
      this.#memory += next.byteLength - this.#segBase.byteLength;
      this.#segBase = next;
    }
    this.#memory += SEG_BYTES;
    this.#segBase[index] = offset;
    this.#seg = new Uint8Array(SEG_BYTES);
    this.#segs.push(this.#seg);
    this.#segUsed = 0;
  }

  // Grow sub-table `sub` by half, rehashing from the fingerprints.
  #grow(sub: number): Uint32Array {
    const old = this.#slots[sub]!;
    const oldCap = old.length >>> 1;
    const cap = oldCap + (oldCap >>> 1);
    const next = new Uint32Array(2 * cap);
    for (let j = 0; j < oldCap; j++) {
      const f = old[2 * j]!;
      if (f === 0) continue;
      let i = home(f, cap);
      while (next[2 * i] !== 0) i = i + 1 === cap ? 0 : i + 1;
      next[2 * i] = f;
      next[2 * i + 1] = old[2 * j + 1]!;
    }
    this.#memory += next.byteLength - old.byteLength;
    this.#slots[sub] = next;
    return next;
  }
}
