/**
 * Where the ACT reader finds the byte at a file offset. Either the whole file is at hand (a mapping,
 * or bytes in memory) or it is read in pages on demand with `pread`: files the mmap addon cannot
 * map (it takes a 32-bit size and offset, so 2 GiB and more; a Buffer holds at most 4 GiB anyway),
 * files that cannot be mapped at all, and the whole walks of large mapped files (`pagesOf`, over
 * the descriptor the mapped reader keeps). PathMap and our writer make ACT files of any size.
 *
 * Readers ask for a range first (`window(off, len)`), then read `buf[off - base]`. With the whole
 * file that is one comparison and `base` is 0. In pages, a range of up to `overlapBytes` that starts
 * in a page lies in that page's buffer, which holds the page and the `overlapBytes` after it; a
 * longer range (a long line) gets a buffer of its own. Pages are kept up to the reader's budget of
 * resident bytes (a clock picks the page that goes), and the buffer of a page that went is reused
 * for the next page read: so `buf` is valid only until the next `window` call but one, and callers
 * read what they asked for before they ask for more. (Left to the collector, pages let go piled up
 * as garbage: a walk of the 10M-atom bench file peaked at 210 MiB, against 101 mapped.)
 */
import fs from 'node:fs';
import { ErrorCode, FormatError, ioError, MorkspaceError } from '../../errors.js';

/**
 * Bytes a page starts every. Walks of the 1M- and 3M-atom bench files (28 and 80 MB) in a 24 MiB
 * budget, in-process: 64 KiB pages with a 4 KiB overlap took 0.73 and 1.4-2.1 s (mapped: 0.69 and
 * 2.4 s); 256 KiB with 64 KiB, 0.87 and 3.1 s; 1 MiB, 0.67 and 5.4 s. Larger pages mean fewer reads
 * of a file that fits the budget, and far more of one that does not: a walk comes back to nodes
 * spread over its subtree, and fewer pages hold fewer of those places.
 */
export const ACT_PAGE_BYTES = 1 << 16;
/**
 * Bytes each page's buffer holds past the page: the longest range that never needs a read of its
 * own. Lines average 34 bytes on the bench space; a larger overlap costs pages the budget holds.
 */
export const ACT_PAGE_OVERLAP_BYTES = 1 << 12;
/**
 * The longest node: a header, a value, a child offset and a line offset (varints of at most 9 bytes
 * each), or a header, a value, a first-child offset and a 32-byte mask.
 */
export const ACT_MAX_NODE_BYTES = 64;

// A paged reader dropped without `close` still closes its descriptor, once collected.
const unclosed = new FinalizationRegistry<{ fd: number; closed: boolean }>((file) => {
  if (file.closed) return;
  file.closed = true;
  try {
    fs.closeSync(file.fd);
  } catch {
    // already gone: nothing to free
  }
});

/** How a file is read in pages (tests shrink them to cross page edges on small files). */
export interface ActPaging {
  /** Bytes a page starts every. */
  pageBytes: number;
  /** Bytes each page's buffer holds past its page; at least `ACT_MAX_NODE_BYTES`. */
  overlapBytes: number;
  /** Bytes of pages kept at most (at least two pages are kept). */
  budgetBytes: number;
}

/** The bytes of one ACT file, whole or in pages. */
export class ActBytes {
  /** The current window: file bytes `[base, end)` at `buf[0..end - base)`. */
  buf: Uint8Array;
  base = 0;
  end: number;
  /** The file's size in bytes. */
  readonly length: number;
  /** The whole file, when it is at hand (not read in pages). */
  readonly whole: Uint8Array | undefined;
  // the file's descriptor, if it is kept: shared with the registry that closes it if `close` is
  // never called, and with the page views (`pagesOf`) that read through it
  readonly #file: { fd: number; closed: boolean };
  readonly #owns: boolean;
  readonly #name: string;
  readonly #pageBytes: number;
  readonly #overlap: number;
  readonly #maxPages: number;
  // page index → its buffer while held. Looked up on every change of window (a walk goes back and
  // forth between a node and its line): an array, and a clock for the order they go in, measured
  // 1.3x faster for a whole walk than a Map kept in least-recently-used order.
  readonly #pageOf: (Uint8Array | undefined)[];
  readonly #used: Uint8Array; // per page: read since the clock hand last passed it
  readonly #ring: Float64Array; // the indices of held pages (-1: a free slot)
  #hand = 0;
  // buffers of pages let go, for the next pages read (a full page's size)
  readonly #spare: Uint8Array[] = [];
  #reads = 0;

