/**
 * Paths stored back to back in one growable byte buffer plus an offsets array: millions of paths
 * without one object per path. This is the unit that flows from sources to sinks (as batches).
 */

import { giveBack, takeBuffer, takeBytes } from './buffers.js';
import { ErrorCode, MorkspaceError } from './errors.js';
import { WORD_COPY_MAX, copyWords, viewOf } from './bytes.js';

const EMPTY = new Uint8Array(0);
/** The most path bytes one arena holds (its end offsets are u32); larger spaces flow as several batches. */
export const MAX_ARENA_BYTES = 0xffffffff;
/** Path bytes after which a reader ends a batch, however few paths it holds (long records). */
export const BATCH_BYTES = 8 << 20;
/**
 * The longest path a reader accepts unless told otherwise: 256 MiB, MTTS's chunk limit. A run takes
 * less when its memory budget is small (`RunContext.longestPath`). MeTTa atoms are bytes to
 * kilobytes; a longer record is damage or a decompression bomb.
 */
export const DEFAULT_MAX_PATH_BYTES = 256 << 20;

function tooLarge(bytes: number): MorkspaceError {
  return new MorkspaceError(ErrorCode.Limit, `${bytes} bytes of paths do not fit one batch (at most ${MAX_ARENA_BYTES}, 4 GiB)`);
}
const INITIAL_BYTES = 1 << 16;
const INITIAL_PATHS = 1 << 10;

/** Paths back to back: path i spans `[start(i), end(i))` of `bytes`; `end(i) === start(i + 1)`. */
export class PathArena {
  #bytes: Uint8Array;
  // ends[i] = end offset of path i. u32: one arena stays under 4 GiB; bigger spaces flow as batches.
  #ends: Uint32Array;
  #count = 0;
  #byteLength = 0;

  // Buffers on SharedArrayBuffers: workers can read the paths without a copy (parallel sort).
  readonly #shared: boolean;
  // DataViews for `push` (`copyWords`): one of `#bytes`, one of the last source
  #words: { of: Uint8Array; view: DataView } | undefined;
  #source: { of: Uint8Array; view: DataView } | undefined;

  /**
   * An arena with room for about `bytes` bytes in `paths` paths before it grows; with `shared`, its
   * buffers live on SharedArrayBuffers, which worker threads read without a copy.
   */
  constructor(bytes = INITIAL_BYTES, paths = INITIAL_PATHS, shared = false) {
    this.#shared = shared;
    this.#bytes = bytes > 0 ? this.#alloc(bytes) : EMPTY;
    this.#ends = this.#allocEnds(Math.max(1, paths));
  }

