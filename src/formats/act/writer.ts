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
 */
import { ErrorCode, MorkspaceError } from '../../errors.js';
import type { PathArena } from '../../path-arena.js';
import { encodeVarint, MAX_VARINT_BYTES, varintSize } from './varint.js';

/** `ACTree03`: the only version written and read (arena_compact.rs `ACT_MAGIC`). */
export const ACT_MAGIC = new Uint8Array([0x41, 0x43, 0x54, 0x72, 0x65, 0x65, 0x30, 0x33]);
/** Magic plus the u64 root offset. */
export const ACT_HEADER_BYTES = 16;
/** Zero bytes after the root node of a never-merged file (upstream `finalize`: `MAX_VARINT_SIZE - 1`). */
export const ACT_PADDING_BYTES = 8;
/** A branch with this many children or more stores a 256-bit mask instead of a byte list. */
export const ACT_MASK_CHILDREN = 32;

/** Header flags (arena_compact.rs `LINE_FLAG`, `VALUE_FLAG`). */
export const LINE_FLAG = 0x80;
export const VALUE_FLAG = 0x40;

const KIND_BRANCH = 0;
const KIND_LINE = 1;
const NONE = -1;

/** Open-addressed table from line content to the offset of its line data in the output. */
class LineTable {
  #hashes = new Uint32Array(1024);
  // offset + 1 of the line data (0: empty slot); Float64 because files may pass 4 GiB
  #offsets = new Float64Array(1024);
  #lengths = new Float64Array(1024);
  #size = 0;

  /** The offset of earlier line data equal to `src[s..e)`, or NONE. */
  find(out: Uint8Array, src: Uint8Array, s: number, e: number, hash: number): number {
    const mask = this.#hashes.length - 1;
    const len = e - s;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const o = this.#offsets[i]!;
      if (o === 0) return NONE;
      if (this.#hashes[i] === hash && this.#lengths[i] === len) {
        // the line bytes follow the length varint; compare them from the end of the stored record
        const at = this.#dataStart(o - 1, len);
        let k = 0;
        while (k < len && out[at + k] === src[s + k]) k++;
        if (k === len) return o - 1;
      }
    }
  }

  add(offset: number, len: number, hash: number): void {
    if (2 * (this.#size + 1) > this.#hashes.length) this.#grow();
    this.#put(offset, len, hash);
    this.#size++;
  }

  #dataStart(offset: number, len: number): number {
    return offset + varintSize(len);
  }

  #put(offset: number, len: number, hash: number): void {
    const mask = this.#hashes.length - 1;
    let i = hash & mask;
    while (this.#offsets[i] !== 0) i = (i + 1) & mask;
    this.#hashes[i] = hash;
    this.#offsets[i] = offset + 1;
    this.#lengths[i] = len;
  }

  #grow(): void {
    const hashes = this.#hashes;
    const offsets = this.#offsets;
    const lengths = this.#lengths;
    this.#hashes = new Uint32Array(hashes.length * 2);
    this.#offsets = new Float64Array(hashes.length * 2);
    this.#lengths = new Float64Array(hashes.length * 2);
    for (let i = 0; i < hashes.length; i++) if (offsets[i] !== 0) this.#put(offsets[i]! - 1, lengths[i]!, hashes[i]!);
  }
}


// FNV-1a: only a bucket choice; equality is always checked on the bytes.
function hashBytes(src: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let k = s; k < e; k++) h = Math.imul(h ^ src[k]!, 0x01000193);
  return h >>> 0;
}

/**
 * Builds one ACT file from strictly ascending paths fed in order (`add`, `addBatch`), then `finish()`.
 * Memory is the output plus stacks as deep as the longest path.
 */
export class ActWriter {
  #out = new Uint8Array(1 << 16);
  #pos = ACT_HEADER_BYTES;
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
  #lines = new LineTable();
  // The previous path, copied when a batch ends (the next batch may reuse its buffer).
  #prev = new Uint8Array(256);
  #prevBuf: Uint8Array = this.#prev;
  #prevStart = 0;
  #prevEnd = 0;
  #any = false;
  #finished = false;

