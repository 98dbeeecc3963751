/**
 * One MTTS chunk, encoded and decoded: front coding, the codecs, the digest and the adaptive codec
 * rule. Pure functions over buffers, shared by the main thread and the pool's worker
 * (src/pool/worker.ts), so the bytes never depend on where a chunk was encoded.
 */
import zlib from 'node:zlib';
import { blake3, lz4Compress, lz4Uncompress } from '../../native.js';
import { ErrorCode } from '../../errors.js';
import type { MttsCompression, MttsPriority } from './options.js';

/** Codec ids as stored in a chunk header. */
export const Codec = { None: 0, Lz4: 1, Deflate: 2, Brotli: 3 } as const;
export type Codec = (typeof Codec)[keyof typeof Codec];
/** Codec names for reports, by id. */
export const CODEC_NAMES: readonly string[] = ['none', 'lz4', 'deflate', 'brotli'];

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
  balanced: { codec: Codec.Brotli, level: 5 },
  size: { codec: Codec.Brotli, level: 9 },
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
  /** Level of the named codec (deflate, brotli); ignored for `auto`, `none`, `lz4`. */
  level: number;
  priority: MttsPriority;
}

/** What a chunk header (and its index entry) says about a chunk. */
export interface ChunkFields {
  codec: number;
  level: number;
  /** Paths in the chunk. */
  count: number;
  /** Their bytes in all. */
  pathBytes: number;
  /** Bytes of the front-coded payload before compression. */
  rawLength: number;
  /** digest16 of the front-coded payload. */
  digest: Uint8Array;
}

/** Just the `ChunkFields` of `c` (headers, index entries and results carry more). */
export function chunkFields(c: ChunkFields): ChunkFields {
  return { codec: c.codec, level: c.level, count: c.count, pathBytes: c.pathBytes, rawLength: c.rawLength, digest: c.digest };
}