  // Unshared buffers come from the recycler (src/buffers.ts): `release` hands them back.
  #allocEnds(n: number): Uint32Array {
    return this.#shared ? new Uint32Array(new SharedArrayBuffer(4 * n)) : new Uint32Array(takeBuffer(4 * n));
  }

  #alloc(n: number): Uint8Array {
    return this.#shared ? new Uint8Array(new SharedArrayBuffer(n)) : takeBytes(n);
  }

  /** True when the buffers are shared with worker threads. */
  get shared(): boolean {
    return this.#shared;
  }

  /** Number of paths. */
  get count(): number {
    return this.#count;
  }
  /** Total bytes of all paths. */
  get byteLength(): number {
    return this.#byteLength;
  }
  /** The backing bytes (longer than `byteLength`): valid until the next push. */
  get bytes(): Uint8Array {
    return this.#bytes;
  }
  /** The end offsets (longer than `count`): valid until the next push. */
  get ends(): Uint32Array {
    return this.#ends;
  }
  start(i: number): number {
    return i === 0 ? 0 : this.#ends[i - 1]!;
  }
  end(i: number): number {
    return this.#ends[i]!;
  }
  length(i: number): number {
    return this.end(i) - this.start(i);
  }

  /** A view of path i into the arena: valid until the next push. */
  viewPath(i: number): Uint8Array {
    return this.#bytes.subarray(this.start(i), this.#ends[i]);
  }
  /** An independent copy of path i, safe to keep. */
  copyPath(i: number): Uint8Array {
    return this.#bytes.slice(this.start(i), this.#ends[i]);
  }

  /** Make room for `extra` more bytes; returns the (possibly new) byte buffer. */
  reserveBytes(extra: number): Uint8Array {
    const need = this.#byteLength + extra;
    if (need > this.#bytes.length) {
      if (need > MAX_ARENA_BYTES) throw tooLarge(need);
      let cap = Math.max(this.#bytes.length * 2, INITIAL_BYTES);
      while (cap < need) cap *= 2;
      if (cap > MAX_ARENA_BYTES) cap = MAX_ARENA_BYTES;
      const next = this.#alloc(cap);
      next.set(this.#bytes.subarray(0, this.#byteLength));
      giveBack(this.#bytes);
      this.#bytes = next;
    }
    return this.#bytes;
  }

  /** Append `src[from..to)` as one path. */
  push(src: Uint8Array, from = 0, to = src.length): void {
    const n = to - from;
    const bytes = this.reserveBytes(n);
    const o = this.#byteLength;
    if (n >= WORD_COPY_MAX) bytes.set(src.subarray(from, to), o);
    else if (n < 8) for (let k = 0; k < n; k++) bytes[o + k] = src[from + k]!;
    else {
      // the words of the arena's buffer and of the last source (callers push path after path from
      // one buffer of their own: the ACT walk, the parser); walking the 1M-atom bench ACT file into
      // batches 193 -> 180 ms (warm, in-process)
      if (this.#words?.of !== bytes) this.#words = { of: bytes, view: viewOf(bytes) };
      if (this.#source?.of !== src) this.#source = { of: src, view: viewOf(src) };
      copyWords(bytes, this.#words.view, o, src, this.#source.view, from, n);
    }
    this.commit(this.#byteLength + n);
  }

  /** Make room for `extra` more end offsets; returns the (possibly new) ends buffer. */
  reserveEnds(extra: number): Uint32Array {
    const need = this.#count + extra;
    if (need > this.#ends.length) {
      let cap = Math.max(this.#ends.length * 2, INITIAL_PATHS);
      while (cap < need) cap *= 2;
      const next = this.#allocEnds(cap);
      next.set(this.#ends.subarray(0, this.#count));
      giveBack(this.#ends);
      this.#ends = next;
    }
    return this.#ends;
  }

  /**
   * Close at once the paths the caller wrote after `reserveBytes` and `reserveEnds`: their bytes,
   * back to back from `byteLength`, and their ascending end offsets in `ends[count..upTo)`. A loop
   * that appends many short paths keeps the buffers in locals and pays no call per path (a `.paths`
   * read split 1M records 2x faster than with `push`).
   */
  commitWritten(upTo: number): void {
    if (upTo <= this.#count) return;
    const end = this.#ends[upTo - 1]!;
    if (upTo > this.#ends.length || end < this.#byteLength || end > this.#bytes.length) {
      throw new MorkspaceError(ErrorCode.Internal, `commitWritten(${upTo}) past what was reserved`);
    }
    this.#count = upTo;
    this.#byteLength = end;
  }

  /**
   * Close a path whose bytes the caller wrote into `bytes` (after `reserveBytes`) from
   * `byteLength` up to `end`.
   */
  commit(end: number): void {
    if (this.#count === this.#ends.length) this.reserveEnds(1);
    if (end > MAX_ARENA_BYTES) throw tooLarge(end);
    this.#ends[this.#count++] = end;
    this.#byteLength = end;
  }

  /** Append every path of `other`. */
  pushAll(other: PathArena): void {
    this.pushRange(other, 0, other.count);
  }

  /** Append paths `from` up to `to` of `other`, in one copy. */
  pushRange(other: PathArena, from: number, to: number): void {
    if (to <= from) return;
    const s = other.start(from);
    const n = other.end(to - 1) - s;
    const bytes = this.reserveBytes(n);
    bytes.set(other.bytes.subarray(s, s + n), this.#byteLength);
    const base = this.#byteLength - s;
    const ends = other.ends;
    for (let i = from; i < to; i++) this.commit(base + ends[i]!);
  }

  /** Keep the first `count` paths and forget the rest (the buffers stay). */
  truncate(count: number): void {
    if (count >= this.#count) return;
    this.#count = Math.max(0, count);
    this.#byteLength = this.#count === 0 ? 0 : this.#ends[this.#count - 1]!;
  }

  /** Forget all paths, keep the buffers. */
  clear(): void {
    this.#count = 0;
    this.#byteLength = 0;
  }

  /**
   * Hand the buffers back for reuse and leave the arena empty. Only for the arena's last owner:
   * any view taken of it (`bytes`, `ends`, `viewPath`) must be dead by then.
   */
  release(): void {
    giveBack(this.#bytes);
    giveBack(this.#ends);
    this.#words = this.#source = undefined;
    this.#bytes = EMPTY;
    this.#ends = new Uint32Array(1);
    this.clear();
  }

  /**
   * Hand the paths' buffers to the caller, who becomes their one owner (to move them to a worker
   * thread), and leave the arena empty: a later `release` gives nothing back, so the free list
   * never hands out a buffer that a task still holds or has yet to move. Only for the arena's last
   * owner, as `release`.
   */
  surrender(): { bytes: Uint8Array; ends: Uint32Array; count: number } {
    const out = { bytes: this.#bytes.subarray(0, this.#byteLength), ends: this.#ends.subarray(0, this.#count), count: this.#count };
    this.#bytes = EMPTY;
    this.#ends = new Uint32Array(1);
    this.clear();
    return out;
  }

  /** Iterate copies-free views of every path (each valid until the next push). */
  *[Symbol.iterator](): IterableIterator<Uint8Array> {
    for (let i = 0; i < this.#count; i++) yield this.viewPath(i);
  }

  /**
   * An arena over buffers the caller filled: `ends[0..count)` ascending, the last at most
   * `bytes.length`. The arena takes ownership of both. `shared` is whether it grows into shared
   * buffers and says it is shared (by default, whether `bytes` is): a worker that fills lent
   * shared buffers grows into plain ones, which it moves back.
   */
  static adopt(bytes: Uint8Array, ends: Uint32Array, count: number, shared = bytes.buffer instanceof SharedArrayBuffer): PathArena {
    const a = new PathArena(0, 1, shared);
    a.#bytes = bytes;
    a.#ends = ends.length > 0 ? ends : new Uint32Array(1);
    a.#count = count;
    a.#byteLength = count > 0 ? ends[count - 1]! : 0;
    return a;
  }

  /** An arena holding `paths` (copied). */
  static from(paths: Iterable<Uint8Array>): PathArena {
    const a = new PathArena();
    for (const p of paths) a.push(p);
    return a;
  }
}
