/**
 * `--resolve`: an interned space's ids back to inline symbols, so the result needs no table (and
 * sorts by symbol text, as a non-interning build's space does). A stage: its output is unsorted.
 */
import { ErrorCode, FormatError } from '../errors.js';
import { MAX_SYMBOL_BYTES, TagKind, scanExpression, tagKind } from '../expr/encoding.js';
import { PathArena } from '../path-arena.js';
import type { Stage } from '../pipeline.js';
import { ID_BYTES, TAG_ID, idText, readId, type SymbolTable } from './table.js';

/** Append `path[s..e)` to `out` with every id replaced by its symbol. @throws FormatError naming the id. */
export function resolvePath(path: Uint8Array, s: number, e: number, table: SymbolTable, out: PathArena, scratch: { buf: Uint8Array }): void {
  let buf = scratch.buf;
  if (buf.length < 8 * (e - s)) buf = scratch.buf = new Uint8Array(8 * (e - s) + 64);
  let w = 0;
  let p = s;
  while (p < e) {
    const b = path[p]!;
    if (tagKind(b) !== TagKind.Symbol) {
      buf[w++] = b;
      p++;
      continue;
    }
    const n = b & 0x3f;
    if (b !== TAG_ID || p + 1 + ID_BYTES > e) {
      buf.set(path.subarray(p, p + 1 + n), w);
      w += 1 + n;
      p += 1 + n;
      continue;
    }
    const id = readId(path, p + 1);
    const text = id < 0 ? undefined : table.lookup(id);
    if (text === undefined) throw new FormatError(ErrorCode.UnknownSymbol, `symbol id ${idText(Math.max(id, 0))} is not in the symbol table`, { offset: p - s, offsetOf: 'path byte' });
    if (text.length > MAX_SYMBOL_BYTES) {
      const shown = Buffer.from(text.subarray(0, 48)).toString('utf8');
      throw new FormatError(ErrorCode.Limit, `symbol ${idText(id)} ('${shown}…', ${text.length} bytes) is longer than ${MAX_SYMBOL_BYTES}: it cannot be inline; keep the ids (no --resolve)`, {});
    }
    buf[w++] = 0xc0 | text.length;
    buf.set(text, w);
    w += text.length;
    p += 1 + ID_BYTES;
  }
  out.push(buf, 0, w);
}

/** The stage: every batch resolved through the space's table; the result has no table and is unsorted. */
export const resolveStage: Stage = (space) => {
  const table = space.symbols;
  if (table === undefined) return space;
  async function* batches(table: SymbolTable): AsyncGenerator<PathArena> {
    const scratch = { buf: new Uint8Array(1 << 12) };
    let index = 0;
    for await (const batch of space.batches) {
      const out = new PathArena(batch.byteLength + 64, batch.count + 1);
      for (let i = 0; i < batch.count; i++, index++) {
        try {
          resolvePath(batch.bytes, batch.start(i), batch.end(i), table, out, scratch);
        } catch (e) {
          if (e instanceof FormatError) throw new FormatError(e.code, e.message, { offset: index, offsetOf: 'path' });
          throw e;
        }
      }
      if (space.recycles === true) batch.release();
      yield out;
    }
  }
  const { symbols: _, ...rest } = space;
  return { ...rest, batches: batches(table), order: 'unsorted', recycles: true };
};

/**
 * A stage that checks every id of an interned space against its table as the batches pass (a
 * table for another space is found before it is written beside the paths, not when they are
 * printed). Paths that are not expressions (binary keys) are left alone.
 * @throws FormatError ERR_UNKNOWN_SYMBOL naming the path and the id.
 */
export const checkIdsStage: Stage = (space) => {
  const table = space.symbols;
  if (table === undefined) return space;
  async function* batches(table: SymbolTable): AsyncGenerator<PathArena> {
    let index = 0;
    for await (const batch of space.batches) {
      const bytes = batch.bytes;
      for (let i = 0; i < batch.count; i++, index++) {
        const s = batch.start(i);
        let missing = -1;
        try {
          scanExpression(bytes, s, batch.end(i), (a, b) => {
            if (missing < 0 && b - a === ID_BYTES && table.indexOf(Math.max(0, readId(bytes, a))) < 0) missing = a;
          });
        } catch (e) {
          if (!(e instanceof FormatError) || e.code !== ErrorCode.NotExpression) throw e;
          continue;
        }
        if (missing >= 0) {
          const id = readId(bytes, missing);
          throw new FormatError(ErrorCode.UnknownSymbol, `symbol id ${idText(Math.max(0, id))} is not in the symbol table (a table for another space?)`, { offset: index, offsetOf: 'path' });
        }
      }
      yield batch;
    }
  }
  return { ...space, batches: batches(table) };
};
