/**
 * MeTTa text: one expression per line on output, exactly as upstream's `dump_all_sexpr`;
 * any layout on input, parsed as upstream's parser does (see expr/parser.ts for the differences).
 */
import type { Input } from '../io/input.js';
import { gatherSymbols, type GatheredSymbols } from '../symbols/gather.js';
import type { SharedSymbols, SymbolCollector, SymbolTable } from '../symbols/table.js';
import type { RunContext } from '../run/context.js';
import { ByteWriter } from '../expr/encoding.js';
import { printFault, printPaths, type PrintTextResult, type PrintTextTask } from '../expr/print-batch.js';
import { coalesced, inPieces } from '../io/coalesce.js';
import { TextParser, type ParseOptions, type ParseStats } from '../expr/parser.js';
import { dropSharedBuffers, giveBack, reclaim, takeBack, takeBuffer, takeBytes, takeSharedBuffer } from '../buffers.js';
import { PathArena } from '../path-arena.js';
import type { ParseChunkResult, ParseChunkTask } from '../expr/parse-chunk.js';
import { mapOrdered, type Parallel, type Returned, type WorkerPool } from '../pool/pool.js';
import { timedPartSync, type Probe } from '../run/probe.js';
import { Evidence, writeChunks, type Format } from './format.js';

/** Paths printed per output chunk: bounds the output buffer (bench case `paths->text`). */
const PRINT_BATCH_PATHS = 1 << 15;

/** Options of `readText`. */
export interface ReadTextOptions extends ParseOptions {
  /**
   * A pool to parse chunks on in parallel (absent, or one thread: all on this thread). Results are
   * identical either way: a worker's chunk is used only where this thread's parse meets it
   * between expressions (src/expr/parse-chunk.ts).
   */
  pool: WorkerPool;
  /** Stops the parse (and its pool tasks) when aborted. */
  signal: AbortSignal;
  /** Where this thread's parsing time goes (`--profile`: part `parse` of the read stage). */
  probe: Probe;
  /**
   * Drop a UTF-8 byte-order mark at the start. Defaults to false: upstream reads its three bytes as
   * symbol bytes (an atom of its own before a leading `(`). Positions in messages then count from
   * after the mark.
   */
  stripBom: boolean;
  /**
   * `--intern`'s two passes over one text: `symbols` gathers every distinct symbol into `collector`
   * (the batches are then of no use); `paths` writes the ids it assigned, the pool's threads looking
   * them up in `shared`. Both run on the pool like any parse.
   */
  intern: { pass: 'symbols'; collector: SymbolCollector } | { pass: 'paths'; collector: SymbolCollector; shared: SharedSymbols };
}

/** The UTF-8 byte-order mark. */
export const UTF8_BOM = new Uint8Array([0xef, 0xbb, 0xbf]);

/** True when `head` starts with the UTF-8 byte-order mark. */
export function startsWithBom(head: Uint8Array): boolean {
  return head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
}

// The stream without a leading byte-order mark (the first chunks are joined until 3 bytes are seen).
async function* withoutBom(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let head: Uint8Array | undefined = new Uint8Array(0);
  for await (const chunk of source) {
    if (head === undefined) {
      yield chunk;
      continue;
    }
    const joined: Uint8Array = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    if (joined.length < 3) {
      head = joined;
      continue;
    }
    head = undefined;
    yield startsWithBom(joined) ? joined.subarray(3) : joined;
  }
  if (head !== undefined && head.length > 0) yield head;
}

/**
 * Stream MeTTa text into batches of paths (input order, duplicates kept).
 * `stats`, when given, is filled as parsing goes.
 * @throws FormatError ERR_SYNTAX / ERR_LIMIT with line, column and byte offset.
 */
