/**
 * Sorting and de-duplicating paths: a space is a set, iterated in unsigned byte order (PathMap's
 * trie order). Paths stay in place; an index permutation is sorted by MSD radix sort, which costs
 * time in proportion to the distinguishing prefix bytes, where a comparison sort would compare the
 * long shared prefixes of sorted MORK paths again and again.
 */
import { WORD_COPY_MAX, compareRanges, compareWithin, copyWords, viewOf } from './bytes.js';
import { PathArena } from './path-arena.js';

// Ranges smaller than this are finished by insertion sort (bench case `sort`).
const INSERTION_SORT_MAX = 24;

/** The permutation of `0..arena.count-1` that visits the paths in ascending byte order (stable). */
export function sortedOrder(arena: PathArena): Uint32Array {
  return sortPaths(arena.bytes, startsOf(arena.ends, arena.count), arena.ends, arena.count, false);
}

/** The indices of the distinct paths of `arena`, in ascending byte order (the first of equal paths). */
export function sortedUniqueOrder(arena: PathArena): Uint32Array {
  return sortPaths(arena.bytes, startsOf(arena.ends, arena.count), arena.ends, arena.count, true);
}

/**
 * The distinct paths among `indices` (path numbers into `bytes`/`ends`, laid out as a PathArena's),
 * in ascending byte order: the worker half of the parallel sort.
 */
export function sortedUniqueSubset(bytes: Uint8Array, ends: Uint32Array, indices: Uint32Array): Uint32Array {
  const m = indices.length;
  const s = new Uint32Array(m);
  const e = new Uint32Array(m);
  for (let k = 0; k < m; k++) {
    const i = indices[k]!;
    s[k] = i === 0 ? 0 : ends[i - 1]!;
    e[k] = ends[i]!;
  }
  const local = sortPaths(bytes, s, e, m, true);
  const out = new Uint32Array(local.length);
  for (let k = 0; k < local.length; k++) out[k] = indices[local[k]!]!;
  return out;
}

function startsOf(ends: Uint32Array, n: number): Uint32Array {
  const starts = new Uint32Array(n);
  for (let i = 1; i < n; i++) starts[i] = ends[i - 1]!;
  return starts;
}

// Radix sort of the index permutation of n paths, path i spanning bytes[starts[i]..ends[i]). With
// `unique`, equal paths found on the way (a bucket of paths that end at the same depth, or an
// insertion-sort tie) are marked and dropped at the end, so no second pass has to compare neighbours
// that share long prefixes.
function sortPaths(bytes: Uint8Array, starts: Uint32Array, ends: Uint32Array, n: number, unique: boolean): Uint32Array {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (n < 2) return idx;
  const dup = new Uint8Array(n); // dup[k]: idx[k] equals an earlier path (positions are final once marked)
  // cache[k]: the 3 bytes of path idx[k] at depths [w, w+3) of the current window w (a multiple of 3),
  // each as 9 bits (byte + 1, or 0 past the end). It moves with idx, so most levels read no path bytes:
  // random reads into the arena were the cost (bench case `sort`).
  const cache = new Uint32Array(n);
  const tmpIdx = new Uint32Array(n);
  const tmpCache = new Uint32Array(n);
  const keys = new Uint16Array(n);
  const count = new Int32Array(257);
  const fill = (lo: number, hi: number, w: number): void => {
    for (let k = lo; k < hi; k++) {
      const i = idx[k]!;
      const p = starts[i]! + w;
      const e = ends[i]!;
      cache[k] = ((p < e ? bytes[p]! + 1 : 0) << 18) | ((p + 1 < e ? bytes[p + 1]! + 1 : 0) << 9) | (p + 2 < e ? bytes[p + 2]! + 1 : 0);
    }
  };
  fill(0, n, 0);
  // Explicit stack of (lo, hi, depth): path lengths can reach tens of thousands of bytes.
  const stack: number[] = [0, n, 0];
  while (stack.length > 0) {
    let depth = stack.pop()!;
    const hi = stack.pop()!;
    const lo = stack.pop()!;
    if (hi - lo <= INSERTION_SORT_MAX) {
      insertionSort(idx, lo, hi, depth, bytes, starts, ends, dup);
      continue;
    }
    for (;;) {
      const phase = depth % 3;
      if (phase === 0 && depth > 0) fill(lo, hi, depth);
      const shift = 18 - 9 * phase;
      count.fill(0);
      for (let k = lo; k < hi; k++) {
        const key = (cache[k]! >>> shift) & 511; // 0: the path ends here, sorts first
        keys[k] = key;
        count[key]!++;
      }
      // Everyone in one bucket (a shared prefix byte): go one byte deeper without moving anything.
      const first = keys[lo]!;
      if (count[first] === hi - lo) {
        if (first === 0) {
          dup.fill(1, lo + 1, hi); // all equal
          break;
        }
        depth++;
        continue;
      }
      let sum = lo;
      for (let b = 0; b < 257; b++) {
        const c = count[b]!;
        count[b] = sum;
        sum += c;
      }
      for (let k = lo; k < hi; k++) {
        const to = count[keys[k]!]!++;
        tmpIdx[to] = idx[k]!;
        tmpCache[to] = cache[k]!;
      }
      idx.set(tmpIdx.subarray(lo, hi), lo);
      cache.set(tmpCache.subarray(lo, hi), lo);
      // count[b] is now the end of bucket b; bucket 0 holds paths ending here: all equal.
      let bLo = count[0]!;
      dup.fill(1, lo + 1, bLo);
      for (let b = 1; b < 257; b++) {
        const bHi = count[b]!;
        if (bHi - bLo > 1) stack.push(bLo, bHi, depth + 1);
        bLo = bHi;
      }
      break;
    }
  }
  if (!unique) return idx;
  let m = 0;
  for (let k = 0; k < n; k++) if (dup[k] === 0) idx[m++] = idx[k]!;
  return idx.subarray(0, m);
}

