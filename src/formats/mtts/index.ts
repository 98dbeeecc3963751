/**
 * MTTS, morkspace's own container (docs/format-mtts.md): sorted paths in front-coded, checksummed,
 * adaptively compressed chunks, with a metadata section first and an index and trailer last.
 * Importing this module registers the format.
 */
import { StatsCollector } from '../../stats.js';
import { POOL_MIN_BYTES, warmPool } from '../../pool/pool.js';
import { mttsOptions } from './options.js';
import { registerFormat, type Format } from '../registry.js';
import { hasMagic } from './layout.js';
import { inspectMtts } from './inspect.js';
import { newFacts, readMtts } from './reader.js';
import { writeMtts } from './writer.js';

export * from './options.js';
export { Codec, CODEC_NAMES, AUTO_RULE, INCOMPRESSIBLE_BITS_PER_BYTE, chooseCodec, frontCode, frontDecode, encodeChunk, decodeChunk, chunkDigest, byteEntropy } from './chunk-codec.js';
export type { EncodeChunkTask, EncodedChunk, DecodeChunkTask, DecodedChunk, ChunkFault } from './chunk-codec.js';
export * from './layout.js';
export { readMtts, decodeMtts, newFacts, ByteReader, type MttsFacts } from './reader.js';
export { writeMtts, encodeMtts, chunkSpace } from './writer.js';
export { inspectMtts, type MttsInspection, type ChunkReport, type SectionReport } from './inspect.js';

/** The registry entry for MTTS. */
export const mttsFormat: Format = {
  name: 'mtts',
  extensions: ['.mtts'],
  binary: true,
  sniff: hasMagic,
  async open(input, options) {
    const facts = newFacts();
    const threads = mttsOptions(options.mtts).threads;
    // a file this big will be decoded on the pool: start its workers while the header is read
    if (input.size !== undefined && input.size >= 2 * POOL_MIN_BYTES) warmPool(threads);
    return {
      batches: readMtts(input.chunks(), options.mtts, facts),
      sorted: true,
      facts: () => ({
        version: facts.header ? `${facts.header.major}.${facts.header.minor}` : undefined,
        chunks: facts.chunks.length,
        atoms: facts.metadata?.atoms,
        encoder: facts.metadata?.encoder,
        meta: facts.metadata?.meta,
        skippedSections: facts.skipped.length,
      }),
    };
  },
  write: (space, options) => writeMtts(space, options.mtts),
  async inspect(input, options) {
    // a stream can be read once: keep its bytes for the walk `count` asks for
    const bytes = input.path === undefined ? await input.readAll() : undefined;
    const report = await inspectMtts(bytes ?? input);
    if (!options.count) return { facts: { ...report } };
    const stats = new StatsCollector();
    for await (const b of readMtts(bytes ? once(bytes) : input.chunks(), options.mtts)) stats.add(b);
    return { facts: { ...report }, stats: stats.result() };
  },
};

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

registerFormat(mttsFormat);
