/**
 * Parsing one ACT node with every check of docs/act-format.md §10 that concerns it. Callers pass the
 * `limit` the node must end before (its referencing node's offset, or the file's tail for the root),
 * so every step down a reference moves strictly toward lower offsets: no cycles, no endless walks.
 */
import { ErrorCode, FormatError } from '../../errors.js';
import { ACT_MAX_NODE_BYTES, type ActBytes } from './file-bytes.js';
import { MAX_VARINT_BYTES, readVarint, varintText, type VarintCursor } from './varint.js';
import { ACT_HEADER_BYTES, ACT_MASK_CHILDREN, LINE_FLAG, VALUE_FLAG } from './writer.js';

/** Bits 1..5 of a line header: never written (arena_compact.rs `write_line`), ignored upstream. */
const LINE_UNUSED_BITS = 0x3e;
const LINE_CHILD_FLAG = 0x01;

/** Set bits per byte value, for mask popcounts. */
export const POPCOUNT8 = (() => {
  const t = new Uint8Array(256);
  for (let i = 1; i < 256; i++) t[i] = (i & 1) + t[i >> 1]!;
  return t;
})();

/** One parsed node; reused across calls so walks allocate nothing per node. */
export class NodeView {
  start = 0;
  /** Offset after the node's own bytes (the next sibling in a run). */
  end = 0;
  line = false;
  value = false;
  /** Offset of the value varint when `value`. */
  valuePos = 0;
  /** Branch: real number of children (the mask's popcount for 32+). */
  count = 0;
  /** Branch: offset of the first child, when `count > 0`. */
  first = 0;
  /** Branch: offset of the child list (count < 32) or of the 32-byte mask. */
  listPos = 0;
  mask = false;
  /** Line: offset of the child node, or -1. */
  child = -1;
  /** Line: offset and length of the line bytes (after the line data's length varint). */
  lineStart = 0;
  lineLen = 0;
  readonly varint: VarintCursor = { value: 0, end: 0 };
}

function corrupt(message: string, offset: number): FormatError {
  return new FormatError(ErrorCode.Corrupt, message, { offset });
}

// A backward reference stored at `node`: distance d ≥ 1 and the target inside the arena.
function target(src: ActBytes, node: number, d: number, at: number, what: string): number {
  if (d < 1 || d > node - ACT_HEADER_BYTES) throw corrupt(`${what} distance ${varintTextAt(src, at)} points ${d < 1 ? 'at or after the node itself' : 'before the arena'}`, at);
  return node - d;
}

// The varint at file offset `at` as exact text, for messages.
function varintTextAt(src: ActBytes, at: number): string {
  src.window(at, MAX_VARINT_BYTES);
  return at >= src.base && at < src.end ? varintText(src.buf.subarray(at - src.base), 0) : '?';
}

/**
 * Parse the node at `off`, which must lie in `[16, limit)` and end at or before `limit`.
 * `deep` also checks what the node owns (list order, mask popcount, line data) and resolves its
 * references; a shallow parse (to step over a sibling) only finds where the node ends.
 * Offsets in `nv` are file offsets; the bytes are read through `src`'s windows (varints with
 * positions relative to the window: the same code for a whole file, where `base` is 0).
 * @throws FormatError ERR_CORRUPT / ERR_TRUNCATED with the offending byte's offset.
 */