export async function* readText(input: AsyncIterable<Uint8Array>, options: Partial<ReadTextOptions> = {}, stats?: { parse?: ParseStats }): AsyncGenerator<PathArena> {
  const source = coalesced(options.stripBom ? withoutBom(input) : input);
  const intern = options.intern;
  const collector = intern?.collector;
  const interner = collector && (intern.pass === 'symbols' ? collector.gathering() : collector);
  const parser = new TextParser(interner ? { ...options, interner } : options);
  if (stats) stats.parse = parser.stats;
  const pool = options.pool;
  const signal = options.signal;
  // a bare interner is this thread's alone (the pool cannot look it up): no speculative parse then
  if (pool === undefined || !pool.parallel || options.interner !== undefined) {
    for await (const chunk of source) {
      signal?.throwIfAborted();
      const arena = new PathArena(chunk.length + 1024, 1024);
      timedPartSync(options.probe, 'parse', chunk.length, () => parser.push(chunk, arena));
      if (arena.count > 0) yield arena;
    }
  } else {
    const task = async (chunk: Uint8Array): Promise<ParseChunkResult> => {
      // A copy of its own and the buffers its paths go into, all in shared memory: lent, not
      // moved, so that nothing is detached on this thread (see `shared` in buffers.ts). The worker
      // gives back views of the lent buffers, or buffers of its own (moved) where they were too
      // small; this thread's own views of what it lent are the ones that go back for reuse.
      const bytes = new Uint8Array(takeSharedBuffer(chunk.length), 0, chunk.length);
      bytes.set(chunk);
      const out = { bytes: new Uint8Array(takeSharedBuffer(chunk.length + 64)), ends: new Uint32Array(takeSharedBuffer(4 * Math.max(1024, chunk.length >> 4))) };
      const t: ParseChunkTask = { bytes, crIsWhitespace: options.crIsWhitespace ?? false, longSymbols: options.longSymbols === 'truncate' ? 'truncate' : 'error', out, ...(intern ? { intern: intern.pass === 'symbols' ? { collect: true as const } : { index: intern.shared } } : {}) };
      // (a run that throws, a fault of the pool or an abort, gives nothing back: the worker may
      // still hold them)
      const r = await pool.run<ParseChunkTask, ParseChunkResult & Returned>('parseTextChunk', t, [], signal);
      giveBack(bytes);
      takeBack(r.back);
      if (!r.ok) {
        giveBack(out.bytes);
        giveBack(out.ends);
        return r;
      }
      r.bytes = resultView(out.bytes, r.bytes, r.inLent?.bytes);
      r.ends = resultView(out.ends, r.ends, r.inLent?.ends);
      return r;
    };
    // the first chunk starts at the top level: no guess to make, parse it here
    const chunks = mapOrdered(source, 2 * pool.threads, async (chunk, index) => ({ chunk, guess: index === 0 ? undefined : await task(chunk) }));
    for await (const { chunk, guess } of chunks) yield* timedPartSync(options.probe, 'parse', chunk.length, () => [...parseWithGuess(parser, chunk, guess, collector)]);
    // the shared buffers lent to the parse are of no use to the rest of the run (its sort)
    dropSharedBuffers();
  }
  const arena = new PathArena(0, 16);
  parser.end(arena);
  if (arena.count > 0) yield arena;
}

// Where a worker's result lies: in the buffer this thread lent (its own view of it, which goes back
// for reuse when the batch is released), or in the worker's own, taken in here with the lent one
// given back.
function resultView<T extends Uint8Array | Uint32Array>(lent: T, got: T, inLent: boolean | undefined): T {
  if (inLent === true) return lent;
  giveBack(lent);
  reclaim(got);
  return got;
}