  private constructor(whole: Uint8Array | undefined, length: number, file: { fd: number; closed: boolean }, owns: boolean, name: string, paging: ActPaging | undefined) {
    this.whole = whole;
    this.length = length;
    this.buf = whole ?? new Uint8Array(0);
    this.end = whole !== undefined ? length : 0;
    this.#file = file;
    this.#owns = owns;
    if (owns && !file.closed) unclosed.register(this, file, this);
    this.#name = name;
    this.#pageBytes = paging?.pageBytes ?? ACT_PAGE_BYTES;
    this.#overlap = Math.max(ACT_MAX_NODE_BYTES, paging?.overlapBytes ?? ACT_PAGE_OVERLAP_BYTES);
    this.#maxPages = Math.max(2, Math.floor((paging?.budgetBytes ?? 0) / (this.#pageBytes + this.#overlap)));
    const pages = whole !== undefined ? 0 : Math.ceil(length / this.#pageBytes);
    this.#pageOf = new Array<Uint8Array | undefined>(pages).fill(undefined);
    this.#used = new Uint8Array(pages);
    this.#ring = new Float64Array(whole !== undefined ? 0 : this.#maxPages).fill(-1);
  }

  /**
   * A file held whole (mapped, or in memory). With `fd`, its descriptor is kept (for `pagesOf`)
   * until `close`.
   */
  static of(bytes: Uint8Array, fd = -1, name = ''): ActBytes {
    return new ActBytes(bytes, bytes.length, { fd, closed: fd < 0 }, true, name, undefined);
  }

  /** The file open at `fd` (`size` bytes), read in pages; `close` closes `fd`. */
  static paged(fd: number, size: number, name: string, paging: ActPaging): ActBytes {
    return new ActBytes(undefined, size, { fd, closed: false }, true, name, paging);
  }

  /**
   * Pages of its own over the descriptor `owner` keeps (`of` with `fd`): its `close` lets its pages
   * go and leaves the descriptor to `owner`; once `owner` is closed, it reads no more.
   */
  static pagesOf(owner: ActBytes, paging: ActPaging): ActBytes {
    return new ActBytes(undefined, owner.length, owner.#file, false, owner.#name, paging);
  }

  /** True when the descriptor is kept open (a paged file, or a whole one opened for `pagesOf`). */
  get keepsFile(): boolean {
    return !this.#file.closed;
  }

  /** True when the file is read in pages. */
  get paged(): boolean {
    return this.whole === undefined;
  }

  /** Bytes of pages held now. */
  get heldBytes(): number {
    let n = 0;
    for (const index of this.#ring) if (index >= 0) n += this.#pageOf[index]!.length;
    return n;
  }

  /** Preads made so far (pages and long ranges). */
  get reads(): number {
    return this.#reads;
  }

  /**
   * Make file bytes `[off, off + len)` (cut at the end of the file) readable at `buf[off - base]`.
   * Offsets outside the file leave the window as it is: the callers' bounds checks report them.
   */
  window(off: number, len: number): void {
    if (off < this.base || off + len > this.end) this.load(off, len);
  }

  /**
   * `window`'s work when the range is not in the current window. Hot loops test the window
   * themselves and call this: a `window` call inlined there takes V8's inlining budget from the
   * arena's `push` (a walk 10-15% slower).
   */
  load(off: number, len: number): void {
    if (this.whole !== undefined || off < 0 || off >= this.length) return;
    this.#load(off, Math.min(len, this.length - off));
  }

  /** Let every page go (their buffers are collected once no caller holds them). */
  drop(): void {
    this.#spare.length = 0;
    for (let k = 0; k < this.#ring.length; k++) {
      const index = this.#ring[k]!;
      if (index >= 0) this.#pageOf[index] = undefined;
      this.#ring[k] = -1;
    }
    if (this.whole === undefined) {
      this.buf = new Uint8Array(0);
      this.base = 0;
      this.end = 0;
    }
  }

  /** Close the descriptor this reader owns (idempotent); a page view leaves it to its owner. */
  close(): void {
    this.drop();
    if (this.#owns && !this.#file.closed) {
      this.#file.closed = true;
      unclosed.unregister(this);
      fs.closeSync(this.#file.fd);
    }
  }

  #load(off: number, len: number): void {
    if (len > this.#overlap) {
      // a range longer than any page's overlap: a buffer of its own, not kept
      this.#set(this.#read(off, len), off);
      return;
    }
    const index = Math.floor(off / this.#pageBytes);
    let page = this.#pageOf[index];
    if (page === undefined) {
      const start = index * this.#pageBytes;
      const size = Math.min(this.#pageBytes + this.#overlap, this.length - start);
      page = this.#read(start, size, size === this.#pageBytes + this.#overlap ? this.#spare.pop() : undefined);
      this.#hold(index, page);
    }
    this.#used[index] = 1;
    this.#set(page, index * this.#pageBytes);
  }

  // Keep page `index` in a free slot, or in that of the first page the clock hand finds unread
  // since it last passed (about least recently used).
  #hold(index: number, page: Uint8Array): void {
    const ring = this.#ring;
    for (;;) {
      const at = ring[this.#hand]!;
      if (at < 0 || this.#used[at] === 0) {
        if (at >= 0) {
          const gone = this.#pageOf[at]!;
          if (gone.length === this.#pageBytes + this.#overlap) this.#spare.push(gone);
          this.#pageOf[at] = undefined;
        }
        break;
      }
      this.#used[at] = 0;
      this.#hand = (this.#hand + 1) % ring.length;
    }
    ring[this.#hand] = index;
    this.#pageOf[index] = page;
    this.#hand = (this.#hand + 1) % ring.length;
  }

  #set(buf: Uint8Array, base: number): void {
    this.buf = buf;
    this.base = base;
    this.end = base + buf.length;
  }

  #read(at: number, len: number, reuse?: Uint8Array): Uint8Array {
    // a closed descriptor's number may already name another file
    if (this.#file.closed) throw new MorkspaceError(ErrorCode.Usage, `${this.#name}: the ACT file was closed`, { file: this.#name });
    const into = reuse ?? new Uint8Array(len);
    let got = 0;
    try {
      while (got < len) {
        const n = fs.readSync(this.#file.fd, into, got, len - got, at + got);
        if (n === 0) break;
        got += n;
      }
    } catch (e) {
      throw ioError(e, this.#name);
    }
    this.#reads++;
    // the file was cut while it was open: bytes that are not there must not read as zeros
    if (got < len) throw new FormatError(ErrorCode.Truncated, `file ends at byte ${at + got}, before the ${this.length.toLocaleString('en-US')} bytes it had when opened (cut while being read)`, { file: this.#name, offset: at + got });
    return into;
  }
}
