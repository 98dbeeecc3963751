/**
 * A symbol table: MORK's interned symbols, id ↔ bytes (docs/symbols.md). The bytes of every symbol
 * live in one buffer, indexed by id; no JS string is made per symbol. An id is the u64 MORK puts in
 * a path after `C8`, big-endian: bytes 0–1 zero, byte 2 the shard (0–127), bytes 3–7 a counter. As
 * a JS number that is `shard · 2⁴⁰ + counter` (below 2⁴⁷: exact).
 */
import { ErrorCode, FormatError } from '../errors.js';
import type { Interner } from '../expr/parser.js';
import { PathArena } from '../path-arena.js';
import { sortedOrder } from '../sort.js';

/** Bytes of an id in a path (after its `C8` tag). */
export const ID_BYTES = 8;
/** The tag of an 8-byte symbol: what an interned symbol is in a path. */
export const TAG_ID = 0xc0 | ID_BYTES;
/** Shards (MORK's writer permissions); a shard index is below this. */
export const MAX_SHARDS = 128;
/** 2⁴⁰: the counter range of one shard. */
export const SHARD_SPAN = 2 ** 40;

/** The id stored at `bytes[p..p+8)`, or -1 when its two top bytes are not zero (not an id). */
export function readId(bytes: Uint8Array, p: number): number {
  if (bytes[p] !== 0 || bytes[p + 1] !== 0) return -1;
  const hi = bytes[p + 2]! * 256 + bytes[p + 3]!;
  const lo = ((bytes[p + 4]! << 24) | (bytes[p + 5]! << 16) | (bytes[p + 6]! << 8) | bytes[p + 7]!) >>> 0;
  return hi * 2 ** 32 + lo;
}

/** Write `id` as 8 bytes big-endian at `out[p]`. */
export function writeId(id: number, out: Uint8Array, p: number): void {
  const hi = Math.floor(id / 2 ** 32);
  const lo = id >>> 0;
  out[p] = 0;
  out[p + 1] = 0;
  out[p + 2] = (hi >>> 8) & 0xff;
  out[p + 3] = hi & 0xff;
  out[p + 4] = lo >>> 24;
  out[p + 5] = (lo >>> 16) & 0xff;
  out[p + 6] = (lo >>> 8) & 0xff;
  out[p + 7] = lo & 0xff;
}

/** An id as users see it: 16 hex digits, as the 8 bytes of the path read. */
export function idText(id: number): string {
  return `0x${id.toString(16).padStart(16, '0')}`;
}

/** The id a user typed (`0x…` hex, or decimal), or undefined when it is not one. */
export function parseId(text: string): number | undefined {
  const t = text.trim();
  const n = /^0x[0-9a-f]{1,12}$/i.test(t) ? Number.parseInt(t.slice(2), 16) : /^[0-9]{1,15}$/.test(t) ? Number(t) : Number.NaN;
  return Number.isSafeInteger(n) && n > 0 && n < MAX_SHARDS * SHARD_SPAN ? n : undefined;
}

