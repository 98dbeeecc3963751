/**
 * Depth-first enumeration of an ACT trie in path order, with an explicit stack (paths can be far
 * deeper than the JS call stack) and an optional prefix constraint: a byte range per leading
 * position. Branches whose child byte is out of range are stepped over with a shallow parse, so a
 * prefix walk touches only the nodes on its way.
 */
import { ErrorCode, FormatError } from '../../errors.js';
import { copyWords, viewOf } from '../../bytes.js';
import type { PathArena } from '../../path-arena.js';
import type { ActBytes } from './file-bytes.js';
import { NodeView, POPCOUNT8, readNode } from './node.js';
import { VARINT_LEN_BIAS } from './varint.js';
import { ACT_HEADER_BYTES, ACT_MASK_CHILDREN, LINE_FLAG, VALUE_FLAG } from './writer.js';

/**
 * Allowed bytes at each leading position of a path: `lo[i] <= path[i] <= hi[i]`. Paths shorter than
 * the pattern are never reported. A plain prefix has `lo` equal to `hi`.
 */
export interface PrefixPattern {
  lo: Uint8Array;
  hi: Uint8Array;
}

/** Limits that keep a walk over a malicious file bounded. */
export interface WalkLimits {
  /** Node visits before the file is declared not a tree (a DAG can encode 2^N paths in O(N) bytes). */
  maxVisits: number;
  /** Longest path reported, in bytes. */
  maxPathBytes: number;
}

/**
 * 64 KiB: what `TrieWalker`'s window budget counts in. Not the page size: a read fault on a mapped
 * file maps at least the aligned 64 KiB around the page (Linux's fault-around, `fault_around_bytes`),
 * as far as it is in the page cache, and newer kernels map a whole page-cache folio (up to MiBs: see
 * io/resident-pages.ts). So a count of windows is a lower bound of what a walk has mapped in; the
 * reader measures the rest.
 */
export const WINDOW_BYTES = 65536;

/**
 * Resumable enumeration: `run` fills an arena until a batch limit, returns true when done. With a
 * window budget it also stops early once the nodes and line data it has read since
 * `startWindows()` (or `moreWindows()`) lie in that many more distinct 64 KiB windows
 * (`windowsFull`): a mapped file's reader then checks what is resident, lets the pages go if need
 * be, and runs on.
 */
export class TrieWalker {
  readonly #src: ActBytes;
  readonly #limits: WalkLimits;
  readonly #lo: Uint8Array;
  readonly #hi: Uint8Array;
  readonly #nv = new NodeView();
  readonly #skip = new NodeView();
  #path = new Uint8Array(256);
  // words of `#path` and of `#whole`, for copying a long line 4 bytes a step (`#visitWhole`)
  #pathWords = viewOf(this.#path);
  #visits = 0;
  // The root and the limit it must end before, until the first `run` visits it.
  #start: [number, number] | undefined;
  // Windows read since `startWindows()`: one bit per WINDOW_BYTES of the file, and how many are set
  // (no bits at all without a budget). A batch's nodes and lines lie all over the file.
  readonly #windowBudget: number;
  readonly #seen: Uint8Array;
  #windows = 0;
  // Branches being iterated: a stack as typed arrays (struct of arrays), `#top` entries; offsets as
  // doubles (files past 4 GiB), counts as 32-bit integers
  #top = 0;
  #parent = new Float64Array(64); // branch offset: its children must end before it
  #next = new Float64Array(64); // offset of the next child in the sibling run
  #cursor = new Float64Array(64); // list: position of the next child byte in `#lists`; mask: next bit to test
  #mask = new Float64Array(64); // mask position in `#lists`, or -1 for a list
  // each branch's child list or mask, copied (32 bytes per entry) when the file is read in pages:
  // the loop reads it with no window call, and no page is held past the next window (pages are
  // reused). A whole file is read in place: `#cursor`/`#mask` are then file offsets.
  #lists = new Uint8Array(64 * 32);
  readonly #whole: Uint8Array | undefined;
  readonly #wholeWords: DataView | undefined;
  #left = new Int32Array(64); // children not yet visited
  #depth = new Int32Array(64); // path length at the branch

