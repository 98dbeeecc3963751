/**
 * The formats, as one table: `convert` is a lookup, not a switch. Each entry opens an input as a
 * stream of paths and writes a space as a stream of bytes.
 */
import path from 'node:path';
import { ErrorCode, MorkspaceError, fail } from '../errors.js';
import type { ParseOptions, ParseStats } from '../expr/parser.js';
import type { Input } from '../io/input.js';
import type { PathArena } from '../path-arena.js';
import type { PathSource } from '../pipeline.js';
import type { SpaceStats } from '../stats.js';
import { readPaths, writePaths, looksLikeZlib, type PathsOptions } from './paths.js';
import type { MttsOptions } from './mtts/options.js';
import { readText, writeText } from './text.js';
import { compareBytes } from '../bytes.js';
import { isStrictlySorted } from '../sort.js';
import { defaultThreads, warmPool } from '../pool/pool.js';

export type FormatName = 'text' | 'paths' | 'act' | 'mtts';

/** Options for every format, by format; each module documents its own. */
export interface FormatOptions {
  /** Worker threads for parallel work (text parsing, MTTS chunks). Defaults to the machine's cores. */
  threads?: number;
  text?: Partial<ParseOptions>;
  paths?: Partial<PathsOptions>;
  mtts?: Partial<MttsOptions>;
  /** Where notes for `--verbose` go. */
  log?: (msg: string) => void;
}

/** A source opened for reading, with facts learnt while reading it (for `inspect`). */
export interface OpenedSource extends PathSource {
  /** Format-specific facts, complete once the batches have been consumed. */
  facts(): Record<string, unknown>;
}

/** One format's entry. */
export interface Format {
  readonly name: FormatName;
  readonly extensions: readonly string[];
  /** True for binary formats (not written to a terminal without --force). */
  readonly binary: boolean;
  /** True when the first bytes identify this format. */
  sniff(head: Uint8Array): boolean;
  open(input: Input, options: FormatOptions): Promise<OpenedSource>;
  /** Write a space (strictly ascending batches). */
  write(space: AsyncIterable<PathArena>, options: FormatOptions): AsyncIterable<Uint8Array>;
  /**
   * Inspection without reading the whole space, for formats that can (ACT reads its header and
   * trailers only; MTTS its header and index). `stats` is present only when `count` asks for a
   * full walk. Formats without it are inspected by reading every path.
   */
  inspect?(input: Input, options: FormatOptions & { count: boolean }): Promise<{ facts: Record<string, unknown>; stats?: SpaceStats }>;
}

const textFormat: Format = {
  name: 'text',
  extensions: ['.metta', '.mm2', '.txt'],
  binary: false,
  sniff: () => false,
  async open(input, options) {
    const stats: { parse?: ParseStats } = {};
    return {
      batches: readText(input.chunks(), { ...options.text, threads: textThreads(input, options) }, stats),
      sorted: false,
      // encoded paths take about as many bytes as their text (measured 0.76× on the bench space)
      ...(input.size !== undefined ? { byteHint: input.size } : {}),
      facts: () => ({ topLevel: stats.parse?.topLevel ?? 0, carriageReturns: stats.parse?.carriageReturns ?? 0 }),
    };
  },
  write: (space) => writeText(space),
};

/** Below this many bytes, text is parsed on one thread (bench case `text->paths`, 10K atoms). */
export const PARALLEL_TEXT_MIN_BYTES = 4 << 20;

function textThreads(input: Input, options: FormatOptions): number {
  const threads = options.threads ?? defaultThreads();
  // a stream of unknown size may be large: let the pool decide per chunk (the first stays here)
  if (threads > 1 && (input.size === undefined || input.size >= PARALLEL_TEXT_MIN_BYTES)) {
    warmPool(threads);
    return threads;
  }
  return 1;
}

const pathsFormat: Format = {
  name: 'paths',
  extensions: ['.paths', '.upaths'],
  binary: true,
  sniff: looksLikeZlib,
  async open(input, options) {
    let records = 0;
    let rawBytes = 0;
    let sortedInFile = true;
    let last: Uint8Array | undefined;
    async function* tracked(): AsyncGenerator<PathArena> {
      for await (const b of readPaths(input.chunks(), options.paths)) {
        records += b.count;
        rawBytes += b.byteLength + 4 * b.count;
        if (sortedInFile && b.count > 0) {
          const first = b.viewPath(0);
          if ((last !== undefined && compareBytes(last, first) >= 0) || !isStrictlySorted(b)) sortedInFile = false;
          last = b.copyPath(b.count - 1);
        }
        yield b;
      }
    }
    const compressionRatio = (): number => (input.size ? Math.round((rawBytes / input.size) * 100) / 100 : 0);
    return { batches: tracked(), sorted: false, facts: () => ({ records, decompressedBytes: rawBytes, compressionRatio: compressionRatio(), sortedUnique: sortedInFile }) };
  },
  write: (space, options) => writePaths(space, options.paths),
};

const FORMATS = new Map<FormatName, Format>([
  ['text', textFormat],
  ['paths', pathsFormat],
]);

/** Register a format (the ACT and MTTS modules do this). */
export function registerFormat(format: Format): void {
  FORMATS.set(format.name, format);
}

/** All registered formats. */
export function formats(): Format[] {
  return [...FORMATS.values()];
}

/** The format called `name`. @throws UsageError for an unknown name. */
export function formatByName(name: string): Format {
  const f = FORMATS.get(name as FormatName);
  if (!f) throw fail.usage(`unknown format '${name}' (known: ${[...FORMATS.keys()].join(', ')})`);
  return f;
}

/** The format a file name's extension names, if any. */
export function formatByExtension(file: string): Format | undefined {
  const ext = path.extname(file).toLowerCase();
  for (const f of FORMATS.values()) if (f.extensions.includes(ext)) return f;
  return undefined;
}

/**
 * The format of an input: `explicit` if given; else a binary format's magic bytes; else the file
 * extension; else a zlib header (.paths); else text.
 */
export async function detectInputFormat(input: Input, explicit?: string): Promise<Format> {
  if (explicit) return formatByName(explicit);
  const head = await input.head(16);
  for (const f of FORMATS.values()) if (f.name !== 'paths' && f.sniff(head)) return f;
  const byExt = input.path !== undefined ? formatByExtension(input.path) : undefined;
  if (byExt) return byExt;
  if (looksLikeZlib(head)) return formatByName('paths');
  return formatByName('text');
}

/** The format to write: `explicit` if given, else the output file's extension. */
export function detectOutputFormat(output: string | undefined, explicit?: string): Format {
  if (explicit) return formatByName(explicit);
  const byExt = output !== undefined && output !== '-' ? formatByExtension(output) : undefined;
  if (byExt) return byExt;
  throw new MorkspaceError(ErrorCode.Usage, output && output !== '-' ? `cannot tell the output format from '${path.basename(output)}': give --to` : 'writing to stdout: give --to FORMAT');
}
