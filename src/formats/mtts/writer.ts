/**
 * The MTTS writer: sorted batches → chunks of about `chunkBytes` path bytes → encoded on the pool
 * (front coding, codec, digest) in a bounded window → header, chunks as they are encoded, index,
 * metadata (totals known only at the end), end. The writer holds at most the in-flight window.
 */
import { blake3Hasher } from '../../native.js';
import { compareRanges, concatBytes } from '../../bytes.js';
import { ErrorCode, FormatError, MorkspaceError } from '../../errors.js';
import type { PathArena } from '../../path-arena.js';
import { decidePool, IN_FLIGHT_BYTES, mapOrdered, POOL_MIN_BYTES, type Parallel } from '../../pool/pool.js';
import { isStrictlySorted, sortUniqueArena } from '../../sort.js';
import { timedPartSync } from '../../run/probe.js';
import { CODEC_NAMES, chunkFields, encodeChunk, type ChunkFault, type EncodeChunkTask, type EncodedChunk } from './chunk-codec.js';
import type { SymbolTable } from '../../symbols/table.js';
import { SYMBOLS_MINOR_VERSION, encodeSymbolsBody } from './symbols-section.js';
import { CHUNK_HEADER_BYTES, SECTION_HEADER_BYTES, SECTION_REQUIRED, SectionKind, encodeChunkHeader, encodeEndPrefix, encodeHeader, encodeIndex, encodeMetadata, encodeSectionHeader, type CodecSummary, type IndexEntry } from './layout.js';
import { MAX_CHUNK_BYTES, mttsOptions, type MttsOptions } from './options.js';

/** The paths of one chunk in buffers of their own, ready to move to a worker. */
interface ChunkPaths {
  bytes: Uint8Array;
  ends: Uint32Array;
}

/** Accumulates paths for one chunk, then hands them over in exact-size buffers. */
class ChunkBuilder {
  #bytes = new Uint8Array(1 << 16);
  #ends = new Uint32Array(1 << 10);
  count = 0;
  byteLength = 0;