  /** `windowBudget`: distinct windows read per `startWindows()` interval (Infinity: no limit). */
  constructor(src: ActBytes, root: number, tail: number, limits: WalkLimits, prefix?: PrefixPattern, windowBudget = Infinity) {
    this.#src = src;
    this.#whole = src.whole;
    this.#wholeWords = src.whole !== undefined ? viewOf(src.whole) : undefined;
    this.#windowBudget = windowBudget;
    this.#seen = new Uint8Array(windowBudget === Infinity ? 0 : Math.ceil(src.length / WINDOW_BYTES / 8));
    this.#limits = limits;
    this.#lo = prefix?.lo ?? new Uint8Array(0);
    this.#hi = prefix?.hi ?? new Uint8Array(0);
    this.#start = [root, tail];
  }

  /** Nodes parsed so far. */
  get visits(): number {
    return this.#visits;
  }

  /** True when what was read since `startWindows()` covers the window budget. */
  get windowsFull(): boolean {
    return this.#windows >= this.#windowBudget;
  }

  /** Count windows afresh (after the caller let the touched pages go). */
  startWindows(): void {
    this.#seen.fill(0);
    this.#windows = 0;
  }

  /** Allow another budget of windows not read yet since `startWindows()` (the pages stay). */
  moreWindows(): void {
    this.#windows = 0;
  }

