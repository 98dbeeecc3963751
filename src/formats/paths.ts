/**
 * PathMap `.paths` (src/paths_serialization.rs): one zlib stream whose content is records
 * `[u32 LE length][path bytes]`. Upstream writes them sorted and unique with zlib-ng level 7; it
 * reads any order and drops nothing but the empty path on write. We read strictly: bad deflate
 * data, a truncated stream, a record cut short and bytes after the stream are errors.
 *
 * Node's own zlib is used, not fflate: it verifies Adler-32 and measured 4× faster inflating and
 * 1.7× faster deflating big_logic here (bench case `zlib`).
 */
import zlib from 'node:zlib';
import { coalesced } from '../io/coalesce.js';
import { drained } from '../io/drained.js';
import { ErrorCode, FormatError, MorkspaceError } from '../errors.js';
import { WORD_COPY_MAX, copyWords, viewOf } from '../bytes.js';
import { BATCH_BYTES, DEFAULT_MAX_PATH_BYTES, PathArena } from '../path-arena.js';
import { parallelZlib } from './zlib-parallel.js';
import { giveBack, takeBytes } from '../buffers.js';
import { Evidence, binaryEvidence, writeChunks, type Format } from './format.js';
import { timed, type Probe } from '../run/probe.js';

/** Options of the `.paths` reader and writer. */
export interface PathsOptions {
  /**
   * Deflate level 0–9 for writing. Defaults to 5: on the 1M-atom bench space it writes 2% more
   * bytes than upstream's level 7 in half the time (bench case `zlib-levels`, docs/benchmarks.md).
   */
  level: number;
  /** Longest record accepted when reading, in bytes. Defaults to 256 MiB (`DEFAULT_MAX_PATH_BYTES`); a run takes less on a small budget. */
  maxPathBytes: number;
  /**
   * Paths per batch yielded by the reader (or fewer, once they reach `BATCH_BYTES`). Defaults to
   * 16,384: from 65,536, peak RSS of the 1M-atom .paths → text went 98 → 86 MiB and → ACT 115 → 102
   * MiB, in the same time (interleaved whole-process runs, 0.92x and 0.96x), as for ACT's reader.
   */
  batchPaths: number;
  /** Uncompressed bytes per piece compressed in parallel when writing. Defaults to 1 MiB. */
  pieceBytes: number;
}
export const DEFAULT_PATHS_OPTIONS: PathsOptions = { level: 5, maxPathBytes: DEFAULT_MAX_PATH_BYTES, batchPaths: 16384, pieceBytes: 1 << 20 };

function pathsOptions(o: Partial<PathsOptions>): PathsOptions {
  const opts = { ...DEFAULT_PATHS_OPTIONS, ...o };
  if (!Number.isInteger(opts.level) || opts.level < 0 || opts.level > 9) throw new MorkspaceError(ErrorCode.Usage, `paths level must be an integer 0-9, got ${opts.level}`);
  // a piece of no bytes would never fill (the writer would loop), one past 1 GiB is one malloc too many
  if (!Number.isInteger(opts.pieceBytes) || opts.pieceBytes < 1 || opts.pieceBytes > 2 ** 30) throw new MorkspaceError(ErrorCode.Usage, `paths piece bytes must be an integer 1-${2 ** 30}, got ${opts.pieceBytes}`);
  return opts;
}

/** True when `head` starts with a zlib header (deflate, FCHECK valid, no preset dictionary), as `.paths` files do. */
export function looksLikeZlib(head: Uint8Array): boolean {
  // FDICT (0x20 in the second byte): upstream never uses a preset dictionary, and 19 printable
  // two-byte prefixes pass the other checks, `(r` among them
  return head.length >= 2 && (head[0]! & 0x0f) === 8 && (head[0]! >> 4) <= 7 && ((head[0]! << 8) | head[1]!) % 31 === 0 && (head[1]! & 0x20) === 0;
}

/**
 * How likely `head` starts a `.paths` stream: a zlib header that checks, deflate data that inflates
 * without error as far as it goes, and a first record length within the reader's limit. Evidence
 * enough to choose the format, never proof (`Weak`). A stream cut short is still `.paths` when the
 * bytes look binary (its reader then says it is truncated, where text would report a syntax error
 * in binary bytes); a short input that looks like text must inflate whole (`x^` is a MeTTa symbol).
 */
