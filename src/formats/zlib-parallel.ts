/**
 * One zlib stream (RFC 1950) deflated in parallel, pigz-style: the input is cut into pieces,
 * each piece is raw-deflated on libuv's thread pool with the previous 32 KiB as its preset
 * dictionary and ends in a sync flush (byte-aligned, not final); an empty final block, `03 00`,
 * closes the stream, and the Adler-32 of all input follows. Piece boundaries depend only on
 * `pieceBytes`, so the output is deterministic.
 */
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import type { Probe } from '../run/probe.js';
import { giveBack } from '../buffers.js';

const deflateRaw = promisify(zlib.deflateRaw) as (buf: Uint8Array, opts: zlib.ZlibOptions) => Promise<Buffer>;
const WINDOW_BYTES = 32 * 1024;
/** Threads when the caller does not say (4 pieces in flight: libuv's default thread pool size). */
export const DEFAULT_DEFLATE_THREADS = 2;
const FINAL_EMPTY_BLOCK = new Uint8Array([0x03, 0x00]);

/** The two zlib header bytes for a deflate level, as zlib writes them (FLEVEL from the level). */
export function zlibHeader(level: number): Uint8Array {
  const flevel = level < 2 ? 0 : level < 6 ? 1 : level === 6 ? 2 : 3;
  const cmf = 0x78;
  let flg = flevel << 6;
  flg += 31 - ((cmf * 256 + flg) % 31);
  return new Uint8Array([cmf, flg]);
}

