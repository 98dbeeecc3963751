/**
 * The ACT writer: one streaming pass over sorted, unique paths, byte-identical to upstream's
 * `ArenaCompactTree::dump_from_zipper` with every value mapped to 0 (what MORK writes).
 *
 * The trie is never built. Consecutive sorted paths share a prefix; everything below that prefix in
 * the earlier path is finished, so it is emitted then. An explicit stack holds the open *significant*
 * positions (a value, or a fork), and a second stack holds the records (not yet emitted nodes) of
 * their finished children. Emission order is upstream's post-order (docs/act-format.md §7.2):
 * a position's children's subtrees, then its children's sibling run, then its line data, then (for a
 * line leading to a fork) its own branch node; the root node is last.
 *
 * Every reference in the file points backwards, so every byte is final when written, except the
 * root offset in the header. `writeActTo` therefore streams: the header goes out with a zero root,
 * the output follows in pieces, and the root offset is patched in at the end. Line sharing needs
 * earlier lines' bytes; `LineTable` (line-table.ts) keeps the short ones and the writer compares the
 * long ones from its unflushed buffer or reads them back from the sink.
 */
import { ErrorCode, IoError, MorkspaceError } from '../../errors.js';
import { withRandomAccess, type ByteSink } from '../../io/sink.js';
import type { PathArena } from '../../path-arena.js';
import { timedPart, timedPartSync, type Probe } from '../../run/probe.js';
import { DEFAULT_INLINE_LINE_BYTES, LineTable, NO_LINE, type LineBytes } from './line-table.js';
import { encodeVarint, MAX_VARINT_BYTES } from './varint.js';

/** `ACTree03`: the only version written and read (arena_compact.rs `ACT_MAGIC`). */
export const ACT_MAGIC = new Uint8Array([0x41, 0x43, 0x54, 0x72, 0x65, 0x65, 0x30, 0x33]);
/** Magic plus the u64 root offset. */
export const ACT_HEADER_BYTES = 16;
/** Zero bytes after the root node of a never-merged file (upstream `finalize`: `MAX_VARINT_SIZE - 1`). */
export const ACT_PADDING_BYTES = 8;
/** A branch with this many children or more stores a 256-bit mask instead of a byte list. */
export const ACT_MASK_CHILDREN = 32;
/** `writeActTo` hands the sink pieces of this many bytes by default. */
export const DEFAULT_ACT_FLUSH_BYTES = 1 << 20;

/** Header flags (arena_compact.rs `LINE_FLAG`, `VALUE_FLAG`). */
export const LINE_FLAG = 0x80;
export const VALUE_FLAG = 0x40;

const KIND_BRANCH = 0;
const KIND_LINE = 1;
const NONE = -1;
// Bytes read back from the sink per call when a long line is compared.
const READ_BACK_BYTES = 1 << 16;

/** Reads bytes already handed to the sink (`RandomAccess.readSync`, offsets counted from the file's start). */
type ReadFlushed = (offset: number, into: Uint8Array) => number;

interface EncoderOptions {
  /** Present when output is handed over (`take`): how to read it back. */
  readFlushed?: ReadFlushed | undefined;
  /** Capacity of a fresh buffer after `take`. */
  chunkBytes?: number | undefined;
  inlineLineBytes?: number | undefined;
  /** What the line index may grow to (`LineTable`'s `maxBytes`). */
  lineIndexBytes?: number | undefined;
  /** The sink's name, for read-back errors. */
  name?: string | undefined;
}

/**
 * The encoding core: builds the file from strictly ascending paths into a buffer that holds the
 * output not handed over yet (`take`). Offsets are absolute (from the file's start); `#base` is the
 * offset of the buffer's first byte.
 */
