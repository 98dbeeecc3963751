/**
 * ACTree03's "branchless" varint (PathMap src/arena_compact.rs, `push_varint_u64` / `read_varint_u64`):
 * values up to 247 are one byte; larger values are the byte `247 + n` followed by the `n` low bytes of
 * the value, little-endian, with `n` minimal (1..8).
 */
import { ErrorCode, FormatError } from '../../errors.js';

/** Largest value stored in the tag byte itself (`VARINT_LEN_BIAS`). */
export const VARINT_LEN_BIAS = 247;
/** Longest encoding, in bytes (a u64 needs 1 + 8). */
export const MAX_VARINT_BYTES = 9;

/** Bytes that `encodeVarint` writes for `x` (a non-negative safe integer). */
export function varintSize(x: number): number {
  if (x <= VARINT_LEN_BIAS) return 1;
  let n = 1;
  let rest = Math.floor(x / 256);
  while (rest > 0) {
    n++;
    rest = Math.floor(rest / 256);
  }
  return n + 1;
}

/**
 * Write `x` (a non-negative safe integer) at `out[pos]`, minimal form; returns the position after it.
 * The caller has made room for `MAX_VARINT_BYTES`.
 */
export function encodeVarint(out: Uint8Array, pos: number, x: number): number {
  if (x <= VARINT_LEN_BIAS) {
    out[pos] = x;
    return pos + 1;
  }
  // the offsets of a file under 4 GiB: shifts (an ACT writer writes millions of these)
  if (x <= 0xffffffff) {
    const n = x < 0x100 ? 1 : x < 0x10000 ? 2 : x < 0x1000000 ? 3 : 4;
    out[pos] = VARINT_LEN_BIAS + n;
    for (let k = 1; k <= n; k++) out[pos + k] = x >>> (8 * (k - 1));
    return pos + 1 + n;
  }
  const tag = pos++;
  let n = 0;
  // Division, not shifts: offsets can pass 2^31 and JS shifts are 32-bit.
  while (x > 0) {
    out[pos++] = x % 256;
    x = Math.floor(x / 256);
    n++;
  }
  out[tag] = VARINT_LEN_BIAS + n;
  return pos;
}

/** Where a decoded varint ended: filled by `readVarint` so hot loops allocate nothing. */
export interface VarintCursor {
  /** The decoded value; exact up to 2^53, larger values lose precision (they never fit a file offset). */
  value: number;
  /** Position after the varint. */
  end: number;
}

/**
 * Decode the varint at `bytes[pos]`, which must end at or before `limit` (and inside `bytes`).
 * Non-minimal encodings are accepted, as upstream does. `bytes` may be a window of a file that
 * starts at file offset `base`: errors then name file offsets (and `bytes` must reach the end of the
 * file wherever a varint could run past it, as `ActBytes` windows do).
 * @throws FormatError ERR_TRUNCATED past the end of the file, ERR_CORRUPT past `limit`.
 */
export function readVarint(bytes: Uint8Array, pos: number, limit: number, into: VarintCursor, what: string, base = 0): void {
  if (pos >= limit) throw outside(bytes, pos, 1, limit, what, base);
  const f = bytes[pos]!;
  if (f <= VARINT_LEN_BIAS) {
    into.value = f;
    into.end = pos + 1;
    return;
  }
  const n = f - VARINT_LEN_BIAS;
  if (pos + 1 + n > limit) throw outside(bytes, pos, n + 1, limit, what, base);
  let v = 0;
  for (let k = n; k >= 1; k--) v = v * 256 + bytes[pos + k]!;
  into.value = v;
  into.end = pos + 1 + n;
}

function outside(bytes: Uint8Array, pos: number, size: number, limit: number, what: string, base: number): FormatError {
  if (pos + size > bytes.length) return new FormatError(ErrorCode.Truncated, `${what} runs past the end of the file`, { offset: pos + base });
  return new FormatError(ErrorCode.Corrupt, `${what} runs past the object that refers to it (ends after byte ${limit + base})`, { offset: pos + base });
}

/**
 * The varint at `bytes[pos]` as exact decimal text, for messages: `readVarint`'s number rounds
 * values past 2^53 (a damaged length of 2^63 would print as 9223372036854776000).
 */
export function varintText(bytes: Uint8Array, pos: number): string {
  const f = bytes[pos];
  if (f === undefined) return '?';
  if (f <= VARINT_LEN_BIAS) return String(f);
  let v = 0n;
  for (let k = f - VARINT_LEN_BIAS; k >= 1; k--) v = (v << 8n) | BigInt(bytes[pos + k] ?? 0);
  return v.toString();
}
