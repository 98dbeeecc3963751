/**
 * CSV input, mapped to atoms as MORK's CSV import does (`load_csv` in kernel/src/space.rs, called
 * by the `server` branch's import with row numbers on; docs/import.md): each row is one atom
 * `(i c1 c2 … cn)`, `i` its decimal row number from 0, every cell an untyped symbol; no header.
 * Unlike MORK's, which splits on `,` and `\n` and nothing else, fields are read by csv-parse (a
 * maintained RFC 4180 parser): a quoted field may hold commas, quotes (doubled) and line breaks, and
 * CRLF ends a row. `--csv-delimiter` (one byte) and `--csv-header` (skip the first row) adjust it.
 */
import type { CsvError } from 'csv-parse';
import { ErrorCode, FormatError } from '../errors.js';
import { MAX_ARITY, MAX_SYMBOL_BYTES } from '../expr/encoding.js';
import { throwIfLong, type Interner, type LongSymbols, type ParseStats } from '../expr/parser.js';
import type { Input } from '../io/input.js';
import { PathArena } from '../path-arena.js';
import { gatherSymbols } from '../symbols/gather.js';
import { ID_BYTES, TAG_ID, writeId } from '../symbols/table.js';
import type { RunContext } from '../run/context.js';
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
  /** The record (from 1, the header counted) of the first cell cut. */
  firstLongRecord?: number;
  /** Distinct symbols interned (`--intern`). */
  internedSymbols?: number;
}

/** Rows per batch. */
const BATCH_ROWS = 1 << 14;

/**
 * Stream CSV into batches of paths, a row each: `(i c1 … cn)`.
 * @throws FormatError ERR_SYNTAX with the line (an unclosed quote, a stray quote), ERR_LIMIT for a
 * row of more than 62 cells (MORK's arity) or, under `error`, the first cell over 63 bytes.
 */
