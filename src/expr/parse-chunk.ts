/**
 * The worker half of parallel text parsing: parse a chunk from its first line break, assuming an
 * expression may start there. The main thread accepts the result only if its own parse reaches that
 * line break between expressions (`TextParser.atTopLevel`); otherwise it parses the chunk itself.
 */
import { PathArena } from '../path-arena.js';
import { TextParser, type LongSymbols } from './parser.js';

const LF = 0x0a;

/** A chunk to parse speculatively: `bytes` owns its buffer (it is moved to the worker). */
export interface ParseChunkTask {
  bytes: Uint8Array;
  crIsWhitespace: boolean;
  /** The run's rule for symbols over 63 bytes: under `error` the worker gives up at one (the run's thread reports it). */
  longSymbols: LongSymbols;
  /**
   * Buffers lent for the result (moved to the worker with the task, and back in the result): the
   * paths are written there, into new buffers only when they do not fit (see `reclaim` in buffers.ts).
   */
  out?: { bytes: Uint8Array; ends: Uint32Array };
}

/** Expressions found in `bytes[start..stop)`: `start` follows the first line break, `stop` ends the last complete one. */
export type ParseChunkResult =
  | { ok: true; start: number; stop: number; count: number; topLevel: number; longSymbols: number; bytes: Uint8Array; ends: Uint32Array }
  | { ok: false };

/** Parse `task.bytes` from its first line break; `{ ok: false }` when there is none or the parse fails. */
export function parseChunk(task: ParseChunkTask): ParseChunkResult {
  const input = task.bytes;
  const lf = input.indexOf(LF);
  if (lf < 0) return { ok: false };
  const start = lf + 1;
  const parser = new TextParser({ crIsWhitespace: task.crIsWhitespace, longSymbols: task.longSymbols === 'truncate' ? 'truncate' : 'throw' });
  const arena = task.out ? PathArena.adopt(task.out.bytes, task.out.ends, 0) : new PathArena(input.length - start + 64, 4096);
  try {
    parser.push(input.subarray(start), arena);
  } catch {
    return { ok: false }; // maybe a wrong guess (the line break was inside an expression): the main thread decides
  }
  return { ok: true, start, stop: start + parser.consumed, count: arena.count, topLevel: parser.stats.topLevel, longSymbols: parser.stats.longSymbols, bytes: arena.bytes, ends: arena.ends };
}