class ActEncoder implements LineBytes {
  #buf: Uint8Array;
  #base = 0;
  #len = ACT_HEADER_BYTES;
  readonly #readFlushed: ReadFlushed | undefined;
  readonly #chunkBytes: number;
  readonly #name: string;
  // Open significant positions, root first: depth = position length in bytes.
  #frameDepth: number[] = [0];
  #frameValue: boolean[] = [false];
  #frameRecords: number[] = [0]; // index of the frame's first child record
  // Finished children waiting for their parent's sibling run (struct of typed arrays, #recTop used).
  // Typed arrays with a top index: truncating JS arrays through `length` dominated the profile.
  #recTop = 0;
  #recKind = new Uint8Array(256);
  #recByte = new Uint8Array(256);
  #recValue = new Uint8Array(256);
  #recTarget = new Float64Array(256); // branch: first child; line: child node or NONE
  #recLine = new Float64Array(256); // line: line data offset
  #recList = new Int32Array(256); // branch: start of its child list (or mask) in #lists
  #recCount = new Int32Array(256); // branch: number of children
  #lists = new Uint8Array(1024);
  #listsTop = 0;
  readonly #lines: LineTable;
  // Read-back comparison of long lines: the expected length varint, and bytes read from the sink.
  readonly #head = new Uint8Array(MAX_VARINT_BYTES);
  #scratch = new Uint8Array(0);
  // The previous path, copied when a batch ends (the next batch may reuse its buffer).
  #prev = new Uint8Array(256);
  #prevBuf: Uint8Array = this.#prev;
  #prevStart = 0;
  #prevEnd = 0;
  #any = false;
  #finished = false;

  constructor(options: EncoderOptions = {}) {
    this.#readFlushed = options.readFlushed;
    this.#chunkBytes = options.chunkBytes ?? 1 << 16;
    this.#name = options.name ?? '<act>';
    this.#buf = new Uint8Array(Math.max(this.#chunkBytes, 256));
    this.#buf.set(ACT_MAGIC, 0);
    this.#lines = new LineTable(this, options.inlineLineBytes ?? DEFAULT_INLINE_LINE_BYTES, options.lineIndexBytes);
  }

  /** Bytes written so far (handed over or not). */
  get size(): number {
    return this.#base + this.#len;
  }

  /** Bytes not handed over yet. */
  get buffered(): number {
    return this.#len;
  }

  /** Bytes the line index holds. */
  get lineIndexBytes(): number {
    return this.#lines.memoryBytes();
  }

  /** Distinct lines the index holds (each stored once and shared). */
  get distinctLines(): number {
    return this.#lines.count;
  }

  /** Lines stored unshared since the index was full (`lineIndexBytes`); 0 while it has room. */
  unindexedLines = 0;

