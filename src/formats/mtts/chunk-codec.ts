/**
 * One MTTS chunk, encoded and decoded: front coding, the codecs, the digest and the adaptive codec
 * rule. Pure functions over buffers, shared by the main thread and the pool's worker
 * (src/pool/worker.ts), so the bytes never depend on where a chunk was encoded.
 */
import zlib from 'node:zlib';
import { blake3 } from '@napi-rs/blake-hash';
import { compressSync as lz4Compress, uncompressSync as lz4Uncompress } from 'lz4-napi';
import { ErrorCode } from '../../errors.js';
import type { MttsCompression, MttsPriority } from './options.js';

/** Codec ids as stored in a chunk header. */
export const Codec = { None: 0, Lz4: 1, Deflate: 2 } as const;
export type Codec = (typeof Codec)[keyof typeof Codec];
/** Codec names for reports, by id. */
export const CODEC_NAMES: readonly string[] = ['none', 'lz4', 'deflate'];

/** Bytes of a chunk digest: BLAKE3 truncated to 128 bits (docs/format-mtts.md, "Integrity"). */
export const CHUNK_DIGEST_BYTES = 16;

/**
 * `auto` stores a chunk raw when the byte entropy of its front-coded bytes is at least this many
 * bits per byte: such data is random-looking and neither codec would save the 1/16 required below.
 */
export const INCOMPRESSIBLE_BITS_PER_BYTE = 7.9;

/** A compressed chunk is kept only if it saves at least 1/16 of the raw size; else it is stored raw. */
export function worthCompressing(rawLength: number, storedLength: number): boolean {
  return storedLength < rawLength - (rawLength >>> 4);
}

/** The codec and level `auto` uses for a priority (measurements in docs/format-mtts.md). */
export const AUTO_RULE: Readonly<Record<MttsPriority, { codec: Codec; level: number }>> = {
  speed: { codec: Codec.Lz4, level: 0 },
  balanced: { codec: Codec.Deflate, level: 4 },
  size: { codec: Codec.Deflate, level: 9 },
};

/** The first `CHUNK_DIGEST_BYTES` of BLAKE3(`bytes`). */
export function chunkDigest(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(blake3(bytes).subarray(0, CHUNK_DIGEST_BYTES));
}

/** Equality of two byte arrays. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A chunk's paths handed to `encodeChunk`: `bytes` and `ends` own their buffers (transferable). */
export interface EncodeChunkTask {
  /** Path bytes back to back. */
  bytes: Uint8Array;
  /** End offset of each path in `bytes`. */
  ends: Uint32Array;
  compression: MttsCompression;
  deflateLevel: number;
  priority: MttsPriority;
}

/** A chunk as stored, with the header fields the writer records. */
export interface EncodedChunk {
  ok: true;
  codec: Codec;
  level: number;
  count: number;
  pathBytes: number;
  rawLength: number;
  digest: Uint8Array;
  /** The payload: compressed bytes, or the front-coded bytes when stored raw. */
  stored: Uint8Array;
}

/** A fault found in a worker: plain data, since an Error loses its class crossing threads. */
export interface ChunkFault {
  ok: false;
  code: ErrorCode;
  message: string;
  /** Offset of the fault, counted in `offsetOf` (absent: the chunk as a whole). */
  offset?: number;
  offsetOf?: string;
}

/** Largest size of the two varints of one path. */
const MAX_VARINTS_BYTES = 10;

/**
 * Front-code sorted paths: for each, varint(shared prefix with the previous path), varint(suffix
 * length), suffix bytes. The first path of a chunk shares nothing, so chunks decode independently.
 * Returns a fault when the paths are not strictly ascending.
 */