// Use a worker's parse of `chunk` from its first line break if this thread's parse reaches that
// point between expressions; else parse the chunk here (also for its exact error positions).
// In the symbol pass a guess brings its chunk's symbols instead of paths: they go to `collector`.
function* parseWithGuess(parser: TextParser, chunk: Uint8Array, guess: ParseChunkResult | undefined, collector?: SymbolCollector): Generator<PathArena> {
  if (guess?.ok) {
    const head = new PathArena(guess.start + 64, 16);
    parser.push(chunk.subarray(0, guess.start), head);
    if (parser.atTopLevel()) {
      yield* ifAny(head);
      parser.skipAhead(chunk.subarray(guess.start, guess.stop), guess.topLevel, guess.longSymbols);
      if (guess.symbols !== undefined) {
        const { bytes, starts, hashes } = guess.symbols;
        for (let k = 0; k + 1 < starts.length; k++) collector!.add(bytes, starts[k]!, starts[k + 1]!, hashes[k]!);
      } else yield* ifAny(PathArena.adopt(guess.bytes, guess.ends, guess.count));
      const tail = new PathArena(chunk.length - guess.stop + 64, 16);
      parser.push(chunk.subarray(guess.stop), tail);
      yield* ifAny(tail);
      return;
    }
    giveBack(guess.bytes);
    giveBack(guess.ends);
    parser.push(chunk.subarray(guess.start), head);
    yield* ifAny(head);
    return;
  }
  const arena = new PathArena(chunk.length + 1024, 1024);
  parser.push(chunk, arena);
  yield* ifAny(arena);
}

// `arena` when it holds paths; else its buffers go back for reuse.
function* ifAny(arena: PathArena): Generator<PathArena> {
  if (arena.count > 0) yield arena;
  else arena.release();
}

/**
 * Print a space as text, one expression per line. The empty path (a value at the trie's root, which
 * upstream's dump skips as well) has no text: it is skipped, and `skipped` counts it. With a pool
 * of more than one thread and a large space, batches are printed on the workers, in order, while
 * this thread reads the next (a space with a symbol table prints here: the workers have none).
 * @throws FormatError ERR_NOT_EXPRESSION naming the path's index in the space.
 */
export async function* writeText(batches: AsyncIterable<PathArena>, skipped: { emptyPaths: number } = { emptyPaths: 0 }, symbols?: SymbolTable, options: WriteTextOptions = {}): AsyncGenerator<Uint8Array> {
  const { pool, probe } = options;
  // Batches are printed here until PRINT_HERE_BYTES of them, then on the pool: no read-ahead to
  // decide (a batch may be released, its buffers reused, once the next is asked for), and a space
  // that small never starts the workers. They are started a while before they are needed.
  const toPool = pool !== undefined && pool.parallel && symbols === undefined ? (options.printHereBytes ?? PRINT_HERE_BYTES) : Infinity;
  const it = batches[Symbol.asyncIterator]();
  const w = new ByteWriter(1 << 20);
  let index = 0;
  let seen = 0;
  let text = 0;
  // `--profile`: the printing between two hand-overs is the writer's `encode` part (a clock read per chunk)
  const timing = probe?.part !== undefined;
  let since = 0;
  try {
    while (seen < toPool) {
      const next = await it.next();
      if (next.done === true) return;
      const batch = next.value;
      if (timing) since = performance.now();
      let from = 0;
      while (from < batch.count) {
        from = printPaths(batch.bytes, batch.ends, from, Math.min(batch.count, from + PRINT_BATCH_PATHS), index, w, skipped, symbols, 1 << 20);
        if (w.pos >= 1 << 20 || from === batch.count) {
          if (timing) probe.part!('encode', performance.now() - since, w.pos);
          text += w.pos;
          if (w.pos > 0) yield w.handOver();
          if (timing) since = performance.now();
        }
      }
      index += batch.count;
      seen += batch.byteLength;
      if (seen >= toPool - Math.min(PRINT_WARM_BYTES, toPool / 4)) pool!.warm();
    }
    yield* printedOnPool({ [Symbol.asyncIterator]: () => it }, index, seen > 0 ? Math.max(1, text / seen) : 2, skipped, pool!, options);
  } finally {
    await it.return?.();
  }
}

/** Options of `writeText`: where it may print in parallel, and whether the batches are its own. */
export interface WriteTextOptions extends Parallel {
  /**
   * Nothing else reads a batch once the next is asked for (a Space that `recycles`): its buffers
   * are then handed to a worker (`PathArena.surrender`), not copied. (Copied, ACT → text of 1M
   * atoms on 2 threads peaked at 190 MiB, the copies garbage waiting to be collected; handed over,
   * 132 MiB, and faster.)
   */
  batchesOwned?: boolean;
  /** Path bytes printed on this thread before the pool takes over: `PRINT_HERE_BYTES` unless given. */
  printHereBytes?: number;
}