  /** Everything written, when nothing was handed over. */
  whole(): Uint8Array {
    if (this.#base !== 0) throw new MorkspaceError(ErrorCode.Usage, 'ActEncoder: output was handed over');
    return this.#buf.subarray(0, this.#len);
  }

  /**
   * Hand over the first `n` buffered bytes. The returned array is never written again; the rest
   * moves to a fresh buffer. Requires `readFlushed`, which must see these bytes from now on.
   */
  take(n: number): Uint8Array {
    const out = this.#buf.subarray(0, n);
    const rest = this.#len - n;
    const next = new Uint8Array(Math.max(this.#chunkBytes, rest + 256));
    next.set(this.#buf.subarray(n, this.#len), 0);
    this.#buf = next;
    this.#base += n;
    this.#len = rest;
    return out;
  }

  /** Add every path of `arena` (strictly ascending, and above the paths added before). */
  addBatch(arena: PathArena): void {
    const bytes = arena.bytes;
    const ends = arena.ends;
    let s = 0;
    for (let i = 0; i < arena.count; i++) {
      const e = ends[i]!;
      this.add(bytes, s, e);
      s = e;
    }
    this.endBatch();
  }

  /** The last path's buffer may change now: keep a copy of it. */
  endBatch(): void {
    if (this.#any && this.#prevBuf !== this.#prev) this.#keepPrev();
  }

  /**
   * Add the path `src[s..e)`; the bytes must stay unchanged until the next `add` or `endBatch`.
   * @throws MorkspaceError ERR_USAGE when paths are not strictly ascending.
   */
  add(src: Uint8Array, s: number, e: number): void {
    if (this.#finished) throw new MorkspaceError(ErrorCode.Usage, 'ActWriter: add after finish');
    const depths = this.#frameDepth;
    if (this.#any) {
      const prev = this.#prevBuf;
      const ps = this.#prevStart;
      const pl = this.#prevEnd - ps;
      const cl = e - s;
      const n = pl < cl ? pl : cl;
      let l = 0;
      while (l < n && prev[ps + l] === src[s + l]) l++;
      if (l === cl || (l < pl && prev[ps + l]! > src[s + l]!)) {
        throw new MorkspaceError(ErrorCode.Usage, 'paths given to the ACT writer are not strictly ascending and unique');
      }
      this.#closeAbove(l, prev, ps, false);
    }
    if (e > s) {
      depths.push(e - s);
      this.#frameValue.push(true);
      this.#frameRecords.push(this.#recTop);
    } else {
      this.#frameValue[0] = true; // the empty path: a value at the root (only ever the first path)
    }
    this.#any = true;
    this.#prevBuf = src;
    this.#prevStart = s;
    this.#prevEnd = e;
  }

  /** Emit the rest, the root node and the padding; returns the root's offset (the header is not touched). */
  finish(): number {
    if (this.#finished) throw new MorkspaceError(ErrorCode.Usage, 'ActWriter: finish called twice');
    this.#finished = true;
    const elided = this.#closeAbove(0, this.#prevBuf, this.#prevStart, true);
    if (!elided) this.#closeFrame(0, this.#frameValue[0]!, 0, null, 0, 0);
    // The root's record is the only one left.
    const root = this.#emitRecord(0);
    this.#ensure(ACT_PADDING_BYTES);
    this.#buf.fill(0, this.#len, this.#len + ACT_PADDING_BYTES);
    this.#len += ACT_PADDING_BYTES;
    return root;
  }

  /** `LineBytes`: the line data at `offset` is exactly `src[s..e)`, compared from memory or read back. */
  lineEquals(offset: number, src: Uint8Array, s: number, e: number): boolean {
    const len = e - s;
    const base = this.#base;
    const head = this.#head;
    const vs = encodeVarint(head, 0, len);
    const total = vs + len;
    if (offset + total > base + this.#len) return false;
    let k = 0; // bytes of the record compared so far: the length varint, then the line
    if (offset < base) {
      const stop = Math.min(total, base - offset);
      if (this.#scratch.length === 0) this.#scratch = new Uint8Array(READ_BACK_BYTES);
      const scratch = this.#scratch;
      while (k < stop) {
        const want = Math.min(READ_BACK_BYTES, stop - k);
        const got = this.#readBack(offset + k, want === READ_BACK_BYTES ? scratch : scratch.subarray(0, want));
        for (let j = 0; j < got; j++, k++) {
          if (scratch[j] !== (k < vs ? head[k] : src[s + k - vs])) return false;
        }
      }
    }
    const buf = this.#buf;
    const d = offset - base;
    for (; k < total; k++) {
      if (buf[d + k] !== (k < vs ? head[k] : src[s + k - vs])) return false;
    }
    return true;
  }

  #readBack(offset: number, into: Uint8Array): number {
    const read = this.#readFlushed;
    const got = read === undefined ? 0 : read(offset, into);
    // These bytes were written and their writes settled: a short read is a fault, not a mismatch
    // (a silent mismatch would store the line twice and break byte equality with upstream).
    if (!(got > 0)) throw new IoError(ErrorCode.Io, `ACT writer: reading back ${into.length} bytes at offset ${offset} returned ${got}`, { file: this.#name, offset });
    return got;
  }

  #keepPrev(): void {
    const len = this.#prevEnd - this.#prevStart;
    if (len > this.#prev.length) this.#prev = new Uint8Array(Math.max(len, this.#prev.length * 2));
    this.#prev.set(this.#prevBuf.subarray(this.#prevStart, this.#prevEnd), 0);
    this.#prevBuf = this.#prev;
    this.#prevStart = 0;
    this.#prevEnd = len;
  }

  // Close every open position deeper than `l`, which the next path does not share; `path[ps..]` is
  // the previous path, an extension of all of them. Returns true when the root was elided (final only).
  #closeAbove(l: number, path: Uint8Array, ps: number, final: boolean): boolean {
    const depths = this.#frameDepth;
    while (depths[depths.length - 1]! > l) {
      const depth = depths.pop()!;
      const value = this.#frameValue.pop()!;
      const records = this.#frameRecords.pop()!;
      let parent = depths[depths.length - 1]!;
      if (parent < l) {
        // The paths fork at depth l, below the last open position: a new significant position.
        depths.push(l);
        this.#frameValue.push(false);
        this.#frameRecords.push(records);
        parent = l;
      }
      if (final && depths.length === 1 && records === 0 && !this.#frameValue[0]) {
        // The root has no value and this is its only child: the root node is this child's line,
        // which starts with the child byte (morphisms.rs root handling; act-format.md §7.1).
        this.#closeFrame(0, value, records, path, ps, ps + depth);
        return true;
      }
      this.#closeFrame(path[ps + parent]!, value, records, path, ps + parent + 1, ps + depth);
    }
    return false;
  }

  // Finish a significant position: emit its children's sibling run, then its line data and (for a
  // line leading to a fork) its branch node; leave its own record for its parent's run.
  // `path[lineStart..lineEnd)` is the line leading to the position (none: `path` null or empty range).
  #closeFrame(byte: number, value: boolean, records: number, path: Uint8Array | null, lineStart: number, lineEnd: number): void {
    const n = this.#recTop - records;
    const listAt = n > 0 ? this.#recList[records]! : this.#listsTop;
    let first = NONE;
    for (let r = records; r < records + n; r++) {
      const off = this.#emitRecord(r);
      if (r === records) first = off;
    }
    // This position's own child list (or mask), where its children's lists were.
    const listLen = n < ACT_MASK_CHILDREN ? n : 32;
    this.#ensureLists(listAt + listLen);
    const lists = this.#lists;
    const bytesOf = this.#recByte;
    if (n < ACT_MASK_CHILDREN) {
      for (let k = 0; k < n; k++) lists[listAt + k] = bytesOf[records + k]!;
    } else {
      lists.fill(0, listAt, listAt + 32);
      for (let k = 0; k < n; k++) {
        const b = bytesOf[records + k]!;
        lists[listAt + (b >> 3)]! |= 1 << (b & 7);
      }
    }
    this.#recTop = records;
    this.#listsTop = listAt;
    if (path === null || lineStart === lineEnd) {
      this.#pushRecord(KIND_BRANCH, byte, value, first, NONE, listAt, n);
      this.#listsTop = listAt + listLen;
      return;
    }
    const line = this.#internLine(path, lineStart, lineEnd);
    if (n > 0) {
      const branch = this.#emitBranch(value, first, n, listAt);
      this.#pushRecord(KIND_LINE, byte, false, branch, line, listAt, 0);
    } else {
      this.#pushRecord(KIND_LINE, byte, value, NONE, line, listAt, 0);
    }
  }

  #pushRecord(kind: number, byte: number, value: boolean, target: number, line: number, list: number, count: number): void {
    const r = this.#recTop++;
    if (r === this.#recKind.length) this.#growRecords();
    this.#recKind[r] = kind;
    this.#recByte[r] = byte;
    this.#recValue[r] = value ? 1 : 0;
    this.#recTarget[r] = target;
    this.#recLine[r] = line;
    this.#recList[r] = list;
    this.#recCount[r] = count;
  }

  #growRecords(): void {
    const grow = <T extends Uint8Array | Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const next = make(a.length * 2);
      next.set(a);
      return next;
    };
    this.#recKind = grow(this.#recKind, (n) => new Uint8Array(n));
    this.#recByte = grow(this.#recByte, (n) => new Uint8Array(n));
    this.#recValue = grow(this.#recValue, (n) => new Uint8Array(n));
    this.#recTarget = grow(this.#recTarget, (n) => new Float64Array(n));
    this.#recLine = grow(this.#recLine, (n) => new Float64Array(n));
    this.#recList = grow(this.#recList, (n) => new Int32Array(n));
    this.#recCount = grow(this.#recCount, (n) => new Int32Array(n));
  }

  #emitRecord(r: number): number {
    if (this.#recKind[r] === KIND_BRANCH) return this.#emitBranch(this.#recValue[r] === 1, this.#recTarget[r]!, this.#recCount[r]!, this.#recList[r]!);
    return this.#emitLine(this.#recValue[r] === 1, this.#recTarget[r]!, this.#recLine[r]!);
  }

  // Branch node (arena_compact.rs `write_node`): header, [value], [first child distance], list or mask.
  #emitBranch(value: boolean, first: number, n: number, list: number): number {
    this.#ensure(2 + MAX_VARINT_BYTES + 32);
    const out = this.#buf;
    let p = this.#len;
    const start = this.#base + p;
    out[p++] = (n < ACT_MASK_CHILDREN ? n : ACT_MASK_CHILDREN) | (value ? VALUE_FLAG : 0);
    if (value) out[p++] = 0;
    if (n > 0) {
      p = encodeVarint(out, p, start - first);
      const len = n < ACT_MASK_CHILDREN ? n : 32;
      const lists = this.#lists;
      for (let k = 0; k < len; k++) out[p++] = lists[list + k]!;
    }
    this.#len = p;
    return start;
  }

  // Line node (arena_compact.rs `write_line`): header, [value], [child distance], line distance.
  #emitLine(value: boolean, child: number, line: number): number {
    this.#ensure(2 + 2 * MAX_VARINT_BYTES);
    const out = this.#buf;
    let p = this.#len;
    const start = this.#base + p;
    out[p++] = LINE_FLAG | (value ? VALUE_FLAG : 0) | (child !== NONE ? 1 : 0);
    if (value) out[p++] = 0;
    if (child !== NONE) p = encodeVarint(out, p, start - child);
    p = encodeVarint(out, p, start - line);
    this.#len = p;
    return start;
  }

  // Every distinct line is stored once, at its first use (upstream `add_path` / `find_line_reuse`).
  #internLine(src: Uint8Array, s: number, e: number): number {
    const found = this.#lines.find(src, s, e);
    if (found !== NO_LINE) return found;
    const len = e - s;
    this.#ensure(MAX_VARINT_BYTES + len);
    const at = this.#len;
    const start = this.#base + at;
    const p = encodeVarint(this.#buf, at, len);
    const buf = this.#buf;
    if (len < 64) for (let k = 0; k < len; k++) buf[p + k] = src[s + k]!;
    else buf.set(src.subarray(s, e), p);
    this.#len = p + len;
    if (!this.#lines.add(start, src, s, e)) this.unindexedLines++;
    return start;
  }

  #ensure(extra: number): void {
    const need = this.#len + extra;
    if (need <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  #ensureLists(need: number): void {
    if (need <= this.#lists.length) return;
    let cap = this.#lists.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#lists.subarray(0, this.#listsTop));
    this.#lists = next;
  }
}

/**
 * Builds one ACT file in memory from strictly ascending paths fed in order (`add`, `addBatch`),
 * then `finish()`. Memory is the output, the line index and stacks as deep as the longest path;
 * `writeActTo` streams instead.
 */
export class ActWriter {
  readonly #enc = new ActEncoder();

  /** Add every path of `arena` (strictly ascending, and above the paths added before). */
  addBatch(arena: PathArena): void {
    this.#enc.addBatch(arena);
  }

  /**
   * Add the path `src[s..e)`. The bytes must stay unchanged until the next `add` (or call
   * `addBatch`, which copies the last one).
   * @throws MorkspaceError ERR_USAGE when paths are not strictly ascending.
   */
  add(src: Uint8Array, s: number, e: number): void {
    this.#enc.add(src, s, e);
  }

  /** The complete file. The writer cannot be used afterwards. */
  finish(): Uint8Array {
    const root = this.#enc.finish();
    const out = this.#enc.whole();
    putU64(out, 8, root);
    return out;
  }
}

// `x` (a safe integer) as a little-endian u64 at `out[at]`.
function putU64(out: Uint8Array, at: number, x: number): void {
  const lo = x % 2 ** 32;
  const hi = Math.floor(x / 2 ** 32);
  for (let k = 0; k < 4; k++) {
    out[at + k] = (lo >>> (8 * k)) & 0xff;
    out[at + 4 + k] = (hi >>> (8 * k)) & 0xff;
  }
}

/**
 * The ACT file of a space (`space` sorted and unique, as sinks receive it), every value 0.
 * @throws MorkspaceError ERR_USAGE when the paths are not strictly ascending.
 */
export function encodeAct(space: PathArena): Uint8Array {
  const w = new ActWriter();
  w.addBatch(space);
  return w.finish();
}

/**
 * A space (strictly ascending batches) as one ACT file, yielded as one chunk when the input ends
 * (the header needs the root offset, known only then). `writeActTo` streams to a sink instead.
 */
export async function* writeAct(space: AsyncIterable<PathArena>): AsyncGenerator<Uint8Array> {
  const w = new ActWriter();
  for await (const batch of space) w.addBatch(batch);
  yield w.finish();
}

/** Options of `writeActTo`. */
export interface ActWriteOptions {
  /** Where a stream sink (no random access) is spooled; the spool is removed on every path. */
  tmpDir: string;
  /** Checked between batches: an abort stops the writer with the signal's reason (an AbortError). */
  signal?: AbortSignal | undefined;
  /** The sink gets pieces of this many bytes (the last one shorter). Defaults to 1 MiB. */
  flushBytes?: number | undefined;
  /**
   * Lines up to this many bytes (0-31) are kept in memory for sharing checks; longer ones are read
   * back from the sink when an earlier equal-hash line is found. Defaults to 16. The output does not
   * depend on it.
   */
  inlineLineBytes?: number | undefined;
  /**
   * What the line index may hold, in bytes (about 20 per distinct line); unlimited by default. Once
   * full, new lines are stored unshared: the file stays valid, but is larger than PathMap's and not
   * byte-identical to it (`ActWriteResult.unindexedLines` counts them).
   */
  lineIndexBytes?: number | undefined;
  /** Called once, when the line index first refuses a line (to warn the user). */
  onLineIndexFull?: ((info: { distinctLines: number; lineIndexBytes: number }) => void) | undefined;
  /** Where the encoding time goes (`--profile`: part `encode` of the write stage). */
  probe?: Probe | undefined;
}

/** What `writeActTo` wrote. */
export interface ActWriteResult {
  /** The file's length. */
  bytes: number;
  /** Distinct lines stored (each line data object is shared by every line node with those bytes). */
  distinctLines: number;
  /** Memory the line index held at the end (slots, records, segment bases). */
  lineIndexBytes: number;
  /** Lines stored without sharing because the index was full (0 unless `lineIndexBytes` was reached). */
  unindexedLines: number;
}

/**
 * Add the paths of `batch` from `from` until `flushBytes` are buffered; returns the next path's
 * index. Its own (synchronous) frame holds the batch's buffers, so that the suspended writer does
 * not: a released batch is then garbage at once (a 256 MiB batch is not kept while the next one is
 * decoded).
 */
function addUntilFull(enc: ActEncoder, batch: PathArena, from: number, flushBytes: number): number {
  const bytes = batch.bytes;
  const ends = batch.ends;
  let s = from === 0 ? 0 : ends[from - 1]!;
  for (let i = from; i < batch.count; i++) {
    const e = ends[i]!;
    enc.add(bytes, s, e);
    s = e;
    if (enc.buffered >= flushBytes) return i + 1;
  }
  return batch.count;
}

/**
 * Write a space (strictly ascending batches) to `sink` as one ACT file, streaming: memory holds the
 * unflushed output (about `flushBytes`), the line index (about 20 bytes per distinct line, at most
 * `lineIndexBytes`) and stacks as deep as the longest path. A sink without random access is
 * spooled to a file in `tmpDir` first (the root offset is patched in at the end, and long lines
 * are read back).
 * The file starts at the sink's current end.
 * @throws MorkspaceError ERR_USAGE when the paths are not strictly ascending; the signal's reason on abort;
 * whatever the input or the sink throws.
 */
export async function writeActTo(space: AsyncIterable<PathArena>, sink: ByteSink, options: ActWriteOptions): Promise<ActWriteResult> {
  const flushBytes = options.flushBytes ?? DEFAULT_ACT_FLUSH_BYTES;
  if (!Number.isSafeInteger(flushBytes) || flushBytes < 1) throw new MorkspaceError(ErrorCode.Usage, `flushBytes must be a positive integer, got ${flushBytes}`);
  const signal = options.signal;
  signal?.throwIfAborted();
  return withRandomAccess(sink, options.tmpDir, async (target) => {
    const origin = target.bytesWritten;
    const random = target.random;
    const enc = new ActEncoder({
      readFlushed: (offset, into) => random.readSync(origin + offset, into),
      chunkBytes: flushBytes + Math.max(1024, flushBytes >>> 4),
      inlineLineBytes: options.inlineLineBytes,
      lineIndexBytes: options.lineIndexBytes,
      name: target.name,
    });
    let warned = false;
    // Hand over whole pieces; a fresh buffer keeps the remainder (the sink may keep what it got).
    const flush = async (all: boolean): Promise<void> => {
      const n = all ? enc.buffered : enc.buffered - (enc.buffered % flushBytes);
      if (n === 0) return;
      const chunk = enc.take(n);
      for (let k = 0; k < n; k += flushBytes) {
        const piece = k === 0 && n <= flushBytes ? chunk : chunk.subarray(k, Math.min(n, k + flushBytes));
        await timedPart(options.probe, 'output', piece.length, () => target.write(piece));
      }
    };
    for await (const batch of space) {
      signal?.throwIfAborted();
      for (let i = 0; i < batch.count; ) {
        const from = i;
        // (a batch's path bytes counted once, with its first piece)
        i = timedPartSync(options.probe, 'encode', from === 0 ? batch.byteLength : 0, () => addUntilFull(enc, batch, from, flushBytes));
        if (enc.buffered >= flushBytes) await flush(false);
      }
      if (!warned && enc.unindexedLines > 0) {
        warned = true;
        options.onLineIndexFull?.({ distinctLines: enc.distinctLines, lineIndexBytes: enc.lineIndexBytes });
      }
      enc.endBatch();
    }
    signal?.throwIfAborted();
    const root = enc.finish();
    await flush(true);
    const field = new Uint8Array(8);
    putU64(field, 0, root);
    await random.patch(origin + 8, field);
    return { bytes: enc.size, distinctLines: enc.distinctLines, lineIndexBytes: enc.lineIndexBytes, unindexedLines: enc.unindexedLines };
  });
}