/** 32-bit FNV-1a of `bytes[s..e)`. */
export function hashBytes(bytes: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  // int32 offsets where they fit, for the fast indexed path (see `sameRange`)
  if (e <= 0x7fffffff) for (let k = s | 0, end = e | 0; k < end; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
  else for (let k = s; k < e; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
  return h >>> 0;
}

function longestOf(starts: Float64Array<ArrayBufferLike>, n: number): number {
  let m = 0;
  for (let k = 0; k < n; k++) m = Math.max(m, starts[k + 1]! - starts[k]!);
  return m;
}

// Offsets read from a Float64Array are doubles, and V8 indexes a typed array with a double key on
// its slow path (measured: 2.2 µs to merge one 77-byte symbol): below 2³¹ they are made int32
// first (`| 0`), which keeps the loop on the fast path; beyond, the slow path is still right.
function sameRange(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): boolean {
  const n = ae - as;
  if (n !== be - bs) return false;
  if (ae <= 0x7fffffff && be <= 0x7fffffff) {
    const x = as | 0;
    const y = bs | 0;
    for (let k = 0; k < n; k++) if (a[x + k] !== b[y + k]) return false;
    return true;
  }
  for (let k = 0; k < n; k++) if (a[as + k] !== b[bs + k]) return false;
  return true;
}

/** What a table holds, for `inspect` and reports. */
export interface SymbolTableSummary {
  symbols: number;
  /** Bytes of all symbols' text. */
  bytes: number;
  longest: number;
  /** Symbols longer than 63 bytes (the ones that could not be inline). */
  long: number;
  /** Shards that hold symbols, ascending. */
  shards: number[];
  /** Smallest and largest id, as 16 hex digits (absent for an empty table). */
  firstId?: string;
  lastId?: string;
  /** Texts held under more than one id (upstream's reader makes them; reported, not refused). */
  repeatedTexts: number;
}

/**
 * An immutable table of symbols in ascending id order. Lookups by id are a binary search (or direct
 * indexing when the ids are 1..n, as morkspace assigns them); lookups by text build a hash index
 * the first time they are asked for.
 */
export class SymbolTable {
  /** Ids ascending. */
  readonly ids: Float64Array;
  /** Symbol k is `bytes[starts[k]..starts[k+1])`. */
  readonly starts: Float64Array;
  readonly bytes: Uint8Array;
  readonly #dense: boolean;
  #byText: Int32Array | undefined;

  /**
   * From ids (ascending, unique) and their symbols' bytes. Use `SymbolTable.fromEntries` to check
   * and sort input from a file.
   */
  constructor(ids: Float64Array, starts: Float64Array, bytes: Uint8Array) {
    this.ids = ids;
    this.starts = starts;
    this.bytes = bytes;
    const n = ids.length;
    this.#dense = n === 0 || (ids[0] === 1 && ids[n - 1] === n);
  }

  get count(): number {
    return this.ids.length;
  }

  /** Index of `id` in the table, or -1. */
  indexOf(id: number): number {
    const ids = this.ids;
    if (this.#dense) return id >= 1 && id <= ids.length ? id - 1 : -1;
    let lo = 0;
    let hi = ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = ids[mid]!;
      if (v === id) return mid;
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The bytes of symbol `k` (a view). */
  symbolAt(k: number): Uint8Array {
    return this.bytes.subarray(this.starts[k]!, this.starts[k + 1]!);
  }

  /** The bytes `id` stands for, or undefined. */
  lookup(id: number): Uint8Array | undefined {
    const k = this.indexOf(id);
    return k < 0 ? undefined : this.symbolAt(k);
  }

  /** The id of the symbol whose bytes are `text`, or undefined (the first id when a text repeats). */
  idOf(text: Uint8Array): number | undefined {
    const index = (this.#byText ??= this.#indexTexts());
    const mask = index.length - 1;
    for (let slot = hashBytes(text, 0, text.length) & mask; ; slot = (slot + 1) & mask) {
      const k = index[slot]!;
      if (k === 0) return undefined;
      if (sameRange(this.bytes, this.starts[k - 1]!, this.starts[k]!, text, 0, text.length)) return this.ids[k - 1];
    }
  }

  #indexTexts(): Int32Array {
    let size = 16;
    while (size < this.count * 2) size *= 2;
    const index = new Int32Array(size);
    const mask = size - 1;
    const b = this.bytes;
    for (let k = 0; k < this.count; k++) {
      const s = this.starts[k]!;
      const e = this.starts[k + 1]!;
      for (let slot = hashBytes(b, s, e) & mask; ; slot = (slot + 1) & mask) {
        const j = index[slot]!;
        if (j === 0) {
          index[slot] = k + 1;
          break;
        }
        if (sameRange(b, this.starts[j - 1]!, this.starts[j]!, b, s, e)) break; // a repeated text: keep the first id
      }
    }
    return index;
  }

  /** Counts for `inspect`. */
  summary(): SymbolTableSummary {
    let longest = 0;
    let long = 0;
    const shards = new Set<number>();
    for (let k = 0; k < this.count; k++) {
      const n = this.starts[k + 1]! - this.starts[k]!;
      if (n > longest) longest = n;
      if (n > 63) long++;
      shards.add(Math.floor(this.ids[k]! / SHARD_SPAN));
    }
    const n = this.count;
    const distinct = new Set<number>();
    for (let k = 0; k < n; k++) distinct.add(this.indexOf(this.idOf(this.symbolAt(k))!));
    return {
      symbols: n,
      bytes: this.bytes.length,
      longest,
      long,
      shards: [...shards].sort((a, b) => a - b),
      ...(n > 0 ? { firstId: idText(this.ids[0]!), lastId: idText(this.ids[n - 1]!) } : {}),
      repeatedTexts: n - distinct.size,
    };
  }

  /**
   * A table from entries in any order (a file's records). Ids must be valid (not zero, two top bytes
   * zero) and unique, except that the same id with the same bytes twice is one entry.
   * @throws FormatError ERR_CORRUPT naming the id whose two entries differ.
   */
  static fromEntries(ids: Float64Array, starts: Float64Array, bytes: Uint8Array, where: { file?: string } = {}): SymbolTable {
    const n = ids.length;
    let ascending = true;
    for (let k = 1; k < n && ascending; k++) if (ids[k - 1]! >= ids[k]!) ascending = false;
    if (ascending) return new SymbolTable(ids, starts, bytes);
    const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => ids[a]! - ids[b]!);
    const outIds: number[] = [];
    const outStarts: number[] = [0];
    const out = new Uint8Array(bytes.length);
    let w = 0;
    for (const k of order) {
      const s = starts[k]!;
      const e = starts[k + 1]!;
      const last = outIds.length - 1;
      if (last >= 0 && outIds[last] === ids[k]) {
        if (!sameRange(out, outStarts[last]!, w, bytes, s, e)) throw new FormatError(ErrorCode.Corrupt, `id ${idText(ids[k]!)} is given twice, with different symbols`, where);
        continue;
      }
      out.set(bytes.subarray(s, e), w);
      w += e - s;
      outIds.push(ids[k]!);
      outStarts.push(w);
    }
    return new SymbolTable(Float64Array.from(outIds), Float64Array.from(outStarts), out.subarray(0, w));
  }

  /** The empty table. */
  static empty(): SymbolTable {
    return new SymbolTable(new Float64Array(0), new Float64Array(1), new Uint8Array(0));
  }
}

/** A collector's index in shared memory (`SymbolCollector.share`); `key` tells one from another. */
export interface SharedSymbols {
  key: number;
  bytes: SharedArrayBuffer;
  starts: SharedArrayBuffer;
  hashes: SharedArrayBuffer;
  slots: SharedArrayBuffer;
  ids: SharedArrayBuffer;
}
let nextShareKey = 0;

/**
 * Distinct symbols gathered while text is read (the symbol pass of `--intern`): an open-addressing
 * hash set over one growing byte buffer. `assign()` then numbers them in (length, bytes) order, so
 * the same set of symbols gets the same ids whatever order they came in: 1, 2, 3, … in shard 0, as
 * MORK's single-threaded load does (shard 0 starts at 1: no id is all zeros).
 */
export class SymbolCollector {
  #bytes: Uint8Array<ArrayBufferLike> = new Uint8Array(1 << 16);
  #used = 0;
  #starts: Float64Array<ArrayBufferLike> = new Float64Array(1025);
  /** The hash of entry k: compared before its bytes, and kept for growing the slots without rehashing. */
  #hashes: Uint32Array<ArrayBufferLike> = new Uint32Array(1024);
  #count = 0;
  #slots: Int32Array<ArrayBufferLike> = new Int32Array(1 << 11);
  /** Id of entry k once assigned (ascending with the bytes). */
  #ids: Float64Array<ArrayBufferLike> | undefined;

  /**
   * A read-only collector over `shared` (`share()` of an assigned one, on another thread): the
   * path pass's workers look ids up in the same memory, without a copy per worker.
   */
  static fromShared(shared: SharedSymbols): SymbolCollector {
    const c = new SymbolCollector();
    c.#bytes = new Uint8Array(shared.bytes);
    c.#used = c.#bytes.length;
    c.#starts = new Float64Array(shared.starts);
    c.#hashes = new Uint32Array(shared.hashes);
    c.#count = c.#starts.length - 1;
    c.#slots = new Int32Array(shared.slots);
    c.#ids = new Float64Array(shared.ids);
    return c;
  }

  /** The assigned collector's index in shared memory, for `fromShared` on the pool's threads. */
  share(): SharedSymbols {
    if (this.#ids === undefined) throw new Error('SymbolCollector: share before assign');
    const copy = (from: ArrayBufferView, bytes: number): SharedArrayBuffer => {
      const sab = new SharedArrayBuffer(bytes);
      new Uint8Array(sab).set(new Uint8Array(from.buffer, from.byteOffset, bytes));
      return sab;
    };
    return {
      key: (nextShareKey = (nextShareKey + 1) >>> 0),
      bytes: copy(this.#bytes, this.#used),
      starts: copy(this.#starts, 8 * (this.#count + 1)),
      hashes: copy(this.#hashes, 4 * this.#count),
      slots: copy(this.#slots, this.#slots.byteLength),
      ids: copy(this.#ids, 8 * this.#count),
    };
  }

  /** The distinct symbols gathered, with their hashes (views of the collector's own buffers: it is not used after). */
  distinct(): { bytes: Uint8Array<ArrayBufferLike>; starts: Float64Array<ArrayBufferLike>; hashes: Uint32Array<ArrayBufferLike> } {
    return { bytes: this.#bytes.subarray(0, this.#used), starts: this.#starts.subarray(0, this.#count + 1), hashes: this.#hashes.subarray(0, this.#count) };
  }

  get count(): number {
    return this.#count;
  }

  /** Bytes the collector holds (for the run's memory account). */
  get memoryBytes(): number {
    return this.#bytes.length + this.#starts.byteLength + this.#hashes.byteLength + this.#slots.byteLength + (this.#ids?.byteLength ?? 0);
  }

  /** An interner for the symbol pass (`--intern`): it adds each symbol and gives a placeholder id. */
  gathering(): Interner {
    return { idOf: (b, s, e) => (this.add(b, s, e), 1) };
  }

  /** Add `buf[s..e)` if new (`h`: its `hashBytes`, when the caller has it); returns its entry number. */
  add(buf: Uint8Array, s: number, e: number, h: number = hashBytes(buf, s, e)): number {
    const found = this.#find(buf, s, e, h);
    if (found >= 0) return found;
    if (this.#ids) throw new Error('SymbolCollector: add after assign');
    const len = e - s;
    if (this.#used + len > this.#bytes.length) {
      let cap = this.#bytes.length * 2;
      while (cap < this.#used + len) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.#bytes.subarray(0, this.#used));
      this.#bytes = next;
    }
    // short ones byte by byte: subarray() makes an object per symbol (a third of this method's time
    // for inline symbols); long ones (URIs) in one copy
    const into = this.#bytes;
    if (len < 64) {
      const from = e <= 0x7fffffff ? s | 0 : s; // (int32 keys: see `sameRange`)
      for (let k = 0, o = this.#used; k < len; k++) into[o + k] = buf[from + k]!;
    } else into.set(buf.subarray(s, e), this.#used);
    this.#used += len;
    const k = this.#count++;
    if (k + 2 > this.#starts.length) {
      const next = new Float64Array(this.#starts.length * 2);
      next.set(this.#starts);
      this.#starts = next;
    }
    if (k + 1 > this.#hashes.length) {
      const hashes = new Uint32Array(this.#hashes.length * 2);
      hashes.set(this.#hashes);
      this.#hashes = hashes;
    }
    this.#starts[k + 1] = this.#used;
    this.#hashes[k] = h;
    if (this.#count * 2 > this.#slots.length) this.#grow();
    else this.#place(k, h);
    return k;
  }

  /** The entry number of `buf[s..e)`, or -1 when it was not added. */
  entryOf(buf: Uint8Array, s: number, e: number): number {
    return this.#find(buf, s, e, hashBytes(buf, s, e));
  }

  /** The bytes of entry `k` (a view of the collector's buffer: valid until the next `add`). */
  entryBytes(k: number): Uint8Array {
    return this.#bytes.subarray(this.#starts[k]!, this.#starts[k + 1]!);
  }

  /** The id of `buf[s..e)`, which must have been added before `assign()`; -1 if it was not. */
  idOf(buf: Uint8Array, s: number, e: number): number {
    const k = this.entryOf(buf, s, e);
    return k < 0 ? -1 : this.#ids![k]!;
  }

  #find(buf: Uint8Array, s: number, e: number, h: number): number {
    const slots = this.#slots;
    const mask = slots.length - 1;
    const b = this.#bytes;
    const hashes = this.#hashes;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const j = slots[slot]!;
      if (j === 0) return -1;
      if (hashes[j - 1] === h && sameRange(b, this.#starts[j - 1]!, this.#starts[j]!, buf, s, e)) return j - 1;
    }
  }

  #place(k: number, h: number): void {
    const slots = this.#slots;
    const mask = slots.length - 1;
    let slot = h & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = k + 1;
  }

  #grow(): void {
    this.#slots = new Int32Array(this.#slots.length * 2);
    for (let k = 0; k < this.#count; k++) this.#place(k, this.#hashes[k]!);
  }

  /** Give every symbol its id (from 1, in (length, bytes) order) and return the table. */
  assign(): SymbolTable {
    const n = this.#count;
    const b = this.#bytes;
    const st = this.#starts;
    // shorter first, then by bytes: the order inline symbols have in paths (their tag holds the
    // length), so an interned space of short symbols lists in the same order as the inline one.
    // As keys `[length u32 BE][bytes]`, byte order is (length, bytes) order: the paths' radix sort
    // ranks them (165K URIs: 0.86 s with a comparison sort, see docs/symbols.md).
    const keys = new PathArena(this.#used + 4 * n + 16, n + 1);
    const key = new Uint8Array(4 + longestOf(st, n));
    for (let k = 0; k < n; k++) {
      const len = st[k + 1]! - st[k]!;
      key[0] = len >>> 24;
      key[1] = (len >>> 16) & 0xff;
      key[2] = (len >>> 8) & 0xff;
      key[3] = len & 0xff;
      key.set(b.subarray(st[k]!, st[k + 1]!), 4);
      keys.push(key, 0, 4 + len);
    }
    const sorted = sortedOrder(keys);
    const ids = new Float64Array(n);
    const outStarts = new Float64Array(n + 1);
    const out = new Uint8Array(this.#used);
    let w = 0;
    for (let r = 0; r < n; r++) {
      const k = sorted[r]!;
      ids[k] = r + 1;
      out.set(b.subarray(st[k]!, st[k + 1]!), w);
      w += st[k + 1]! - st[k]!;
      outStarts[r + 1] = w;
    }
    this.#ids = ids;
    return new SymbolTable(Float64Array.from({ length: n }, (_, r) => r + 1), outStarts, out);
  }
}