export function sniffPaths(head: Uint8Array, whole: boolean): Evidence {
  if (!looksLikeZlib(head)) return Evidence.None;
  let out: Buffer;
  try {
    out = zlib.inflateSync(head, { finishFlush: whole && binaryEvidence(head) === undefined ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH });
  } catch {
    return Evidence.None;
  }
  if (out.length >= 4 && out.readUInt32LE(0) > DEFAULT_PATHS_OPTIONS.maxPathBytes) return Evidence.None;
  return Evidence.Weak;
}

/**
 * Splits the decompressed record stream into arenas. Offsets in errors count decompressed bytes.
 */
export class RecordSplitter {
  readonly #maxPathBytes: number;
  #arena: PathArena;
  #offset = 0; // decompressed bytes consumed before the pending bytes
  #pending: Uint8Array = new Uint8Array(0); // a record split across chunks
  #pendingLen = 0;
  // A length over maxPathBytes, and how many of its bytes have not arrived yet (see `#skip`).
  #oversized: { length: number; offset: number; left: number } | undefined;
  records = 0;
  constructor(maxPathBytes: number, arena = new PathArena(1 << 20, 1 << 14)) {
    this.#maxPathBytes = maxPathBytes;
    this.#arena = arena;
  }

  /** The arena being filled; `take()` hands it over and starts a new one. */
  get arena(): PathArena {
    return this.#arena;
  }
  take(): PathArena {
    const a = this.#arena;
    this.#arena = new PathArena(Math.max(1 << 16, a.byteLength), Math.max(1024, a.count));
    return a;
  }