/**
 * Text printed on the pool: each batch's buffers (or a copy) move to a worker with one lent for
 * its text; all come back to be reused (see `reclaim` in buffers.ts). One batch a thread and at
 * most `PRINT_IN_FLIGHT_BYTES` of them are out at once. (`--profile` has no `encode` part then: the
 * printing is the workers' time, and what this thread waits for is the write stage's own.)
 */
async function* printedOnPool(batches: AsyncIterable<PathArena>, first: number, textPerByte: number, skipped: { emptyPaths: number }, pool: WorkerPool, options: WriteTextOptions): AsyncGenerator<Uint8Array> {
  // taken (or copied) before the first await: the batch may be released once the next is asked for
  const print = (b: PathArena): Promise<PrintTextResult & Returned> => {
    const n = b.byteLength;
    const count = b.count;
    const movable = options.batchesOwned === true && !b.shared;
    let bytes: Uint8Array;
    let ends: Uint32Array;
    if (movable) ({ bytes, ends } = b.surrender());
    else {
      bytes = takeBytes(n).subarray(0, n);
      bytes.set(b.bytes.subarray(0, n));
      ends = new Uint32Array(takeBuffer(4 * count), 0, count);
      ends.set(b.ends.subarray(0, count));
    }
    // room for the text at the most text per path byte seen yet, and a little more (a batch that
    // needs more grows on the worker)
    const out = takeBytes(Math.ceil(n * textPerByte * 1.1) + 64);
    const task: PrintTextTask = { bytes, ends, first, out };
    first += count;
    const transfer = [...new Set([bytes.buffer, ends.buffer, out.buffer])] as ArrayBuffer[];
    return pool.run<PrintTextTask, PrintTextResult & Returned>('printText', task, transfer, options.signal);
  };
  const printed = mapOrdered(batches, pool.threads, print, { of: (b) => b.byteLength, limit: PRINT_IN_FLIGHT_BYTES });
  for await (const result of printed) {
    takeBack(result.back);
    if (!result.ok) throw printFault(result);
    skipped.emptyPaths += result.emptyPaths;
    if (result.bytes > 0) textPerByte = Math.max(textPerByte, result.text.length / result.bytes);
    reclaim(result.text);
    if (result.text.length > 0) yield result.text;
    else giveBack(result.text);
  }
}

/**
 * Path bytes printed on the run's thread before the rest goes to the pool (see `writeText`). The
 * pool costs its start and takes a core from what feeds the printer (the ACT walk, .paths' inflate
 * on libuv's threads). Measured here (2 cores), 2 threads against 1, interleaved whole processes:
 * from a 1M-atom space (38 MB of paths), the pool after 1 MiB, ACT -> text took 1.07x the time and
 * .paths -> text 1.01x, with 40-50 MiB more; from 10M (380 MB), 0.84x and 0.95x, 90 MiB more.
 * Spaces up to this size print as on one thread; on more cores the pool's share grows.
 * Printing shared with the pool from 4 MiB on was measured too (runs of 2 MiB of batches copied
 * into shared memory, nothing moved either way, one worker printing them while this thread printed
 * the batches in between, the text in order): 1M atoms on 2 threads, .paths -> text 0.56 s against
 * 0.42 s for this code, ACT -> text 0.59 against 0.57, peaks 43-69 MiB higher (medians of 3
 * interleaved runs each). The worker printed at about half its speed alone: on 2 cores its start,
 * its cold code and .paths' inflate on libuv's thread take what the second core has to give.
 */
export const PRINT_HERE_BYTES = 64 << 20;
// The workers are started when this many path bytes are left to print here (~0.2 s of printing).
const PRINT_WARM_BYTES = 16 << 20;

/** Path bytes of the batches out on the pool at once when text is printed there. */
const PRINT_IN_FLIGHT_BYTES = 16 << 20;