/** A chunk as stored, with the header fields the writer records. */
export interface EncodedChunk extends ChunkFields {
  ok: true;
  codec: Codec;
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

/** Largest size of one LEB128 varint of a u32. */
const MAX_VARINT_BYTES = 5;

function putVarint(out: Uint8Array, o: number, v: number): number {
  while (v >= 0x80) {
    out[o++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[o++] = v;
  return o;
}

/**
 * Front-code sorted paths into three streams, one after another: the shared-prefix length of each
 * path with the previous one (varints), the suffix lengths (varints), the suffix bytes; preceded by
 * the byte lengths of the first two streams (varints). Keeping lengths apart from bytes lets the
 * compressor model each: 8 % smaller than interleaved records under deflate on big_logic
 * (docs/format-mtts.md §9). The first path of a chunk shares nothing, so chunks decode independently.
 * Returns a fault when the paths are not strictly ascending.
 */
export function frontCode(bytes: Uint8Array, ends: Uint32Array): Uint8Array | ChunkFault {
  return frontCoded(bytes, ends, false);
}

// This thread's scratch for front coding, reused chunk after chunk (on a worker, module state is
// the worker's own). Per chunk the coder needs about 2.5 times the chunk's path bytes; made afresh
// each time, that garbage sat in the workers' malloc arenas until their small heaps were collected
// (.paths -> MTTS of 1M atoms on 2 threads: 74 MiB of the run's 216 MiB peak).
const scratch: Record<'shared' | 'suffixes' | 'tail' | 'out', Uint8Array> = { shared: new Uint8Array(0), suffixes: new Uint8Array(0), tail: new Uint8Array(0), out: new Uint8Array(0) };
// Scratch of more than this (a chunk of several MiB of paths, `--chunk-size`) is used once and let go.
const MAX_SCRATCH_BYTES = 8 << 20;

function scratchFor(name: keyof typeof scratch, n: number): Uint8Array {
  if (scratch[name].length >= n) return scratch[name];
  if (n > MAX_SCRATCH_BYTES) return new Uint8Array(n);
  scratch[name] = new Uint8Array(Math.min(MAX_SCRATCH_BYTES, Math.max(n, Math.ceil(scratch[name].length * 1.25))));
  return scratch[name];
}

// `frontCode`, its result in this thread's scratch (valid until the next call) when `reuse`.
function frontCoded(bytes: Uint8Array, ends: Uint32Array, reuse: boolean): Uint8Array | ChunkFault {
  const count = ends.length;
  const pathBytes = count === 0 ? 0 : ends[count - 1]!;
  const shared = scratchFor('shared', count * MAX_VARINT_BYTES);
  const suffixes = scratchFor('suffixes', count * MAX_VARINT_BYTES);
  const outBytes = 2 * MAX_VARINT_BYTES + 2 * count * MAX_VARINT_BYTES + pathBytes;
  const out = reuse ? scratchFor('out', outBytes) : new Uint8Array(outBytes);
  let ps = 0;
  let pl = 0;
  const tail = scratchFor('tail', pathBytes);
  let pt = 0;
  let prevStart = 0;
  let prevEnd = 0;
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = ends[i]!;
    const len = end - start;
    let same = 0;
    if (i > 0) {
      const prevLen = prevEnd - prevStart;
      const n = prevLen < len ? prevLen : len;
      while (same < n && bytes[prevStart + same] === bytes[start + same]) same++;
      // strictly ascending: the new path continues the previous one, or is greater where they differ
      const ascending = same === prevLen ? len > prevLen : same < len && bytes[start + same]! > bytes[prevStart + same]!;
      if (!ascending) return { ok: false, code: ErrorCode.Usage, message: `paths must be strictly ascending and unique; path ${i} of the chunk is not`, offset: i, offsetOf: 'path' };
    }
    ps = putVarint(shared, ps, same);
    const suffix = len - same;
    pl = putVarint(suffixes, pl, suffix);
    if (suffix < 32) for (let k = start + same; k < end; k++) tail[pt++] = bytes[k]!;
    else {
      tail.set(bytes.subarray(start + same, end), pt);
      pt += suffix;
    }
    prevStart = start;
    prevEnd = end;
    start = end;
  }
  let o = putVarint(out, 0, ps);
  o = putVarint(out, o, pl);
  out.set(shared.subarray(0, ps), o);
  o += ps;
  out.set(suffixes.subarray(0, pl), o);
  o += pl;
  out.set(tail.subarray(0, pt), o);
  return out.subarray(0, o + pt);
}

/** Decoded paths of one chunk, each in a buffer of its own (transferable). */
export interface DecodedPaths {
  bytes: Uint8Array;
  ends: Uint32Array;
}

function fault(code: ErrorCode, message: string, offset?: number): ChunkFault {
  return offset === undefined ? { ok: false, code, message } : { ok: false, code, message, offset, offsetOf: 'decompressed byte' };
}

/** A LEB128 varint of at most 32 bits at `raw[p]`, minimal; `[value, next]` or a fault message. */
function readVarint(raw: Uint8Array, p: number, limit: number): [number, number] | string {
  let v = 0;
  let shift = 0;
  for (;;) {
    if (p >= limit) return 'ends inside a varint';
    const b = raw[p++]!;
    if (shift === 28 && b > 0x0f) return 'varint exceeds 32 bits';
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) {
      if (b === 0 && shift > 0) return 'overlong varint';
      return [v, p];
    }
    shift += 7;
  }
}

/**
 * Undo `frontCode`: exactly `count` paths of `pathBytes` bytes in all, strictly ascending, filling
 * `raw` exactly. Every length is checked before it is used. Offsets in faults count `raw`.
 */
export function frontDecode(raw: Uint8Array, count: number, pathBytes: number): DecodedPaths | ChunkFault {
  const n = raw.length;
  const heads: number[] = [];
  let p = 0;
  for (const what of ['prefix-length', 'suffix-length']) {
    const r = readVarint(raw, p, n);
    if (typeof r === 'string') return fault(ErrorCode.Corrupt, `chunk header: ${what} stream size ${r}`, p);
    heads.push(r[0]);
    p = r[1];
  }
  const sharedEnd = p + heads[0]!;
  const suffixEnd = sharedEnd + heads[1]!;
  if (suffixEnd > n) return fault(ErrorCode.Corrupt, `length streams (${heads[0]} + ${heads[1]} bytes) run past the chunk (${n - p} left)`, p);
  let ps = p;
  let pl = sharedEnd;
  let pt = suffixEnd;
  const bytes = new Uint8Array(pathBytes);
  const ends = new Uint32Array(count);
  let o = 0;
  let prevStart = 0;
  for (let i = 0; i < count; i++) {
    const a = readVarint(raw, ps, sharedEnd);
    if (typeof a === 'string') return fault(ErrorCode.Corrupt, `prefix length of path ${i}: ${a}`, ps);
    const b = readVarint(raw, pl, suffixEnd);
    if (typeof b === 'string') return fault(ErrorCode.Corrupt, `suffix length of path ${i}: ${b}`, pl);
    const [shared, nextPs] = a;
    const [suffix, nextPl] = b;
    const prevLen = o - prevStart;
    if (i === 0 ? shared !== 0 : shared > prevLen) return fault(ErrorCode.Corrupt, `path ${i} shares ${shared} bytes with a previous path of ${i === 0 ? 'none' : prevLen}`, ps);
    if (suffix > n - pt) return fault(ErrorCode.Corrupt, `suffix of path ${i} (${suffix} bytes) runs past the chunk (${n - pt} left)`, pt);
    if (shared + suffix > pathBytes - o) return fault(ErrorCode.Corrupt, `paths exceed the ${pathBytes} path bytes the chunk header declares`, pt);
    if (i > 0) {
      const ascending = shared === prevLen ? suffix > 0 : suffix > 0 && raw[pt]! > bytes[prevStart + shared]!;
      if (!ascending) return fault(ErrorCode.Corrupt, `path ${i} does not sort after the previous path`, pt);
      bytes.copyWithin(o, prevStart, prevStart + shared);
    }
    ps = nextPs;
    pl = nextPl;
    const start = o;
    o += shared;
    if (suffix < 32) for (let k = 0; k < suffix; k++) bytes[o++] = raw[pt++]!;
    else {
      bytes.set(raw.subarray(pt, pt + suffix), o);
      o += suffix;
      pt += suffix;
    }
    ends[i] = o;
    prevStart = start;
  }
  if (ps !== sharedEnd || pl !== suffixEnd) return fault(ErrorCode.Corrupt, 'length streams hold more entries than the chunk has paths', ps);
  if (pt !== n) return fault(ErrorCode.Corrupt, `${n - pt} bytes after the last path of the chunk`, pt);
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
      return ownBuffer(zlib.deflateRawSync(raw, { level }));
    case Codec.Brotli:
      // window 2^22: a default chunk (1 MiB of paths) front-codes to less, so the whole chunk is in reach
      return ownBuffer(zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: level, [zlib.constants.BROTLI_PARAM_LGWIN]: 22, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }));
  }
}