  /** Append paths [from, to) of `batch`. */
  append(batch: PathArena, from: number, to: number): void {
    const s = batch.start(from);
    const e = batch.end(to - 1);
    const n = e - s;
    if (this.byteLength + n > this.#bytes.length) {
      const next = new Uint8Array(Math.max(this.byteLength + n, this.#bytes.length * 2));
      next.set(this.#bytes.subarray(0, this.byteLength));
      this.#bytes = next;
    }
    if (this.count + (to - from) > this.#ends.length) {
      const next = new Uint32Array(Math.max(this.count + (to - from), this.#ends.length * 2));
      next.set(this.#ends.subarray(0, this.count));
      this.#ends = next;
    }
    this.#bytes.set(batch.bytes.subarray(s, e), this.byteLength);
    const ends = batch.ends;
    const shift = this.byteLength - s;
    let c = this.count;
    for (let i = from; i < to; i++) this.#ends[c++] = ends[i]! + shift;
    this.count = c;
    this.byteLength += n;
  }

  /** The chunk so far, in new exact-size buffers (safe to transfer); the builder starts over. */
  take(): ChunkPaths {
    const out = { bytes: this.#bytes.slice(0, this.byteLength), ends: this.#ends.slice(0, this.count) };
    this.count = 0;
    this.byteLength = 0;
    return out;
  }
}

function lastPathOf(c: ChunkPaths): Uint8Array {
  const n = c.ends.length;
  return c.bytes.slice(n > 1 ? c.ends[n - 2]! : 0, c.ends[n - 1]!);
}
function firstPathOf(c: ChunkPaths): Uint8Array {
  return c.bytes.slice(0, c.ends[0]!);
}

/**
 * Cut a space into chunks: a chunk ends after the path that brings its path bytes to `chunkBytes`,
 * or before it if it would pass `maxChunkBytes` (the readers' limit). The cut depends only on the
 * paths, not on how they were batched. Checks order across chunks.
 */
export async function* chunkSpace(batches: AsyncIterable<PathArena>, chunkBytes: number, maxChunkBytes = MAX_CHUNK_BYTES): AsyncGenerator<ChunkPaths> {
  const builder = new ChunkBuilder();
  let previousLast: Uint8Array | undefined;
  const emit = (): ChunkPaths => {
    const c = builder.take();
    const first = firstPathOf(c);
    if (previousLast !== undefined && compareRanges(previousLast, 0, previousLast.length, first, 0, first.length) >= 0) {
      throw new MorkspaceError(ErrorCode.Usage, 'MTTS writer input must be strictly ascending and unique (a space)');
    }
    previousLast = lastPathOf(c);
    return c;
  };
  for await (const b of batches) {
    const ends = b.ends;
    let i = 0;
    while (i < b.count) {
      const base = b.start(i) - builder.byteLength;
      let j = i;
      while (j < b.count && ends[j]! - base < chunkBytes) j++;
      const full = j < b.count;
      let to = full ? j + 1 : b.count;
      // never over maxChunkBytes, the reader's limit: the path that would pass it opens the next chunk
      if (full && ends[j]! - base > maxChunkBytes) {
        to = j;
        if (to === i && builder.count === 0) throw new MorkspaceError(ErrorCode.Limit, `a path of ${b.length(j)} bytes is longer than an MTTS chunk holds (${maxChunkBytes} bytes)`);
      }
      if (to > i) builder.append(b, i, to);
      i = to;
      if (full) yield emit();
    }
  }
  if (builder.count > 0) yield emit();
}

function encoderName(o: MttsOptions): string {
  return o.compression === 'auto' ? `auto:${o.priority}` : o.level !== undefined ? `${o.compression}:${o.level}` : o.compression;
}

function throwFault(f: ChunkFault, chunk: number): never {
  const where = f.offset !== undefined ? { chunk, offset: f.offset, ...(f.offsetOf !== undefined ? { offsetOf: f.offsetOf } : {}) } : { chunk };
  throw f.code === ErrorCode.Usage ? new MorkspaceError(f.code, f.message, where) : new FormatError(f.code, f.message, where);
}

/**
 * Write a space (strictly ascending, unique batches) as an MTTS file. Byte-identical output for the
 * same space whatever the batching, thread count or time.
 * @throws MorkspaceError ERR_USAGE for bad options or unsorted input.
 */
export async function* writeMtts(batches: AsyncIterable<PathArena>, options: Partial<MttsOptions> = {}, parallel: Parallel = {}, symbols?: SymbolTable): AsyncGenerator<Uint8Array> {
  const opts = mttsOptions(options);
  const { pool, signal, probe } = parallel;
  const meta = { ...opts.meta };
  let firstPath: Uint8Array = new Uint8Array(0);
  let lastPath: Uint8Array = new Uint8Array(0);
  let atoms = 0;
  let pathBytes = 0;
  const chunks = chunkSpace(batches, opts.chunkBytes);
  const tracked = (async function* (): AsyncGenerator<ChunkPaths> {
    for await (const c of chunks) {
      // a first chunk this big means more follow: start the workers while they are cut
      if (atoms === 0 && c.bytes.length >= POOL_MIN_BYTES) pool?.warm();
      if (atoms === 0) firstPath = firstPathOf(c);
      lastPath = lastPathOf(c);
      atoms += c.ends.length;
      pathBytes += c.bytes.length;
      yield c;
    }
  })();
  const { large, items } = await decidePool(tracked, (c) => c.bytes.length, pool);
  const pooled = large && pool !== undefined && pool.parallel;
  const encode = async (c: ChunkPaths): Promise<EncodedChunk | ChunkFault> => {
    const task: EncodeChunkTask = { bytes: c.bytes, ends: c.ends, compression: opts.compression, level: opts.level ?? 0, priority: opts.priority };
    signal?.throwIfAborted();
    return pooled ? pool.run<EncodeChunkTask, EncodedChunk | ChunkFault>('encodeChunk', task, [c.bytes.buffer as ArrayBuffer, c.ends.buffer as ArrayBuffer], signal) : timedPartSync(probe, 'encode', c.bytes.length, () => encodeChunk(task));
  };
  const hasher = blake3Hasher();
  let offset = 0;
  const out = (b: Uint8Array): Uint8Array => {
    timedPartSync(probe, 'hash', b.length, () => hasher.update(b));
    offset += b.length;
    return b;
  };
  yield out(encodeHeader(symbols !== undefined ? SYMBOLS_MINOR_VERSION : undefined));
  if (symbols !== undefined) {
    const body = encodeSymbolsBody(symbols);
    yield out(encodeSectionHeader(SectionKind.Symbols, SECTION_REQUIRED, body.length));
    yield out(body);
  }
  // Chunks go out as they are encoded (in order): the writer holds at most the in-flight window.
  // The totals they add up to go in the metadata after the index.
  const entries: IndexEntry[] = [];
  const codecs: Record<string, CodecSummary> = {};
  // a chunk in flight holds its paths and its coded bytes (about as many at worst)
  const weight = { of: (c: ChunkPaths) => 2 * c.bytes.length, limit: IN_FLIGHT_BYTES };
  for await (const c of mapOrdered(items, 2 * (pooled ? pool.threads : 1), encode, weight)) {
    if (!c.ok) throwFault(c, entries.length);
    const s = (codecs[CODEC_NAMES[c.codec]!] ??= { chunks: 0, rawBytes: 0, storedBytes: 0 });
    s.chunks++;
    s.rawBytes += c.rawLength;
    s.storedBytes += c.stored.length;
    const head = new Uint8Array(SECTION_HEADER_BYTES + CHUNK_HEADER_BYTES);
    const bodyBytes = CHUNK_HEADER_BYTES + c.stored.length;
    head.set(encodeSectionHeader(SectionKind.Chunk, 0, bodyBytes), 0);
    head.set(encodeChunkHeader({ ...c, ordinal: entries.length }), SECTION_HEADER_BYTES);
    entries.push({ offset, sectionBytes: SECTION_HEADER_BYTES + bodyBytes, ...chunkFields(c) });
    yield out(head);
    yield out(c.stored);
  }
  const indexOffset = offset;
  const indexBody = encodeIndex(entries);
  yield out(encodeSectionHeader(SectionKind.Index, 0, indexBody.length));
  yield out(indexBody);
  const metaBody = encodeMetadata({ atoms, pathBytes, chunks: entries.length, chunkBytes: opts.chunkBytes, encoder: encoderName(opts), firstPath, lastPath, codecs, meta }, CODEC_NAMES);
  yield out(encodeSectionHeader(SectionKind.Metadata, 0, metaBody.length));
  yield out(metaBody);
  const endHead = encodeSectionHeader(SectionKind.End, 0, 12 + 32 + 4);
  const endPrefix = encodeEndPrefix(indexOffset, entries.length);
  hasher.update(endHead);
  hasher.update(endPrefix);
  const tail = new Uint8Array(endHead.length + endPrefix.length + 36);
  tail.set(endHead, 0);
  tail.set(endPrefix, endHead.length);
  tail.set(hasher.digestBuffer(), endHead.length + endPrefix.length);
  tail.set([0x53, 0x54, 0x54, 0x4d], tail.length - 4);
  yield tail;
}

/**
 * Encode an arena as one MTTS file (sorted and de-duplicated first if it is not a space).
 * Returns a Promise: it may use the worker pool.
 */
export async function encodeMtts(arena: PathArena, options: Partial<MttsOptions> = {}, parallel: Parallel = {}): Promise<Uint8Array> {
  const space = isStrictlySorted(arena) ? arena : sortUniqueArena(arena);
  const parts: Uint8Array[] = [];
  for await (const p of writeMtts(one(space), options, parallel)) parts.push(p);
  return concatBytes(parts);
}

async function* one(a: PathArena): AsyncGenerator<PathArena> {
  if (a.count > 0) yield a;
}
