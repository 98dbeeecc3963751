/**
 * The ACT header and tail: magic, root offset, and the append-merge trailers that record older roots
 * (arena_compact.rs `open_mmap`, `root_history`, `merge_zipper_into_file`). Reading these is O(1) in
 * the file size, except for walking the history, which is one step per merge.
 */
import { ErrorCode, FormatError } from '../../errors.js';
import { ActBytes } from './file-bytes.js';
import { ACT_HEADER_BYTES, ACT_MAGIC, ACT_PADDING_BYTES } from './writer.js';

/** Trailer after a merge: `[previous trailer offset: u64 LE][previous root: u64 LE]`. */
export const ACT_TRAILER_BYTES = 16;
/** Smallest base file: header, a one-byte root, padding. */
export const ACT_MIN_BYTES = ACT_HEADER_BYTES + 1 + ACT_PADDING_BYTES;

/** What the header and tail say. */
export interface ActHeader {
  /** The magic as text, `ACTree03`. */
  magic: string;
  /** Format version from the magic (3). */
  version: number;
  /** Offset of the current root node. */
  rootOffset: number;
  fileBytes: number;
  /** Where the zero padding (base file) or the last trailer (merged file) starts: the root ends here. */
  tailOffset: number;
  /** True when the file ends with a merge trailer instead of zero padding. */
  merged: boolean;
  /** Roots, newest first: the current root, then the root before each merge. */
  rootHistory: number[];
  /** Number of merges appended to the base file (`rootHistory.length - 1`). */
  mergeDepth: number;
}

const MAGIC_PREFIX = 'ACTree';
const latin1 = new TextDecoder('latin1');

// `len` file bytes from `at` (fewer at the end of the file), through the reader's windows.
function bytesAt(src: ActBytes, at: number, len: number): Uint8Array {
  src.window(at, len);
  return src.buf.subarray(at - src.base, Math.min(at + len, src.end) - src.base);
}

function u64(src: ActBytes, at: number): number {
  const b = bytesAt(src, at, 8);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(0, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(ErrorCode.Corrupt, `offset ${v} is larger than any file`, { offset: at });
  return Number(v);
}

/**
 * Read and check the header and the tail of an ACT file (held in `bytes`, or read through `ActBytes`).
 * @throws FormatError ERR_BAD_MAGIC, ERR_VERSION (ACTree01/02 and unknown versions), ERR_TRUNCATED,
 * ERR_CORRUPT (root out of range, a bad trailer chain), each with its byte offset.
 */
export function readActHeader(file: Uint8Array | ActBytes): ActHeader {
  const src = file instanceof Uint8Array ? ActBytes.of(file) : file;
  const n = src.length;
  const head = bytesAt(src, 0, 8);
  const magic = latin1.decode(head);
  if (n < 8) {
    if ('ACTree03'.startsWith(magic) && n > 0) throw new FormatError(ErrorCode.Truncated, `file of ${n} bytes ends inside the ACT magic`, { offset: n });
    throw new FormatError(ErrorCode.BadMagic, 'not an ACT file (no ACTree magic)', { offset: 0 });
  }
  let same = true;
  for (let k = 0; k < 8; k++) if (head[k] !== ACT_MAGIC[k]) same = false;
  if (!same) {
    if (!magic.startsWith(MAGIC_PREFIX)) throw new FormatError(ErrorCode.BadMagic, 'not an ACT file (no ACTree magic)', { offset: 0 });
    const older = magic === 'ACTree01' || magic === 'ACTree02';
    throw new FormatError(ErrorCode.Version, older ? `${magic} is an older ACT version (LEB128 varints${magic === 'ACTree01' ? ', absolute offsets' : ''}); only ACTree03 is supported` : `unknown ACT version '${magic}'; only ACTree03 is supported`, { offset: 0 });
  }
  if (n < ACT_MIN_BYTES) throw new FormatError(ErrorCode.Truncated, `file of ${n} bytes is shorter than the smallest ACT file (${ACT_MIN_BYTES})`, { offset: n });
  const rootOffset = u64(src, 8);
  let merged = false;
  for (const b of bytesAt(src, n - ACT_PADDING_BYTES, ACT_PADDING_BYTES)) if (b !== 0) merged = true;
  const tailOffset = merged ? n - ACT_TRAILER_BYTES : n - ACT_PADDING_BYTES;
  if (merged && n < ACT_MIN_BYTES + ACT_TRAILER_BYTES - ACT_PADDING_BYTES) {
    throw new FormatError(ErrorCode.Truncated, `file of ${n} bytes does not end with zero padding and is too short for a merge trailer`, { offset: tailOffset });
  }
  if (rootOffset < ACT_HEADER_BYTES || rootOffset >= tailOffset) {
    throw new FormatError(ErrorCode.Corrupt, `root offset ${rootOffset} is outside the arena [16, ${tailOffset})`, { offset: 8 });
  }
  const rootHistory = [rootOffset];
  if (merged) {
    // root_history: follow the trailers back; each must lie before the one that names it.
    let t = tailOffset;
    for (;;) {
      const suffix = u64(src, t);
      const prevRoot = u64(src, t + 8);
      if (prevRoot === 0) break;
      if (prevRoot < ACT_HEADER_BYTES || prevRoot >= t || prevRoot >= rootHistory[rootHistory.length - 1]!) {
        throw new FormatError(ErrorCode.Corrupt, `merge trailer names previous root ${prevRoot}, not before the trailer and the newer root`, { offset: t + 8 });
      }
      rootHistory.push(prevRoot);
      if (suffix === 0) break;
      if (suffix < ACT_HEADER_BYTES || suffix + ACT_TRAILER_BYTES > t) {
        throw new FormatError(ErrorCode.Corrupt, `merge trailer names previous trailer at ${suffix}, not before itself`, { offset: t });
      }
      t = suffix;
    }
  }
  return { magic, version: 3, rootOffset, fileBytes: n, tailOffset, merged, rootHistory, mergeDepth: rootHistory.length - 1 };
}
