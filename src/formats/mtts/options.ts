/** Options of the MTTS reader and writer, their defaults, and the one function that merges them. */
import os from 'node:os';
import { ErrorCode, MorkspaceError } from '../../errors.js';

/** How chunks are compressed: one codec for every chunk, or `auto` (chosen per chunk by `priority`). */
export type MttsCompression = 'none' | 'lz4' | 'deflate' | 'auto';
/** What `auto` optimises for. */
export type MttsPriority = 'speed' | 'balanced' | 'size';

/** Options of `writeMtts` / `readMtts` and friends. */
export interface MttsOptions {
  /** Codec for every chunk, or `auto`. Defaults to `auto`. */
  compression: MttsCompression;
  /** Deflate level 1–9 when `compression` is `deflate`. Defaults to 6. */
  deflateLevel: number;
  /** What `auto` favours. Defaults to `balanced`. */
  priority: MttsPriority;
  /** Path bytes per chunk: a chunk ends after the path that reaches this many. Defaults to 1 MiB. */
  chunkBytes: number;
  /** Worker threads for chunk encoding and decoding (1: no pool). Defaults to `os.availableParallelism()`. */
  threads: number;
  /** Key/value pairs stored in the metadata section (sorted by key). Defaults to none. */
  meta: Readonly<Record<string, string>>;
  /** Check every digest when reading. Defaults to true. */
  verify: boolean;
  /** Largest chunk (decompressed or path bytes) or section accepted when reading, in bytes. Defaults to 1 GiB. */
  maxChunkBytes: number;
}

/** Path bytes per chunk by default (bench case `mtts-codecs`: larger chunks gained < 1 % ratio). */
export const DEFAULT_CHUNK_BYTES = 1 << 20;
/** The largest `chunkBytes` a writer accepts: keeps every chunk field within u32 (see docs/format-mtts.md). */
export const MAX_CHUNK_BYTES = 256 << 20;

/** Defaults of every MTTS option. */
export const DEFAULT_MTTS_OPTIONS: MttsOptions = {
  compression: 'auto',
  deflateLevel: 6,
  priority: 'balanced',
  chunkBytes: DEFAULT_CHUNK_BYTES,
  threads: os.availableParallelism(),
  meta: {},
  verify: true,
  maxChunkBytes: 1 << 30,
};

const COMPRESSIONS: readonly string[] = ['none', 'lz4', 'deflate', 'auto'];
const PRIORITIES: readonly string[] = ['speed', 'balanced', 'size'];

function usage(message: string): MorkspaceError {
  return new MorkspaceError(ErrorCode.Usage, message);
}

/** Merge `o` over the defaults and validate. @throws MorkspaceError ERR_USAGE naming the option. */
export function mttsOptions(o: Partial<MttsOptions> = {}): MttsOptions {
  const opts: MttsOptions = { ...DEFAULT_MTTS_OPTIONS, ...o };
  if (!COMPRESSIONS.includes(opts.compression)) throw usage(`mtts compression must be one of ${COMPRESSIONS.join(', ')}, got '${opts.compression}'`);
  if (!PRIORITIES.includes(opts.priority)) throw usage(`mtts priority must be one of ${PRIORITIES.join(', ')}, got '${opts.priority}'`);
  if (!Number.isInteger(opts.deflateLevel) || opts.deflateLevel < 1 || opts.deflateLevel > 9) throw usage(`mtts deflateLevel must be an integer 1-9, got ${opts.deflateLevel}`);
  if (!Number.isInteger(opts.chunkBytes) || opts.chunkBytes < 1 || opts.chunkBytes > MAX_CHUNK_BYTES) throw usage(`mtts chunkBytes must be an integer 1-${MAX_CHUNK_BYTES}, got ${opts.chunkBytes}`);
  if (!Number.isInteger(opts.threads) || opts.threads < 1 || opts.threads > 256) throw usage(`mtts threads must be an integer 1-256, got ${opts.threads}`);
  if (!Number.isInteger(opts.maxChunkBytes) || opts.maxChunkBytes < 1) throw usage(`mtts maxChunkBytes must be a positive integer, got ${opts.maxChunkBytes}`);
  return opts;
}

/**
 * Parse a `--compression` value: `none`, `lz4`, `deflate`, `deflate:N` (N = 1–9) or `auto`.
 * @throws MorkspaceError ERR_USAGE.
 */
export function parseCompression(value: string): { compression: MttsCompression; deflateLevel?: number } {
  const m = /^(none|lz4|auto|deflate)(?::([1-9]))?$/.exec(value);
  if (!m || (m[2] !== undefined && m[1] !== 'deflate')) throw usage(`--compression takes none, lz4, deflate[:1-9] or auto, got '${value}'`);
  const compression = m[1] as MttsCompression;
  return m[2] !== undefined ? { compression, deflateLevel: Number(m[2]) } : { compression };
}