/** Running Adler-32 (RFC 1950). */
export class Adler32 {
  #a = 1;
  #b = 0;
  update(data: Uint8Array): void {
    let a = this.#a;
    let b = this.#b;
    let i = 0;
    const n = data.length;
    while (i < n) {
      // 5552: the longest run before b could pass 2^32 (zlib NMAX); keeps the sums small integers
      const end = Math.min(n, i + 5552);
      // eight bytes a step: b gains 8a and the bytes weighted 8..1, so the steps do not wait on
      // each other's sums byte by byte (38 MB: 38 -> 22 ms once warm)
      const end8 = end - ((end - i) & 7);
      for (; i < end8; i += 8) {
        const x0 = data[i]!;
        const x1 = data[i + 1]!;
        const x2 = data[i + 2]!;
        const x3 = data[i + 3]!;
        const x4 = data[i + 4]!;
        const x5 = data[i + 5]!;
        const x6 = data[i + 6]!;
        const x7 = data[i + 7]!;
        b += 8 * (a + x0) + 7 * x1 + 6 * x2 + 5 * x3 + 4 * x4 + 3 * x5 + 2 * x6 + x7;
        a += x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
      }
      for (; i < end; i++) {
        a += data[i]!;
        b += a;
      }
      a %= 65521;
      b %= 65521;
    }
    this.#a = a;
    this.#b = b;
  }
  digest(): number {
    return ((this.#b << 16) | this.#a) >>> 0;
  }
}

/**
 * Deflate the concatenation of `input` as one zlib stream, pieces compressed concurrently on libuv's
 * threads: 2 × `threads` in flight, so that the threads stay busy while this one makes the next
 * pieces (with `threads` in flight, .paths of 2 threads was 1.11x slower from ACT). With one thread,
 * each piece is deflated here, synchronously: a run given one thread uses one. The bytes are the same
 * either way: the pieces and their dictionaries do not change. With `owned`, the input's chunks are
 * this function's: each goes back to the recycler (src/buffers.ts) once it is deflated.
 */
export async function* parallelZlib(input: AsyncIterable<Uint8Array>, level: number, pieceBytes: number, probe?: Probe, threads = DEFAULT_DEFLATE_THREADS, owned = false): AsyncGenerator<Uint8Array> {
  yield zlibHeader(level);
  const adler = new Adler32();
  const inFlight: Promise<Buffer>[] = [];
  let window: Uint8Array = new Uint8Array(0); // the last 32 KiB before the current piece
  // The deflate options of the next piece; its bytes join the checksum and become the next window.
  const nextPiece = (piece: Uint8Array): zlib.ZlibOptions => {
    adler.update(piece);
    // chunkSize: the whole piece's output in one buffer. With zlib's default (16 KiB) a libuv thread
    // stops at every 16 KiB of output until this thread takes it and asks for more: 20 round trips
    // per 1 MiB piece, each a wait for a busy core (text -> .paths of 1M atoms on 2 threads: the
    // `write` stage 673 -> 570 ms, the wait for pieces 475 -> 315 ms; the same bytes).
    const opts: zlib.ZlibOptions = { level, finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize: outputBound(piece.length) };
    if (window.length > 0) opts.dictionary = window;
    window = piece.length >= WINDOW_BYTES ? piece.slice(piece.length - WINDOW_BYTES) : joinTail(window, piece);
    return opts;
  };
  // with `owned`, a piece goes back to the recycler once deflated (a buffer it did not issue is ignored)
  const done = (piece: Uint8Array): void => {
    if (owned) giveBack(piece);
  };
  if (threads <= 1) {
    for await (const piece of rechunk(input, pieceBytes, owned)) {
      const out = compressedHere(piece, nextPiece(piece), probe);
      done(piece);
      yield out;
    }
  } else {
    const pieces: Uint8Array[] = [];
    const next = async (): Promise<Buffer> => {
      const out = await compressed(inFlight.shift()!, probe);
      done(pieces.shift()!);
      return out;
    };
    for await (const piece of rechunk(input, pieceBytes, owned)) {
      inFlight.push(deflateRaw(piece, nextPiece(piece)));
      pieces.push(piece);
      if (inFlight.length >= 2 * threads) yield await next();
    }
    while (inFlight.length > 0) yield await next();
  }
  const trailer = new Uint8Array(6);
  trailer.set(FINAL_EMPTY_BLOCK);
  new DataView(trailer.buffer).setUint32(2, adler.digest(), false);
  yield trailer;
}

// A deflated piece, the wait for it counted as part `compress` (the deflating runs on libuv's threads).
async function compressed(piece: Promise<Buffer>, probe: Probe | undefined): Promise<Buffer> {
  if (probe?.part === undefined) return piece;
  const t = performance.now();
  const out = await piece;
  probe.part('compress', performance.now() - t, out.length);
  return out;
}

// A piece deflated on this thread, the time counted as part `compress` (with its output bytes, as above).
function compressedHere(piece: Uint8Array, opts: zlib.ZlibOptions, probe: Probe | undefined): Buffer {
  if (probe?.part === undefined) return zlib.deflateRawSync(piece, opts);
  const t = performance.now();
  const out = zlib.deflateRawSync(piece, opts);
  probe.part('compress', performance.now() - t, out.length);
  return out;
}

// More than deflate can make of `n` bytes with a sync flush (zlib's deflateBound: n + n/4096 + n/16384 + 13, plus the flush's 5).
function outputBound(n: number): number {
  return Math.max(64, n + (n >>> 10) + 64);
}

function joinTail(window: Uint8Array, piece: Uint8Array): Uint8Array {
  const all = new Uint8Array(window.length + piece.length);
  all.set(window);
  all.set(piece, window.length);
  return all.length > WINDOW_BYTES ? all.slice(all.length - WINDOW_BYTES) : all;
}

/**
 * Re-cut a byte stream into pieces of exactly `size` bytes (the last may be shorter). With `owned`
 * (the chunks are the caller's to keep: nothing writes them again), a chunk of exactly `size` is
 * passed on as it is, not copied.
 */
export async function* rechunk(input: AsyncIterable<Uint8Array>, size: number, owned = false): AsyncGenerator<Uint8Array> {
  let buf = new Uint8Array(size);
  let fill = 0;
  for await (const chunk of input) {
    let p = 0;
    if (owned && fill === 0 && chunk.length === size) {
      yield chunk;
      continue;
    }
    while (p < chunk.length) {
      if (fill === 0 && chunk.length - p >= size) {
        yield chunk.slice(p, p + size);
        p += size;
        continue;
      }
      const take = Math.min(size - fill, chunk.length - p);
      buf.set(chunk.subarray(p, p + take), fill);
      fill += take;
      p += take;
      if (fill === size) {
        yield buf;
        buf = new Uint8Array(size);
        fill = 0;
      }
    }
  }
  if (fill > 0) yield buf.subarray(0, fill);
}
