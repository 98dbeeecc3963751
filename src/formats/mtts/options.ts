/** Options of the MTTS reader and writer, their defaults, and the one function that merges them. */
import { ErrorCode, MorkspaceError, type FormatError } from '../../errors.js';

/** How chunks are compressed: one codec for every chunk, or `auto` (chosen per chunk by `priority`). */
export type MttsCompression = 'none' | 'lz4' | 'deflate' | 'brotli' | 'auto';
/** What `auto` optimises for. */
export type MttsPriority = 'speed' | 'balanced' | 'size';

/** Options of `writeMtts` / `readMtts` and friends. */
export interface MttsOptions {
  /** Codec for every chunk, or `auto`. Defaults to `auto`. */
  compression: MttsCompression;
  /** Codec level when `compression` names one: deflate 1–9, brotli 0–11. Defaults to the codec's own default (deflate 6, brotli 9). */
  level?: number;
  /** What `auto` favours. Defaults to `balanced`. */
  priority: MttsPriority;
  /** Path bytes per chunk: a chunk ends after the path that reaches this many. Defaults to 1 MiB. */
  chunkBytes: number;
  /** Key/value pairs stored in the metadata section (sorted by key). Defaults to none. */
  meta: Readonly<Record<string, string>>;
  /** Check every digest when reading. Defaults to true. */
  verify: boolean;
  /**
   * Most path bytes of one chunk accepted when reading (sections: twice this). Defaults to
   * `MAX_CHUNK_BYTES`, the most a writer puts in one.
   */
  maxChunkBytes: number;
  /**
   * Reading: report a damaged chunk here and read on past it (`verify`, `--salvage`); the file's
   * totals are then not checked. Absent, the first damaged chunk fails the read.
   */
  onChunkFault?: (error: FormatError) => void;
}

/** Path bytes per chunk by default (bench case `mtts-codecs`: larger chunks gained < 1 % ratio). */
export const DEFAULT_CHUNK_BYTES = 1 << 20;
/** The largest `chunkBytes` a writer accepts: keeps every chunk field within u32 (see docs/format-mtts.md). */
export const MAX_CHUNK_BYTES = 256 << 20;

/** Defaults of every MTTS option. */
export const DEFAULT_MTTS_OPTIONS: MttsOptions = {
  compression: 'auto',
  priority: 'balanced',
  chunkBytes: DEFAULT_CHUNK_BYTES,
  meta: {},
  verify: true,
  maxChunkBytes: MAX_CHUNK_BYTES,
};

const COMPRESSIONS: readonly string[] = ['none', 'lz4', 'deflate', 'brotli', 'auto'];
/** Level ranges and defaults of the codecs that have levels. */
export const CODEC_LEVELS: Readonly<Record<string, { min: number; max: number; default: number }>> = {
  deflate: { min: 1, max: 9, default: 6 },
  brotli: { min: 0, max: 11, default: 9 },
};
const PRIORITIES: readonly string[] = ['speed', 'balanced', 'size'];

function usage(message: string): MorkspaceError {
  return new MorkspaceError(ErrorCode.Usage, message);
}

/** Merge `o` over the defaults and validate. @throws MorkspaceError ERR_USAGE naming the option. */
export function mttsOptions(o: Partial<MttsOptions> = {}): MttsOptions {
  const opts: MttsOptions = { ...DEFAULT_MTTS_OPTIONS, ...o };
  if (!COMPRESSIONS.includes(opts.compression)) throw usage(`mtts compression must be one of ${COMPRESSIONS.join(', ')}, got '${opts.compression}'`);
  if (!PRIORITIES.includes(opts.priority)) throw usage(`mtts priority must be one of ${PRIORITIES.join(', ')}, got '${opts.priority}'`);
  const range = CODEC_LEVELS[opts.compression];
  if (opts.level !== undefined) {
    if (!range) throw usage(`mtts level applies to deflate and brotli, not '${opts.compression}'`);
    if (!Number.isInteger(opts.level) || opts.level < range.min || opts.level > range.max) throw usage(`mtts ${opts.compression} level must be an integer ${range.min}-${range.max}, got ${opts.level}`);
  } else if (range) {
    opts.level = range.default;
  }
  if (!Number.isInteger(opts.chunkBytes) || opts.chunkBytes < 1 || opts.chunkBytes > MAX_CHUNK_BYTES) throw usage(`mtts chunkBytes must be an integer 1-${MAX_CHUNK_BYTES}, got ${opts.chunkBytes}`);
  if (!Number.isInteger(opts.maxChunkBytes) || opts.maxChunkBytes < 1) throw usage(`mtts maxChunkBytes must be a positive integer, got ${opts.maxChunkBytes}`);
  return opts;
}

/**
 * Parse a `--compression` value: `none`, `lz4`, `deflate[:1-9]`, `brotli[:0-11]` or `auto`.
 * @throws MorkspaceError ERR_USAGE.
 */
export function parseCompression(value: string): { compression: MttsCompression; level?: number } {
  const m = /^(none|lz4|auto|deflate|brotli)(?::(\d{1,2}))?$/.exec(value);
  const range = m ? CODEC_LEVELS[m[1]!] : undefined;
  const level = m?.[2] !== undefined ? Number(m[2]) : undefined;
  if (!m || (level !== undefined && (!range || level < range.min || level > range.max))) throw usage(`--compression takes none, lz4, deflate[:1-9], brotli[:0-11] or auto, got '${value}'`);
  const compression = m[1] as MttsCompression;
  return level !== undefined ? { compression, level } : { compression };
}
