/**
 * MTTS, morkspace's own container (docs/format-mtts.md): sorted paths in front-coded, checksummed,
 * adaptively compressed chunks, then the index, the metadata and the end section; and its entry
 * in the format table.
 */
import { StatsCollector } from '../../stats.js';
import { POOL_MIN_BYTES } from '../../pool/pool.js';
import { Evidence, writeChunks, type Format } from '../format.js';
import { bytesInput, type Input } from '../../io/input.js';
import type { SymbolTable } from '../../symbols/table.js';
import { HEADER_BYTES, SECTION_HEADER_BYTES, SectionKind, decodeHeader, decodeSectionHeader, hasMagic } from './layout.js';
import { mttsOptions } from './options.js';
import { decodeSymbolsBody } from './symbols-section.js';
import { inspectMtts } from './inspect.js';
import { newFacts, readMtts, type MttsFacts } from './reader.js';
import { writeMtts } from './writer.js';

export * from './options.js';
export { Codec, CODEC_NAMES, AUTO_RULE, INCOMPRESSIBLE_BITS_PER_BYTE, chooseCodec, frontCode, frontDecode, encodeChunk, decodeChunk, chunkDigest, byteEntropy } from './chunk-codec.js';
export type { EncodeChunkTask, EncodedChunk, DecodeChunkTask, DecodedChunk, ChunkFault } from './chunk-codec.js';
export * from './layout.js';
export { readMtts, decodeMtts, newFacts, ByteReader, type MttsFacts } from './reader.js';
export { writeMtts, encodeMtts, chunkSpace } from './writer.js';
export { inspectMtts, type MttsInspection, type ChunkReport, type SectionReport } from './inspect.js';

/** True when `head` is an MTTS file of ours: the magic, then a major version that is not 0 (MeTTaTron's `MTTS` snapshots have zeros there). */
export function sniffMtts(head: Uint8Array): Evidence {
  if (!hasMagic(head)) return Evidence.None;
  if (head.length < 6) return Evidence.Weak;
  return head[4] === 0 && head[5] === 0 ? Evidence.None : Evidence.Strong;
}

/** The `mtts` entry of the format table. */
export const mttsFormat: Format<MttsFacts> = {
  name: 'mtts',
  extensions: ['.mtts'],
  binary: true,
  writable: true,
  capabilities: { prefixLookup: false, quickInspect: true, verifies: 'every checksum matches', symbols: 'inside' },
  flags: { read: ['verify'], write: ['compression', 'priority', 'chunkSize', 'meta'] },
  sniff: sniffMtts,
  async open(input, ctx, options = {}) {
    const facts = newFacts();
    // a file this big will be decoded on the pool: start its workers while the header is read
    if (input.size !== undefined && input.size >= 2 * POOL_MIN_BYTES) ctx.pool.warm();
    const symbols = await symbolsAhead(input, mttsOptions(options.mtts ?? {}).verify);
    if (symbols !== undefined) facts.symbols = symbols;
    return { batches: readMtts(input.chunks(), options.mtts, facts, ctx), order: 'sorted', recycles: true, sizeHint: input.size !== undefined ? { inputBytes: input.size } : {}, facts, ...(symbols !== undefined ? { symbols } : {}) };
  },
  write: (space, ctx, sink, options = {}) => writeChunks(writeMtts(space.batches, options.mtts, ctx, space.symbols), sink, ctx),
  describe: (facts) => ({
    version: facts.header ? `${facts.header.major}.${facts.header.minor}` : undefined,
    chunks: facts.chunks.length,
    atoms: facts.metadata?.atoms,
    encoder: facts.metadata?.encoder,
    meta: facts.metadata?.meta,
    skippedSections: facts.skipped.length,
    ...(facts.symbols !== undefined ? { symbols: facts.symbols.count } : {}),
  }),
  async inspect(input, ctx, options) {
    // a stream can be read once: keep its bytes for the walk `count` asks for
    const bytes = input.path === undefined ? await input.readAll() : undefined;
    const symbols = await symbolsAhead(bytes ? bytesInput(bytes, input.name) : input, true);
    const report = await inspectMtts(bytes ?? input, symbols);
    const facts = { ...report, ...(symbols !== undefined ? { symbols: symbols.count, symbolBytes: symbols.bytes.length } : {}) };
    if (!options.count) return { facts };
    const stats = new StatsCollector({ sample: options.sample ?? 0 });
    stats.symbols = symbols;
    for await (const b of readMtts(bytes ? once(bytes) : input.chunks(), options.mtts, newFacts(), ctx)) stats.add(b);
    return { facts, stats: stats.result() };
  },
};

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/**
 * The table of the symbols section that follows the header, read ahead of the chunks (a stream's
 * first bytes are kept for the reader, not consumed), so the space has it from the start. Damage
 * here is reported by the reader in order; this returns undefined then.
 */
async function symbolsAhead(input: Input, verify: boolean): Promise<SymbolTable | undefined> {
  try {
    const head = await input.head(HEADER_BYTES + SECTION_HEADER_BYTES);
    if (head.length < HEADER_BYTES + SECTION_HEADER_BYTES) return undefined;
    const at = decodeHeader(head.subarray(0, HEADER_BYTES)).headerBytes;
    const first = await input.head(at + SECTION_HEADER_BYTES);
    const sh = decodeSectionHeader(first.subarray(at, at + SECTION_HEADER_BYTES), at);
    if (sh.kind !== SectionKind.Symbols) return undefined;
    const whole = await input.head(at + SECTION_HEADER_BYTES + sh.bodyBytes);
    return decodeSymbolsBody(whole.subarray(at + SECTION_HEADER_BYTES), at, verify);
  } catch {
    return undefined;
  }
}