export function readNode(src: ActBytes, off: number, limit: number, nv: NodeView, deep: boolean): void {
  if (off < ACT_HEADER_BYTES || off >= limit) {
    throw corrupt(`node at ${off} is outside the bytes before the node that refers to it (${limit})`, off);
  }
  if (off < src.base || off + ACT_MAX_NODE_BYTES > src.end) src.load(off, ACT_MAX_NODE_BYTES);
  const bytes = src.buf;
  const base = src.base;
  // bounds as the window sees them: the referencing node, or the window's end when the file ends
  // there (a window ends before the file only past the longest node)
  const lim = limit - base;
  const vc = nv.varint;
  const h = bytes[off - base]!;
  let p = off + 1 - base;
  nv.start = off;
  nv.value = (h & VALUE_FLAG) !== 0;
  if ((h & LINE_FLAG) !== 0) {
    nv.line = true;
    if ((h & LINE_UNUSED_BITS) !== 0) throw corrupt(`line node header 0x${h.toString(16)} has unused bits set`, off);
    const hasChild = (h & LINE_CHILD_FLAG) !== 0;
    // 0xC1 is never written, and upstream's lookup and iteration disagree on its meaning (act-format.md §9).
    if (hasChild && nv.value) throw corrupt('line node with both a value and a child (0xc1) is never written by PathMap', off);
    if (nv.value) {
      nv.valuePos = p + base;
      readVarint(bytes, p, lim, vc, 'value', base);
      p = vc.end;
    }
    nv.child = -1;
    if (hasChild) {
      readVarint(bytes, p, lim, vc, 'child offset', base);
      nv.child = deep ? target(src, off, vc.value, p + base, 'child') : -1;
      p = vc.end;
    }
    const lineAt = p + base;
    readVarint(bytes, p, lim, vc, 'line offset', base);
    nv.end = vc.end + base;
    if (!deep) return;
    const line = target(src, off, vc.value, lineAt, 'line');
    if (line < src.base || line + MAX_VARINT_BYTES > src.end) src.load(line, MAX_VARINT_BYTES);
    readVarint(src.buf, line - src.base, off - src.base, vc, 'line data length', src.base);
    const len = vc.value;
    const start = vc.end + src.base;
    if (len < 1) throw corrupt('line data of length 0', line);
    if (start + len > off) {
      if (start + len > src.length) throw new FormatError(ErrorCode.Truncated, `line data of ${varintTextAt(src, line)} bytes runs past the end of the file`, { offset: line });
      throw corrupt(`line data of ${varintTextAt(src, line)} bytes overlaps the node that refers to it (${off})`, line);
    }
    nv.lineStart = start;
    nv.lineLen = len;
    return;
  }
  nv.line = false;
  nv.mask = false;
  const headerCount = h & 0x3f;
  if (headerCount > ACT_MASK_CHILDREN) throw corrupt(`branch header child count ${headerCount} is above 32`, off);
  if (nv.value) {
    nv.valuePos = p + base;
    readVarint(bytes, p, lim, vc, 'value', base);
    p = vc.end;
  }
  nv.count = headerCount;
  if (headerCount === 0) {
    nv.end = p + base;
    return;
  }
  const firstAt = p + base;
  readVarint(bytes, p, lim, vc, 'first child offset', base);
  p = vc.end;
  const listBytes = headerCount < ACT_MASK_CHILDREN ? headerCount : 32;
  if (p + listBytes > lim) {
    if (p + base + listBytes > src.length) throw new FormatError(ErrorCode.Truncated, 'branch child list runs past the end of the file', { offset: p + base });
    throw corrupt(`branch child list runs past the node that refers to it (${limit})`, p + base);
  }
  nv.listPos = p + base;
  nv.mask = headerCount === ACT_MASK_CHILDREN;
  nv.end = p + base + listBytes;
  if (!deep) return;
  nv.first = target(src, off, vc.value, firstAt, 'first child');
  if (nv.mask) {
    let count = 0;
    for (let k = 0; k < 32; k++) count += POPCOUNT8[bytes[p + k]!]!;
    if (count === 0) throw corrupt('branch child mask is empty', p + base);
    nv.count = count;
  } else {
    for (let k = 1; k < headerCount; k++) {
      if (bytes[p + k]! <= bytes[p + k - 1]!) throw corrupt('branch child bytes are not strictly ascending', p + base + k);
    }
  }
}

/** Index of child byte `b` in a deeply parsed branch, or -1 when `b` is not a child. */
export function childIndex(src: ActBytes, nv: NodeView, b: number): number {
  if (nv.count === 0) return -1;
  src.window(nv.listPos, 32);
  const bytes = src.buf;
  const p = nv.listPos - src.base;
  if (!nv.mask) {
    for (let k = 0; k < nv.count; k++) {
      const c = bytes[p + k]!;
      if (c === b) return k;
      if (c > b) return -1;
    }
    return -1;
  }
  const byteAt = b >> 3;
  const m = bytes[p + byteAt]!;
  const bit = 1 << (b & 7);
  if ((m & bit) === 0) return -1;
  let k = POPCOUNT8[m & (bit - 1)]!;
  for (let j = 0; j < byteAt; j++) k += POPCOUNT8[bytes[p + j]!]!;
  return k;
}