  push(chunk: Uint8Array): void {
    if (this.#oversized !== undefined) return this.#skip(chunk.length);
    let p = 0;
    const n = chunk.length;
    // First complete a record split across chunks: its length field, then its bytes.
    while (this.#pendingLen > 0 && p < n) {
      const take = Math.min(n - p, this.#needed() - this.#pendingLen);
      this.#appendPending(chunk.subarray(p, p + take));
      p += take;
      if (this.#pendingLen >= 4 && this.#pendingLen === this.#needed()) {
        this.#records(this.#pending, this.#pendingLen, this.#offset);
        this.#offset += this.#pendingLen;
        this.#pendingLen = 0;
      } else if (this.#pendingLen === 4 && this.#needed() - 4 > this.#maxPathBytes) {
        this.#oversized = { length: this.#needed() - 4, offset: this.#offset, left: this.#needed() - 4 };
        this.#pendingLen = 0;
        return this.#skip(n - p);
      }
    }
    const rest = chunk.subarray(p);
    const used = this.#records(rest, rest.length, this.#offset);
    this.#offset += used;
    if (this.#oversized !== undefined) return this.#skip(rest.length - used);
    if (used < rest.length) this.#appendPending(rest.subarray(used));
  }

  /** End of the decompressed stream: nothing may be left over. */
  end(): void {
    const big = this.#oversized;
    if (big !== undefined) {
      // a length over the limit that the stream cannot even hold: a damaged length field, not a big record
      throw new FormatError(ErrorCode.Corrupt, `record length field says ${big.length} bytes, but the stream ends ${big.length - big.left} bytes later: the length is damaged (or this is not a .paths file)`, { offset: big.offset, offsetOf: 'decompressed byte' });
    }
    if (this.#pendingLen === 0) return;
    const need = this.#needed();
    const what = this.#pendingLen < 4 ? `record length field cut after ${this.#pendingLen} of 4 bytes` : `record of ${need - 4} bytes, ${this.#pendingLen - 4} present`;
    throw new FormatError(ErrorCode.Truncated, `stream ends inside a record: ${what}`, { offset: this.#offset, offsetOf: 'decompressed byte' });
  }

  // After a length over the limit: count the bytes that follow without keeping them. A record that
  // really is that long is refused as a limit once it is complete; one the stream ends inside is
  // a damaged length (`end`). Memory stays flat either way.
  #skip(bytes: number): void {
    const big = this.#oversized!;
    big.left -= bytes;
    if (big.left <= 0) {
      throw new FormatError(ErrorCode.Limit, `record of ${big.length} bytes exceeds the limit of ${this.#maxPathBytes} bytes (maxPathBytes; a run takes at most an eighth of its --memory)`, { offset: big.offset, offsetOf: 'decompressed byte' });
    }
  }

  // Bytes the pending record needs in all (4 while its length is unknown).
  #needed(): number {
    if (this.#pendingLen < 4) return 4;
    const p = this.#pending;
    return 4 + (p[0]! | (p[1]! << 8) | (p[2]! << 16) | (p[3]! << 24)) >>> 0;
  }

  #appendPending(bytes: Uint8Array): void {
    const need = this.#pendingLen + bytes.length;
    if (need > this.#pending.length) {
      const next = new Uint8Array(Math.max(need, this.#pending.length * 2, 64));
      next.set(this.#pending.subarray(0, this.#pendingLen));
      this.#pending = next;
    }
    this.#pending.set(bytes, this.#pendingLen);
    this.#pendingLen = need;
  }

  // Append every complete record of buf[0..n); returns bytes consumed. The loop writes the arena's
  // buffers itself (`commitWritten`; the records hold fewer path bytes than `n`) and copies paths
  // under 256 bytes 4 bytes a step: the 42 MB of records of the 1M-atom bench file (paths of 39
  // bytes on average) split in 60 ms with a `push` per record (a call, its checks, a byte a step),
  // 37 with this loop copying words under 64 bytes (`set` of a subarray above), 29 under 256 (warm,
  // in-process).
  #records(buf: Uint8Array, n: number, base: number): number {
    const arena = this.#arena;
    const max = this.#maxPathBytes;
    const bytes = arena.reserveBytes(n);
    // unaligned words: DataViews
    const src = viewOf(buf);
    const dst = viewOf(bytes);
    let ends = arena.ends;
    const first = arena.count;
    let count = first;
    let o = arena.byteLength;
    let p = 0;
    while (n - p >= 4) {
      const len = src.getUint32(p, true);
      if (len > max) {
        // the caller counts the bytes from the length field on (`#skip`)
        this.#oversized = { length: len, offset: base + p, left: len + 4 };
        break;
      }
      if (n - p - 4 < len) break;
      if (count === ends.length) {
        arena.commitWritten(count);
        ends = arena.reserveEnds(1);
      }
      const to = p + 4 + len;
      if (len < WORD_COPY_MAX) copyWords(bytes, dst, o, buf, src, p + 4, len);
      else bytes.set(buf.subarray(p + 4, to), o);
      o += len;
      ends[count++] = o;
      p = to;
    }
    arena.commitWritten(count);
    this.records += count - first;
    return p;
  }
}

/** Decode a whole `.paths` file (records in file order, duplicates kept). */
export function decodePaths(bytes: Uint8Array, options: Partial<PathsOptions> = {}): PathArena {
  const opts = pathsOptions(options);
  let res: { buffer: Buffer; engine: zlib.Inflate };
  try {
    res = zlib.inflateSync(bytes, { info: true }) as unknown as { buffer: Buffer; engine: zlib.Inflate };
  } catch (e) {
    throw zlibError(e, 0);
  }
  const raw = res.buffer;
  checkTrailing(res.engine.bytesWritten, bytes.length);
  const splitter = new RecordSplitter(opts.maxPathBytes, new PathArena(raw.length, 1024));
  splitter.push(raw);
  splitter.end();
  return splitter.arena;
}

function checkTrailing(consumed: number, total: number): void {
  if (consumed < total) {
    throw new FormatError(ErrorCode.Corrupt, `${total - consumed} bytes after the end of the zlib stream`, { offset: consumed });
  }
}

function zlibError(e: unknown, offset: number): FormatError {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'Z_BUF_ERROR') return new FormatError(ErrorCode.Truncated, 'zlib stream is truncated (input ends before the end of the stream)', { offset }, { cause: e });
  const hint = err.message === 'incorrect header check' ? 'not a zlib stream (incorrect header check)' : `invalid zlib data (${err.message})`;
  return new FormatError(ErrorCode.Corrupt, hint, { offset }, { cause: e });
}

/**
 * Stream a `.paths` file: decompress as it arrives, yield batches of paths in file order.
 * @throws FormatError ERR_CORRUPT, ERR_TRUNCATED (offsets: compressed bytes for zlib faults,
 * decompressed bytes for record faults), ERR_LIMIT.
 */
export async function* readPaths(source: AsyncIterable<Uint8Array>, options: Partial<PathsOptions> = {}, probe?: Probe): AsyncGenerator<PathArena> {
  const opts = pathsOptions(options);
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  const second = first.done === true || first.value.length > WHOLE_INFLATE_BYTES ? undefined : await it.next();
  if (first.done === true || second?.done === true) {
    const bytes = first.done === true ? new Uint8Array(0) : first.value;
    const t = performance.now();
    const raw = inflateWhole(bytes);
    if (raw !== undefined) {
      probe?.part?.('decompress', performance.now() - t, raw.length);
      const splitter = new RecordSplitter(opts.maxPathBytes);
      // split as the stream is, so that the batches are the same either way
      yield* split(splitter, raw, opts);
      splitter.end();
      if (splitter.arena.count > 0) yield splitter.take();
      return;
    }
  }
  yield* streamPaths(replayed(first, second, it), opts, probe);
}

/**
 * A `.paths` input that arrives in one small piece (a small file, read at once: input.ts) is
 * inflated at once: the stream would start libuv's threads to inflate a few bytes, about 3 ms of a
 * small command. Only up to these many compressed bytes, and inflated bytes (a small input may
 * inflate to a great deal):
 */
const WHOLE_INFLATE_BYTES = 256 << 10;
const WHOLE_INFLATED_MAX_BYTES = 16 << 20;
/**
 * The inflater's output chunks, as the stream gives them, and how many it may hold ready. Node's
 * inflater does one chunk on libuv's thread per turn of this thread's loop and stops once its
 * readable side holds its high-water mark: with 256 KiB chunks and the default mark (16 KiB) it
 * did not get ahead of the records being split and printed, and this thread waited for it.
 * Measured (1M-atom bench file, interleaved whole processes): .paths -> text with 512 KiB chunks,
 * four ahead, 0.94x the wall time of 256 KiB with one; 1 MiB chunks were no faster and peaked
 * 4 MiB higher on .paths -> text, 13 MiB on .paths -> ACT of 3M atoms in 128M, 5 on -> MTTS.
 */
const INFLATE_PIECE_BYTES = 1 << 19;
const INFLATE_AHEAD_PIECES = 4;
const SPLIT_BYTES = INFLATE_PIECE_BYTES >> 1;

// Split `bytes` into the batch, 256 KiB at a time, and hand over each batch that holds enough: the
// one rule of the stream and the whole input. (1 MiB at a time made batches of 26,000 paths of the
// bench space against `batchPaths` of 16,384: .paths -> text peaked 11 MiB higher.)
function* split(splitter: RecordSplitter, bytes: Uint8Array, opts: PathsOptions): Generator<PathArena> {
  for (let at = 0; at < bytes.length; at += SPLIT_BYTES) {
    splitter.push(bytes.subarray(at, at + SPLIT_BYTES));
    if (splitter.arena.count >= opts.batchPaths || splitter.arena.byteLength >= BATCH_BYTES) yield splitter.take();
  }
}

// The inflated bytes of the zlib stream that is the whole of `bytes`, or undefined when they are not
// one (corrupt, truncated, bytes after its end) or inflate to more than the maximum: the stream then
// reads them, and reports a fault with its offset.
function inflateWhole(bytes: Uint8Array): Buffer | undefined {
  try {
    const r = zlib.inflateSync(bytes, { info: true, maxOutputLength: WHOLE_INFLATED_MAX_BYTES }) as unknown as { buffer: Buffer; engine: zlib.Inflate };
    return r.engine.bytesWritten === bytes.length ? r.buffer : undefined;
  } catch {
    return undefined;
  }
}

// The items `first` and `second` taken off `rest` already, then the rest; `rest` is closed when the
// consumer stops early (a file input closes its file).
async function* replayed<T>(first: IteratorResult<T>, second: IteratorResult<T> | undefined, rest: AsyncIterator<T>): AsyncGenerator<T> {
  try {
    for (const r of [first, second]) {
      if (r === undefined) continue;
      if (r.done === true) return;
      yield r.value;
    }
    for (;;) {
      const r = await rest.next();
      if (r.done === true) return;
      yield r.value;
    }
  } finally {
    await rest.return?.();
  }
}

async function* streamPaths(source: AsyncIterable<Uint8Array>, opts: PathsOptions, probe?: Probe): AsyncGenerator<PathArena> {
  const inflate = zlib.createInflate({ chunkSize: INFLATE_PIECE_BYTES, readableHighWaterMark: INFLATE_AHEAD_PIECES * INFLATE_PIECE_BYTES } as zlib.ZlibOptions);
  let fed = 0;
  let feedError: unknown;
  // Feed the inflater from the source while this generator drains it. Inflate errors surface on the
  // reading side below; the feeder stops when the inflater is gone (error, or the consumer quit).
  const feeding = (async () => {
    try {
      for await (const chunk of coalesced(source)) {
        if (inflate.destroyed) return;
        fed += chunk.length;
        if (!inflate.write(chunk)) await drained(inflate);
      }
      if (!inflate.destroyed) inflate.end();
    } catch (e) {
      feedError = e;
      inflate.destroy(e as Error);
    }
  })();
  const splitter = new RecordSplitter(opts.maxPathBytes);
  // the wait for inflated bytes is part `decompress` of the read (inflating runs on libuv's threads)
  const inflated: AsyncIterable<Buffer> = probe?.part !== undefined ? timed(inflate as AsyncIterable<Buffer>, (ms, out) => probe.part!('decompress', ms, out?.length ?? 0)) : inflate;
  try {
    for await (const out of inflated) yield* split(splitter, out as Buffer, opts);
  } catch (e) {
    if (feedError !== undefined) throw feedError;
    if (e instanceof MorkspaceError) throw e;
    throw zlibError(e, inflate.bytesWritten);
  } finally {
    inflate.destroy();
  }
  await feeding;
  if (feedError !== undefined) throw feedError;
  checkTrailing(inflate.bytesWritten, fed);
  splitter.end();
  if (splitter.arena.count > 0) yield splitter.take();
}

/** The record bytes `[u32 LE len][path]` of every non-empty path of `arena` (upstream drops the empty path). */
export function recordsOf(arena: PathArena): Uint8Array {
  const n = arena.count;
  const out = new Uint8Array(arena.byteLength + 4 * n);
  const src = arena.bytes;
  let o = 0;
  for (let i = 0; i < n; i++) {
    const s = arena.start(i);
    const e = arena.end(i);
    if (e > s) o = putRecord(out, o, src, s, e);
  }
  return out.subarray(0, o);
}

// Write the record of the path `src[s..e)` at `out[o..]`: its u32 LE length, then its bytes; returns where it ends.
function putRecord(out: Uint8Array, o: number, src: Uint8Array, s: number, e: number): number {
  const len = e - s;
  putLength(out, o, len);
  o += 4;
  if (len < 64) {
    for (let k = s; k < e; k++) out[o++] = src[k]!;
    return o;
  }
  out.set(src.subarray(s, e), o);
  return o + len;
}

function putLength(out: Uint8Array, o: number, len: number): void {
  out[o] = len & 0xff;
  out[o + 1] = (len >>> 8) & 0xff;
  out[o + 2] = (len >>> 16) & 0xff;
  out[o + 3] = len >>> 24;
}

/** Encode sorted, unique paths as one `.paths` file (synchronous, one thread). */
export function encodePaths(arena: PathArena, options: Partial<PathsOptions> = {}): Uint8Array {
  const opts = pathsOptions(options);
  return zlib.deflateSync(recordsOf(arena), { level: opts.level });
}

/**
 * Write sorted, unique batches as a `.paths` zlib stream. Pieces of `pieceBytes` are deflated in
 * parallel on libuv's thread pool, 2 × `threads` in flight (with one thread, on this thread: see
 * `parallelZlib`), each primed with the previous 32 KiB as its dictionary (as pigz does), so the
 * result is one ordinary zlib stream any inflater reads, the same bytes for any `threads`.
 */
export async function* writePaths(batches: AsyncIterable<PathArena>, options: Partial<PathsOptions> = {}, probe?: Probe, threads?: number): AsyncGenerator<Uint8Array> {
  const opts = pathsOptions(options);
  yield* parallelZlib(recordPieces(batches, opts.pieceBytes), opts.level, opts.pieceBytes, probe, threads, true);
}

/**
 * The record stream of `batches` (as `recordsOf`) cut into pieces of exactly `pieceBytes` (the last
 * may be shorter), written straight into recycled buffers that the compressor hands back
 * (`parallelZlib`'s `owned`). Why: a records buffer per batch and a copy of it per piece were 2 ×
 * the path bytes of garbage ArrayBuffers, which V8 collects late; glibc's heap held them, and
 * ACT → .paths peaked 22% higher at 3M atoms than at 1M.
 */
export async function* recordPieces(batches: AsyncIterable<PathArena>, pieceBytes: number): AsyncGenerator<Uint8Array> {
  const fresh = (): Uint8Array => takeBytes(pieceBytes).subarray(0, pieceBytes);
  let piece = fresh();
  let o = 0;
  const head = new Uint8Array(4);
  for await (const batch of batches) {
    const src = batch.bytes;
    const ends = batch.ends;
    const n = batch.count;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const e = ends[i]!;
      const len = e - s;
      if (len === 0) continue; // upstream drops the empty path (s stays: the next path starts here too)
      if (o + 4 + len <= pieceBytes) {
        o = putRecord(piece, o, src, s, e);
        s = e;
        continue;
      }
      // the record crosses into the next piece (or several): its length, then its bytes, in parts
      putLength(head, 0, len);
      for (let part = 0; part < 2; part++) {
        const from = part === 0 ? head : src;
        let a = part === 0 ? 0 : s;
        const b = part === 0 ? 4 : e;
        while (a < b) {
          const take = Math.min(b - a, pieceBytes - o);
          piece.set(from.subarray(a, a + take), o);
          o += take;
          a += take;
          if (o === pieceBytes) {
            yield piece;
            piece = fresh();
            o = 0;
          }
        }
      }
      s = e;
    }
  }
  if (o > 0) yield piece.subarray(0, o);
  else giveBack(piece);
}

/** What the `.paths` reader learns. */
export interface PathsFacts {
  records: number;
  /** Bytes of the record stream (lengths included). */
  decompressedBytes: number;
}

/** Open `.paths` bytes as a space: sorted by the format's contract (`claimed`), or not (`upaths`). */
function openPaths(unordered: boolean): Format<PathsFacts>['open'] {
  return async (input, ctx, options = {}) => {
    const facts: PathsFacts = { records: 0, decompressedBytes: 0 };
    const read = { ...options.paths, maxPathBytes: ctx.longestPath(options.paths?.maxPathBytes) };
    // the order is checked once, by the sort stage (a claimed order): not here as well
    async function* tracked(): AsyncGenerator<PathArena> {
      for await (const b of readPaths(input.chunks(), read, ctx.probe)) {
        facts.records += b.count;
        facts.decompressedBytes += b.byteLength + 4 * b.count;
        yield b;
      }
    }
    return { batches: tracked(), order: unordered ? 'unsorted' : 'claimed', recycles: true, expanded: true, sizeHint: input.size !== undefined ? { inputBytes: input.size } : {}, facts };
  };
}

/** The `paths` entry of the format table: upstream's serialize_paths writes sorted records, streamed and checked. */
export const pathsFormat: Format<PathsFacts> = {
  name: 'paths',
  extensions: ['.paths'],
  binary: true,
  writable: true,
  capabilities: { prefixLookup: false, quickInspect: false, verifies: 'zlib stream and Adler-32 intact, every record complete', symbols: 'sidecar' },
  flags: { read: [], write: ['level'] },
  sniff: sniffPaths,
  open: openPaths(false),
  write: (space, ctx, sink, options = {}) => writeChunks(writePaths(space.batches, options.paths, ctx.probe, ctx.threads), sink, ctx),
  describe: (f) => ({ records: f.records, decompressedBytes: f.decompressedBytes }),
};

/**
 * The `upaths` entry ("unordered paths", as upstream's `json_to_paths` writes them): the same
 * container, records in the order they come, duplicates kept. Read, it is sorted and de-duplicated
 * like any unsorted source; written, the run does not sort (`unordered`): paths stream straight
 * from the source to the file. Told from `.paths` by its extension or `--from/--to upaths`.
 */
export const upathsFormat: Format<PathsFacts> = {
  ...pathsFormat,
  name: 'upaths',
  extensions: ['.upaths'],
  unordered: true,
  // the bytes are `.paths' bytes: the extension (or a name) says which
  sniff: () => Evidence.None,
  open: openPaths(true),
};