/** Print every path of `arena` (in its order) as text, leaving out empty paths as `writeText` does. */
export function encodeText(arena: PathArena, symbols?: SymbolTable): Uint8Array {
  const w = new ByteWriter(Math.max(64, arena.byteLength * 2));
  printPaths(arena.bytes, arena.ends, 0, arena.count, 0, w, { emptyPaths: 0 }, symbols);
  return w.buf.slice(0, w.pos);
}

/** What the text reader learns. */
export interface TextFacts {
  /** Top-level expressions read (duplicates included). */
  topLevel: number;
  /** Carriage returns read as symbol bytes (none under `crIsWhitespace`). */
  carriageReturns: number;
  /** The input started with a UTF-8 byte-order mark. */
  bom: boolean;
  /** Symbols over 63 bytes cut to 63 (`--long-symbols truncate`). */
  truncatedSymbols: number;
  /** Distinct symbols interned (`--intern`). */
  internedSymbols?: number;
}

/** Options of the text format as a source: the parser's, and `intern`. */
export interface TextReadOptions extends Partial<Pick<ReadTextOptions, 'crIsWhitespace' | 'stripBom' | 'longSymbols'>> {
  /**
   * Intern every symbol as MORK's interning build does: a first pass gathers the distinct symbols
   * and numbers them in (length, bytes) order (the same space gets the same ids whatever its order,
   * threads or budget), the second reads the paths with those ids. A stream is spooled to the run's temporary
   * folder for the second pass. The table travels as the space's `symbols`.
   */
  intern?: boolean;
}

/** Bytes per piece of `--intern`'s symbol pass on the pool. */
const SYMBOL_PASS_PIECE_BYTES = 8 << 20;

/** Below this many bytes, text is parsed on one thread (bench case `text->paths`, 10K atoms). */
export const PARALLEL_TEXT_MIN_BYTES = 4 << 20;

/** The `text` entry of the format table. */
export const textFormat: Format<TextFacts> = {
  name: 'text',
  extensions: ['.metta', '.mm2', '.txt'],
  binary: false,
  writable: true,
  capabilities: { prefixLookup: false, quickInspect: false, verifies: 'every expression parses', symbols: 'printed' },
  flags: { read: ['crlf', 'stripBom', 'intern', 'longSymbols'], write: [] },
  // text has no magic: it is what is left when no binary format claims the bytes (formats/table.ts)
  sniff: () => Evidence.None,
  async open(input, ctx, options = {}) {
    const facts: TextFacts = { topLevel: 0, carriageReturns: 0, bom: startsWithBom(await input.head(3)), truncatedSymbols: 0 };
    const text = options.text ?? {};
    const strip = text.stripBom ?? false;
    if (facts.bom && !strip) ctx.warn(`${input.name}: starts with a UTF-8 byte-order mark; its 3 bytes are read as symbol bytes, as upstream does (--strip-bom drops it)`);
    const sizeHint = input.size !== undefined ? { inputBytes: input.size, pathBytes: input.size } : {};
    const base = { order: 'unsorted' as const, recycles: true, ...(input.decompressed === true ? { expanded: true } : {}), sizeHint, facts };
    if (text.intern === true) {
      const symbols = await internedSymbols(input, ctx, text);
      facts.internedSymbols = symbols.table.count;
      return { ...base, batches: reading(symbols.input, ctx, text, facts, symbols.collector, symbols.shared, symbols.done), symbols: symbols.table };
    }
    return { ...base, batches: reading(input, ctx, text, facts) };
  },
  async write(space, ctx, sink) {
    const skipped = { emptyPaths: 0 };
    await writeChunks(writeText(space.batches, skipped, space.symbols, { pool: ctx.pool, signal: ctx.signal, probe: ctx.probe, batchesOwned: space.recycles === true }), sink, ctx);
    if (skipped.emptyPaths > 0) ctx.warn(`${skipped.emptyPaths === 1 ? 'the empty path (a value at the root of the trie) was' : `${skipped.emptyPaths} empty paths were`} left out: text has no notation for it, and upstream's dump skips it too`);
  },
  describe: (f) => ({ topLevel: f.topLevel, carriageReturns: f.carriageReturns, ...(f.bom ? { byteOrderMark: 'yes' } : {}), ...(f.truncatedSymbols > 0 ? { truncatedSymbols: f.truncatedSymbols } : {}), ...(f.internedSymbols !== undefined ? { internedSymbols: f.internedSymbols } : {}) }),
};

