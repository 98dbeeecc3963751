/**
 * Sorting and de-duplicating paths: a space is a set, iterated in unsigned byte order (PathMap's
 * trie order). Paths stay in place; an index permutation is sorted by MSD radix sort, which costs
 * time in proportion to the distinguishing prefix bytes, where a comparison sort would compare the
 * long shared prefixes of sorted MORK paths again and again.
 */
import { compareRanges } from './bytes.js';
import { PathArena } from './path-arena.js';

// Ranges smaller than this are finished by insertion sort (bench case `sort`).
const INSERTION_SORT_MAX = 24;

/** The permutation of `0..arena.count-1` that visits the paths in ascending byte order (stable). */
export function sortedOrder(arena: PathArena): Uint32Array {
  const n = arena.count;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (n < 2) return idx;
  const bytes = arena.bytes;
  const ends = arena.ends;
  const starts = new Uint32Array(n);
  for (let i = 1; i < n; i++) starts[i] = ends[i - 1]!;
  const keys = new Uint16Array(n);
  const tmp = new Uint32Array(n);
  const count = new Int32Array(257);
  // Explicit stack of (lo, hi, depth): path lengths can reach tens of thousands of bytes.
  const stack: number[] = [0, n, 0];
  while (stack.length > 0) {
    let depth = stack.pop()!;
    const hi = stack.pop()!;
    const lo = stack.pop()!;
    if (hi - lo <= INSERTION_SORT_MAX) {
      insertionSort(idx, lo, hi, depth, bytes, starts, ends);
      continue;
    }
    for (;;) {
      count.fill(0);
      for (let k = lo; k < hi; k++) {
        const i = idx[k]!;
        const p = starts[i]! + depth;
        const key = p < ends[i]! ? bytes[p]! + 1 : 0; // 0: the path ends here, sorts first
        keys[k] = key;
        count[key]!++;
      }
      // Everyone in one bucket (a shared prefix byte): go one byte deeper without moving anything.
      const first = keys[lo]!;
      if (count[first] === hi - lo) {
        if (first === 0) break; // all equal
        depth++;
        continue;
      }
      let sum = lo;
      for (let b = 0; b < 257; b++) {
        const c = count[b]!;
        count[b] = sum;
        sum += c;
      }
      for (let k = lo; k < hi; k++) tmp[count[keys[k]!]!++] = idx[k]!;
      idx.set(tmp.subarray(lo, hi), lo);
      // count[b] is now the end of bucket b; bucket 0 (paths ending here) are equal: leave them.
      let bLo = count[0]!;
      for (let b = 1; b < 257; b++) {
        const bHi = count[b]!;
        if (bHi - bLo > 1) stack.push(bLo, bHi, depth + 1);
        bLo = bHi;
      }
      break;
    }
  }
  return idx;
}

function insertionSort(idx: Uint32Array, lo: number, hi: number, depth: number, bytes: Uint8Array, starts: Uint32Array, ends: Uint32Array): void {
  for (let k = lo + 1; k < hi; k++) {
    const v = idx[k]!;
    const vs = starts[v]! + depth;
    const ve = ends[v]!;
    let j = k - 1;
    while (j >= lo) {
      const u = idx[j]!;
      if (compareRanges(bytes, starts[u]! + depth, ends[u]!, bytes, vs, ve) <= 0) break;
      idx[j + 1] = u;
      j--;
    }
    idx[j + 1] = v;
  }
}

/** True when the paths of `arena` are strictly ascending (sorted, no duplicates). */
export function isStrictlySorted(arena: PathArena): boolean {
  const bytes = arena.bytes;
  for (let i = 1; i < arena.count; i++) {
    if (compareRanges(bytes, arena.start(i - 1), arena.end(i - 1), bytes, arena.start(i), arena.end(i)) >= 0) return false;
  }
  return true;
}

/** A new arena with the paths of `arena` sorted and de-duplicated. */
export function sortUniqueArena(arena: PathArena): PathArena {
  const order = sortedOrder(arena);
  const out = new PathArena(arena.byteLength, arena.count);
  const bytes = arena.bytes;
  let prevS = -1;
  let prevE = -1;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const s = arena.start(i);
    const e = arena.end(i);
    if (prevS >= 0 && compareRanges(bytes, prevS, prevE, bytes, s, e) === 0) continue;
    out.push(bytes, s, e);
    prevS = s;
    prevE = e;
  }
  return out;
}