export function frontCode(bytes: Uint8Array, ends: Uint32Array): Uint8Array | ChunkFault {
  const count = ends.length;
  const pathBytes = count === 0 ? 0 : ends[count - 1]!;
  const out = new Uint8Array(pathBytes + count * MAX_VARINTS_BYTES);
  let o = 0;
  let prevStart = 0;
  let prevEnd = 0;
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = ends[i]!;
    const len = end - start;
    let shared = 0;
    if (i > 0) {
      const prevLen = prevEnd - prevStart;
      const n = prevLen < len ? prevLen : len;
      while (shared < n && bytes[prevStart + shared] === bytes[start + shared]) shared++;
      // strictly ascending: the new path continues the previous one, or is greater where they differ
      const ascending = shared === prevLen ? len > prevLen : shared < len && bytes[start + shared]! > bytes[prevStart + shared]!;
      if (!ascending) return { ok: false, code: ErrorCode.Usage, message: `paths must be strictly ascending and unique; path ${i} of the chunk is not`, offset: i, offsetOf: 'path' };
    }
    let v = shared;
    while (v >= 0x80) {
      out[o++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    out[o++] = v;
    const suffix = len - shared;
    v = suffix;
    while (v >= 0x80) {
      out[o++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    out[o++] = v;
    if (suffix < 32) for (let k = start + shared; k < end; k++) out[o++] = bytes[k]!;
    else {
      out.set(bytes.subarray(start + shared, end), o);
      o += suffix;
    }
    prevStart = start;
    prevEnd = end;
    start = end;
  }
  return out.subarray(0, o);
}

/** Decoded paths of one chunk, each in a buffer of its own (transferable). */
export interface DecodedPaths {
  bytes: Uint8Array;
  ends: Uint32Array;
}

function fault(code: ErrorCode, message: string, offset?: number): ChunkFault {
  return offset === undefined ? { ok: false, code, message } : { ok: false, code, message, offset, offsetOf: 'decompressed byte' };
}

/**
 * Undo `frontCode`: exactly `count` paths of `pathBytes` bytes in all, strictly ascending, filling
 * `raw` exactly. Every length is checked before it is used. Offsets in faults count `raw`.
 */
export function frontDecode(raw: Uint8Array, count: number, pathBytes: number): DecodedPaths | ChunkFault {
  const bytes = new Uint8Array(pathBytes);
  const ends = new Uint32Array(count);
  const n = raw.length;
  let p = 0;
  let o = 0;
  let prevStart = 0;
  for (let i = 0; i < count; i++) {
    const at = p;
    // two LEB128 varints, each at most 5 bytes and < 2^32, no overlong final 0x00 byte
    let shared = 0;
    let suffix = 0;
    for (let f = 0; f < 2; f++) {
      let v = 0;
      let shift = 0;
      for (;;) {
        if (p >= n) return fault(ErrorCode.Corrupt, `chunk ends inside the lengths of path ${i}`, at);
        const b = raw[p++]!;
        if (shift === 28 && b > 0x0f) return fault(ErrorCode.Corrupt, `length varint of path ${i} exceeds 32 bits`, at);
        v += (b & 0x7f) * 2 ** shift;
        if (b < 0x80) {
          if (b === 0 && shift > 0) return fault(ErrorCode.Corrupt, `overlong length varint in path ${i}`, at);
          break;
        }
        shift += 7;
      }
      if (f === 0) shared = v;
      else suffix = v;
    }
    const prevLen = o - prevStart;
    if (i === 0 ? shared !== 0 : shared > prevLen) return fault(ErrorCode.Corrupt, `path ${i} shares ${shared} bytes with a previous path of ${i === 0 ? 'none' : prevLen}`, at);
    if (suffix > n - p) return fault(ErrorCode.Corrupt, `suffix of path ${i} (${suffix} bytes) runs past the chunk (${n - p} left)`, at);
    if (shared + suffix > pathBytes - o) return fault(ErrorCode.Corrupt, `paths exceed the ${pathBytes} path bytes the chunk header declares`, at);
    if (i > 0) {
      const ascending = shared === prevLen ? suffix > 0 : suffix > 0 && raw[p]! > bytes[prevStart + shared]!;
      if (!ascending) return fault(ErrorCode.Corrupt, `path ${i} does not sort after the previous path`, at);
      bytes.copyWithin(o, prevStart, prevStart + shared);
    }
    const start = o;
    o += shared;
    if (suffix < 32) for (let k = 0; k < suffix; k++) bytes[o++] = raw[p++]!;
    else {
      bytes.set(raw.subarray(p, p + suffix), o);
      o += suffix;
      p += suffix;
    }
    ends[i] = o;
    prevStart = start;
  }
  if (p !== n) return fault(ErrorCode.Corrupt, `${n - p} bytes after the last path of the chunk`, p);
  if (o !== pathBytes) return fault(ErrorCode.Corrupt, `paths hold ${o} bytes, the chunk header declares ${pathBytes}`);
  return { bytes, ends };
}

/** Bits per byte of the order-0 entropy of `bytes`, sampled at up to 64 Ki positions. */
export function byteEntropy(bytes: Uint8Array): number {
  const n = bytes.length;
  if (n === 0) return 0;
  const step = Math.max(1, Math.floor(n / 65536));
  const counts = new Uint32Array(256);
  let total = 0;
  for (let i = 0; i < n; i += step) {
    counts[bytes[i]!]!++;
    total++;
  }
  let h = 0;
  for (let s = 0; s < 256; s++) {
    const c = counts[s]!;
    if (c > 0) h -= (c / total) * Math.log2(c / total);
  }
  return h;
}

function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

/** Compress with one codec. Output is a fresh array of its own (napi and zlib buffers are copied). */
export function compressWith(codec: Codec, level: number, raw: Uint8Array): Uint8Array {
  switch (codec) {
    case Codec.None:
      return raw;
    case Codec.Lz4:
      // lz4_flex block with its 4-byte LE size prefix (lz4-napi compress_prepend_size)
      return new Uint8Array(lz4Compress(asBuffer(raw)));
    case Codec.Deflate:
      return new Uint8Array(zlib.deflateRawSync(raw, { level }));
  }
}

/** The codec and level a chunk gets under the writer's options (the adaptive rule for `auto`). */
export function chooseCodec(raw: Uint8Array, compression: MttsCompression, deflateLevel: number, priority: MttsPriority): { codec: Codec; level: number } {
  switch (compression) {
    case 'none':
      return { codec: Codec.None, level: 0 };
    case 'lz4':
      return { codec: Codec.Lz4, level: 0 };
    case 'deflate':
      return { codec: Codec.Deflate, level: deflateLevel };
    case 'auto':
      if (byteEntropy(raw) >= INCOMPRESSIBLE_BITS_PER_BYTE) return { codec: Codec.None, level: 0 };
      return AUTO_RULE[priority];
  }
}

/** Encode one chunk: front-code, choose a codec, compress (raw if it does not shrink), digest. */
export function encodeChunk(task: EncodeChunkTask): EncodedChunk | ChunkFault {
  const raw = frontCode(task.bytes, task.ends);
  if (!(raw instanceof Uint8Array)) return raw;
  // chunk header fields are u32: only a single path near 4 GiB could overflow them
  if (raw.length > 0xffffffff) return { ok: false, code: ErrorCode.Limit, message: `chunk front-codes to ${raw.length} bytes, more than a chunk can hold (4 GiB)` };
  let { codec, level } = chooseCodec(raw, task.compression, task.deflateLevel, task.priority);
  let stored = compressWith(codec, level, raw);
  if (codec !== Codec.None && !worthCompressing(raw.length, stored.length)) {
    codec = Codec.None;
    level = 0;
    stored = raw;
  }
  // a raw payload is a view into the front-coding buffer: copy it so the buffer is exactly the payload
  if (codec === Codec.None) stored = raw.slice();
  const count = task.ends.length;
  return { ok: true, codec, level, count, pathBytes: count === 0 ? 0 : task.ends[count - 1]!, rawLength: raw.length, digest: chunkDigest(raw), stored };
}

/** What `decodeChunk` needs: the stored payload (its own buffer) and the chunk header's fields. */
export interface DecodeChunkTask {
  stored: Uint8Array;
  codec: number;
  level: number;
  count: number;
  pathBytes: number;
  rawLength: number;
  digest: Uint8Array;
  verify: boolean;
}

/** The decoded paths of a chunk. */
export interface DecodedChunk extends DecodedPaths {
  ok: true;
}

function decompress(task: DecodeChunkTask): Uint8Array | ChunkFault {
  const { stored, rawLength } = task;
  try {
    switch (task.codec) {
      case Codec.None:
        return stored;
      case Codec.Lz4: {
        // check the size prefix first: the decoder would size its output buffer from it
        const declared = stored.length < 4 ? -1 : (stored[0]! | (stored[1]! << 8) | (stored[2]! << 16) | (stored[3]! << 24)) >>> 0;
        if (declared !== rawLength) return fault(ErrorCode.Corrupt, `lz4 block declares ${declared < 0 ? 'no' : declared} bytes, the chunk header ${rawLength}`);
        return lz4Uncompress(stored);
      }
      case Codec.Deflate:
        return zlib.inflateRawSync(stored, { maxOutputLength: Math.max(1, rawLength) });
      default:
        return fault(ErrorCode.Corrupt, `unknown codec id ${task.codec}`);
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'Z_BUF_ERROR') return fault(ErrorCode.Corrupt, 'deflate data ends early');
    if (err.code === 'ERR_BUFFER_TOO_LARGE') return fault(ErrorCode.Corrupt, `deflate data expands past the ${rawLength} bytes the chunk header declares`);
    return fault(ErrorCode.Corrupt, `${CODEC_NAMES[task.codec] ?? 'codec'} data is invalid (${err.message})`);
  }
}

/** Decode one chunk: decompress, check the length and digest (unless `verify` is off), undo front coding. */
export function decodeChunk(task: DecodeChunkTask): DecodedChunk | ChunkFault {
  const raw = decompress(task);
  if (!(raw instanceof Uint8Array)) return raw;
  if (raw.length !== task.rawLength) return fault(ErrorCode.Corrupt, `chunk decompresses to ${raw.length} bytes, its header declares ${task.rawLength}`);
  if (task.verify && !sameBytes(chunkDigest(raw), task.digest)) return fault(ErrorCode.Checksum, 'chunk digest does not match its bytes');
  const paths = frontDecode(raw, task.count, task.pathBytes);
  if ('ok' in paths) return paths;
  return { ok: true, bytes: paths.bytes, ends: paths.ends };
}