  constructor() {
    this.#out.set(ACT_MAGIC, 0);
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
    if (this.#any && this.#prevBuf !== this.#prev) this.#keepPrev();
  }

  /**
   * Add the path `src[s..e)`. The bytes must stay unchanged until the next `add` (or call
   * `addBatch`, which copies the last one).
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

  /** The complete file. The writer cannot be used afterwards. */
  finish(): Uint8Array {
    if (this.#finished) throw new MorkspaceError(ErrorCode.Usage, 'ActWriter: finish called twice');
    this.#finished = true;
    const elided = this.#closeAbove(0, this.#prevBuf, this.#prevStart, true);
    if (!elided) this.#closeFrame(0, this.#frameValue[0]!, 0, null, 0, 0);
    // The root's record is the only one left.
    const root = this.#emitRecord(0);
    this.#ensure(ACT_PADDING_BYTES);
    const out = this.#out;
    out.fill(0, this.#pos, this.#pos + ACT_PADDING_BYTES);
    this.#pos += ACT_PADDING_BYTES;
    new DataView(out.buffer, out.byteOffset, out.byteLength).setBigUint64(8, BigInt(root), true);
    return out.subarray(0, this.#pos);
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
    const out = this.#out;
    const start = this.#pos;
    let p = start;
    out[p++] = (n < ACT_MASK_CHILDREN ? n : ACT_MASK_CHILDREN) | (value ? VALUE_FLAG : 0);
    if (value) out[p++] = 0;
    if (n > 0) {
      p = encodeVarint(out, p, start - first);
      const len = n < ACT_MASK_CHILDREN ? n : 32;
      const lists = this.#lists;
      for (let k = 0; k < len; k++) out[p++] = lists[list + k]!;
    }
    this.#pos = p;
    return start;
  }

  // Line node (arena_compact.rs `write_line`): header, [value], [child distance], line distance.
  #emitLine(value: boolean, child: number, line: number): number {
    this.#ensure(2 + 2 * MAX_VARINT_BYTES);
    const out = this.#out;
    const start = this.#pos;
    let p = start;
    out[p++] = LINE_FLAG | (value ? VALUE_FLAG : 0) | (child !== NONE ? 1 : 0);
    if (value) out[p++] = 0;
    if (child !== NONE) p = encodeVarint(out, p, start - child);
    p = encodeVarint(out, p, start - line);
    this.#pos = p;
    return start;
  }

  // Every distinct line is stored once, at its first use (upstream `add_path` / `find_line_reuse`).
  #internLine(src: Uint8Array, s: number, e: number): number {
    const hash = hashBytes(src, s, e);
    const found = this.#lines.find(this.#out, src, s, e, hash);
    if (found !== NONE) return found;
    const len = e - s;
    this.#ensure(MAX_VARINT_BYTES + len);
    const start = this.#pos;
    const p = encodeVarint(this.#out, start, len);
    this.#out.set(src.subarray(s, e), p);
    this.#pos = p + len;
    this.#lines.add(start, len, hash);
    return start;
  }

  #ensure(extra: number): void {
    const need = this.#pos + extra;
    if (need <= this.#out.length) return;
    let cap = this.#out.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#out.subarray(0, this.#pos));
    this.#out = next;
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
 * The ACT file of a space (`space` sorted and unique, as sinks receive it), every value 0.
 * @throws MorkspaceError ERR_USAGE when the paths are not strictly ascending.
 */
export function encodeAct(space: PathArena): Uint8Array {
  const w = new ActWriter();
  w.addBatch(space);
  return w.finish();
}

/**
 * Stream a space (strictly ascending batches) into one ACT file. The header needs the root offset,
 * known only at the end, so the file is yielded as one chunk when the input ends.
 */
export async function* writeAct(space: AsyncIterable<PathArena>): AsyncGenerator<Uint8Array> {
  const w = new ActWriter();
  for await (const batch of space) w.addBatch(batch);
  yield w.finish();
}
