/**
 * The MTTS streaming reader: reads sections front to back (stdin works), decodes chunks on the
 * pool in a bounded window, and checks everything it can: header and section checks, chunk and
 * section digests, the whole-file digest, chunk order, the index against the chunks seen, and the
 * metadata totals against the paths decoded.
 */
import { blake3Hasher } from '../../native.js';
import { compareRanges, hex } from '../../bytes.js';
import { ErrorCode, FormatError, type Where } from '../../errors.js';
import { PathArena } from '../../path-arena.js';
import { decidePool, IN_FLIGHT_BYTES, mapOrdered, type Parallel } from '../../pool/pool.js';
import { fullCollection } from '../../run/gc-pacer.js';
import { timedPartSync } from '../../run/probe.js';
import { CODEC_NAMES, chunkFields, decodeChunk, sameBytes, type ChunkFault, type DecodeChunkTask, type DecodedChunk } from './chunk-codec.js';
import type { SymbolTable } from '../../symbols/table.js';
import { decodeSymbolsBody } from './symbols-section.js';
import {
  CHUNK_HEADER_BYTES, END_BODY_BYTES, HEADER_BYTES, SECTION_HEADER_BYTES, SECTION_NAMES, SECTION_REQUIRED, SectionKind,
  decodeChunkHeader, decodeEnd, decodeHeader, decodeIndex, decodeMetadata, decodeSectionHeader, type IndexEntry, type MttsHeader, type MttsMetadata,
} from './layout.js';
import { mttsOptions, type MttsOptions } from './options.js';

const CONSUMED = new Uint8Array(0);

/** Reads exact byte counts from a chunked stream, keeping a file offset for messages. */
export class ByteReader {
  readonly #it: AsyncIterator<Uint8Array>;
  // chunks not yet consumed start at #first: an index, not shift(), which is O(n) per call and
  // would make a section fed in 1-byte chunks quadratic
  #pending: Uint8Array[] = [];
  #first = 0;
  #pendingBytes = 0;
  #head = 0; // bytes of pending[#first] already consumed
  #done = false;
  /** File offset of the next byte. */
  offset = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  async #fill(n: number): Promise<boolean> {
    while (this.#pendingBytes < n && !this.#done) {
      const r = await this.#it.next();
      if (r.done) this.#done = true;
      else if (r.value.length > 0) {
        this.#pending.push(r.value);
        this.#pendingBytes += r.value.length;
      }
    }
    return this.#pendingBytes >= n;
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    return !(await this.#fill(1));
  }

