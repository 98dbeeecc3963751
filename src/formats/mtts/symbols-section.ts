/**
 * MTTS's symbols section (kind 0x0002, docs/format-mtts.md): the space's symbol table, right after
 * the header and before the chunks, so a stream reader has every id before the first path. It is
 * written with the Required flag (a reader that cannot resolve ids must not print them) and makes
 * the file version 1.1. Body, integers little-endian:
 *
 *   codec u8 (0 none, 2 deflate) · 3 bytes zero · symbols u64 · raw bytes u64 · digest 16 B · stored
 *
 * where raw is the table's records in MORK's shard-entry layout (symbols/mork-zip.ts), ascending
 * ids, and the digest is BLAKE3 of raw truncated to 128 bits, as a chunk's.
 */
import zlib from 'node:zlib';
import { viewOf } from '../../bytes.js';
import { ErrorCode, FormatError } from '../../errors.js';
import { tableFromRecords, tableRecords } from '../../symbols/mork-zip.js';
import type { SymbolTable } from '../../symbols/table.js';
import { CHUNK_DIGEST_BYTES, Codec, chunkDigest, sameBytes } from './chunk-codec.js';

/** Bytes of the body before the stored records. */
export const SYMBOLS_HEAD_BYTES = 4 + 8 + 8 + CHUNK_DIGEST_BYTES;
/** The minor version of a file with a symbols section. */
export const SYMBOLS_MINOR_VERSION = 1;

/** The section body for `table` (deflated when that saves anything). */
export function encodeSymbolsBody(table: SymbolTable): Uint8Array {
  const raw = tableRecords(table);
  const deflated = zlib.deflateRawSync(raw, { level: 6 });
  const useDeflate = deflated.length < raw.length;
  const stored = useDeflate ? deflated : raw;
  const body = new Uint8Array(SYMBOLS_HEAD_BYTES + stored.length);
  const v = viewOf(body);
  body[0] = useDeflate ? Codec.Deflate : Codec.None;
  v.setBigUint64(4, BigInt(table.count), true);
  v.setBigUint64(12, BigInt(raw.length), true);
  body.set(chunkDigest(raw), 20);
  body.set(stored, SYMBOLS_HEAD_BYTES);
  return body;
}

/**
 * The table in a symbols section body at file offset `offset`.
 * @throws FormatError ERR_CORRUPT, ERR_CHECKSUM (when `verify`), naming the section's offset.
 */
export function decodeSymbolsBody(body: Uint8Array, offset: number, verify: boolean): SymbolTable {
  if (body.length < SYMBOLS_HEAD_BYTES) throw new FormatError(ErrorCode.Corrupt, `symbols section of ${body.length} bytes is shorter than its head (${SYMBOLS_HEAD_BYTES})`, { offset });
  const v = viewOf(body);
  const codec = body[0]!;
  if (codec !== Codec.None && codec !== Codec.Deflate) throw new FormatError(ErrorCode.Corrupt, `symbols section uses codec ${codec}; 0 (none) and 2 (deflate) are defined`, { offset });
  const count = Number(v.getBigUint64(4, true));
  const rawLength = Number(v.getBigUint64(12, true));
  const stored = body.subarray(SYMBOLS_HEAD_BYTES);
  let raw: Uint8Array;
  if (codec === Codec.None) raw = stored;
  else {
    try {
      raw = zlib.inflateRawSync(stored, { maxOutputLength: Math.max(1, rawLength) });
    } catch (e) {
      throw new FormatError(ErrorCode.Corrupt, `symbols section: bad deflate data (${e instanceof Error ? e.message : String(e)})`, { offset });
    }
  }
  if (raw.length !== rawLength) throw new FormatError(ErrorCode.Corrupt, `symbols section holds ${raw.length} bytes of records, its head says ${rawLength}`, { offset });
  if (verify && !sameBytes(chunkDigest(raw), body.subarray(20, 20 + CHUNK_DIGEST_BYTES))) throw new FormatError(ErrorCode.Checksum, 'symbols section digest does not match its records', { offset });
  const table = tableFromRecords(raw, { entry: 'the symbols section' });
  if (table.count !== count) throw new FormatError(ErrorCode.Corrupt, `symbols section holds ${table.count} symbols, its head says ${count}`, { offset });
  return table;
}
