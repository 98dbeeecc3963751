/**
 * Printing a batch of paths as text lines: the one loop that `writeText` (formats/text.ts) runs on
 * the run's thread and the pool's `printText` task runs on a worker. A small module of its own, so
 * the worker loads the printer and nothing of the formats.
 */
import { ErrorCode, FormatError, isMorkspaceError, type Where } from '../errors.js';
import type { SymbolTable } from '../symbols/table.js';
import { ByteWriter, printExpression } from './encoding.js';

/**
 * Print paths `[from, to)` of a batch whose paths lie back to back from byte 0 (a PathArena's
 * `bytes` and `ends`), one line each, into `w`; path `i` of the batch is path `first + i` of the
 * space (what a fault names). Empty paths have no text: they are left out and counted in `skipped`.
 * Stops early once `w` holds `untilBytes`. Returns the index of the first path not printed.
 * @throws FormatError ERR_NOT_EXPRESSION / ERR_UNKNOWN_SYMBOL naming the path's index in the space.
 */
export function printPaths(bytes: Uint8Array, ends: Uint32Array, from: number, to: number, first: number, w: ByteWriter, skipped: { emptyPaths: number }, symbols?: SymbolTable, untilBytes = Infinity): number {
  let s = from === 0 ? 0 : ends[from - 1]!;
  let i = from;
  while (i < to && w.pos < untilBytes) {
    const e = ends[i]!;
    if (e === s) skipped.emptyPaths++;
    else printPath(bytes, s, e, w, first + i, symbols);
    s = e;
    i++;
  }
  return i;
}

// Print path `index` of the space, `bytes[s..e)`; a fault names that index.
function printPath(bytes: Uint8Array, s: number, e: number, w: ByteWriter, index: number, symbols?: SymbolTable): void {
  try {
    printExpression(bytes, s, e, w, symbols);
  } catch (err) {
    if (isMorkspaceError(err) && (err.code === ErrorCode.NotExpression || err.code === ErrorCode.UnknownSymbol)) {
      // the position says `path N:`; the message says what is wrong with it
      throw new FormatError(err.code, `cannot be printed as text: ${err.message} at its byte ${err.where.offset ?? 0}`, { offset: index, offsetOf: 'path' });
    }
    throw err;
  }
}

/**
 * A batch to print on a worker: `bytes` and `ends` as a PathArena's (their buffers moved with the
 * task), its first path path `first` of the space, the text written into the lent `out`.
 */
export interface PrintTextTask {
  bytes: Uint8Array;
  ends: Uint32Array;
  first: number;
  out: Uint8Array;
}

/** The batch's text (in `out` when it fits), its empty paths and its path bytes; a fault as data (errors lose their fields crossing threads). */
export type PrintTextResult = { ok: true; text: Uint8Array; emptyPaths: number; bytes: number } | { ok: false; code: ErrorCode; message: string; where: Where };

/** Print a whole batch (the worker's half of a parallel `writeText`). */
export function printTextTask(task: PrintTextTask): PrintTextResult {
  const w = new ByteWriter(0, task.out);
  const skipped = { emptyPaths: 0 };
  try {
    printPaths(task.bytes, task.ends, 0, task.ends.length, task.first, w, skipped);
  } catch (e) {
    if (isMorkspaceError(e)) return { ok: false, code: e.code, message: e.message, where: e.where };
    throw e;
  }
  return { ok: true, text: w.buf.subarray(0, w.pos), emptyPaths: skipped.emptyPaths, bytes: task.ends.length > 0 ? task.ends[task.ends.length - 1]! : 0 };
}

/** The fault a worker's print came back with, as the error it was. */
export function printFault(r: Extract<PrintTextResult, { ok: false }>): FormatError {
  return new FormatError(r.code, r.message, r.where);
}