  /**
   * Append paths to `arena` until it holds `maxPaths` paths or `maxBytes` bytes, or the window
   * budget is used (`windowsFull`); true when finished.
   */
  run(arena: PathArena, maxPaths: number, maxBytes: number): boolean {
    if (this.#start) {
      const [root, tail] = this.#start;
      this.#start = undefined;
      this.#visit(root, tail, 0, arena);
    }
    const src = this.#src;
    const m = this.#lo.length;
    const fast = this.#whole !== undefined && m === 0;
    while (this.#top > 0) {
      if (arena.count >= maxPaths || arena.byteLength >= maxBytes || this.#windows >= this.#windowBudget) return false;
      const t = this.#top - 1;
      if (this.#left[t] === 0) {
        this.#top--;
        continue;
      }
      let byte: number;
      const mask = this.#mask[t]!;
      const list = this.#whole ?? this.#lists;
      if (mask < 0) {
        byte = list[this.#cursor[t]!]!;
        this.#cursor[t]!++;
      } else {
        let c = this.#cursor[t]!;
        while ((list[mask + (c >> 3)]! & (1 << (c & 7))) === 0) c++;
        byte = c;
        this.#cursor[t] = c + 1;
      }
      this.#left[t]!--;
      const off = this.#next[t]!;
      const parent = this.#parent[t]!;
      const depth = this.#depth[t]!;
      if (depth < m && (byte < this.#lo[depth]! || byte > this.#hi[depth]!)) {
        if (byte > this.#hi[depth]!) {
          this.#top--; // children ascend: none further can match
          continue;
        }
        readNode(src, off, parent, this.#skip, false);
        this.#next[t] = this.#skip.end;
        continue;
      }
      this.#setPathByte(depth, byte);
      this.#next[t] = fast ? this.#visitWhole(off, parent, depth + 1, arena) : this.#visit(off, parent, depth + 1, arena);
    }
    return true;
  }

  // Push a branch to iterate (the stack grows by doubling).
  // `list`: where the child list or mask starts in `bytes` (the branch's window).
  #push(parent: number, next: number, left: number, bytes: Uint8Array, list: number, isMask: boolean, depth: number): void {
    if (this.#top === this.#left.length) {
      const grow = <T extends Float64Array | Int32Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(2 * a.length);
        b.set(a);
        return b;
      };
      this.#parent = grow(this.#parent);
      this.#next = grow(this.#next);
      this.#cursor = grow(this.#cursor);
      this.#mask = grow(this.#mask);
      this.#left = grow(this.#left);
      this.#depth = grow(this.#depth);
      const lists = new Uint8Array(2 * this.#lists.length);
      lists.set(this.#lists);
      this.#lists = lists;
    }
    const t = this.#top++;
    this.#parent[t] = parent;
    this.#next[t] = next;
    this.#left[t] = left;
    let at = list;
    if (this.#whole === undefined) {
      at = 32 * t;
      const lists = this.#lists;
      const n = isMask ? 32 : left;
      for (let k = 0; k < n; k++) lists[at + k] = bytes[list + k]!;
    }
    this.#cursor[t] = isMask ? 0 : at;
    this.#mask[t] = isMask ? at : -1;
    this.#depth[t] = depth;
  }

  // Visit the node at `off` (path length `depth`), following lines down to the next branch, which is
  // pushed for iteration. Returns where the node at `off` ends (its next sibling).
  #visit(off: number, limit: number, depth: number, arena: PathArena): number {
    const src = this.#src;
    const nv = this.#nv;
    const m = this.#lo.length;
    let end = -1;
    for (;;) {
      if (++this.#visits > this.#limits.maxVisits) {
        throw new FormatError(ErrorCode.Corrupt, `more node visits (${this.#limits.maxVisits}) than the file has bytes: nodes are shared, the file is not a tree`, { offset: off });
      }
      readNode(src, off, limit, nv, true);
      if (this.#seen.length > 0) this.#touch(off);
      if (end < 0) end = nv.end;
      if (nv.line) {
        const len = nv.lineLen;
        if (nv.lineStart < src.base || nv.lineStart + len > src.end) src.load(nv.lineStart, len);
        const bytes = src.buf;
        const s = nv.lineStart - src.base;
        // Check the line against the prefix positions it covers.
        for (let k = depth; k < m && k < depth + len; k++) {
          const b = bytes[s + k - depth]!;
          if (b < this.#lo[k]! || b > this.#hi[k]!) return end;
        }
        if (this.#seen.length > 0) this.#touch(nv.lineStart);
        const newDepth = depth + len;
        if (newDepth > this.#limits.maxPathBytes) throw new FormatError(ErrorCode.Limit, `path longer than ${this.#limits.maxPathBytes} bytes`, { offset: off });
        this.#ensurePath(newDepth);
        // byte by byte: a mapped file is a Buffer, whose subarray() makes a Buffer object per line
        // (a fifth of a full walk's time in a profile); lines are short
        const path = this.#path;
        for (let k = 0; k < len; k++) path[depth + k] = bytes[s + k]!;
        depth = newDepth;
        if (nv.value && depth >= m) arena.push(this.#path, 0, depth);
        if (nv.child < 0) return end;
        limit = off;
        off = nv.child;
        continue;
      }
      if (nv.value && depth >= m) arena.push(this.#path, 0, depth);
      // readNode left the branch's own window current
      if (nv.count > 0) this.#push(off, nv.first, nv.count, src.buf, nv.listPos - src.base, nv.mask, depth);
      return end;
    }
  }

  // `#visit` for a file held whole and a walk with no prefix, the common case: the same nodes,
  // checks and results, with the parse of a well-formed node inlined (no windows, no calls per
  // varint). A node it does not take is parsed again by `#visit`, whose readNode throws the exact
  // error; nothing of such a node is pushed before that.
  #visitWhole(off: number, limit: number, depth: number, arena: PathArena): number {
    const b = this.#whole!;
    const track = this.#seen.length > 0;
    let end = -1;
    for (;;) {
      if (this.#visits >= this.#limits.maxVisits || off < ACT_HEADER_BYTES || off >= limit) return this.#slowWhole(off, limit, depth, arena, end);
      const h = b[off]!;
      // the varints in order: the value (skipped), the child or first child, the line
      let p = off + 1;
      if ((h & VALUE_FLAG) !== 0) {
        p = varintEnd(b, p, limit);
        if (p < 0) return this.#slowWhole(off, limit, depth, arena, end);
      }
      if ((h & LINE_FLAG) !== 0) {
        // unused bits, or a value and a child (0xc1): readNode says which
        if ((h & 0x3e) !== 0 || (h & 0x41) === 0x41) return this.#slowWhole(off, limit, depth, arena, end);
        let child = -1;
        if ((h & 1) !== 0) {
          const d = varintValue(b, p, limit);
          if (d < 1 || d > off - ACT_HEADER_BYTES) return this.#slowWhole(off, limit, depth, arena, end);
          child = off - d;
          p = varEnd;
        }
        const d = varintValue(b, p, limit);
        if (d < 1 || d > off - ACT_HEADER_BYTES) return this.#slowWhole(off, limit, depth, arena, end);
        const line = off - d;
        const nodeEnd = varEnd;
        const len = varintValue(b, line, off);
        const s = varEnd;
        if (len < 1 || s + len > off) return this.#slowWhole(off, limit, depth, arena, end);
        const newDepth = depth + len;
        if (newDepth > this.#limits.maxPathBytes) return this.#slowWhole(off, limit, depth, arena, end);
        this.#visits++;
        if (end < 0) end = nodeEnd;
        if (track) {
          this.#touch(off);
          this.#touch(line);
        }
        if (newDepth > this.#path.length) this.#ensurePath(newDepth);
        const path = this.#path;
        if (len >= 8) copyWords(path, this.#pathWords, depth, b, this.#wholeWords!, s, len);
        else for (let k = 0; k < len; k++) path[depth + k] = b[s + k]!;
        depth = newDepth;
        if ((h & VALUE_FLAG) !== 0) arena.push(path, 0, depth);
        if (child < 0) return end;
        limit = off;
        off = child;
        continue;
      }
      const count = h & 0x3f;
      if (count > ACT_MASK_CHILDREN) return this.#slowWhole(off, limit, depth, arena, end);
      if (count === 0) {
        this.#visits++;
        if (track) this.#touch(off);
        if ((h & VALUE_FLAG) !== 0) arena.push(this.#path, 0, depth);
        return end < 0 ? p : end;
      }
      const d = varintValue(b, p, limit);
      p = varEnd;
      const listBytes = count < ACT_MASK_CHILDREN ? count : 32;
      if (d < 1 || d > off - ACT_HEADER_BYTES || p + listBytes > limit) return this.#slowWhole(off, limit, depth, arena, end);
      let n = count;
      if (count === ACT_MASK_CHILDREN) {
        n = 0;
        for (let k = 0; k < 32; k++) n += POPCOUNT8[b[p + k]!]!;
        if (n === 0) return this.#slowWhole(off, limit, depth, arena, end);
      } else {
        for (let k = 1; k < count; k++) if (b[p + k]! <= b[p + k - 1]!) return this.#slowWhole(off, limit, depth, arena, end);
      }
      this.#visits++;
      if (track) this.#touch(off);
      if ((h & VALUE_FLAG) !== 0) arena.push(this.#path, 0, depth);
      this.#push(off, off - d, n, b, p, count === ACT_MASK_CHILDREN, depth);
      return end < 0 ? p + listBytes : end;
    }
  }

  // A node `#visitWhole` did not take, walked (and refused) by `#visit`.
  #slowWhole(off: number, limit: number, depth: number, arena: PathArena, end: number): number {
    const e = this.#visit(off, limit, depth, arena);
    return end < 0 ? e : end;
  }

  // Count the window of byte `at` once per `startWindows()` interval.
  #touch(at: number): void {
    const w = Math.floor(at / WINDOW_BYTES);
    const bit = 1 << (w & 7);
    const seen = this.#seen;
    if ((seen[w >>> 3]! & bit) === 0) {
      seen[w >>> 3] = seen[w >>> 3]! | bit;
      this.#windows++;
    }
  }

  #setPathByte(at: number, byte: number): void {
    if (at + 1 > this.#limits.maxPathBytes) throw new FormatError(ErrorCode.Limit, `path longer than ${this.#limits.maxPathBytes} bytes`, {});
    this.#ensurePath(at + 1);
    this.#path[at] = byte;
  }

  #ensurePath(n: number): void {
    if (n <= this.#path.length) return;
    let cap = this.#path.length * 2;
    while (cap < n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#path);
    this.#path = next;
    this.#pathWords = viewOf(next);
  }
}

// Where the last `varintValue` ended.
let varEnd = 0;

// The varint at `b[p]` when it ends at or before `limit` (its end in `varEnd`), else -1.
function varintValue(b: Uint8Array, p: number, limit: number): number {
  if (p >= limit) return -1;
  const f = b[p]!;
  if (f <= VARINT_LEN_BIAS) {
    varEnd = p + 1;
    return f;
  }
  const n = f - VARINT_LEN_BIAS;
  if (p + 1 + n > limit) return -1;
  let v = 0;
  for (let k = n; k >= 1; k--) v = v * 256 + b[p + k]!;
  varEnd = p + 1 + n;
  return v;
}

// Where the varint at `b[p]` ends, when at or before `limit`; else -1.
function varintEnd(b: Uint8Array, p: number, limit: number): number {
  if (p >= limit) return -1;
  const f = b[p]!;
  const e = f <= VARINT_LEN_BIAS ? p + 1 : p + 1 + f - VARINT_LEN_BIAS;
  return e <= limit ? e : -1;
}
