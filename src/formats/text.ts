/**
 * MeTTa text: one expression per line on output, exactly as upstream's `dump_all_sexpr`;
 * any layout on input, parsed as upstream's parser does (see expr/parser.ts for the differences).
 */
import { ErrorCode, FormatError, isMorkspaceError } from '../errors.js';
import { ByteWriter, printExpression } from '../expr/encoding.js';
import { TextParser, type ParseOptions, type ParseStats } from '../expr/parser.js';
import { PathArena } from '../path-arena.js';

/** Paths printed per output chunk: bounds the output buffer (bench case `paths->text`). */
const PRINT_BATCH_PATHS = 1 << 15;

/**
 * Stream MeTTa text into batches of paths (input order, duplicates kept).
 * `stats`, when given, is filled as parsing goes.
 * @throws FormatError ERR_SYNTAX / ERR_LIMIT with line, column and byte offset.
 */
export async function* readText(source: AsyncIterable<Uint8Array>, options: Partial<ParseOptions> = {}, stats?: { parse?: ParseStats }): AsyncGenerator<PathArena> {
  const parser = new TextParser(options);
  if (stats) stats.parse = parser.stats;
  for await (const chunk of source) {
    const arena = new PathArena(chunk.length + 1024, 1024);
    parser.push(chunk, arena);
    if (arena.count > 0) yield arena;
  }
  const arena = new PathArena(0, 16);
  parser.end(arena);
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