  /** Exactly `n` bytes in a new buffer of their own. @throws FormatError ERR_TRUNCATED naming `what`. */
  async read(n: number, what: string): Promise<Uint8Array> {
    if (!(await this.#fill(n))) {
      throw new FormatError(ErrorCode.Truncated, `file ends inside ${what}: ${n} bytes needed, ${this.#pendingBytes} left`, { offset: this.offset });
    }
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const first = this.#pending[this.#first]!;
      const take = Math.min(n - o, first.length - this.#head);
      if (take === 1) out[o] = first[this.#head]!;
      else out.set(first.subarray(this.#head, this.#head + take), o);
      o += take;
      this.#head += take;
      if (this.#head === first.length) {
        // let go of a consumed chunk now: until the compaction below, up to 64 of them (64 MiB at
        // 1 MiB file reads) would stay referenced, per reader
        this.#pending[this.#first] = CONSUMED;
        this.#first++;
        this.#head = 0;
      }
    }
    if (this.#first > 64 && this.#first * 2 > this.#pending.length) {
      this.#pending.splice(0, this.#first);
      this.#first = 0;
    }
    this.#pendingBytes -= n;
    this.offset += n;
    return out;
  }

  /** Bytes left after the end, counted up to `limit` (for the trailing-bytes message). */
  async remaining(limit: number): Promise<number> {
    await this.#fill(limit);
    return this.#pendingBytes;
  }

  /** Stop reading the source. */
  async close(): Promise<void> {
    if (!this.#done) await this.#it.return?.();
  }
}

/** What the reader learnt: header, metadata and the chunk entries, complete when reading ends. */
export interface MttsFacts {
  header?: MttsHeader;
  metadata?: MttsMetadata;
  /** File offset of the metadata section (it follows the index). */
  metadataOffset?: number;
  chunks: IndexEntry[];
  /** Kinds of the sections skipped as unknown. */
  skipped: number[];
  /** The symbol table of an interned space (its symbols section), once read. */
  symbols?: SymbolTable;
  fileDigest?: Uint8Array;
  /** Set when the whole-file digest does not match: the offset of the stored digest. */
  digestMismatchAt?: number;
  fileBytes: number;
}

interface PendingChunk {
  task: DecodeChunkTask;
  ordinal: number;
  offset: number;
}

const NO_BYTES = new Uint8Array(0);
const NO_ENDS = new Uint32Array(0);

function where(chunk: number, offset: number): Where {
  return { chunk, offset };
}

/** Parse sections front to back, yielding chunk decode tasks; checks the structure as it goes. */
async function* sections(source: AsyncIterable<Uint8Array>, opts: MttsOptions, facts: MttsFacts): AsyncGenerator<PendingChunk> {
  const r = new ByteReader(source);
  const hasher = blake3Hasher();
  const read = async (n: number, what: string): Promise<Uint8Array> => {
    const b = await r.read(n, what);
    hasher.update(b);
    return b;
  };
  try {
    const head = await read(HEADER_BYTES, 'the header');
    const header = decodeHeader(head);
    if (header.headerBytes > HEADER_BYTES) await read(header.headerBytes - HEADER_BYTES, 'the header');
    facts.header = header;
    let indexOffset = -1;
    let symbolsSeen = false;
    for (;;) {
      const offset = r.offset;
      if (await r.atEnd()) throw new FormatError(ErrorCode.Truncated, `file ends after ${facts.chunks.length} chunks, before its end section`, { offset });
      const sh = decodeSectionHeader(await read(SECTION_HEADER_BYTES, 'a section header'), offset);
      const name = SECTION_NAMES[sh.kind] ?? `kind 0x${sh.kind.toString(16)}`;
      // a chunk's stored bytes stay under twice its path bytes (front coding adds 2 varints a path)
      if (sh.bodyBytes > 2 * opts.maxChunkBytes + CHUNK_HEADER_BYTES) {
        throw new FormatError(ErrorCode.Limit, `${name} section of ${sh.bodyBytes} bytes exceeds the limit of ${2 * opts.maxChunkBytes} (twice maxChunkBytes)`, { offset });
      }
      const bodyOffset = offset + SECTION_HEADER_BYTES;
      if (sh.kind === SectionKind.End) {
        if (sh.bodyBytes !== END_BODY_BYTES) throw new FormatError(ErrorCode.Corrupt, `end section of ${sh.bodyBytes} bytes, ${END_BODY_BYTES} expected`, { offset });
        const body = await r.read(END_BODY_BYTES, 'the end section');
        hasher.update(body.subarray(0, 12));
        const end = decodeEnd(body, bodyOffset);
        facts.fileDigest = end.fileDigest;
        facts.fileBytes = r.offset;
        // reported after the chunks are decoded: a chunk's own digest names the fault more precisely
        if (opts.verify && !sameBytes(hasher.digestBuffer(), end.fileDigest)) facts.digestMismatchAt = bodyOffset + 12;
        if (indexOffset < 0) throw new FormatError(ErrorCode.Corrupt, 'end section before any index section', { offset });
        if (facts.metadata === undefined) throw new FormatError(ErrorCode.Corrupt, 'end section before the metadata section', { offset });
        if (end.indexOffset !== indexOffset || end.chunks !== facts.chunks.length) {
          throw new FormatError(ErrorCode.Corrupt, `end section points at an index at ${end.indexOffset} of ${end.chunks} chunks; the index is at ${indexOffset}, with ${facts.chunks.length}`, { offset: bodyOffset });
        }
        const extra = await r.remaining(1 << 16);
        if (extra > 0) throw new FormatError(ErrorCode.Corrupt, `${extra}${extra >= 1 << 16 ? '+' : ''} bytes after the end section`, { offset: r.offset });
        return;
      }
      // after the index comes exactly the metadata (totals known only once every chunk is written)
      if (indexOffset >= 0 && (sh.kind !== SectionKind.Metadata || facts.metadata !== undefined)) throw new FormatError(ErrorCode.Corrupt, `${name} section after the index`, { offset });
      if (sh.kind === SectionKind.Metadata) {
        if (indexOffset < 0) throw new FormatError(ErrorCode.Corrupt, 'metadata section before the index', { offset });
        facts.metadata = decodeMetadata(await read(sh.bodyBytes, 'the metadata section'), bodyOffset, CODEC_NAMES, opts.verify);
        facts.metadataOffset = offset;
      } else if (sh.kind === SectionKind.Chunk) {
        const ordinal = facts.chunks.length;
        if (sh.bodyBytes < CHUNK_HEADER_BYTES) throw new FormatError(ErrorCode.Corrupt, `chunk section of ${sh.bodyBytes} bytes is shorter than a chunk header`, where(ordinal, offset));
        const ch = decodeChunkHeader(await read(CHUNK_HEADER_BYTES, `the header of chunk ${ordinal}`), sh.bodyBytes - CHUNK_HEADER_BYTES, opts.maxChunkBytes, where(ordinal, offset));
        if (ch.ordinal !== ordinal) throw new FormatError(ErrorCode.Corrupt, `chunk ${ordinal} says it is chunk ${ch.ordinal}`, where(ordinal, offset));
        const stored = await read(sh.bodyBytes - CHUNK_HEADER_BYTES, `chunk ${ordinal}`);
        const fields = chunkFields(ch);
        facts.chunks.push({ offset, sectionBytes: SECTION_HEADER_BYTES + sh.bodyBytes, ...fields });
        yield { ordinal, offset, task: { stored, ...fields, verify: opts.verify } };
      } else if (sh.kind === SectionKind.Index) {
        const entries = decodeIndex(await read(sh.bodyBytes, 'the index section'), bodyOffset, opts.verify);
        checkIndex(entries, facts.chunks, bodyOffset);
        indexOffset = offset;
      } else if (sh.kind === SectionKind.Symbols) {
        if (facts.chunks.length > 0 || symbolsSeen) throw new FormatError(ErrorCode.Corrupt, 'a symbols section after the first chunk or a second one', { offset });
        symbolsSeen = true;
        const body = await read(sh.bodyBytes, 'the symbols section');
        // the format's open may have read it ahead (from the same bytes): decode it once
        facts.symbols ??= decodeSymbolsBody(body, offset, opts.verify);
      } else if (sh.flags & SECTION_REQUIRED) {
        throw new FormatError(ErrorCode.Version, `${name} section is required but this reader (MTTS 1.0) does not know it`, { offset });
      } else {
        // unknown and not required: skip it (its bytes still count for the file digest)
        await read(sh.bodyBytes, `the ${name} section`);
        facts.skipped.push(sh.kind);
      }
    }
  } finally {
    await r.close();
  }
}

function checkIndex(entries: IndexEntry[], seen: IndexEntry[], offset: number): void {
  if (entries.length !== seen.length) throw new FormatError(ErrorCode.Corrupt, `index lists ${entries.length} chunks, the file holds ${seen.length}`, { offset });
  for (let i = 0; i < entries.length; i++) {
    const a = entries[i]!;
    const b = seen[i]!;
    if (a.offset !== b.offset || a.sectionBytes !== b.sectionBytes || a.codec !== b.codec || a.level !== b.level || a.count !== b.count || a.pathBytes !== b.pathBytes || a.rawLength !== b.rawLength || !sameBytes(a.digest, b.digest)) {
      throw new FormatError(ErrorCode.Corrupt, `index entry ${i} does not match chunk ${i}`, { offset: b.offset, chunk: i });
    }
  }
}

function faultError(f: ChunkFault, c: PendingChunk): FormatError {
  const w: Where = f.offset !== undefined ? { chunk: c.ordinal, offset: f.offset, offsetOf: f.offsetOf ?? 'decompressed byte' } : { chunk: c.ordinal, offset: c.offset };
  return new FormatError(f.code, f.message, w);
}

/**
 * Stream an MTTS file: one batch per chunk, strictly ascending across the whole file.
 * `facts` is filled in as sections are read.
 * @throws FormatError ERR_BAD_MAGIC, ERR_VERSION, ERR_CHECKSUM, ERR_TRUNCATED, ERR_CORRUPT,
 * ERR_LIMIT, with `where.chunk` and `where.offset` (file bytes, or decompressed bytes of the chunk).
 */
export async function* readMtts(source: AsyncIterable<Uint8Array>, options: Partial<MttsOptions> = {}, facts: MttsFacts = newFacts(), parallel: Parallel = {}): AsyncGenerator<PathArena> {
  const opts = mttsOptions(options);
  const { pool, signal, probe } = parallel;
  const { large, items } = await decidePool(sections(source, opts, facts), (c) => c.task.stored.length, pool);
  const pooled = large && pool !== undefined && pool.parallel;
  const decode = async (c: PendingChunk): Promise<[PendingChunk, DecodedChunk | ChunkFault]> => {
    signal?.throwIfAborted();
    // a chunk that fills the window alone replaces one as heavy, which is garbage by now: collect
    // it first, or V8's lag may hold both a while (a file of 256 MiB chunks: verify 362 → 337 MiB)
    if (c.task.rawLength + c.task.pathBytes > IN_FLIGHT_BYTES / 2) fullCollection()?.();
    const r = pooled ? await pool.run<DecodeChunkTask, DecodedChunk | ChunkFault>('decodeChunk', c.task, [c.task.stored.buffer as ArrayBuffer], signal) : timedPartSync(probe, 'decompress', c.task.pathBytes, () => decodeChunk(c.task));
    return [c, r];
  };
  let first: Uint8Array = new Uint8Array(0);
  let last: Uint8Array = new Uint8Array(0);
  let atoms = 0;
  let pathBytes = 0;
  let damaged = false;
  // decoded, a chunk holds its front-coded and its path bytes: bounded in bytes, not chunks, in flight
  const weight = { of: (c: PendingChunk) => c.task.rawLength + c.task.pathBytes, limit: IN_FLIGHT_BYTES };
  for await (const [c, r] of mapOrdered(items, 2 * (pooled ? pool.threads : 1), decode, weight)) {
    if (!r.ok) {
      if (opts.onChunkFault === undefined) throw faultError(r, c);
      opts.onChunkFault(faultError(r, c));
      damaged = true;
      continue;
    }
    const n = r.ends.length;
    if (atoms === 0) first = r.bytes.slice(0, r.ends[0]!);
    else if (compareRanges(last, 0, last.length, r.bytes, 0, r.ends[0]!) >= 0) {
      throw new FormatError(ErrorCode.Corrupt, `chunk ${c.ordinal} does not sort after chunk ${c.ordinal - 1}`, { chunk: c.ordinal, offset: c.offset });
    }
    last = r.bytes.slice(n > 1 ? r.ends[n - 2]! : 0, r.ends[n - 1]!);
    atoms += n;
    pathBytes += r.bytes.length;
    // the decoded buffers are the chunk's own (moved from a worker, or fresh): adopt, don't copy,
    // and let the arena be their one holder (the task's settled promise holds `r` a while longer)
    const arena = PathArena.adopt(r.bytes, r.ends, n);
    r.bytes = NO_BYTES;
    r.ends = NO_ENDS;
    yield arena;
  }
  // the totals cannot match once a damaged chunk was read past: its faults were the report
  if (damaged) return;
  if (facts.digestMismatchAt !== undefined) throw new FormatError(ErrorCode.Checksum, 'file digest does not match the file: a byte changed that no chunk or section check covers (every chunk decoded intact)', { offset: facts.digestMismatchAt });
  const m = facts.metadata;
  const at = facts.metadataOffset ?? HEADER_BYTES;
  if (m === undefined) throw new FormatError(ErrorCode.Corrupt, 'no metadata section', { offset: at });
  if (m.atoms !== atoms || m.pathBytes !== pathBytes || m.chunks !== facts.chunks.length) {
    throw new FormatError(ErrorCode.Corrupt, `metadata declares ${m.atoms} atoms, ${m.pathBytes} path bytes in ${m.chunks} chunks; the chunks hold ${atoms}, ${pathBytes} in ${facts.chunks.length}`, { offset: at });
  }
  if (!sameBytes(first, m.firstPath) || !sameBytes(last, m.lastPath)) {
    throw new FormatError(ErrorCode.Corrupt, `metadata's first and last paths (${hex(m.firstPath, 8)} … ${hex(m.lastPath, 8)}) are not the file's`, { offset: at });
  }
}

/** Fresh, empty facts for `readMtts`. */
export function newFacts(): MttsFacts {
  return { chunks: [], skipped: [], fileBytes: 0 };
}

/** Decode a whole MTTS file in memory into one arena. Returns a Promise: it may use the pool. */
export async function decodeMtts(bytes: Uint8Array, options: Partial<MttsOptions> = {}, parallel: Parallel = {}): Promise<PathArena> {
  const all = new PathArena();
  for await (const b of readMtts(single(bytes), options, newFacts(), parallel)) all.pushAll(b);
  return all;
}

async function* single(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