// `b` as bytes that are the whole of their buffer (it moves to another thread): zlib's own buffer
// when it is exactly the output, as it mostly is, else a copy. (lz4-napi's output is memory of the
// addon's, copied above.)
function ownBuffer(b: Buffer): Uint8Array {
  return b.byteOffset === 0 && b.buffer.byteLength === b.length && b.buffer instanceof ArrayBuffer ? new Uint8Array(b.buffer, 0, b.length) : new Uint8Array(b);
}

/** The codec and level a chunk gets under the writer's options (the adaptive rule for `auto`). */
export function chooseCodec(raw: Uint8Array, compression: MttsCompression, level: number, priority: MttsPriority): { codec: Codec; level: number } {
  switch (compression) {
    case 'none':
      return { codec: Codec.None, level: 0 };
    case 'lz4':
      return { codec: Codec.Lz4, level: 0 };
    case 'deflate':
      return { codec: Codec.Deflate, level };
    case 'brotli':
      return { codec: Codec.Brotli, level };
    case 'auto':
      if (byteEntropy(raw) >= INCOMPRESSIBLE_BITS_PER_BYTE) return { codec: Codec.None, level: 0 };
      return AUTO_RULE[priority];
  }
}

/** Encode one chunk: front-code, choose a codec, compress (raw if it does not shrink), digest. */
export function encodeChunk(task: EncodeChunkTask): EncodedChunk | ChunkFault {
  // in scratch: every codec below writes a payload of its own, and a raw one is copied
  const raw = frontCoded(task.bytes, task.ends, true);
  if (!(raw instanceof Uint8Array)) return raw;
  // chunk header fields are u32: only a single path near 4 GiB could overflow them
  if (raw.length > 0xffffffff) return { ok: false, code: ErrorCode.Limit, message: `chunk front-codes to ${raw.length} bytes, more than a chunk can hold (4 GiB)` };
  let { codec, level } = chooseCodec(raw, task.compression, task.level, task.priority);
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
export interface DecodeChunkTask extends ChunkFields {
  stored: Uint8Array;
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
      case Codec.Brotli:
        return zlib.brotliDecompressSync(stored, { maxOutputLength: Math.max(1, rawLength) });
      default:
        return fault(ErrorCode.Corrupt, `unknown codec id ${task.codec}`);
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'Z_BUF_ERROR' || err.code === 'ERR__ERROR_FORMAT_PADDING_1') return fault(ErrorCode.Corrupt, `${CODEC_NAMES[task.codec]} data ends early`);
    if (err.code === 'ERR_BUFFER_TOO_LARGE') return fault(ErrorCode.Corrupt, `${CODEC_NAMES[task.codec]} data expands past the ${rawLength} bytes the chunk header declares`);
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
