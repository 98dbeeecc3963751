/**
 * CSV input, mapped to atoms as MORK's CSV import does (`load_csv` in kernel/src/space.rs, called
 * by the `server` branch's import with row numbers on; docs/import.md): each row is one atom
 * `(i c1 c2 … cn)`, `i` its decimal row number from 0, every cell an untyped symbol; no header.
 * Unlike MORK's, which splits on `,` and `\n` and nothing else, fields are read by csv-parse (a
 * maintained RFC 4180 parser): a quoted field may hold commas, quotes (doubled) and line breaks, and
 * CRLF ends a row. `--csv-delimiter` (one byte) and `--csv-header` (skip the first row) adjust it.
 */
import { parse, type CsvError } from 'csv-parse';
import { ErrorCode, FormatError } from '../errors.js';
import { MAX_ARITY, MAX_SYMBOL_BYTES } from '../expr/encoding.js';
import { throwIfLong, type LongSymbols } from '../expr/parser.js';
import type { Input } from '../io/input.js';
import { PathArena } from '../path-arena.js';
import type { RunContext } from '../run/context.js';
import type { Where } from '../errors.js';
import { Evidence, type Format } from './format.js';

/** Options of the CSV reader. */
export interface CsvOptions {
  /** The field separator (one character). Defaults to `,`. */
  delimiter: string;
  /** Skip the first row (a header). Defaults to false: MORK has no header handling. */
  header: boolean;
}

/** What the CSV reader learns. */
export interface CsvFacts {
  rows: number;
  /** Cells over 63 bytes cut (`--long-symbols truncate`). */
  truncatedSymbols: number;
}

const enc = new TextEncoder();
/** Rows per batch. */
const BATCH_ROWS = 1 << 14;

/**
 * Stream CSV into batches of paths, a row each: `(i c1 … cn)`.
 * @throws FormatError ERR_SYNTAX with the line (an unclosed quote, a stray quote), ERR_LIMIT for a
 * row of more than 62 cells (MORK's arity) or, under `error`, the first cell over 63 bytes.
 */
export async function* readCsv(input: AsyncIterable<Uint8Array>, options: Partial<CsvOptions> & { longSymbols?: LongSymbols; signal?: AbortSignal } = {}, facts: CsvFacts = { rows: 0, truncatedSymbols: 0 }): AsyncGenerator<PathArena> {
  const parser = parse({ delimiter: options.delimiter ?? ',', relax_column_count: true, skip_empty_lines: true, from: options.header ? 2 : 1, info: true, bom: false });
  const feed = (async () => {
    try {
      for await (const chunk of input) {
        options.signal?.throwIfAborted();
        if (!parser.write(chunk)) await new Promise<void>((resolve) => parser.once('drain', resolve));
      }
      parser.end();
    } catch (e) {
      parser.destroy(e instanceof Error ? e : new Error(String(e)));
    }
  })();
  const long: { longSymbols: number; firstLong?: Where & { bytes: number } } = { longSymbols: 0 };
  let arena = new PathArena(1 << 16, 1024);
  let row = 0;
  let scratch = new Uint8Array(1024);
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const cells = item.record;
      if (cells.length + 1 > MAX_ARITY) throw new FormatError(ErrorCode.Limit, `a row of ${cells.length} cells: an atom holds at most ${MAX_ARITY - 1} besides its row number (MORK's limit)`, { line: item.info.lines });
      const encoded = [enc.encode(String(row)), ...cells.map((c) => enc.encode(c))];
      let size = 1;
      for (const e of encoded) size += 1 + Math.min(e.length, MAX_SYMBOL_BYTES);
      if (size > scratch.length) scratch = new Uint8Array(2 * size);
      let w = 0;
      scratch[w++] = encoded.length;
      for (const e of encoded) {
        let n = e.length;
        if (n > MAX_SYMBOL_BYTES) {
          if (long.longSymbols++ === 0) long.firstLong = { line: item.info.lines, bytes: n };
          n = MAX_SYMBOL_BYTES;
        }
        // an empty cell is a 0-byte symbol, the byte C0, as MORK's load_csv writes it (it reads as a variable)
        scratch[w++] = 0xc0 | n;
        scratch.set(e.subarray(0, n), w);
        w += n;
      }
      arena.push(scratch, 0, w);
      row++;
      if (arena.count >= BATCH_ROWS) {
        yield arena;
        arena = new PathArena(1 << 16, 1024);
      }
    }
    await feed;
  } catch (e) {
    const err = e as CsvError & { lines?: number };
    if (e instanceof FormatError) throw e;
    if (typeof err.code === 'string' && err.code.startsWith('CSV_')) throw new FormatError(ErrorCode.Syntax, err.message.replace(/^Invalid (Opening|Closing) Quote: /, ''), err.lines !== undefined ? { line: err.lines } : {});
    throw e;
  }
  facts.rows = row;
  facts.truncatedSymbols = long.longSymbols;
  if (arena.count > 0) yield arena;
  if ((options.longSymbols ?? 'error') === 'error') throwIfLong(long);
}

/** The `csv` entry of the format table (read only): MORK's CSV import mapping. */
export const csvFormat: Format<CsvFacts> = {
  name: 'csv',
  extensions: ['.csv', '.tsv'],
  binary: false,
  writable: false,
  capabilities: { prefixLookup: false, quickInspect: false, verifies: 'every row is CSV', symbols: 'printed' },
  flags: { read: ['longSymbols', 'csvDelimiter', 'csvHeader'], write: [] },
  // CSV has no magic: the extension or --from decides
  sniff: () => Evidence.None,
  async open(input: Input, ctx: RunContext, options = {}) {
    const facts: CsvFacts = { rows: 0, truncatedSymbols: 0 };
    const longSymbols = options.text?.longSymbols === 'truncate' ? ('truncate' as const) : ('error' as const);
    const tsv = (input.path ?? input.name).toLowerCase().endsWith('.tsv');
    const csv = { delimiter: options.csv?.delimiter ?? (tsv ? '\t' : ','), header: options.csv?.header ?? false };
    async function* batches(): AsyncGenerator<PathArena> {
      yield* readCsv(input.chunks(), { ...csv, longSymbols, signal: ctx.signal }, facts);
      if (facts.truncatedSymbols > 0) ctx.warn(`${input.name}: ${facts.truncatedSymbols} ${facts.truncatedSymbols === 1 ? 'cell' : 'cells'} over 63 bytes cut to their first 63 bytes, as upstream's loader does`);
    }
    return { batches: batches(), order: 'unsorted', recycles: true, sizeHint: input.size !== undefined ? { inputBytes: input.size, pathBytes: input.size } : {}, facts };
  },
  async write() {
    throw new FormatError(ErrorCode.Usage, 'csv is read, not written', {});
  },
  describe: (f) => ({ rows: f.rows, ...(f.truncatedSymbols > 0 ? { truncatedSymbols: f.truncatedSymbols } : {}) }),
};