function insertionSort(idx: Uint32Array, lo: number, hi: number, depth: number, bytes: Uint8Array, starts: Uint32Array, ends: Uint32Array, dup: Uint8Array): void {
  for (let k = lo + 1; k < hi; k++) {
    const v = idx[k]!;
    const vs = starts[v]! + depth;
    const ve = ends[v]!;
    let j = k - 1;
    let c = 1;
    while (j >= lo) {
      const u = idx[j]!;
      c = compareRanges(bytes, starts[u]! + depth, ends[u]!, bytes, vs, ve);
      if (c <= 0) break;
      idx[j + 1] = u;
      dup[j + 1] = dup[j]!;
      j--;
    }
    idx[j + 1] = v;
    dup[j + 1] = c === 0 ? 1 : 0;
  }
}

/** True when the paths of `arena` are strictly ascending (sorted, no duplicates). */
export function isStrictlySorted(arena: PathArena): boolean {
  const n = arena.count;
  if (n < 2) return true;
  const bytes = arena.bytes;
  const ends = arena.ends;
  const words = viewOf(bytes);
  let s = 0;
  let e = ends[0]!;
  for (let i = 1; i < n; i++) {
    const next = ends[i]!;
    if (compareWithin(bytes, words, s, e, e, next) >= 0) return false;
    s = e;
    e = next;
  }
  return true;
}

/** A new arena with the paths of `arena` sorted and de-duplicated. */
export function sortUniqueArena(arena: PathArena): PathArena {
  const order = sortedUniqueOrder(arena);
  return gatherPaths(arena, order, 0, order.length);
}

/** A new arena holding the paths `order[from..to)` of `arena`, in that order. */
export function gatherPaths(arena: PathArena, order: Uint32Array, from: number, to: number): PathArena {
  const g = gatherRanges(arena.bytes, arena.ends, order, from, to);
  return PathArena.adopt(g.bytes, g.ends, to - from);
}

/**
 * The paths `order[from..to)` (path numbers into `src`/`ends`, laid out as a PathArena's) copied back
 * to back into new buffers of their own: `bytes` and the end offsets.
 *
 * Two passes: the first reads each path's bounds (a random read of `ends`, in a loop small enough
 * for the core to have many such reads in flight) and keeps where it starts; the copy then reads
 * only the bytes at random. Reading `ends` again in the copy made the gather of half the 1M-atom
 * bench space 1.2-1.5x slower (230-306 ms against 164-215, in-process).
 */
export function gatherRanges(src: Uint8Array, ends: Uint32Array, order: Uint32Array, from: number, to: number): { bytes: Uint8Array; ends: Uint32Array } {
  const n = to - from;
  const outEnds = new Uint32Array(Math.max(1, n));
  const starts = new Uint32Array(Math.max(1, n));
  let o = 0;
  for (let k = 0; k < n; k++) {
    const i = order[from + k]!;
    const s = i === 0 ? 0 : ends[i - 1]!;
    starts[k] = s;
    o += ends[i]! - s;
    outEnds[k] = o;
  }
  const dst = new Uint8Array(o);
  const dstWords = viewOf(dst);
  const srcWords = viewOf(src);
  let at = 0;
  for (let k = 0; k < n; k++) {
    const e = outEnds[k]!;
    const s = starts[k]!;
    const len = e - at;
    if (len < WORD_COPY_MAX) copyWords(dst, dstWords, at, src, srcWords, s, len);
    else dst.set(src.subarray(s, s + len), at);
    at = e;
  }
  return { bytes: dst, ends: outEnds };
}