export async function* readCsv(input: AsyncIterable<Uint8Array>, options: Partial<CsvOptions> & { longSymbols?: LongSymbols; interner?: Interner; signal?: AbortSignal } = {}, facts: CsvFacts = { rows: 0, truncatedSymbols: 0 }): AsyncGenerator<PathArena> {
  // loaded on first use: only a CSV run pays for csv-parse's ~15 ms of start-up
  const { parse } = await import('csv-parse');
  // No `info` (a copied object per record: twice the parse time); the records of each chunk are
  // taken with read() as soon as it is written, not through the stream's async iterator (a promise
  // per record). So a fault found past the parser (a long cell, a wide row) is placed by its record.
  const parser = parse({ delimiter: options.delimiter ?? ',', relax_column_count: true, skip_empty_lines: true, from: options.header ? 2 : 1, bom: false });
  let failed: unknown;
  parser.on('error', (e: unknown) => (failed ??= e));
  // the writable side finishes once end() has flushed the last record into the readable side
  const flushed = new Promise<void>((resolve) => {
    parser.once('finish', resolve);
    parser.once('error', () => resolve());
  });
  const long: Pick<ParseStats, 'longSymbols' | 'firstLong'> = { longSymbols: 0 };
  const interner = options.interner;
  // records are counted from 1 in the file, its header included (the atoms' row numbers start at 0 after it)
  const firstRow = options.header ? 2 : 1;
  let arena = new PathArena(1 << 16, 1024);
  let row = 0;
  let scratch = Buffer.alloc(1024);
  let cell = Buffer.alloc(256);
  // the cell's UTF-8 in `cell`; its length
  const encode = (text: string): number => {
    if (3 * text.length > cell.length) cell = Buffer.alloc(Math.max(3 * text.length, 2 * cell.length));
    return cell.write(text, 0, 'utf8');
  };
  // one record as the atom (i c1 … cn) in `arena`
  const add = (cells: string[]): void => {
    if (cells.length + 1 > MAX_ARITY) throw new FormatError(ErrorCode.Limit, `record ${row + firstRow}: a row of ${cells.length} cells: an atom holds at most ${MAX_ARITY - 1} besides its row number (MORK's limit)`, {});
    let w = 0;
    for (let k = -1; k < cells.length; k++) {
      let n = encode(k < 0 ? String(row) : cells[k]!);
      if (scratch.length < w + 2 + Math.max(n, ID_BYTES)) {
        const grown = Buffer.alloc(2 * (w + 2 + Math.max(n, ID_BYTES)));
        scratch.copy(grown, 0, 0, w);
        scratch = grown;
      }
      if (k < 0) scratch[w++] = cells.length + 1;
      if (interner) {
        scratch[w++] = TAG_ID;
        writeId(interner.idOf(cell, 0, n), scratch, w);
        w += ID_BYTES;
        continue;
      }
      if (n > MAX_SYMBOL_BYTES) {
        if (long.longSymbols++ === 0) long.firstLong = { record: row + firstRow, bytes: n };
        n = MAX_SYMBOL_BYTES;
      }
      // an empty cell is a 0-byte symbol, the byte C0, as MORK's load_csv writes it (it reads as a variable)
      scratch[w++] = 0xc0 | n;
      cell.copy(scratch, w, 0, n);
      w += n;
    }
    arena.push(scratch, 0, w);
    row++;
  };
  const check = (): void => {
    // a parse error destroys the stream at once (`errored`); its 'error' event comes a tick later
    const fault = failed ?? parser.errored;
    if (fault === null || fault === undefined) return;
    const err = fault as CsvError & { lines?: number };
    if (typeof err.code === 'string' && err.code.startsWith('CSV_')) throw new FormatError(ErrorCode.Syntax, err.message.replace(/^Invalid (Opening|Closing) Quote: /, ''), err.lines !== undefined ? { line: err.lines } : {});
    throw fault;
  };
  // every record parsed so far, batch by full batch
  function* take(): Generator<PathArena> {
    for (let rec: string[] | null; (rec = parser.read() as string[] | null) !== null; ) {
      add(rec);
      if (arena.count >= BATCH_ROWS) {
        yield arena;
        arena = new PathArena(1 << 16, 1024);
      }
    }
    check();
  }
  try {
    for await (const chunk of input) {
      options.signal?.throwIfAborted();
      parser.write(chunk);
      check();
      yield* take();
    }
    parser.end();
    await flushed;
    yield* take();
  } finally {
    parser.destroy();
  }
  facts.rows = row;
  facts.truncatedSymbols = long.longSymbols;
  if (long.firstLong?.record !== undefined) facts.firstLongRecord = long.firstLong.record;
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
  flags: { read: ['longSymbols', 'intern', 'csvDelimiter', 'csvHeader'], write: [] },
  // CSV has no magic: the extension or --from decides
  sniff: () => Evidence.None,
  async open(input: Input, ctx: RunContext, options = {}) {
    const facts: CsvFacts = { rows: 0, truncatedSymbols: 0 };
    const longSymbols = options.text?.longSymbols === 'truncate' ? ('truncate' as const) : ('error' as const);
    const tsv = (input.path ?? input.name).toLowerCase().endsWith('.tsv');
    const csv = { delimiter: options.csv?.delimiter ?? (tsv ? '\t' : ','), header: options.csv?.header ?? false };
    const read = (source: Input, interner?: Interner, into: CsvFacts = { rows: 0, truncatedSymbols: 0 }): AsyncGenerator<PathArena> => readCsv(source.chunks(), { ...csv, longSymbols, ...(interner ? { interner } : {}), signal: ctx.signal }, into);
    const symbols = options.text?.intern === true ? await gatherSymbols(input, ctx, (source, collector) => read(source, collector.gathering())) : undefined;
    if (symbols) facts.internedSymbols = symbols.table.count;
    async function* batches(): AsyncGenerator<PathArena> {
      try {
        yield* read(symbols?.input ?? input, symbols?.collector, facts);
        if (facts.truncatedSymbols > 0) ctx.warn(`${input.name}: ${facts.truncatedSymbols} ${facts.truncatedSymbols === 1 ? 'cell' : 'cells'} over 63 bytes cut to their first 63 bytes, as upstream's loader does (the first in record ${facts.firstLongRecord}); --intern keeps them whole`);
      } finally {
        symbols?.done();
      }
    }
    return { batches: batches(), order: 'unsorted', recycles: true, sizeHint: input.size !== undefined ? { inputBytes: input.size, pathBytes: input.size } : {}, facts, ...(symbols ? { symbols: symbols.table } : {}) };
  },
  async write() {
    throw new FormatError(ErrorCode.Usage, 'csv is read, not written', {});
  },
  describe: (f) => ({ rows: f.rows, ...(f.truncatedSymbols > 0 ? { truncatedSymbols: f.truncatedSymbols } : {}), ...(f.internedSymbols !== undefined ? { internedSymbols: f.internedSymbols } : {}) }),
};