// The paths of `input` as batches; its facts and warnings once they are read. With `collector`, every
// symbol is interned through it (its ids assigned); `done` runs when the batches end or stop.
async function* reading(input: Input, ctx: RunContext, text: TextReadOptions, facts: TextFacts, collector?: SymbolCollector, shared?: SharedSymbols, done?: () => void): AsyncGenerator<PathArena> {
  try {
    const parallel = parallelFor(input, ctx);
    const stats: { parse?: ParseStats } = {};
    const intern = collector && { pass: 'paths' as const, collector, shared: shared! };
    yield* readText(input.chunks(), { ...parserOptions(text), ...(parallel ? { pool: ctx.pool } : {}), ...(intern ? { intern } : {}), signal: ctx.signal, ...(ctx.probe ? { probe: ctx.probe } : {}) }, stats);
    facts.topLevel = stats.parse?.topLevel ?? 0;
    facts.carriageReturns = stats.parse?.carriageReturns ?? 0;
    facts.truncatedSymbols = stats.parse?.longSymbols ?? 0;
    if (facts.carriageReturns > 0) {
      ctx.warn(`${input.name}: ${facts.carriageReturns} carriage return ${facts.carriageReturns === 1 ? 'byte was' : 'bytes were'} kept as symbol bytes, as upstream's parser does (CRLF text?); --crlf treats them as whitespace`);
    }
    if (facts.truncatedSymbols > 0) {
      const first = stats.parse!.firstLong!;
      ctx.warn(`${input.name}: ${facts.truncatedSymbols} ${facts.truncatedSymbols === 1 ? 'symbol' : 'symbols'} over 63 bytes cut to their first 63 bytes, as upstream's default build loads them (the first at ${first.line}:${first.column}, ${first.bytes} bytes); --intern keeps them whole`);
    }
  } finally {
    done?.();
  }
}

// Parse on the pool: a stream of unknown size may be large (the pool then decides per chunk; the first stays here).
function parallelFor(input: Input, ctx: RunContext): boolean {
  const parallel = ctx.pool.parallel && (input.size === undefined || input.size >= PARALLEL_TEXT_MIN_BYTES);
  if (parallel) ctx.pool.warm();
  return parallel;
}

function parserOptions(text: TextReadOptions): Partial<ReadTextOptions> {
  return { ...(text.crIsWhitespace !== undefined ? { crIsWhitespace: text.crIsWhitespace } : {}), ...(text.stripBom !== undefined ? { stripBom: text.stripBom } : {}), ...(text.longSymbols !== undefined ? { longSymbols: text.longSymbols } : {}) };
}

/**
 * The symbol pass of `--intern` (symbols/gather.ts), on the pool for a large input: the distinct
 * symbols of each piece are gathered on a worker and merged here.
 */
function internedSymbols(input: Input, ctx: RunContext, text: TextReadOptions): Promise<GatheredSymbols> {
  let parallel = false;
  return gatherSymbols(
    input,
    ctx,
    (source, collector) => {
      parallel = parallelFor(source, ctx);
      // pieces of 8 MiB: the distinct symbols of each are merged here (1M URI triples: 1 MiB pieces
      // 3.4 s, 8 MiB 2.5 s, 16 MiB 2.8 s, two threads); no probe: the pass is the `symbols` stage
      return readText(parallel ? inPieces(source.chunks(), SYMBOL_PASS_PIECE_BYTES) : source.chunks(), { ...parserOptions(text), ...(parallel ? { pool: ctx.pool } : {}), intern: { pass: 'symbols', collector }, signal: ctx.signal }, {});
    },
    () => parallel,
  );
}
