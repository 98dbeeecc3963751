/**
 * MeTTa text: one expression per line on output, exactly as upstream's `dump_all_sexpr`;
 * any layout on input, parsed as upstream's parser does (see expr/parser.ts for the differences).
 */
import { ErrorCode, FormatError, isMorkspaceError } from '../errors.js';
import { ByteWriter, printExpression } from '../expr/encoding.js';
import { TextParser, type ParseOptions, type ParseStats } from '../expr/parser.js';
import { PathArena } from '../path-arena.js';
import type { ParseChunkResult, ParseChunkTask } from '../expr/parse-chunk.js';
import { mapOrdered, runTask } from '../pool/pool.js';

/** Paths printed per output chunk: bounds the output buffer (bench case `paths->text`). */
const PRINT_BATCH_PATHS = 1 << 15;

/** Options of `readText`. */
export interface ReadTextOptions extends ParseOptions {
  /**
   * Worker threads parsing chunks in parallel (1: all on this thread). Defaults to 1. Results are
   * identical either way: a worker's chunk is used only where this thread's parse meets it
   * between expressions (src/expr/parse-chunk.ts).
   */
  threads: number;
}

/**
 * Stream MeTTa text into batches of paths (input order, duplicates kept).
 * `stats`, when given, is filled as parsing goes.
 * @throws FormatError ERR_SYNTAX / ERR_LIMIT with line, column and byte offset.
 */
export async function* readText(source: AsyncIterable<Uint8Array>, options: Partial<ReadTextOptions> = {}, stats?: { parse?: ParseStats }): AsyncGenerator<PathArena> {
  const parser = new TextParser(options);
  if (stats) stats.parse = parser.stats;
  const threads = options.threads ?? 1;
  if (threads <= 1) {
    for await (const chunk of source) {
      const arena = new PathArena(chunk.length + 1024, 1024);
      parser.push(chunk, arena);
      if (arena.count > 0) yield arena;
    }
  } else {
    const task = (chunk: Uint8Array): Promise<ParseChunkResult> => {
      const bytes = new Uint8Array(chunk); // a buffer of its own, moved to the worker
      const t: ParseChunkTask = { bytes, crIsWhitespace: options.crIsWhitespace ?? false };
      return runTask(threads, 'parseTextChunk', t, [bytes.buffer]);
    };
    // the first chunk starts at the top level: no guess to make, parse it here
    const chunks = mapOrdered(source, 2 * threads, async (chunk, index) => ({ chunk, guess: index === 0 ? undefined : await task(chunk) }));
    for await (const { chunk, guess } of chunks) yield* parseWithGuess(parser, chunk, guess);
  }
  const arena = new PathArena(0, 16);
  parser.end(arena);
  if (arena.count > 0) yield arena;
}

// Use a worker's parse of `chunk` from its first line break if this thread's parse reaches that
// point between expressions; else parse the chunk here (also for its exact error positions).
function* parseWithGuess(parser: TextParser, chunk: Uint8Array, guess: ParseChunkResult | undefined): Generator<PathArena> {
  const arena = new PathArena(chunk.length + 1024, 1024);
  if (guess?.ok) {
    parser.push(chunk.subarray(0, guess.start), arena);
    if (parser.atTopLevel()) {
      if (arena.count > 0) yield arena;
      parser.skipAhead(chunk.subarray(guess.start, guess.stop), guess.topLevel);
      if (guess.count > 0) yield PathArena.adopt(guess.bytes, guess.ends, guess.count);
      const tail = new PathArena(chunk.length - guess.stop + 64, 16);
      parser.push(chunk.subarray(guess.stop), tail);
      if (tail.count > 0) yield tail;
      return;
    }
    parser.push(chunk.subarray(guess.start), arena);
  } else {
    parser.push(chunk, arena);
  }
  if (arena.count > 0) yield arena;
}

/**
 * Print a space as text, one expression per line.
 * @throws FormatError ERR_NOT_EXPRESSION naming the path's index in the space.
 */
export async function* writeText(batches: AsyncIterable<PathArena>): AsyncGenerator<Uint8Array> {
  const w = new ByteWriter(1 << 20);
  let index = 0;
  for await (const batch of batches) {
    for (let i = 0; i < batch.count; i++, index++) {
      printOne(batch, i, w, index);
      if (w.pos >= 1 << 20 || (i + 1) % PRINT_BATCH_PATHS === 0) yield w.take();
    }
    if (w.pos > 0) yield w.take();
  }
}

function printOne(batch: PathArena, i: number, w: ByteWriter, index: number): void {
  try {
    printExpression(batch.bytes, batch.start(i), batch.end(i), w);
  } catch (e) {
    if (isMorkspaceError(e) && e.code === ErrorCode.NotExpression) {
      throw new FormatError(ErrorCode.NotExpression, `path ${index} cannot be printed as text: ${e.message} at its byte ${e.where.offset ?? 0}`, { offset: index, offsetOf: 'path' });
    }
    throw e;
  }
}

/** Print every path of `arena` (in its order) as text. */
export function encodeText(arena: PathArena): Uint8Array {
  const w = new ByteWriter(Math.max(64, arena.byteLength * 2));
  for (let i = 0; i < arena.count; i++) printOne(arena, i, w, i);
  return w.buf.slice(0, w.pos);
}
